/// The C#-facing checks of a JSON file's text (see `JsonChecks`): arrays of problems instead of an F# Result and list.
namespace Wgan.Experiments

/// The outcome of decoding a file's bytes as UTF-8: its text, or the problems found, one per line as
/// "$.json.path: message".
[<Sealed>]
type Utf8Decoding internal (text: string, problems: string[]) =
    /// Whether the bytes are valid UTF-8.
    member _.IsValid = problems.Length = 0
    /// The text; null when the bytes are not valid UTF-8.
    member _.Text = text
    /// Where the invalid bytes are; empty when the bytes are valid.
    member _.Problems = problems

/// The checks of a JSON file's text that the shell runs before it parses a manifest or a record.
[<AbstractClass; Sealed>]
type JsonText =
    /// The text of a JSON file's bytes (a leading byte-order mark dropped; see `JsonChecks.utf8Text`), or, when they
    /// are not valid UTF-8, the JSON paths of the strings that hold the invalid bytes.
    static member DecodeUtf8(bytes: byte[]) : Utf8Decoding =
        match JsonChecks.utf8Text bytes with
        | Ok text -> Utf8Decoding(text, [||])
        | Error errors -> Utf8Decoding(null, errors |> List.map (fun e -> $"{e.Path}: {e.Message}") |> Array.ofList)

    /// Object keys that appear twice in one object anywhere under `element`, as "$.json.path: message" (none when
    /// every key is unique; see `JsonChecks.duplicateKeys`).
    static member DuplicateKeys(element: System.Text.Json.JsonElement) : string[] =
        JsonChecks.duplicateKeys element |> List.map (fun e -> $"{e.Path}: {e.Message}") |> Array.ofList
