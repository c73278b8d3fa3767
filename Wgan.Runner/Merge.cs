using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// The <c>merge</c> command: assembles the results of sharded runs from <c>&lt;out&gt;/.work/</c> into exactly the
/// result folder an unsharded run writes (the units are the same, and each is deterministic).
/// </summary>
public static class Merge
{
    /// <summary>Merges every work folder under the output folder.</summary>
    public static int Execute(MergeCommand merge, string[] args, TextWriter stdout, TextWriter stderr)
    {
        OutputFolder.RequireSafe(merge.OutDirectory);
        var works = new List<WorkFolder>();
        foreach (var work in WorkFolder.All(merge.OutDirectory))
        {
            // A folder with neither a run record nor a unit's result holds nothing to merge (e.g. one made by hand).
            if (!work.HasCheckpoints) stderr.WriteLine($"{work.Path}: skipped, it holds no checkpoints");
            else works.Add(work);
        }
        if (works.Count == 0)
            throw new InputException($"{merge.OutDirectory}: no sharded runs to merge " +
                $"(no checkpoints under {Path.Combine(merge.OutDirectory, WorkFolder.Name)})");
        ResultsIndexFile.RequireOwnIndex(merge.OutDirectory, merge.Force, "merge --force", "nothing was merged");
        OutputFolder.RequireWritable(merge.OutDirectory, "nothing was merged");
        AtomicOutput.CleanStale(merge.OutDirectory, stderr);
        var prepared = works.Select(work =>
        {
            if (work.LiveHolder() is { } holder)
                throw new InputException($"{work.Path} is being written by a run in progress (process {holder}); " +
                    "merge when every shard has finished");
            if (!work.HasRecord)
                throw new InputException($"{work.Path}: unit results without a run record (run.json); " +
                    "delete the folder, or run its shards again");
            var stored = work.ReadStored();
            var reading = Harness.ReadManifest(stored.Manifest);
            if (!reading.IsValid)
                throw new InputException(
                    $"{work.Path}: the recorded manifest is no longer valid: {string.Join("; ", reading.Errors)}");
            var identity = stored.Identity;
            if (identity.FirstLook > 0)
                throw new InputException($"{work.Path} holds checkpoints of a sequential run (--until-decided), which "
                    + "decides its looks as it goes: continue it with run --until-decided --resume, not merge");
            if (reading.Experiment.Id != identity.Experiment)
                throw new InputException($"{work.Path}: run.json: $.Identity.Experiment is '{identity.Experiment}' " +
                    $"but its manifest is of '{reading.Experiment.Id}'");
            var plan = reading.Experiment.Plan(
                identity.Scale, identity.SeedsRequested, identity.Device, new NoResources());
            if (!plan.UnitKeys.SequenceEqual(identity.UnitKeys))
                throw new InputException($"{work.Path}: run.json: $.Identity.UnitKeys are not the units its manifest " +
                    $"plans at scale {identity.Scale}");
            var folder = Path.Combine(merge.OutDirectory, identity.Experiment);
            if (Directory.Exists(folder))
            {
                if (!merge.Force)
                    throw new InputException($"{folder} already holds a result; use merge --force to replace it");
                AtomicOutput.RequireRemovable(folder, $"the published result {folder}");
            }
            return (work, stored, plan, folder);
        }).ToArray();
        // Units computed in the portable mode are assembled in it, and the result records it.
        var modes = prepared.Select(p => p.stored.Identity.Numerics).Distinct().ToArray();
        if (modes.Length > 1)
            throw new InputException($"{merge.OutDirectory}: some runs to merge are portable and some fast; " +
                "merge them from separate --out folders");
        if (modes[0] == NumericsMode.Portable) PlatformProbe.EnterPortableMode();
        var commandLine = "wgan " + string.Join(" ", args);
        foreach (var (work, stored, plan, folder) in prepared)
        {
            // The whole-run lock: no run or other merge writes the folder meanwhile.
            using (work.Lock("run"))
            {
                var (device, threads) = (stored.Identity.Device, stored.Identity.Threads);
                var result = RunExperiments.Publish(plan, work, stored.Manifest, folder, device, threads, commandLine);
                RunExperiments.Summarise(result, folder, stdout);
            }
            work.RemoveIfUnused();
        }
        ResultsIndexFile.Write(merge.OutDirectory, merge.Force);
        return Program.Done;
    }
}
