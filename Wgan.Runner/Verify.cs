using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// The <c>verify</c> command: re-runs a published result at its recorded scale, seeds, device and threads, renders
/// from the re-run everything <c>run</c> derives (result.json with its claims, report.md, the CSV series) and compares
/// it with the published files, numbers within the manifest's <c>verifyTolerance</c>. The lines that record the
/// machine, the timing and the command line are not compared: they describe the publishing run, not the result.
/// On a platform whose numerics differ from the publishing one (another CPU model or instruction sets in the fast
/// mode, other pinned code paths or library versions), where only the verdicts can be expected to hold, a re-run
/// that is not identical is judged by <see cref="CrossPlatform"/>: every verdict must be the published one and no
/// claim's per-seed values may move systematically. With <c>--against</c>, the re-run is not made here: it is read
/// from a result folder that <c>wgan run</c> wrote elsewhere (with workers and checkpoints, say) and compared in the
/// same way, once <see cref="RerunIdentity"/> has found it a run of the same manifest, scale, seeds, device and
/// threads.
/// </summary>
public static class Verify
{
    /// <summary>Exit code when a re-run disagrees with the published result.</summary>
    public const int Mismatch = 1;

    /// <summary>
    /// A result folder as verify reads it: its files, each read once (<see cref="ReadFiles"/>), its report.md (null
    /// when missing), and its result.json parsed and read into typed records.
    /// </summary>
    sealed record ResultFolder(
        string Folder,
        Dictionary<string, byte[]> Files,
        string? Report,
        RecordReader Reader,
        JsonDocument Document,
        PublishedResult.Published Record) : IDisposable
    {
        public void Dispose() => Document.Dispose();
    }

    /// <summary>
    /// What the published result is compared with: the re-run's result with its claims judged; the text of each of
    /// its CSV series; the platform it was computed on; the folder it was read from (null when it was re-run here).
    /// </summary>
    sealed record Rerun(
        ExperimentResult Result, Func<Series, string> Csv, PlatformFingerprint Platform, string? Folder);

    /// <summary>Verifies one result folder; prints the differences.</summary>
    public static int Execute(VerifyCommand verify, TextWriter stdout, TextWriter stderr)
    {
        // Every published file is read once, before the re-run, and compared from memory: a run that replaces the
        // folder meanwhile cannot mix two versions into the comparison.
        using var published = ReadFolder(verify.Folder, "a published result folder");
        var path = Path.Combine(verify.Folder, "result.json");
        var experimentId = published.Record.Result.ExperimentId;
        RequireNotBeingWritten(verify.Folder, experimentId);
        var reading = Harness.ReadManifest(published.Record.Manifest);
        if (!reading.IsValid)
            throw new InputException(
                $"{path}: $.manifest: is not a valid manifest any more: {string.Join("; ", reading.Errors)}");
        var experiment = reading.Experiment;
        if (experiment.Id != experimentId)
            throw published.Reader.Error(
                "$.experiment", $"is '{experimentId}' but the recorded manifest is of '{experiment.Id}'");
        var seeds = experiment.SeedsAt(published.Record.Result.Scale, published.Record.Seeds.Length);
        if (!seeds.SequenceEqual(published.Record.Seeds))
            throw published.Reader.Error("$.seeds",
                $"{string.Join(",", published.Record.Seeds)} cannot be re-created from the manifest " +
                $"(it gives {string.Join(",", seeds)})");
        var rerun = verify.Against is null
            ? RunHere(verify, experiment, published.Record, stderr)
            : ReadRerun(verify, experiment, published.Record, stderr);
        return Compare(published, experiment.VerifyTolerance, rerun, stdout);
    }

