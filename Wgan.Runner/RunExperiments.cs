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
        var manifests = Load(run.Manifest);
        Devices.Require(run.Device);
        var duplicate = manifests.GroupBy(m => m.Experiment.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InputException($"{string.Join(" and ", duplicate.Select(m => m.Path))} both write the experiment '{duplicate.Key}'");
        Devices.PinThreads(run.Threads);
        // Data problems (no npm, a wrong hash, a corrupt file) are reported before anything is written.
        var resources = new RunResources(MnistLoader.For(run.Data), stderr);
        if (manifests.Any(m => m.Experiment.UsesMnist))
            stderr.WriteLine($"MNIST: {resources.Mnist().Description}");
        PrepareOutput(run.OutDirectory);

        var commandLine = "wgan " + string.Join(" ", args.Select(a => a.Contains(' ') ? $"\"{a}\"" : a));
        foreach (var manifest in manifests)
        {
            var experiment = manifest.Experiment;
            var seeds = experiment.SeedsAt(run.Scale, run.Seeds);
            stderr.WriteLine($"[{experiment.Id}] {experiment.Title}: scale {run.Scale}, {seeds.Length} seed(s), device {run.Device}, {run.Threads} thread(s)");
            var progress = new ProgressPrinter(experiment.Id, stderr);
            var clock = Stopwatch.StartNew();
            var result = experiment.Run(run.Scale, run.Seeds, run.Device, resources, new Action<Progress>(progress.Report));
            var environment = Environment(run, commandLine, clock.Elapsed.TotalSeconds);
            var folder = Path.Combine(run.OutDirectory, experiment.Id);
            Write(result, environment, manifest.Text, folder);
            Summarise(result, folder, clock.Elapsed, stdout);
        }
        return Program.Done;
    }

    /// <summary>Reads and validates one manifest or every *.json manifest of a folder; all problems are reported together.</summary>
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
            string text;
            try { text = File.ReadAllText(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{file}: cannot be read ({e.Message})");
                continue;
            }
            var reading = Harness.ReadManifest(text);
            if (reading.IsValid) loaded.Add(new LoadedManifest(file, text, reading.Experiment));
            else problems.AddRange(reading.Errors.Select(error => $"{file}: {error}"));
        }
        if (problems.Count > 0)
            throw new InputException($"invalid manifest; nothing was run or written:{System.Environment.NewLine}  " + string.Join(System.Environment.NewLine + "  ", problems));
        return loaded;
    }

    static void PrepareOutput(string outDirectory)
    {
        if (File.Exists(outDirectory)) throw new InputException($"--out {outDirectory}: is a file, not a folder");
        try
        {
            Directory.CreateDirectory(outDirectory);
            var probe = Path.Combine(outDirectory, $".write-probe.{System.Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new InputException($"--out {outDirectory}: cannot write there ({e.Message})");
        }
    }

    static Render.RunEnvironment Environment(RunCommand run, string commandLine, double seconds) => new(
        harnessVersion: typeof(RunExperiments).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown",
        torchSharpVersion: typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) ?? "unknown",
        dotnetVersion: System.Environment.Version.ToString(),
        operatingSystem: $"{RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}",
        device: run.Device,
        threads: run.Threads,
        commandLine: commandLine,
        wallTimeSeconds: seconds);

    /// <summary>Writes result.json, report.md, the CSV series and the figures into <paramref name="folder"/>, replacing it atomically.</summary>
    public static void Write(ExperimentResult result, Render.RunEnvironment environment, string manifestText, string folder) =>
        AtomicOutput.ReplaceFolder(folder, staging =>
        {
            foreach (var series in result.Series)
                AtomicOutput.WriteText(Path.Combine(staging, series.Name + ".csv"), Render.csv(series));
            foreach (var figure in result.Figures)
                Plots.Save(figure, Path.Combine(staging, "figures", figure.Name + ".png"));
            foreach (var grid in result.ImageGrids)
                ImageGridPng.Save(grid, Path.Combine(staging, "figures", grid.Name + ".png"));
            AtomicOutput.WriteText(Path.Combine(staging, "report.md"), Render.reportMarkdown(result, environment, manifestText));
            AtomicOutput.WriteText(Path.Combine(staging, "result.json"), Render.resultJson(result, environment, manifestText));
        });

    static void Summarise(ExperimentResult result, string folder, TimeSpan elapsed, TextWriter stdout)
    {
        stdout.WriteLine($"{result.ExperimentId}: {result.Claims.Length} claim(s), {elapsed.TotalSeconds:F1} s -> {folder}");
        foreach (var claim in result.Claims)
            stdout.WriteLine($"  {claim.Verdict.Name,-15} {claim.Spec.Id}: {claim.Spec.Metric} = {Render.rounded(4, claim.Mean)} (expected {claim.Spec.Expected})");
    }

    /// <summary>Prints progress lines with elapsed time and an estimate of the time left, at most about once a second.</summary>
    sealed class ProgressPrinter(string id, TextWriter stderr)
    {
        readonly Stopwatch clock = Stopwatch.StartNew();
        TimeSpan lastPrinted = TimeSpan.FromSeconds(-10);

        public void Report(Progress p)
        {
            var now = clock.Elapsed;
            if (p.Done < p.Total && now - lastPrinted < TimeSpan.FromSeconds(1)) return;
            lastPrinted = now;
            var left = p.Done > 0 ? TimeSpan.FromSeconds(now.TotalSeconds / p.Done * (p.Total - p.Done)) : TimeSpan.Zero;
            stderr.WriteLine($"[{id}] {p.Done}/{p.Total} ({100.0 * p.Done / p.Total:F0}%) {p.Message}; {now.TotalSeconds:F0} s elapsed, ~{left.TotalSeconds:F0} s left");
        }
    }
}
