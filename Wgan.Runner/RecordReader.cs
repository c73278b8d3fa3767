using System.Text.Json;
using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// Reads the files the runner wrote itself (result.json, run.json, unit checkpoints) as strictly as a manifest:
/// every field is checked for its type and range, and a problem throws an <see cref="InputException"/> naming the
/// file and the JSON path, so an edited or damaged record is a user-fixable error, never a crash.
/// </summary>
public sealed class RecordReader
{
    readonly string file;

    RecordReader(string file) => this.file = file;

    /// <summary>The root of <paramref name="file"/>'s JSON, checked for valid UTF-8 and duplicate keys.</summary>
    public static (RecordReader Reader, JsonDocument Document) Open(string file)
    {
        return Parse(file, InputFiles.ReadAllBytes(file, InputFiles.MaxRecordBytes, "record"));
    }

    /// <summary>
    /// The root of JSON <paramref name="bytes"/> read from <paramref name="file"/> (see <see cref="Open"/>).
    /// </summary>
    public static (RecordReader Reader, JsonDocument Document) Parse(string file, byte[] bytes)
    {
        var reader = new RecordReader(file);
        var text = JsonText.DecodeUtf8(bytes);
        if (!text.IsValid) throw reader.Problems(text.Problems);
        JsonDocument document;
        try { document = JsonDocument.Parse(text.Text); }
        catch (JsonException) when (JsonChecks.nestedTooDeeply(text.Text))
        {
            throw new InputException($"{file}: {JsonChecks.nestedTooDeeplyMessage}");
        }
        catch (JsonException e)
        {
            throw new InputException(
                $"{file}: is not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1})");
        }
        var duplicates = JsonText.DuplicateKeys(document.RootElement);
        if (duplicates.Length > 0)
        {
            document.Dispose();
            throw reader.Problems(duplicates);
        }
        return (reader, document);
    }

    /// <summary>
    /// A published result.json, its <paramref name="document"/> from <see cref="Parse"/>, read into typed records
    /// (<see cref="PublishedResult"/>); <paramref name="report"/> is the published report.md or null. A problem throws
    /// an <see cref="InputException"/> naming the file and the JSON path.
    /// </summary>
    public static PublishedResult.Published ReadResult(string file, JsonDocument document, string? report)
    {
        try { return PublishedResult.PublishedResults.Read(document.RootElement.GetRawText(), report); }
        catch (RecordJson.UnreadableResultException e) { throw new InputException($"{file}: {e.Message}"); }
    }

    InputException Problems(IEnumerable<string> problems) => new($"{file}: " + string.Join("; ", problems));

    /// <summary>An error at <paramref name="path"/> of this file.</summary>
    public InputException Error(string path, string message) => new($"{file}: {path}: {message}");

    static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>The object at <paramref name="path"/>.</summary>
    public JsonElement Object(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.Object ? e : throw Error(path, $"expected an object, found {Kind(e)}");

    /// <summary>
    /// The required field <paramref name="name"/> of the object <paramref name="e"/> at <paramref name="path"/>.
    /// </summary>
    public JsonElement Field(JsonElement e, string path, string name) =>
        Object(e, path).TryGetProperty(name, out var value)
            ? value
            : throw Error($"{path}.{name}", "is required but missing");

    /// <summary>The elements of the array at <paramref name="path"/>, each with its path.</summary>
    public IEnumerable<(JsonElement Item, string Path)> Array(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.Array
            ? e.EnumerateArray().Select((item, i) => (item, $"{path}[{i}]")).ToArray()
            : throw Error(path, $"expected an array, found {Kind(e)}");

    /// <summary>A string that is neither null nor empty.</summary>
    public string String(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.String) throw Error(path, $"expected a string, found {Kind(e)}");
        var s = e.GetString()!;
        return s.Length > 0 ? s : throw Error(path, "must not be empty");
    }

    /// <summary>A string, possibly empty.</summary>
    public string Text(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Error(path, $"expected a string, found {Kind(e)}");

    /// <summary>One of <paramref name="choices"/>.</summary>
    public string OneOf(JsonElement e, string path, params string[] choices)
    {
        var s = Text(e, path);
        return choices.Contains(s)
            ? s
            : throw Error(path, $"\"{s}\" is not one of {string.Join(", ", choices.Select(c => $"\"{c}\""))}");
    }

    /// <summary>An integer in [<paramref name="lo"/>, <paramref name="hi"/>].</summary>
    public long Integer(JsonElement e, string path, long lo, long hi)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out var v))
        {
            var found = e.ValueKind == JsonValueKind.Number ? e.GetRawText() : Kind(e);
            throw Error(path, $"expected an integer, found {found}");
        }
        return v >= lo && v <= hi ? v : throw Error(path, $"must be an integer in [{lo}, {hi}] (found {v})");
    }

    /// <summary>A finite number, or null (how result.json writes a non-finite value) as NaN.</summary>
    public double NumberOrNull(JsonElement e, string path) => e.ValueKind switch
    {
        JsonValueKind.Number => e.GetDouble() is var v && double.IsFinite(v)
            ? v
            : throw Error(path, $"{e.GetRawText()} is not a finite number"),
        JsonValueKind.Null => double.NaN,
        _ => throw Error(path, $"expected a number or null, found {Kind(e)}"),
    };

    /// <summary>The scale names.</summary>
    public static readonly string[] Scales = ["smoke", "quick", "paper"];

    /// <summary>The device names.</summary>
    public static readonly string[] DeviceNames = ["cpu", "cuda"];
}