    /// <summary>The re-run made in this process, at the published scale, seeds, device and threads.</summary>
    static Rerun RunHere(
        VerifyCommand verify, PlannedExperiment experiment, PublishedResult.Published published, TextWriter stderr)
    {
        var scale = published.Result.Scale;
        var (device, threads) = (published.Environment.Device, published.Environment.Threads);
        Devices.Require(device);
        // A result computed in the portable mode is re-run in it (before this process's first tensor operation).
        if (published.Environment.Platform.Numerics == NumericsMode.Portable) PlatformProbe.EnterPortableMode();
        Devices.PinThreads(threads);
        var platform = PlatformProbe.Current();
        DescribePlatforms(experiment.Id, published.Environment.Platform, platform, stderr);

        // Experiments on real images get the runner's data and cache, as `run` gives them, loaded and checked before
        // the re-run.
        var resources = new RunResources(MnistLoader.For(verify.Data), stderr, FashionMnistLoader.For(verify.Data));
        resources.LoadFor([experiment], stderr);
        stderr.WriteLine($"[{experiment.Id}] re-running at scale {scale}, {published.Seeds.Length} seed(s), " +
            $"device {device}, {threads} thread(s)");
        ExperimentResult rerun;
        RunProgress? progress = null;
        try
        {
            // The unit count is known with the first report.
            rerun = experiment.Run(scale, published.Seeds.Length, device, resources, new Action<Progress>(p =>
            {
                progress ??= new RunProgress([(experiment.Id, p.Total)], [0], stderr);
                progress.Report(0, p.Done, p.Message, 1);
            }));
        }
        finally
        {
            progress?.Dispose();
        }
        return new Rerun(rerun, Render.csv, platform, null);
    }

    /// <summary>
    /// The re-run that <c>wgan run</c> published in <c>--against</c>, read as the published folder is read; refused
    /// (exit 2) when it is the published folder itself, is being written, is not a result folder, or cannot be a
    /// re-run of the published result (<see cref="RerunIdentity.differences"/>). Its claims are judged on its per-seed
    /// values by the recorded manifest, as its run judged them.
    /// </summary>
    static Rerun ReadRerun(
        VerifyCommand verify, PlannedExperiment experiment, PublishedResult.Published published, TextWriter stderr)
    {
        var against = verify.Against;
        if (Full(against) == Full(verify.Folder))
            throw new InputException($"--against {against}: is the published folder itself; give the result folder " +
                $"of a `wgan run` elsewhere (its --out and the experiment's id, e.g. /tmp/rerun/{experiment.Id})");
        var work = RequireNotBeingWritten(against, experiment.Id);
        var path = Path.Combine(against, "result.json");
        if (!File.Exists(path))
        {
            var nested = Path.Combine(against, experiment.Id);
            var hint = File.Exists(Path.Combine(nested, "result.json"))
                ? $"; did you mean {nested}? `wgan run --out` writes each experiment into a folder named by its id"
                : Directory.Exists(work.Path)
                    ? $"; {work.Path} holds the checkpoints of a run that has not published: finish it with " +
                      "`wgan run ... --resume`"
                    : "";
            throw new InputException(
                $"{path}: no such file (--against expects the result folder of a `wgan run`){hint}");
        }
        PublishedResult.Published read;
        Dictionary<string, byte[]> files;
        using (var folder = ReadFolder(against, "the result folder of a `wgan run`"))
            (read, files) = (folder.Record, folder.Files);
        var differences = RerunIdentity.RerunIdentities.Differences(published, read);
        if (differences.Length > 0)
            throw new InputException($"{against}: cannot be a re-run of {verify.Folder}: " +
                string.Join("; ", differences) + " (a re-run is a `wgan run` of the manifest the published " +
                "result.json records, at its scale, seeds, device and threads)");
        var csv = new Dictionary<string, string>();
        foreach (var series in read.Result.SeriesArray)
        {
            var name = $"{series.Name}.csv";
            csv[series.Name] = files.TryGetValue(name, out var bytes)
                ? Encoding.UTF8.GetString(bytes)
                : throw new InputException($"{Path.Combine(against, name)}: no such file (the re-run's result.json " +
                    "lists it)");
        }
        var platform = read.Environment.Platform;
        DescribePlatforms(experiment.Id, published.Environment.Platform, platform, stderr);
        var (was, now) = (published.Environment.Platform.Numerics, platform.Numerics);
        string[] modes = [NumericsMode.Fast, NumericsMode.Portable];
        if (was != now && modes.Contains(was) && modes.Contains(now))
            stderr.WriteLine($"[{experiment.Id}] published in the {was} numerics mode, re-run in the {now} mode: " +
                $"a re-run in the published mode (with{(was == NumericsMode.Portable ? "" : "out")} --portable) " +
                "may be compared within the tolerance");
        stderr.WriteLine($"[{experiment.Id}] reading the re-run in {against} (scale {read.Result.Scale}, " +
            $"{read.Seeds.Length} seed(s), device {read.Environment.Device}, {read.Environment.Threads} thread(s))");
        return new Rerun(experiment.Judge(read.Result), s => csv[s.Name], platform, against);
    }

