using System.Text.Json;
using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// The <c>verify</c> command: re-runs a published result at its recorded scale, seeds, device and threads, and
/// compares every metric with the published value within the manifest's <c>verifyTolerance</c>.
/// </summary>
public static class Verify
{
    /// <summary>Exit code when a re-run disagrees with the published result.</summary>
    public const int Mismatch = 1;

    /// <summary>Verifies one result folder; prints the differences.</summary>
    public static int Execute(VerifyCommand verify, TextWriter stdout, TextWriter stderr)
    {
        var path = Path.Combine(verify.Folder, "result.json");
        if (!File.Exists(path)) throw new InputException($"{path}: no such file (expected a published result folder)");
        Published published;
        try { published = Read(File.ReadAllText(path)); }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InputException($"{path}: not a result file ({e.Message})");
        }
        var reading = Harness.ReadManifest(published.Manifest);
        if (!reading.IsValid) throw new InputException($"{path}: its manifest is not valid any more: {string.Join("; ", reading.Errors)}");
        var experiment = reading.Experiment;
        Devices.Require(published.Device);
        Devices.PinThreads(published.Threads);
        var seeds = experiment.SeedsAt(published.Scale, published.Seeds.Length);
        if (!seeds.SequenceEqual(published.Seeds))
            throw new InputException($"{path}: seeds {string.Join(",", published.Seeds)} cannot be re-created from the manifest (it gives {string.Join(",", seeds)})");

        stderr.WriteLine($"[{experiment.Id}] re-running at scale {published.Scale}, {seeds.Length} seed(s), device {published.Device}, {published.Threads} thread(s)");
        var progress = new RunExperiments.ProgressPrinter(experiment.Id, stderr);
        // MNIST experiments get the runner's data and cache, as `run` gives them.
        var resources = new RunResources(MnistLoader.For(verify.Data), stderr);
        var rerun = experiment.Run(published.Scale, published.Seeds.Length, published.Device, resources, new Action<Progress>(progress.Report));

        var tolerance = experiment.VerifyTolerance;
        var differences = new List<string>();
        var compared = 0;
        foreach (var seedMetrics in rerun.Metrics)
        {
            published.Metrics.TryGetValue(seedMetrics.Seed, out var values);
            foreach (var (name, value) in seedMetrics.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                compared++;
                double? old = values is not null && values.TryGetValue(name, out var v) ? v : null;
                var agree = old is { } o ? (double.IsFinite(value) ? Math.Abs(o - value) <= tolerance : false) : !double.IsFinite(value);
                if (!agree)
                    differences.Add($"seed {seedMetrics.Seed} {name}: published {Show(old)}, re-run {Render.number(value)}" +
                        (old is { } a && double.IsFinite(value) ? $" (|difference| {Math.Abs(a - value):G3} > tolerance {tolerance:G3})" : ""));
            }
        }
        foreach (var claim in rerun.Claims)
        {
            if (published.Verdicts.TryGetValue(claim.Spec.Id, out var verdict) && verdict != claim.Verdict.Name)
                differences.Add($"claim {claim.Spec.Id}: published {verdict}, re-run {claim.Verdict.Name}");
        }
        if (differences.Count == 0)
        {
            stdout.WriteLine($"{verify.Folder}: verified; {compared} metrics agree within {tolerance:G3}");
            return Program.Done;
        }
        stdout.WriteLine($"{verify.Folder}: {differences.Count} difference(s) from the published result:");
        foreach (var d in differences) stdout.WriteLine($"  {d}");
        return Mismatch;
    }

    static string Show(double? value) => value is { } v ? Render.number(v) : "(absent or null)";

    sealed record Published(string Manifest, string Scale, long[] Seeds, string Device, int Threads,
        Dictionary<long, Dictionary<string, double>> Metrics, Dictionary<string, string> Verdicts);

    static Published Read(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var environment = root.GetProperty("environment");
        var metrics = new Dictionary<long, Dictionary<string, double>>();
        foreach (var m in root.GetProperty("metrics").EnumerateArray())
        {
            var values = new Dictionary<string, double>();
            foreach (var p in m.GetProperty("values").EnumerateObject())
                if (p.Value.ValueKind == JsonValueKind.Number) values[p.Name] = p.Value.GetDouble();
            metrics[m.GetProperty("seed").GetInt64()] = values;
        }
        var verdicts = root.GetProperty("claims").EnumerateArray()
            .ToDictionary(c => c.GetProperty("id").GetString()!, c => c.GetProperty("verdict").GetString()!);
        return new Published(
            root.GetProperty("manifest").GetRawText(),
            root.GetProperty("scale").GetString()!,
            root.GetProperty("seeds").EnumerateArray().Select(s => s.GetInt64()).ToArray(),
            environment.GetProperty("device").GetString()!,
            environment.GetProperty("threads").GetInt32(),
            metrics, verdicts);
    }
}
