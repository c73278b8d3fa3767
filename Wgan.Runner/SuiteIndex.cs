using System.Text;
using System.Text.Json;
using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// Writes <c>&lt;out&gt;/README.md</c>: one table of every claim of every published result in the folder (paper and
/// figure, statement, measured mean with its 95% interval, verdict), linking to each report, with the
/// machine, versions and command of each run, and each claim's control. Rebuilt from the result.json files after every run or merge.
/// </summary>
public static class SuiteIndex
{
    /// <summary>
    /// Rewrites the index of <paramref name="outDirectory"/>; returns the number of results listed. Results in
    /// nested publication folders (e.g. <c>longer/</c>, a larger scale published by its own command) are listed
    /// too, each claim's rows side by side, so one claim can be read at every published scale.
    /// </summary>
    public static int Write(string outDirectory, bool force)
    {
        if (IndexText(outDirectory) is not { } index) return 0;
        // Checked again at the end: a README.md that appeared during a long run is not replaced either.
        RequireOwnIndex(outDirectory, force, "--force", "the index was not written");
        AtomicOutput.WriteText(Path.Combine(outDirectory, "README.md"), index.Text);
        return index.Count;
    }

    /// <summary>Whether <paramref name="outDirectory"/>'s README.md is the index its results give now.</summary>
    public static bool IsCurrent(string outDirectory)
    {
        var path = Path.Combine(outDirectory, "README.md");
        return IndexText(outDirectory) is { } index && File.Exists(path)
            && InputFiles.ReadAllText(path, InputFiles.MaxRecordBytes, "index") == index.Text;
    }

    /// <summary>Whether <paramref name="folder"/> holds an index this program wrote.</summary>
    public static bool IsOwnIndexFolder(string folder) => IsOwnIndex(Path.Combine(folder, "README.md"));