    /// <summary>Prints both platforms and whether they have the same numerics.</summary>
    static void DescribePlatforms(
        string experimentId, PlatformFingerprint published, PlatformFingerprint rerun, TextWriter stderr)
    {
        stderr.WriteLine($"[{experimentId}] published on: {Platform.describe(published)}");
        stderr.WriteLine($"[{experimentId}] re-run on:     {Platform.describe(rerun)}" + (
            Platform.sameNumerics(published, rerun)
                ? " (the same numerics: the re-run must agree within the tolerance)"
                : " (other numerics: the verdicts must hold)"));
    }

    /// <summary>
    /// Compares the published folder with a re-run (made here or read from a folder): every per-seed metric,
    /// result.json, report.md, the CSV series and the figures; prints the outcome and returns the exit code.
    /// </summary>
    static int Compare(ResultFolder published, double tolerance, Rerun rerun, TextWriter stdout)
    {
        var (folder, files, report) = (published.Folder, published.Files, published.Report);
        var samePlatform = Platform.sameNumerics(published.Record.Environment.Platform, rerun.Platform);
        var differences = new Differences();
        var compared = 0;
        var (before, after) = (new List<double>(), new List<double>());
        foreach (var seedMetrics in rerun.Result.MetricArray)
        {
            published.Record.MetricsBySeed.TryGetValue(seedMetrics.Seed, out var values);
            foreach (var (name, value) in seedMetrics.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                compared++;
                double? old = values is not null && values.TryGetValue(name, out var v) ? v : null;
                if (old is { } known)
                {
                    before.Add(known);
                    after.Add(value);
                }
                var agree = old is { } o
                    ? (double.IsFinite(value) ? Math.Abs(o - value) <= tolerance : double.IsNaN(o))
                    : !double.IsFinite(value);
                if (agree) continue;
                var by = old is { } a && double.IsFinite(a) && double.IsFinite(value)
                    ? $" (|difference| {Math.Abs(a - value):G3} > tolerance {tolerance:G3})"
                    : "";
                differences.Add(
                    $"seed {seedMetrics.Seed} {name}: published {Show(old)}, re-run {Render.number(value)}{by}");
            }
        }
        var rerunSeeds = rerun.Result.MetricArray.Select(m => m.Seed).ToHashSet();
        foreach (var extra in published.Record.MetricsBySeed.Keys.Where(s => !rerunSeeds.Contains(s)))
            differences.AddStructural($"seed {extra}: published metrics of a seed the re-run does not have");

        // The environment as published, so that only what the experiment computed can differ; the manifest as
        // result.json records it. A sequential result is judged look by look, as its run judged it.
        var expected =
            Rejudge.renderLikePublished(published.Record, report, rerun.Result, published.Record.Environment);
        if (!expected.ReportManifestAgrees)
            differences.AddStructural("report.md: its manifest differs from result.json's");
        var judged = expected.Result;
        using (var expectedJson = JsonDocument.Parse(expected.ResultJson))
            CompareJson(published.Document.RootElement, expectedJson.RootElement, "$", tolerance, differences);
        if (report is null) differences.AddStructural("report.md: missing");
        else CompareLines("report.md", report, expected.Report, tolerance, differences);
        foreach (var series in rerun.Result.SeriesArray)
        {
            var name = $"{series.Name}.csv";
            if (!files.TryGetValue(name, out var csv)) differences.AddStructural($"{name}: missing");
            else CompareLines(name, Encoding.UTF8.GetString(csv), rerun.Csv(series), tolerance, differences);
        }
        var figures = rerun.Result.FigureArray.Select(f => f.Name);
        foreach (var figure in figures.Concat(rerun.Result.ImageGridArray.Select(g => g.Name)))
        {
            var name = $"figures/{figure}.png";
            if (!files.TryGetValue(name, out var png)) differences.AddStructural($"{name}: missing");
            else if (Png.Problem(png) is { } problem) differences.AddStructural($"{name}: {problem}");
        }

        if (rerun.Folder is { } against)
            stdout.WriteLine($"{folder}: compared with the re-run in {against}, which `wgan run` wrote; nothing was " +
                "re-run here");
        if (differences.Count == 0)
        {
            stdout.WriteLine(
                $"{folder}: verified; {compared} metrics, {rerun.Result.ClaimArray.Length} claim(s), report.md and " +
                $"{rerun.Result.SeriesArray.Length} CSV series agree within {tolerance:G3}" +
                (samePlatform ? "" : $" (on another platform: {Platform.describe(rerun.Platform)})"));
            return Program.Done;
        }
        if (!samePlatform && !differences.AnyStructural)
        {
            var drift = CrossPlatform.MetricDrift([.. before], [.. after], tolerance);
            var comparison = CrossPlatform.Compare(published.Record.CrossPlatformClaims, judged, drift, tolerance);
            stdout.WriteLine($"{folder}: re-run on another platform; {differences.Count} value(s) differ " +
                $"beyond {tolerance:G3}, so the result is compared as a reproduction:");
            foreach (var line in CrossPlatform.Render(comparison)) stdout.WriteLine($"  {line}");
            stdout.WriteLine(comparison.Agree
                ? $"{folder}: verified across platforms " +
                  "(verdicts and per-seed values agree; numbers differ as above)"
                : $"{folder}: NOT verified across platforms");
            return comparison.Agree ? Program.Done : Mismatch;
        }
        stdout.WriteLine($"{folder}: {differences.Count} difference(s) from the published result:");
        foreach (var d in differences) stdout.WriteLine($"  {d}");
        return Mismatch;
    }

