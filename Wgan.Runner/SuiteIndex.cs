using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Wgan.Runner;

/// <summary>
/// Writes <c>&lt;out&gt;/README.md</c>: one table of every claim of every published result in the folder (paper and
/// figure, statement, measured mean with its 95% interval, verdict), linking to each report, with the
/// machine, versions and command of each run. Rebuilt from the result.json files after every run or merge.
/// </summary>
public static class SuiteIndex
{
    /// <summary>Rewrites the index of <paramref name="outDirectory"/>; returns the number of results listed.</summary>
    public static int Write(string outDirectory)
    {
        var results = Directory.Exists(outDirectory)
            ? Directory.GetDirectories(outDirectory).Where(d => !Path.GetFileName(d).StartsWith('.'))
                .Select(d => Path.Combine(d, "result.json")).Where(File.Exists).Order(StringComparer.Ordinal).ToArray()
            : [];
        if (results.Length == 0) return 0;
        var inv = CultureInfo.InvariantCulture;
        var claims = new StringBuilder();
        var runs = new StringBuilder();
        var counts = new Dictionary<string, int>();
        foreach (var path in results)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            var id = root.GetProperty("experiment").GetString()!;
            var source = root.GetProperty("source").GetString()!;
            var environment = root.GetProperty("environment");
            runs.Append($"| [`{id}`]({id}/report.md) | {root.GetProperty("scale").GetString()} | {root.GetProperty("seeds").GetArrayLength()} | ")
                .Append($"{environment.GetProperty("device").GetString()}, {environment.GetProperty("threads").GetInt32()} thread(s) | ")
                .Append($"{environment.GetProperty("os").GetString()}; .NET {environment.GetProperty("dotnet").GetString()}; TorchSharp {environment.GetProperty("torchSharp").GetString()} | `{environment.GetProperty("command").GetString()}` |\n");
            foreach (var claim in root.GetProperty("claims").EnumerateArray())
            {
                var measured = claim.GetProperty("measured");
                var mean = measured.GetProperty("mean");
                var interval = measured.GetProperty("interval95");
                var meanText = mean.ValueKind == JsonValueKind.Number ? mean.GetDouble().ToString("0.####", inv) : "n/a";
                var intervalText = interval.ValueKind == JsonValueKind.Array
                    ? $"[{interval[0].GetDouble().ToString("0.####", inv)}, {interval[1].GetDouble().ToString("0.####", inv)}]"
                    : "n/a";
                var verdict = claim.GetProperty("verdict").GetString()!;
                counts[verdict] = counts.GetValueOrDefault(verdict) + 1;
                claims.Append($"| [`{id}`]({id}/report.md) | {Cell(claim.GetProperty("source").GetString()!)} | {Cell(claim.GetProperty("statement").GetString()!)} | ")
                    .Append($"`{claim.GetProperty("metric").GetString()}` {claim.GetProperty("expected").GetString()} | {meanText} {intervalText} | **{verdict}** |\n");
            }
        }
        var text = new StringBuilder();
        text.Append("# Published results\n\n");
        text.Append("Every claim of every experiment in this folder, as its `result.json` records it. A claim is *reproduced* when the 95% interval of its per-seed values lies entirely on the claimed side of the threshold, *not-reproduced* when it lies entirely on the other side, *inconclusive* otherwise. ");
        text.Append("Summary: " + string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Value} {c.Key}")) + ".\n\n");
        text.Append("| Experiment | Paper, figure | Statement | Metric, expected | Measured: mean [95% interval] | Verdict |\n|---|---|---|---|---|---|\n");
        text.Append(claims);
        text.Append("\n## Runs\n\n| Experiment | Scale | Seeds | Device | Machine and versions | Command |\n|---|---|---|---|---|---|\n");
        text.Append(runs);
        AtomicOutput.WriteText(Path.Combine(outDirectory, "README.md"), text.ToString());
        return results.Length;
    }

    static string Cell(string s) => s.Replace("|", "\\|").Replace("\n", " ");
}
