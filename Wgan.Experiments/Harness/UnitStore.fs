/// Unit results as JSON text, for checkpoints and shards: the unit's key and what its experiment measured (the
/// experiment's own record, written by UnitCodec). Pure: the runner decides where the text lives.
module Wgan.Experiments.UnitStore

open System
open System.IO
open System.Text
open System.Text.Json

/// The JSON text of a unit result: {"key": ..., "measured": {...}}.
let toJson (r: UnitResult) : string =
    use stream = new MemoryStream()
    (use w = new Utf8JsonWriter(stream)
     w.WriteStartObject()
     w.WriteString("key", r.Key)
     w.WritePropertyName "measured"
     w.WriteRawValue r.Measured
     w.WriteEndObject())
    Encoding.UTF8.GetString(stream.ToArray())

/// Reads a unit result written by `toJson`; throws InvalidDataException when the text is not one (what it measured is
/// checked when its experiment decodes it).
let ofJson (text: string) : UnitResult =
    let fail (message: string) (inner: exn) = raise (InvalidDataException($"not a unit result: {message}", inner))
    try
        use doc = JsonDocument.Parse text
        let root = doc.RootElement
        match root.TryGetProperty "key", root.TryGetProperty "measured" with
        | (true, key), (true, measured)
            when key.ValueKind = JsonValueKind.String && measured.ValueKind = JsonValueKind.Object ->
            { Key = key.GetString(); Measured = measured.GetRawText() }
        | _ -> fail "it needs a string \"key\" and an object \"measured\"" null
    with :? JsonException as e -> fail e.Message e