    /// <summary>
    /// A folder's full path without a trailing separator, so that "results/x/" and "results/x" are one.
    /// </summary>
    static string Full(string folder) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));

    /// <summary>
    /// The work folder beside result folder <paramref name="folder"/> (given with or without a trailing separator) of
    /// experiment <paramref name="experimentId"/>; refused (exit 2) while a run or merge is writing that result.
    /// </summary>
    static WorkFolder RequireNotBeingWritten(string folder, string experimentId)
    {
        var work = WorkFolder.For(Path.GetDirectoryName(Full(folder))!, experimentId);
        if (work.LiveHolder("run", "merge") is { } holder)
            throw new InputException($"{folder} is being written by a run in progress (process {holder}); " +
                "wait for it to finish, then verify");
        return work;
    }

    /// <summary>
    /// A result folder's files (<see cref="ReadFiles"/>) with its result.json read strictly
    /// (<see cref="RecordReader.ReadResult"/>); <paramref name="expected"/> says what kind of folder a missing
    /// result.json shows it is not.
    /// </summary>
    static ResultFolder ReadFolder(string folder, string expected)
    {
        var path = Path.Combine(folder, "result.json");
        if (!File.Exists(path)) throw new InputException($"{path}: no such file (expected {expected})");
        var files = ReadFiles(folder);
        var report = files.TryGetValue("report.md", out var reportBytes) ? Encoding.UTF8.GetString(reportBytes) : null;
        var (reader, document) = RecordReader.Parse(path, files["result.json"]);
        try
        {
            return new ResultFolder(folder, files, report, reader, document,
                RecordReader.ReadResult(path, document, report));
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A result folder's result.json, report.md, CSV series and figures, by their paths relative to it, read twice
    /// over: when result.json changed in between (a run replacing the folder), verify refuses rather than compare a
    /// mixture.
    /// </summary>
    static Dictionary<string, byte[]> ReadFiles(string folder)
    {
        static bool Published(string file) =>
            file.EndsWith(".json", StringComparison.Ordinal) || file.EndsWith(".md", StringComparison.Ordinal)
            || file.EndsWith(".csv", StringComparison.Ordinal);
        var figures = Path.Combine(folder, "figures");
        IEnumerable<string> Names() =>
            Directory.EnumerateFiles(folder).Where(Published)
                .Concat(Directory.Exists(figures) ? Directory.EnumerateFiles(figures, "*.png") : []);
        var changed = $"{folder}: changed while being read (is a run replacing it?); verify again when it is done";
        try
        {
            static byte[] Read(string file)
            {
                var what = file.EndsWith(".json", StringComparison.Ordinal) ? "record" : "published file";
                return InputFiles.ReadAllBytes(file, InputFiles.MaxRecordBytes, what);
            }
            var files = Names().ToDictionary(f => Path.GetRelativePath(folder, f).Replace('\\', '/'), Read);
            if (!files.TryGetValue("result.json", out var first)
                || !first.AsSpan().SequenceEqual(Read(Path.Combine(folder, "result.json"))))
                throw new InputException(changed);
            return files;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InputException(changed);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"{folder}: cannot be read ({e.Message})");
        }
    }

    /// <summary>
    /// The differences found, in the order found. A structural one is one that no platform explains: a missing or
    /// damaged file, a seed, claim or field that one side lacks, claims in another order, a report whose manifest
    /// differs, a text that differs (beyond its numbers and verdicts), a claim's definition. Numbers, and what follows
    /// from them (verdicts, the length of a list of seeds), may differ between platforms.
    /// </summary>
    sealed class Differences : List<string>
    {
        public bool AnyStructural { get; private set; }

        public void AddStructural(string difference)
        {
            AnyStructural = true;
            Add(difference);
        }

        public void Add(string difference, bool structural)
        {
            if (structural) AddStructural(difference);
            else Add(difference);
        }
    }

    static string Show(double? value) => value is { } v ? Render.number(v) : "(absent or null)";

    /// <summary>
    /// Compares the published result.json with the re-run's, field by field: numbers within the tolerance, everything
    /// else exactly. The per-seed metrics are compared above; the environment is the published one by construction.
    /// Array items with an <c>id</c> (the claims) are named by it.
    /// </summary>
    static void CompareJson(
        JsonElement published, JsonElement rerun, string path, double tolerance, Differences differences)
    {
        if (path is "$.metrics" or "$.environment") return;
        if (published.ValueKind != rerun.ValueKind)
        {
            // A number on one side and null (a value that is not finite) on the other is a number that differs.
            var numeric = published.ValueKind is JsonValueKind.Number or JsonValueKind.Null
                && rerun.ValueKind is JsonValueKind.Number or JsonValueKind.Null;
            differences.Add($"result.json {path}: published {Short(published)}, re-run {Short(rerun)}", !numeric);
            return;
        }
        switch (published.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in rerun.EnumerateObject())
                {
                    if (published.TryGetProperty(p.Name, out var value))
                        CompareJson(value, p.Value, $"{path}.{p.Name}", tolerance, differences);
                    else
                        differences.Add($"result.json {path}.{p.Name}: missing (re-run {Short(p.Value)})",
                            !DerivedOptional(p.Name));
                }
                foreach (var p in published.EnumerateObject().Where(p => !rerun.TryGetProperty(p.Name, out _)))
                    differences.Add($"result.json {path}.{p.Name}: not in the re-run", !DerivedOptional(p.Name));
                break;
            case JsonValueKind.Array when IdOf(rerun.EnumerateArray().FirstOrDefault()) is not null:
                // The claims: matched by id, so a deleted or added claim is named rather than shifting the others.
                var byId = published.EnumerateArray().Where(e => IdOf(e) is not null)
                    .GroupBy(e => IdOf(e)!).ToDictionary(g => g.Key, g => g.First());
                var rerunIds = rerun.EnumerateArray().Select(IdOf).ToArray();
                foreach (var item in rerun.EnumerateArray())
                {
                    var id = IdOf(item)!;
                    if (byId.TryGetValue(id, out var old))
                        CompareJson(old, item, $"{path}[id={id}]", tolerance, differences);
                    else
                        differences.AddStructural(
                            $"result.json {path}: claim {id} is missing from the published result");
                }
                foreach (var id in byId.Keys.Where(id => !rerunIds.Contains(id)))
                    differences.AddStructural($"result.json {path}: claim {id} is published but not in the re-run");
                var withoutId = published.GetArrayLength() - byId.Count;
                if (withoutId != 0)
                    differences.AddStructural($"result.json {path}: {withoutId} published item(s) without a claim id");
                else if (byId.Keys.SequenceEqual(rerunIds!) is false && byId.Count == rerunIds.Length
                         && rerunIds.All(byId.ContainsKey!))
                    differences.AddStructural($"result.json {path}: the claims are in another order than the re-run's");
                break;
            case JsonValueKind.Array:
                var (a, b) = (published.EnumerateArray().ToArray(), rerun.EnumerateArray().ToArray());
                // Lists of seeds (failed units, dropped or failing seeds) follow the numbers; other lists are fixed.
                if (a.Length != b.Length)
                    differences.Add($"result.json {path}: published {a.Length} item(s), re-run {b.Length}",
                        !path.StartsWith("$.claims", StringComparison.Ordinal));
                for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
                    CompareJson(a[i], b[i], $"{path}[{i}]", tolerance, differences);
                break;
            case JsonValueKind.Number:
                var (x, y) = (published.GetDouble(), rerun.GetDouble());
                if (!(Math.Abs(x - y) <= tolerance))
                    differences.Add($"result.json {path}: published {Short(published)}, re-run {Short(rerun)}");
                break;
            default:
                // Texts are definitions (a claim's statement, metric, rule, hash), except the verdicts and the
                // bootstrap's fallback note, which follow from the numbers; a precondition's "holds" follows too.
                // Strings by their value: the same text may be written with other escapes.
                var same = published.ValueKind == JsonValueKind.String
                    ? published.GetString() == rerun.GetString()
                    : published.GetRawText() == rerun.GetRawText();
                var followsNumbers = path.EndsWith(".verdict", StringComparison.Ordinal)
                    || path.EndsWith(".appliedAs", StringComparison.Ordinal)
                    || path.EndsWith(".holds", StringComparison.Ordinal);
                if (!same)
                    differences.Add(
                        $"result.json {path}: published {Short(published)}, re-run {Short(rerun)}", !followsNumbers);
                break;
        }
    }

    /// <summary>
    /// Fields written only when the numbers call for them (a finite signed-rank p, the bootstrap's fallback).
    /// </summary>
    static bool DerivedOptional(string name) => name is "signedRankPValue" or "appliedAs";

    static string? IdOf(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty("id", out var id)
            && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;

    static string Short(JsonElement e)
    {
        var text = e.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            _ => e.GetRawText(),
        };
        return text.Length > 80 ? text[..77] + "..." : text;
    }

    static readonly Regex NumberToken = new(@"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", RegexOptions.Compiled);

    /// <summary>
    /// Compares a published text file with the re-run's rendering line by line: a line may differ only in its numbers,
    /// each within the tolerance plus the report's rounding (4 decimals). The lines that record the machine, the
    /// timing and the command are skipped.
    /// </summary>
    static void CompareLines(string name, string published, string rerun, double tolerance, Differences differences)
    {
        var (a, b) = (published.Split('\n'), rerun.Split('\n'));
        if (a.Length != b.Length)
        {
            differences.AddStructural($"{name}: published {a.Length} line(s), re-run {b.Length}");
        }
        var shown = 0;
        var hiddenStructural = false;
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            if (a[i] == b[i] || IsEnvironmentLine(a[i]) && IsEnvironmentLine(b[i])
                || SameUpToNumbers(a[i], b[i], tolerance + 1e-4))
                continue;
            var structural = Skeleton(a[i]) != Skeleton(b[i]);
            if (shown++ >= 5) hiddenStructural |= structural;
            else
            {
                // Both lines from a little before their first difference.
                var first = 0;
                while (first < Math.Min(a[i].Length, b[i].Length) && a[i][first] == b[i][first]) first++;
                var from = Math.Max(0, first - 30);
                var prefix = from > 0 ? "..." : "";
                var (was, now) = (prefix + Clip(a[i][from..]), prefix + Clip(b[i][from..]));
                differences.Add($"{name}, line {i + 1}: published \"{was}\", re-run \"{now}\"", structural);
            }
        }
        if (shown > 5) differences.Add($"{name}: {shown - 5} more line(s) differ", hiddenStructural);
    }

    static readonly Regex VerdictToken =
        new(@"\b(?:reproduced|not-reproduced|inconclusive|uninformative|precondition-failed)\b", RegexOptions.Compiled);

    /// <summary>A line with its numbers and verdict words masked: what no platform changes.</summary>
    static string Skeleton(string line) => VerdictToken.Replace(NumberToken.Replace(line, "#"), "~");

    /// <summary>report.md's lines of the run's machine, versions, timing and command.</summary>
    static bool IsEnvironmentLine(string line) =>
        line.StartsWith("- Command: ", StringComparison.Ordinal)
        || line.StartsWith("- Harness ", StringComparison.Ordinal)
        || line.StartsWith("- Platform: ", StringComparison.Ordinal);

    static bool SameUpToNumbers(string a, string b, double tolerance)
    {
        // The compute time is the publishing run's, not the result's.
        static string WithoutTiming(string s) => Regex.Replace(s, @", compute time [^ ]+ s\.$", "");
        (a, b) = (WithoutTiming(a), WithoutTiming(b));
        if (NumberToken.Replace(a, "#") != NumberToken.Replace(b, "#")) return false;
        var (x, y) = (NumberToken.Matches(a), NumberToken.Matches(b));
        for (var k = 0; k < x.Count; k++)
        {
            var u = double.Parse(x[k].Value, CultureInfo.InvariantCulture);
            var v = double.Parse(y[k].Value, CultureInfo.InvariantCulture);
            if (!(Math.Abs(u - v) <= tolerance)) return false;
        }
        return true;
    }

    static string Clip(string s) => s.Length > 80 ? s[..77] + "..." : s;
}