    /// <summary>The index text of <paramref name="outDirectory"/> and the number of results it lists; null when the
    /// folder holds no published result.</summary>
    static (string Text, int Count, string Totals, List<(string Folder, string Verdicts)> Summaries)? IndexText(
        string outDirectory)
    {
        if (!Directory.Exists(outDirectory)) return null;
        var results = ResultFolders(outDirectory)
            .Select(d => Path.Combine(d, "result.json")).Where(File.Exists)
            .Select(path => (Path: path, Folder: Path.GetRelativePath(outDirectory, Path.GetDirectoryName(path)!).Replace('\\', '/')))
            .ToArray();
        if (results.Length == 0) return null;
        var rows = new List<Row>();
        var runs = new StringBuilder();
        var counts = new Dictionary<string, int>();
        var unreadable = new List<string>();
        var summaries = new List<(string Folder, string Verdicts)>();
        foreach (var (path, folder) in results.OrderBy(r => r.Folder, StringComparer.Ordinal))
        {
            try { AddResult(path, folder); }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException
                or FormatException or InputException)
            {
                // A damaged or hand-made result.json must not stop the index of the others.
                unreadable.Add($"`{folder}`: result.json cannot be read ({e.Message})");
            }
        }
        // The CPU and numerics mode a result was computed with (results published before they were recorded say so).
        static string Machine(JsonElement environment) =>
            environment.TryGetProperty("platform", out var p)
                ? $"{Cell(p.GetProperty("cpuModel").GetString()!)}, {p.GetProperty("numerics").GetString()} numerics; "
                : "platform unrecorded; ";
        void AddResult(string path, string folder)
        {
            using var doc = JsonDocument.Parse(InputFiles.ReadAllText(path, InputFiles.MaxRecordBytes, "record"));
            var root = doc.RootElement;
            var id = root.GetProperty("experiment").GetString()!;
            var scale = root.GetProperty("scale").GetString()!;
            var environment = root.GetProperty("environment");
            var link = $"[`{folder}`]({folder}/report.md)";
            // Read everything first, so that an unreadable field adds nothing.
            var run = new StringBuilder();
            var claims = new List<Row>();
            var exploratory = Path.GetFullPath(path).Split(Path.DirectorySeparatorChar).Any(IsExploratory);
            run.Append($"| {link} | {scale} | {root.GetProperty("seeds").GetArrayLength()} | ")
                .Append($"{environment.GetProperty("device").GetString()}, {environment.GetProperty("threads").GetInt32()} thread(s) | ")
                .Append($"{Machine(environment)}{environment.GetProperty("os").GetString()}; .NET {environment.GetProperty("dotnet").GetString()}; TorchSharp {environment.GetProperty("torchSharp").GetString()} | `{environment.GetProperty("command").GetString()}` |\n");
            foreach (var claim in root.GetProperty("claims").EnumerateArray())
            {
                var verdict = claim.GetProperty("verdict").GetString()!;
                var control = claim.GetProperty("control");
                var controlText = control.TryGetProperty("none", out var none)
                    ? $"none: {Cell(none.GetString()!)}"
                    : $"{Cell(control.GetProperty("description").GetString()!)}: {Measured(control.GetProperty("measured"))}";
                var claimId = claim.GetProperty("id").GetString()!;
                var p = claim.TryGetProperty("claimPValue", out var pValue) && pValue.ValueKind == JsonValueKind.Number ? pValue.GetDouble() : double.NaN;
                // The same claim, definition and scale published in two folders: exact copies, or a run with more seeds
                // that begins with the other's seeds (a sequential run), are one claim (see Representative).
                var sameClaim = string.Join("\u0000", id, claimId, scale,
                    claim.TryGetProperty("definitionSha256", out var hash) ? hash.GetString() : "");
                static double[] Values(JsonElement measured) => [.. measured.GetProperty("perSeed").EnumerateArray()
                    .Select(v => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN)];
                var values = Values(claim.GetProperty("measured"));
                var controlValues = control.TryGetProperty("measured", out var controlMeasured) ? Values(controlMeasured) : [];
                claims.Add(new Row(id, claimId, folder, $"| {link} | {scale} | `{claimId}`: {Cell(claim.GetProperty("statement").GetString()!)} ({Cell(claim.GetProperty("source").GetString()!)}) | " +
                    $"`{claim.GetProperty("metric").GetString()}` {claim.GetProperty("expected").GetString()} | {Measured(claim.GetProperty("measured"))} | {controlText} | ",
                    verdict, p, exploratory, sameClaim, values, controlValues));
            }
            runs.Append(run);
            rows.AddRange(claims);
            // The README summary's words for this result: its source, scale and seeds, and its claims by verdict.
            var byVerdict = claims.GroupBy(c => c.Verdict).OrderBy(g => Array.IndexOf(VerdictOrder, g.Key))
                .Select(g => $"{g.Key} {string.Join(", ", g.Select(c => $"`{c.Claim}`"))}");
            var kind = folder.Split('/').Any(IsExploratory) ? ", exploratory" : "";
            summaries.Add((folder, $"({Cell(root.GetProperty("source").GetString()!)}; {scale} scale, "
                + $"{root.GetProperty("seeds").GetArrayLength()} seeds{kind}): "
                + (claims.Count > 0 ? string.Join("; ", byVerdict) : "no claims (a comparison)") + "."));
        }
        // Each distinct claim counts once (see Representative).
        var ordered = rows.OrderBy(r => r.Experiment, StringComparer.Ordinal).ThenBy(r => r.Claim, StringComparer.Ordinal)
            .ThenBy(r => r.Folder, StringComparer.Ordinal).ToArray();
        var firstOf = ordered.ToDictionary(r => r, r => Representative(r, ordered));
        var confirmatory = ordered.Where(r => !r.Exploratory && firstOf[r] == r).ToArray();
        var exploratoryRows = ordered.Where(r => r.Exploratory && firstOf[r] == r).ToArray();
        var adjusted = Statistics.benjaminiHochberg([.. confirmatory.Select(r => r.P)]);
        var adjustedOf = confirmatory.Select((r, i) => (r, adjusted[i])).ToDictionary(x => x.r, x => x.Item2);
        foreach (var r in confirmatory) counts[r.Verdict] = counts.GetValueOrDefault(r.Verdict) + 1;
        var exploratoryCounts = exploratoryRows.GroupBy(r => r.Verdict).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Count()} {g.Key}");
        var discoveries = adjusted.Count(q => q <= FalseDiscoveryRate);
        var text = new StringBuilder();
        text.Append(Header);
        text.Append(", as each `result.json` records it, the rows of one claim side by side at every published ");
        text.Append("scale. ");
        text.Append("Each claim is judged by its decision rule (in its report) on the per-seed values of its metric and, by the same rule and threshold, on its *control*, a measurement in which the claimed effect must be absent. ");
        text.Append("*reproduced*: the treatment passes and the control clearly fails; *uninformative*: the control passes too; *not-reproduced*: the rule decides against the treatment; *inconclusive*: otherwise. ");
        if (counts.ContainsKey("precondition-failed"))
            text.Append("*precondition-failed*: a precondition the claim declares fails on some seed, "
                + "so its comparison means nothing. ");
        var totals = $"**Confirmatory claims** (every folder but the `{ExploratoryPrefix}*` ablations; a claim published in several folders with the same definition and scale counts once, as the run with the most seeds when one run's per-seed values continue another's, e.g. a sequential run, or once for exact copies): {confirmatory.Length}: "
            + string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Value} {c.Key}")) + ". "
            + $"**Exploratory claims** (`{ExploratoryPrefix}*` folders: variations of the authors' setup, not counted in the totals): {exploratoryRows.Length}"
            + (exploratoryRows.Length > 0 ? ": " + string.Join(", ", exploratoryCounts) : "") + ". "
            + $"{discoveries} of {confirmatory.Length} confirmatory claims keep a Benjamini-Hochberg adjusted p <= {FalseDiscoveryRate:0.00}.";
        text.Append("\n\n").Append(totals).Append("\n\n");
        text.Append("Multiplicity: *p* is the claim's intersection-union p-value, the largest of the tests its *reproduced* verdict needs, each on the 5% scale of its rule (see docs/manifests.md); "
            + "*BH* is its Benjamini-Hochberg adjusted p-value across the confirmatory claims. "
            + $"{discoveries} of {confirmatory.Length} confirmatory claims have BH <= {FalseDiscoveryRate:0.00} (a false-discovery rate of 5% among them). "
            + "The verdicts are each claim's own; BH says which of them survive the number of claims tested.\n\n");
        text.Append("| Result | Scale | Claim (paper, figure) | Metric, expected | Measured | Control: measured | p (BH) | Verdict |\n|---|---|---|---|---|---|---|---|\n");
        foreach (var row in ordered)
        {
            var counted = firstOf[row];
            var multiplicity = counted == row ? null
                : counted.Values.Length == row.Values.Length ? $"copy of `{counted.Folder}`"
                : $"its seeds continued in `{counted.Folder}` ({counted.Values.Length} seeds)";
            multiplicity ??= row.Exploratory
                ? $"{PValue(row.P)}, exploratory"
                : $"{PValue(row.P)} ({PValue(adjustedOf[row])})";
            text.Append(row.Text).Append($"{multiplicity} | **{row.Verdict}** |\n");
        }
        text.Append("\n## Runs\n\n| Result | Scale | Seeds | Device | Machine and versions | Command |\n|---|---|---|---|---|---|\n");
        text.Append(runs);
        if (unreadable.Count > 0)
            text.Append("\n## Not listed\n\n").Append(string.Concat(unreadable.Select(u => $"- {Cell(u)}\n")));
        return (text.ToString(), results.Length, totals, summaries);
    }

    /// <summary>The first line of the block of a README.md that <see cref="Summary"/> writes.</summary>
    public const string SummaryBegin = "<!-- results summary: written by `wgan rejudge`, do not edit -->";
    /// <summary>The last line of that block.</summary>
    public const string SummaryEnd = "<!-- end of results summary -->";

    /// <summary>
    /// The verdicts of every published result under <paramref name="outDirectory"/>, one line per result folder naming
    /// each claim with its verdict, and the confirmatory totals, as the README's summary block (between
    /// <see cref="SummaryBegin"/> and <see cref="SummaryEnd"/>); links are prefixed with <paramref name="linkPrefix"/>
    /// (the results folder as seen from the README). Null when the folder holds no published result.
    /// </summary>
    public static string? Summary(string outDirectory, string linkPrefix)
    {
        if (IndexText(outDirectory) is not { } index) return null;
        var text = new StringBuilder(SummaryBegin + "\n\n");
        text.Append(index.Totals).Append("\n\n");
        // The confirmatory results first, then the exploratory ones (the results as the index read them).
        foreach (var (folder, verdicts) in index.Summaries.OrderBy(r => r.Folder.Split('/').Any(IsExploratory))
                     .ThenBy(r => r.Folder, StringComparer.Ordinal))
            text.Append($"- [`{folder}`]({linkPrefix}{folder}/report.md) {verdicts}\n");
        return text.Append("\n" + SummaryEnd).ToString();
    }

    static readonly string[] VerdictOrder = ["reproduced", "not-reproduced", "uninformative", "inconclusive", "precondition-failed"];

    /// <summary>One claim's row: its table cells up to the p-value column, its verdict and claim p-value, whether its
    /// folder is exploratory, and the key under which exact copies coincide.</summary>
    sealed record Row(string Experiment, string Claim, string Folder, string Text, string Verdict, double P, bool Exploratory,
        string SameClaim, double[] Values, double[] ControlValues);

    /// <summary>
    /// The row that counts for <paramref name="row"/>: among the rows of the same claim, definition and scale whose
    /// per-seed values (of both arms) begin with this row's, the one with the most seeds (a sequential run that continued
    /// these seeds, or an exact copy), a confirmatory one before an exploratory one, then the first in the table's order.
    /// </summary>
    static Row Representative(Row row, Row[] ordered) =>
        ordered.Where(o => o.SameClaim == row.SameClaim && StartsWith(o.Values, row.Values) && StartsWith(o.ControlValues, row.ControlValues))
            .OrderByDescending(o => o.Values.Length).ThenBy(o => o.Exploratory).First();

    static bool StartsWith(double[] longer, double[] prefix) =>
        longer.Length >= prefix.Length && prefix.Select((v, i) => v.Equals(longer[i])).All(same => same);

    /// <summary>Publication folders whose name begins so hold exploratory results (ablations).</summary>
    public const string ExploratoryPrefix = "ablation-";

    /// <summary>The false-discovery rate the index counts Benjamini-Hochberg discoveries at.</summary>
    const double FalseDiscoveryRate = 0.05;

    static bool IsExploratory(string folderName) => folderName.StartsWith(ExploratoryPrefix, StringComparison.Ordinal);

    static string PValue(double p) => double.IsNaN(p) ? "n/a" : Render.rounded(4, p);

    /// <summary>How every index this program writes begins; a README.md that does not begin so is someone
    /// else's.</summary>
    const string Header =
        "# Published results\n\nEvery claim of every experiment in this folder and its nested publication folders";

    /// <summary>
    /// Throws an <see cref="InputException"/> when <paramref name="outDirectory"/> holds a README.md that this program
    /// did not write (one that does not begin with the index's header, or that is not a regular file), unless
    /// <paramref name="force"/>: the index replaces only its own. <paramref name="forceOption"/> names the option that
    /// would replace it, <paramref name="consequence"/> what the refusal leaves undone.
    /// </summary>
    public static void RequireOwnIndex(string outDirectory, bool force, string forceOption, string consequence)
    {
        var path = Path.Combine(outDirectory, "README.md");
        if (force || InputFiles.Stat(path).Kind is null || IsOwnIndex(path)) return;
        throw new InputException($"{path}: was not written by wgan (it does not begin with the index's header " +
            $"\"# Published results\"), so it is not replaced; {consequence}: move it away, use another --out, " +
            $"or use {forceOption} to replace it");
    }

    /// <summary>Whether <paramref name="path"/> is a regular file that begins with the index's header.</summary>
    static bool IsOwnIndex(string path)
    {
        if (!InputFiles.IsRegularFile(path)) return false;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var expected = Encoding.UTF8.GetBytes(Header);
            var start = new byte[expected.Length];
            stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
            return start.AsSpan().SequenceEqual(expected);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The result folders under <paramref name="outDirectory"/>: its non-hidden sub-folders, and theirs one
    /// level down when a sub-folder holds no result itself (a nested publication folder).</summary>
    static IEnumerable<string> ResultFolders(string outDirectory)
    {
        foreach (var d in Directory.GetDirectories(outDirectory).Where(d => !Path.GetFileName(d).StartsWith('.')))
        {
            if (File.Exists(Path.Combine(d, "result.json"))) yield return d;
            else foreach (var nested in Directory.GetDirectories(d).Where(n => !Path.GetFileName(n).StartsWith('.'))) yield return nested;
        }
    }

    /// <summary>A measured block in one cell, as the reports write it (Render.measurementCell).</summary>
    static string Measured(JsonElement measured)
    {
        static double Number(JsonElement e) => e.ValueKind == JsonValueKind.Number ? e.GetDouble() : double.NaN;
        var interval = measured.GetProperty("interval95");
        var (lo, hi) = interval.ValueKind == JsonValueKind.Array ? (Number(interval[0]), Number(interval[1])) : (double.NaN, double.NaN);
        return Render.measurementCell(Number(measured.GetProperty("mean")), lo, hi,
            measured.GetProperty("seedsAgreeing").GetInt32(), measured.GetProperty("seeds").GetInt32(), Number(measured.GetProperty("pValue")));
    }

    static string Cell(string s) => s.Replace("|", "\\|").Replace("\n", " ");
}
