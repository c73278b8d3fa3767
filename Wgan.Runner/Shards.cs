using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// Which share of the units a process runs. Units are dealt round-robin: shard i of n runs the units whose
/// index is i modulo n, a deterministic split that needs no coordination between shards.
/// </summary>
public static class Shards
{
    /// <summary>
    /// Resolves <c>--shard</c>: empty (the whole run), <c>i/n</c>, or <c>auto</c>, which reads a Slurm job array
    /// (<c>SLURM_ARRAY_TASK_ID</c> minus <c>SLURM_ARRAY_TASK_MIN</c>, of <c>SLURM_ARRAY_TASK_COUNT</c>) or a Kubernetes
    /// Indexed Job (<c>JOB_COMPLETION_INDEX</c>, of <c>--shard-count</c>).
    /// </summary>
    public static ShardSpec Resolve(string spec, int shardCount, Func<string, string?> environment)
    {
        if (spec == "") return ShardSpec.Whole;
        if (spec == "auto")
        {
            var slurmId = environment("SLURM_ARRAY_TASK_ID");
            if (slurmId is not null)
            {
                var count = Integer(environment("SLURM_ARRAY_TASK_COUNT"), "SLURM_ARRAY_TASK_COUNT");
                var min = environment("SLURM_ARRAY_TASK_MIN") is { } m ? Integer(m, "SLURM_ARRAY_TASK_MIN") : 0;
                return Checked(Integer(slurmId, "SLURM_ARRAY_TASK_ID") - min, count, "the Slurm job array");
            }
            var k8sIndex = environment("JOB_COMPLETION_INDEX");
            if (k8sIndex is not null)
            {
                if (shardCount < 1)
                    throw new InputException(
                        "--shard auto under a Kubernetes Indexed Job needs --shard-count (the Job's completions)");
                return Checked(Integer(k8sIndex, "JOB_COMPLETION_INDEX"), shardCount, "the Kubernetes Indexed Job");
            }
            throw new InputException(
                "--shard auto: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set; use --shard i/n");
        }
        var parts = spec.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var index) || !int.TryParse(parts[1], out var n))
            throw new InputException($"--shard '{spec}': expected i/n (e.g. 0/4) or auto");
        return Checked(index, n, "--shard");
    }

    static ShardSpec Checked(int index, int count, string source)
    {
        if (count < 1 || index < 0 || index >= count)
            throw new InputException($"{source}: shard index {index} of {count} is out of range (0 <= index < count)");
        return new ShardSpec(index, count);
    }

    static int Integer(string? value, string name) =>
        int.TryParse(value, out var v) ? v : throw new InputException($"{name}='{value}' is not an integer");

    /// <summary>The unit indices of <paramref name="shard"/> among <paramref name="units"/> units.</summary>
    public static IEnumerable<int> Units(ShardSpec shard, int units) =>
        Enumerable.Range(0, units).Where(i => i % shard.Count == shard.Index);
}
