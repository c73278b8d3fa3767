using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// The <c>run</c> command: validates every manifest and the output folder before any work starts, runs the
/// experiments with progress on standard error, and writes each one's results folder atomically.
/// </summary>
public static class RunExperiments
{
    /// <summary>A manifest file with its text and validated plan.</summary>
    public sealed record LoadedManifest(string Path, string Text, PlannedExperiment Experiment);

    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Execute(RunCommand run, string[] args, TextWriter stdout, TextWriter stderr)
    {
        // The output folder's path first: nothing else is looked at for a folder no result may go into.
        OutputFolder.RequireSafe(run.OutDirectory);
        // Before this process's first tensor operation: the libraries choose their code paths once.
        if (run.Portable) PlatformProbe.EnterPortableMode();
        var manifests = Load(run.Manifest);
        Devices.Require(run.Device);
        var shard = Shards.Resolve(run.Shard, run.ShardCount, System.Environment.GetEnvironmentVariable);
        var duplicate = manifests.GroupBy(m => m.Experiment.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InputException(
                $"{string.Join(" and ", duplicate.Select(m => m.Path))} both write the experiment '{duplicate.Key}'");
        // Data problems (no npm, a wrong hash, a corrupt file, no Fashion-MNIST) are reported before anything is
        // written, for every image set the manifests read and no other.
        var resources = new RunResources(MnistLoader.For(run.Data), stderr, FashionMnistLoader.For(run.Data));
        var worker = run.Worker >= 0;
        // A worker's standard error goes to its parent's: the parent has described the data.
        resources.LoadFor(manifests.Select(m => m.Experiment), worker ? null : stderr);
        var whole = shard.Count == 1;
        // The index a whole run rebuilds at its end replaces only an index that wgan wrote, unless --force.
        if (whole && !worker)
            ResultsIndexFile.RequireOwnIndex(run.OutDirectory, run.Force, "run --force", "nothing was run");
        OutputFolder.RequireWritable(run.OutDirectory, "nothing was run");
        if (worker) ParentWatch.ExitWhenParentEnds();
        else AtomicOutput.CleanStale(run.OutDirectory, stderr);
        // Plan and check every experiment before running any, so that a refusal loses no work.
        var jobs = manifests.Select(manifest =>
        {
            // A sequential run plans the units of its largest seed count: every look's units are among them.
            var plan = manifest.Experiment.Plan(run.Scale, run.UntilDecided ? run.MaxSeeds : run.Seeds, run.Device,
                resources);
            var work = WorkFolder.For(run.OutDirectory, manifest.Experiment.Id);
            var mine = Shards.Units(shard, plan.UnitKeys.Length).ToArray();
            var published = Path.Combine(run.OutDirectory, manifest.Experiment.Id);
            if (whole && !worker && Directory.Exists(published))
            {
                if (!run.Force)
                    throw new InputException(run.Resume && work.HasCheckpoints
                        ? $"{published} already holds a result; to publish the checkpointed run in {work.Path} " +
                          $"instead, move {published} away and rerun with --resume (--force discards the checkpoints " +
                          "and starts over)"
                        : $"{published} already holds a result; use --force to overwrite it (or --out elsewhere)");
                // Before any work: a result that cannot be replaced is found now, not after the run.
                AtomicOutput.RequireRemovable(published, $"the published result {published}");
            }
            // Shards of one run share the folder; a whole run or a merge owns it.
            if (!worker && (whole ? work.LiveHolder() : work.LiveHolder("run")) is { } holder)
                throw new InputException($"{work.Path} is being written by a run in progress (process {holder}); " +
                    "wait for it to finish or stop it");
            // Checkpoints of a run with other options: refused here, before anything is deleted (a shard's --force may
            // replace them only when they are its own).
            if (!worker) work.CheckUse(Identity(run, manifest, plan), shard, replacing: run.Force && !run.Resume);
            if (!run.Resume && !run.Force && work.HasCheckpoints && (whole || mine.Any(work.HasUnit)))
                throw new InputException($"{work.Path} holds checkpoints of an interrupted run; " +
                    "use --resume to continue it or --force to start over");
            return (manifest, plan, work, mine);
        }).ToArray();
        Devices.PinThreads(run.Threads);

        var commandLine = "wgan " + string.Join(" ", args.Select(a => a.Contains(' ') ? $"\"{a}\"" : a));
        if (worker) return RunAsWorker(run, jobs, stdout);
        if (run.Jobs > 1) return RunWithWorkers(run, args, jobs, commandLine, stdout, stderr);
        var restarting = run.Force && !run.Resume;
        var (earlierUnits, earlierSeconds) =
            restarting ? (0, 0) : EarlierWork(jobs.Select(j => (j.work, j.mine)), workers: 1);
        using var progress = new RunProgress(
            jobs.Select(j => (j.manifest.Experiment.Id, j.mine.Length)).ToArray(),
            jobs.Select(j => restarting ? 0 : j.mine.Count(j.work.HasUnit)).ToArray(), stderr,
            earlierUnits, earlierSeconds, jobs.Select(j => PublishedSecondsPerUnit(run, j.manifest, j.plan)).ToArray());
        foreach (var (job, (manifest, plan, work, mine)) in jobs.Index())
        {
            var experiment = manifest.Experiment;
            var identity = Identity(run, manifest, plan);
            var folder = Path.Combine(run.OutDirectory, experiment.Id);
            var lockName = whole ? "run" : $"shard-{shard.Index}-of-{shard.Count}";
            try
            {
                using (work.Lock(lockName))
                {
                    // Deleting only under the lock: a run that holds it keeps its checkpoints.
                    if (run.Force && !run.Resume)
                    {
                        if (whole) work.Clear();
                        else work.ReplaceShardUnits(identity, shard, mine, lockName);
                    }
                    work.Claim(identity, manifest.Text);
                    if (run.UntilDecided)
                    {
                        var outcome = RunLooks(run, manifest, plan, work, resources, progress, job);
                        var sequential = PublishSequential(plan, work, manifest.Text, folder, run.Device, run.Threads,
                            commandLine, outcome);
                        Summarise(sequential, folder, stdout);
                        continue;
                    }
                    var seeds = experiment.SeedsAt(run.Scale, run.Seeds);
                    var shardText = whole
                        ? ""
                        : $", shard {shard.Index}/{shard.Count} ({mine.Length} of {plan.UnitKeys.Length} units)";
                    progress.WriteLine(
                        $"[{experiment.Id}] {experiment.Title}: scale {run.Scale}, {seeds.Length} seed(s), " +
                        $"device {run.Device}, {run.Threads} thread(s){shardText}");
                    try
                    {
                        RunUnits(plan, mine, work, progress, job);
                    }
                    catch (DataException)
                    {
                        // Bad data found while running (e.g. too few digits for the scale): leave nothing behind
                        // unless some unit had already finished.
                        if (!Enumerable.Range(0, plan.UnitKeys.Length).Any(work.HasUnit)) work.Clear();
                        throw;
                    }
                    if (whole)
                    {
                        var result = Publish(plan, work, manifest.Text, folder, run.Device, run.Threads, commandLine);
                        Summarise(result, folder, stdout);
                    }
                }
            }
            finally
            {
                // After the lock is released: the folder goes once it holds no checkpoints and nobody uses it.
                work.RemoveIfUnused();
            }
            if (!whole)
            {
                stdout.WriteLine($"{experiment.Id}: shard {shard.Index}/{shard.Count} done ({mine.Length} units) " +
                    $"in {work.Path}; run `wgan merge --out {run.OutDirectory}` when every shard has finished");
            }
        }
        if (whole) ResultsIndexFile.Write(run.OutDirectory, run.Force);
        return Program.Done;
    }

    /// <summary>
    /// A <c>--jobs N</c> run: holds every experiment's run lock, starts N worker processes (this program with the same
    /// options and <c>--worker k --resume</c>) that take the units one at a time, waits for them, and publishes. A
    /// failed or killed worker loses only its unit in progress: <c>--resume</c> continues from the checkpoints.
    /// </summary>
    static int RunWithWorkers(RunCommand run, string[] args,
        (LoadedManifest manifest, ExperimentRun plan, WorkFolder work, int[] mine)[] jobs, string commandLine,
        TextWriter stdout, TextWriter stderr)
    {
        var locks = new List<IDisposable>();
        try
        {
            // Every lock first, then deletions: a run in progress keeps its checkpoints, and a refusal changes nothing.
            foreach (var (_, _, work, _) in jobs) locks.Add(work.Lock("run"));
            foreach (var (manifest, plan, work, _) in jobs)
            {
                if (run.Force && !run.Resume) work.Clear();
                work.Claim(Identity(run, manifest, plan), manifest.Text);
            }
            var units = jobs.Sum(j => j.plan.UnitKeys.Length);
            // One look at every unit: the units done per experiment, and the units that workers are running with the
            // fraction each last wrote (units not started have written none).
            (int[] Done, (string, double)[] Running) Status()
            {
                var done = new int[jobs.Length];
                var running = new List<(string, double)>();
                for (var j = 0; j < jobs.Length; j++)
                    for (var i = 0; i < jobs[j].plan.UnitKeys.Length; i++)
                    {
                        var (manifest, plan, work, _) = jobs[j];
                        if (work.HasUnit(i)) done[j]++;
                        else if (work.ReadProgress(i) is var f and > 0)
                            running.Add(($"{manifest.Experiment.Id}/{plan.UnitKeys[i]}", f));
                    }
                return (done, [.. running]);
            }
            var allUnits = jobs.Select(j => (j.work, Enumerable.Range(0, j.plan.UnitKeys.Length).ToArray()));
            var (earlierUnits, earlierSeconds) = EarlierWork(allUnits, run.Jobs);
            // The previous publication's time per unit, as wall time: the workers run units side by side.
            using var progress = new RunProgress(
                jobs.Select(j => (j.manifest.Experiment.Id, j.plan.UnitKeys.Length)).ToArray(), Status().Done, stderr,
                earlierUnits, earlierSeconds,
                jobs.Select(j => PublishedSecondsPerUnit(run, j.manifest, j.plan) / run.Jobs).ToArray());
            progress.WriteLine($"{jobs.Length} experiment(s), {units} units: " +
                $"{run.Jobs} worker processes with {run.Threads} thread(s) each");
            var workerArgs = WorkerArguments(args);
            // Units each worker finished, as its standard output names them.
            var finishedBy = new int[run.Jobs];
            void Heard(int k, string line)
            {
                if (line.StartsWith(UnitDoneTag + " ", StringComparison.Ordinal))
                    Interlocked.Increment(ref finishedBy[k]);
            }
            var workers = Enumerable.Range(0, run.Jobs)
                .Select(k => StartSelf(
                    [.. workerArgs, "--worker", k.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                    progress.WriteLine, line => Heard(k, line)))
                .ToArray();
            while (workers.Any(p => !p.WaitForExit(TimeSpan.FromMilliseconds(500))))
            {
                var (done, running) = Status();
                progress.ReportRun(done, running);
            }
            foreach (var process in workers) process.WaitForExit();
            progress.ReportRun(Status().Done, []);
            progress.WriteLine($"[run] units finished by each worker: {string.Join(", ", finishedBy)}");
            var failed = workers.Select((p, k) => (k, code: p.ExitCode)).Where(w => w.code != Program.Done).ToArray();
            if (failed.Length > 0)
            {
                // A worker's own exit code may be a signal's (137 for SIGKILL): the run reports one documented code.
                var badInput = failed.All(f => f.code == Program.BadInput);
                var which = string.Join(", ", failed.Select(f => $"{f.k} (exit {f.code})"));
                stderr.WriteLine($"worker(s) {which} failed; finished units are kept in " +
                    $"{Path.Combine(run.OutDirectory, WorkFolder.Name)}: rerun with --resume");
                return badInput ? Program.BadInput : Program.WorkerFailed;
            }
            foreach (var (manifest, plan, work, _) in jobs)
            {
                var folder = Path.Combine(run.OutDirectory, manifest.Experiment.Id);
                var result = Publish(plan, work, manifest.Text, folder, run.Device, run.Threads, commandLine,
                    clearWork: false);
                Summarise(result, folder, stdout);
            }
            foreach (var (_, _, work, _) in jobs) work.Clear();
        }
        finally
        {
            foreach (var l in locks) l.Dispose();
        }
        foreach (var (_, _, work, _) in jobs) work.RemoveIfUnused();
        ResultsIndexFile.Write(run.OutDirectory, run.Force);
        return Program.Done;
    }

    /// <summary>
    /// A worker of a <c>--jobs</c> run: goes through every experiment's units and runs each one that is neither done
    /// nor taken by another worker (a lock per unit, released by the operating system if the worker dies). It reports
    /// progress only through the work folder (<c>unit-K.progress</c>, then the unit's result), which its parent reads
    /// for the one progress display of the run; its standard error, which the parent passes on, carries only errors.
    /// Its standard output, which the parent reads and does not show, names each unit it finished
    /// (<see cref="UnitDoneTag"/>).
    /// </summary>
    static int RunAsWorker(RunCommand run,
        (LoadedManifest manifest, ExperimentRun plan, WorkFolder work, int[] mine)[] jobs, TextWriter stdout)
    {
        foreach (var (manifest, plan, work, _) in jobs)
        {
            work.Claim(Identity(run, manifest, plan), manifest.Text);
            for (var index = 0; index < plan.UnitKeys.Length; index++)
            {
                if (work.HasUnit(index)) continue;
                using var unitLock = work.TryLock($"unit-{index}");
                if (unitLock is null || work.HasUnit(index)) continue;
                var unit = index;
                var progress = Throttled(fraction => work.WriteProgress(unit, fraction), ProgressEvery);
                var (result, seconds) = RunUnit(plan, index, work, progress);
                work.WriteUnit(index, result, seconds);
                stdout.WriteLine($"{UnitDoneTag} {manifest.Experiment.Id} {plan.UnitKeys[index]}");
            }
        }
        return Program.Done;
    }

    /// <summary>
    /// Runs unit <paramref name="index"/>, resuming from its saved training state when it has one and saving its state
    /// as it goes (checksummed: see <see cref="StateFile"/>). A state that cannot be used, damaged or not fitting the
    /// unit, throws <see cref="InputException"/> naming its file and how to recover.
    /// </summary>
    /// The seconds returned are the unit's compute over every sitting: a resumed unit adds the time it had taken to
    /// reach its saved state.
    static (UnitResult Result, double Seconds) RunUnit(ExperimentRun plan, int index, WorkFolder work,
        Action<double> progress)
    {
        var key = plan.UnitKeys[index];
        var before = work.ElapsedBefore(index);
        var clock = Stopwatch.StartNew();
        try
        {
            var result = plan.RunUnit(index, () => work.ReadState(index, key)!,
                state => work.WriteState(index, key, state, before + clock.Elapsed.TotalSeconds), progress);
            return (result, before + clock.Elapsed.TotalSeconds);
        }
        catch (UnusableStateException e)
        {
            throw new InputException($"{work.StateFileOf(index)}: {e.Message}; {work.StateRecovery(index, key)}");
        }
    }

    /// <summary>The compute seconds per unit of this experiment's result in the output folder, when it ran as this run
    /// does (see <see cref="PublishedCost"/>); 0 otherwise.</summary>
    static double PublishedSecondsPerUnit(RunCommand run, LoadedManifest manifest, ExperimentRun plan) =>
        PublishedCost.SecondsPerUnit(run.OutDirectory, manifest, run.Scale,
            manifest.Experiment.SeedsAt(run.Scale, run.Seeds), plan.UnitKeys.Length);

    /// <summary>How a worker's standard output line that names a unit it finished begins.</summary>
    public const string UnitDoneTag = "unit-done";

    static RunIdentity Identity(RunCommand run, LoadedManifest manifest, ExperimentRun plan) =>
        new(manifest.Experiment.Id, RunIdentity.Hash(manifest.Text), run.Scale,
            run.UntilDecided ? run.MaxSeeds : run.Seeds, run.Device, run.Threads, plan.UnitKeys,
            run.Portable ? NumericsMode.Portable : NumericsMode.Fast,
            run.UntilDecided ? FirstLook(run, manifest) : 0);

    /// <summary>The seeds of a sequential run's first look: <c>--seeds N</c>, else the scale's count; no more than
    /// <c>--max-seeds</c>.</summary>
    static int FirstLook(RunCommand run, LoadedManifest manifest)
    {
        var first = manifest.Experiment.SeedsAt(run.Scale, run.Seeds).Length;
        if (first > run.MaxSeeds)
            throw new InputException($"{manifest.Path}: --max-seeds {run.MaxSeeds} is below the first look's {first} "
                + $"seeds (the {run.Scale} scale's count); give --max-seeds at least {first}, or a smaller first look "
                + "with --seeds");
        return first;
    }

    /// <summary>
    /// A sequential run's looks (<c>--until-decided</c>): at each planned seed count the units of that count (by key
    /// among <paramref name="all"/>, the units of the largest count, so finished seeds are reused and a resumed run
    /// finds them) run or are read back, the result is assembled at that count and its claims judged at the look's
    /// share of their error rate (<see cref="SequentialRun"/>); stops when every claim is decided or futile or at the
    /// largest count. A resumed run judges again the looks whose units are all done, which decide as before.
    /// </summary>
    static SequentialLook RunLooks(RunCommand run, LoadedManifest manifest, ExperimentRun all, WorkFolder work,
        IResources resources, RunProgress progress, int job)
    {
        var experiment = manifest.Experiment;
        var looks = new SequentialRun(FirstLook(run, manifest), run.MaxSeeds);
        var indexOf = all.UnitKeys.Select((key, i) => (key, i)).ToDictionary(p => p.key, p => p.i);
        progress.WriteLine($"[{experiment.Id}] {experiment.Title}: scale {run.Scale}, seeds added until decided: "
            + $"looks at {string.Join(", ", looks.PlannedLooks)} seeds, device {run.Device}, {run.Threads} thread(s)");
        SequentialLook? previous = null;
        for (var k = 0; ; k++)
        {
            var seeds = looks.PlannedLooks[k];
            var plan = experiment.Plan(run.Scale, seeds, run.Device, resources);
            var units = plan.UnitKeys
                .Select(key => indexOf.TryGetValue(key, out var i)
                    ? i
                    : throw new InvalidOperationException(
                        $"{experiment.Id}: unit {key} at {seeds} seeds is not among the units at {run.MaxSeeds}"))
                .ToArray();
            var before = Enumerable.Range(0, all.UnitKeys.Length).Count(i => !units.Contains(i) && work.HasUnit(i));
            progress.WriteLine($"[{experiment.Id}] look {k + 1} of at most {looks.PlannedLooks.Length}: {seeds} seeds "
                + $"({units.Count(work.HasUnit)} of {units.Length} units done)");
            RunUnits(all, units, work, progress, job, before);
            var result = plan.Assemble(units.Select(i => work.ReadUnit(i, all.UnitKeys[i])).ToArray(),
                WorkFolder.KnownSecondsByKey(units.Select(work.UnitSeconds), units.Select(i => all.UnitKeys[i])));
            previous = looks.Judge(k, result);
            progress.WriteLine($"[{experiment.Id}] {previous.Line}");
            if (previous.Stopped) return previous;
        }
    }

    /// <summary>
    /// The command line of a worker: this one without <c>--jobs N</c> and <c>--force</c>, with <c>--resume</c>.
    /// </summary>
    public static List<string> WorkerArguments(string[] args)
    {
        var result = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--jobs") { i++; continue; }
            if (args[i].StartsWith("--jobs=", StringComparison.Ordinal) || args[i] is "--force" or "--resume") continue;
            result.Add(args[i]);
        }
        result.Add("--resume");
        return result;
    }

    /// <summary>Starts this program with the given arguments; its standard error lines go to
    /// <paramref name="writeLine"/>, its standard output lines to <paramref name="readOutput"/>.</summary>
    static Process StartSelf(IEnumerable<string> arguments, Action<string> writeLine, Action<string> readOutput)
    {
        // The `wgan` executable starts itself; under `dotnet wgan.dll`, or inside another host (a test run), the
        // dotnet host runs this assembly.
        var self = typeof(RunExperiments).Assembly;
        var host = System.Environment.ProcessPath;
        var isDotnet = host is not null && Path.GetFileNameWithoutExtension(host) == "dotnet";
        var direct = Assembly.GetEntryAssembly() == self && host is not null && !isDotnet;
        var program = direct || isDotnet
            ? host!
            : System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // The worker watches its standard input: it ends when this process ends and the pipe closes.
            RedirectStandardInput = true,
        };
        if (!direct) start.ArgumentList.Add(self.Location);
        // A large gen-0 budget, as in the test host, unless the caller chose one: fewer collections, so
        // TorchSharp's Scalar finalizer race is rarer (README, "Native-memory hazards worked around").
        if (System.Environment.GetEnvironmentVariable("DOTNET_GCgen0size") is null)
            start.Environment["DOTNET_GCgen0size"] = "0x20000000";
        foreach (var a in arguments) start.ArgumentList.Add(a);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {start.FileName}");
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null) readOutput(e.Data); // a worker prints no results, only the units it finished
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) writeLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// The units of <paramref name="folders"/> that earlier sittings finished with a recorded time, and that time as
    /// wall time at this run's parallelism (each unit's seconds over <paramref name="workers"/>, which run side by
    /// side).
    /// </summary>
    public static (double Units, double Seconds) EarlierWork(
        IEnumerable<(WorkFolder Work, int[] Units)> folders, int workers)
    {
        var seconds = folders
            .SelectMany(f => f.Units.Where(f.Work.HasUnit).Select(f.Work.UnitSeconds))
            .Where(s => s > 0)
            .ToArray();
        return (seconds.Length, seconds.Sum() / Math.Max(1, workers));
    }

    /// <summary>How often a running unit's progress is passed on (to its progress file or to the display).</summary>
    static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);

    /// <summary>A unit's progress callback that passes on its first fraction and then at most one per
    /// <paramref name="every"/>.</summary>
    public static Action<double> Throttled(Action<double> pass, TimeSpan every)
    {
        var clock = Stopwatch.StartNew();
        TimeSpan? last = null;
        return fraction =>
        {
            var now = clock.Elapsed;
            if (last is { } l && now - l < every) return;
            last = now;
            pass(fraction);
        };
    }

    /// <summary>Runs the units not yet checkpointed, saving each result as soon as it is known.</summary>
    static void RunUnits(ExperimentRun plan, int[] units, WorkFolder work, RunProgress progress, int experiment,
        int doneBefore = 0)
    {
        var done = doneBefore;
        foreach (var index in units)
        {
            var reused = work.HasUnit(index);
            if (!reused)
            {
                var running = Throttled(
                    fraction => progress.ReportRunning(experiment, plan.UnitKeys[index], fraction), ProgressEvery);
                var (result, seconds) = RunUnit(plan, index, work, running);
                work.WriteUnit(index, result, seconds);
            }
            done++;
            progress.Report(
                experiment, done, plan.UnitDescriptions[index] + (reused ? " (from checkpoint)" : ""), reused ? 0 : 1);
        }
    }

    /// <summary>
    /// Assembles every unit's result from the work folder, writes the result folder and deletes the checkpoints. Call
    /// it holding the work folder's lock.
    /// </summary>
    public static ExperimentResult Publish(ExperimentRun plan, WorkFolder work, string manifestText, string folder,
        string device, int threads, string commandLine, bool clearWork = true)
    {
        var (result, seconds) = AssembleAll(plan, work);
        Write(result, RunEnvironmentOf(device, threads, commandLine, seconds), manifestText, folder);
        if (clearWork) work.Clear();
        return result;
    }

    /// <summary>
    /// Publishes a sequential run's stopping look (its result and looks) and deletes the checkpoints; the compute time
    /// counts every unit computed, those of seeds beyond the stopping look included. Call it holding the work folder's
    /// lock.
    /// </summary>
    public static ExperimentResult PublishSequential(ExperimentRun all, WorkFolder work, string manifestText,
        string folder, string device, int threads, string commandLine, SequentialLook stopped)
    {
        var seconds = Enumerable.Range(0, all.UnitKeys.Length).Where(work.HasUnit).Sum(work.UnitSeconds);
        var environment = RunEnvironmentOf(device, threads, commandLine, seconds);
        WriteFolder(stopped.Result, manifestText, folder,
            stopped.ReportMarkdown(environment, manifestText), stopped.ResultJson(environment, manifestText));
        work.Clear();
        return stopped.Result;
    }

    /// <summary>Every unit's result from the work folder, assembled, and the units' summed seconds.</summary>
    static (ExperimentResult Result, double Seconds) AssembleAll(ExperimentRun plan, WorkFolder work)
    {
        var missing = Enumerable.Range(0, plan.UnitKeys.Length).Where(i => !work.HasUnit(i)).ToArray();
        if (missing.Length > 0)
            throw new InputException($"{work.Path}: {missing.Length} of {plan.UnitKeys.Length} units have no result " +
                $"yet (e.g. {plan.UnitKeys[missing[0]]}); run the missing shards first");
        var results = Enumerable.Range(0, plan.UnitKeys.Length)
            .Select(i => work.ReadUnit(i, plan.UnitKeys[i]))
            .ToArray();
        var unitSeconds = Enumerable.Range(0, plan.UnitKeys.Length).Select(work.UnitSeconds).ToArray();
        var seconds = unitSeconds.Sum();
        ExperimentResult result;
        try { result = plan.Assemble(results, WorkFolder.KnownSecondsByKey(unitSeconds, plan.UnitKeys)); }
        catch (Exception e) when (e is KeyNotFoundException or InvalidDataException)
        {
            throw new InputException(
                $"{work.Path}: a unit checkpoint does not hold what the experiment measures ({e.Message}); " +
                "delete the folder's unit-*.json files that were edited, or the folder, and run again");
        }
        return (result, seconds);
    }

    /// <summary>
    /// Reads and validates one manifest or every *.json manifest of a folder; all problems are reported together.
    /// </summary>
    public static IReadOnlyList<LoadedManifest> Load(string path)
    {
        string[] files;
        if (File.Exists(path)) files = [path];
        else if (Directory.Exists(path))
        {
            files = Directory.GetFiles(path, "*.json").Order(StringComparer.Ordinal).ToArray();
            if (files.Length == 0) throw new InputException($"{path}: the folder has no *.json manifests");
        }
        else throw new InputException($"{path}: no such manifest file or folder");

        var loaded = new List<LoadedManifest>();
        var problems = new List<string>();
        foreach (var file in files)
        {
            byte[] bytes;
            // Not a regular file (a FIFO would block the read, /dev/zero never end) or too large: refused unopened.
            try { bytes = InputFiles.ReadAllBytes(file, InputFiles.MaxManifestBytes, "manifest"); }
            catch (InputException e)
            {
                problems.Add(e.Message);
                continue;
            }
            var decoded = JsonText.DecodeUtf8(bytes);
            if (!decoded.IsValid)
            {
                problems.AddRange(decoded.Problems.Select(problem => $"{file}: {problem}"));
                continue;
            }
            var text = decoded.Text;
            var reading = Harness.ReadManifest(text);
            if (reading.IsValid) loaded.Add(new LoadedManifest(file, text, reading.Experiment));
            else problems.AddRange(reading.Errors.Select(error => $"{file}: {error}"));
        }
        if (problems.Count > 0)
        {
            var newLine = System.Environment.NewLine;
            throw new InputException(
                $"invalid manifest; nothing was run or written:{newLine}  " + string.Join(newLine + "  ", problems));
        }
        return loaded;
    }

    /// <summary>
    /// The environment record of a run: versions, device, threads, command and the units' summed compute time.
    /// </summary>
    public static Render.RunEnvironment RunEnvironmentOf(
        string device, int threads, string commandLine, double seconds) => new(
        harnessVersion: HarnessBuild.Version,
        commit: HarnessBuild.Commit,
        judgedBy: "",
        torchSharpVersion: typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) ?? "unknown",
        dotnetVersion: System.Environment.Version.ToString(),
        operatingSystem: $"{RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}",
        device: device,
        threads: threads,
        commandLine: commandLine,
        platform: PlatformProbe.Current(),
        computeSeconds: seconds);

    /// <summary>
    /// Writes result.json, report.md, the CSV series and the figures into <paramref name="folder"/>, replacing it
    /// atomically.
    /// </summary>
    public static void Write(
        ExperimentResult result, Render.RunEnvironment environment, string manifestText, string folder) =>
        WriteFolder(result, manifestText, folder, ReportMarkdown.render(result, environment, manifestText),
            ResultJson.render(result, environment, manifestText));

    /// <summary>Writes the CSV series, figures, <paramref name="report"/> (report.md) and <paramref name="resultJson"/>
    /// (result.json) into <paramref name="folder"/>, replacing it atomically.</summary>
    static void WriteFolder(ExperimentResult result, string manifestText, string folder, string report,
        string resultJson) =>
        AtomicOutput.ReplaceFolder(folder, staging =>
        {
            foreach (var series in result.SeriesArray)
                AtomicOutput.WriteText(Path.Combine(staging, series.Name + ".csv"), Render.csv(series));
            foreach (var figure in result.FigureArray)
                Plots.Save(figure, Path.Combine(staging, "figures", figure.Name + ".png"));
            TensorBoardExport.Write(result, Path.Combine(staging, "tensorboard"));
            foreach (var grid in result.ImageGridArray)
                ImageGridPng.Save(grid, Path.Combine(staging, "figures", grid.Name + ".png"));
            AtomicOutput.WriteText(Path.Combine(staging, "report.md"), report);
            AtomicOutput.WriteText(Path.Combine(staging, "result.json"), resultJson);
        });

    /// <summary>Prints each claim's verdict.</summary>
    public static void Summarise(ExperimentResult result, string folder, TextWriter stdout)
    {
        var claims = result.ClaimArray;
        stdout.WriteLine($"{result.ExperimentId}: {claims.Length} claim(s) -> {folder}");
        foreach (var claim in claims)
            stdout.WriteLine($"  {claim.Verdict.Name,-15} {claim.Spec.Id}: {claim.Spec.Metric} = " +
                $"{Render.rounded(4, claim.Mean)} (expected {claim.Spec.Expected})");
    }
}
