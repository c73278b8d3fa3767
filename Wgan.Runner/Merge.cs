using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// The <c>merge</c> command: assembles the results of sharded runs from <c>&lt;out&gt;/.work/</c> into exactly the result
/// folder an unsharded run writes (the units are the same, and each is deterministic).
/// </summary>
public static class Merge
{
    /// <summary>Merges every work folder under the output folder.</summary>
    public static int Execute(MergeCommand merge, string[] args, TextWriter stdout)
    {
        var works = WorkFolder.All(merge.OutDirectory).ToArray();
        if (works.Length == 0)
            throw new InputException($"{merge.OutDirectory}: no sharded runs to merge (no .work folder)");
        var prepared = works.Select(work =>
        {
            var stored = work.ReadStored();
            var reading = Harness.ReadManifest(stored.Manifest);
            if (!reading.IsValid) throw new InputException($"{work.Path}: the recorded manifest is no longer valid: {string.Join("; ", reading.Errors)}");
            var identity = stored.Identity;
            var plan = reading.Experiment.Plan(identity.Scale, identity.SeedsRequested, identity.Device, new NoResources());
            var folder = Path.Combine(merge.OutDirectory, identity.Experiment);
            if (Directory.Exists(folder) && !merge.Force)
                throw new InputException($"{folder} already holds a result; use --force to overwrite it");
            return (work, stored, plan, folder);
        }).ToArray();
        var commandLine = "wgan " + string.Join(" ", args);
        foreach (var (work, stored, plan, folder) in prepared)
        {
            using (work.Lock("merge"))
            {
                var result = RunExperiments.Publish(plan, work, stored.Manifest, folder, stored.Identity.Device, stored.Identity.Threads, commandLine);
                RunExperiments.Summarise(result, folder, stdout);
            }
        }
        SuiteIndex.Write(merge.OutDirectory);
        return Program.Done;
    }
}
