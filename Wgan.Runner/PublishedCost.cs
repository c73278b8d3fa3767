using System.Text.Json;
using System.Text.Json.Nodes;

namespace Wgan.Runner;

/// <summary>
/// What a unit of an experiment cost when it was last published: the <c>result.json</c> in the output folder records
/// the summed compute time of its units (<c>environment.computeSeconds</c>). The progress display starts its estimate
/// of the time left from it, so the estimate is about right before this run has measured anything.
/// </summary>
public static class PublishedCost
{
    /// <summary>A published result.json larger than this is not read for an estimate.</summary>
    const long MaxBytes = 64L << 20;

    /// <summary>A manifest without the fields that change no unit's work (its claims and verify tolerance).</summary>
    static JsonNode? Work(JsonNode? manifest)
    {
        if (manifest?.DeepClone() is not JsonObject copy) return null;
        copy.Remove("claims");
        copy.Remove("verifyTolerance");
        return copy;
    }

    /// <summary>
    /// The compute seconds per unit of the result published in <paramref name="outDirectory"/> for the experiment of
    /// <paramref name="manifest"/>, when that result ran the same manifest (its claims and verify tolerance aside,
    /// which change no unit's work) at <paramref name="scale"/> with
    /// <paramref name="seeds"/> (so it had the same <paramref name="units"/> units): its compute time over
    /// <paramref name="units"/>. 0 when there is no such result or it cannot be read: the estimate is then measured
    /// by this run alone. Nothing here stops a run; it is for display only.
    /// </summary>
    public static double SecondsPerUnit(string outDirectory, RunExperiments.LoadedManifest manifest, string scale,
        IReadOnlyList<long> seeds, int units)
    {
        var path = Path.Combine(outDirectory, manifest.Experiment.Id, "result.json");
        try
        {
            // A regular file of a sensible size only (a FIFO or a device is never opened).
            if (units <= 0 || !InputFiles.IsRegularFile(path)) return 0;
            var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip };
            var root = JsonNode.Parse(InputFiles.ReadAllText(path, MaxBytes, "record"), documentOptions: options)
                as JsonObject;
            if (root is null
                || Text(root["experiment"]) != manifest.Experiment.Id
                || Text(root["scale"]) != scale
                || root["seeds"] is not JsonArray published
                || !published.Select(Integer).SequenceEqual(seeds.Select(s => (long?)s))
                || !JsonNode.DeepEquals(
                    Work(root["manifest"]), Work(JsonNode.Parse(manifest.Text, documentOptions: options))))
                return 0;
            var recorded = root["environment"]?["computeSeconds"];
            var seconds = recorded is JsonValue v && v.TryGetValue<double>(out var s) ? s : 0;
            return double.IsFinite(seconds) && seconds > 0 ? seconds / units : 0;
        }
        catch (Exception e) when (e is InputException or IOException or UnauthorizedAccessException or JsonException
            or InvalidOperationException or FormatException or ArgumentException)
        {
            return 0;
        }
    }

    static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    static long? Integer(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var i) ? i : null;
}
