/// Unit results as JSON text, exactly round-tripped (doubles in shortest round-trip form), for checkpoints
/// and shards. Pure: the runner decides where the text lives.
module Wgan.Experiments.UnitStore

open System
open System.Globalization
open System.IO
open System.Text
open System.Text.Json

let private writeDouble (w: Utf8JsonWriter) (x: float) =
    if Double.IsFinite x then w.WriteRawValue(x.ToString("R", CultureInfo.InvariantCulture))
    else w.WriteStringValue(Render.number x)

let private readDouble (e: JsonElement) =
    match e.ValueKind with
    | JsonValueKind.Number -> e.GetDouble()
    | JsonValueKind.String ->
        match e.GetString() with
        | "nan" -> nan
        | "inf" -> infinity
        | "-inf" -> -infinity
        | s -> raise (InvalidDataException $"'{s}' is not a number")
    | k -> raise (InvalidDataException $"expected a number, found {k}")

/// The JSON text of a unit result.
let toJson (r: UnitResult) : string =
    use stream = new MemoryStream()
    (use w = new Utf8JsonWriter(stream)
     w.WriteStartObject()
     w.WriteString("key", r.Key)
     w.WriteString("diverged", r.Diverged)
     w.WriteStartObject("scalars")
     for KeyValue (name, value) in r.Scalars |> Seq.sortBy (fun kv -> kv.Key) do
         w.WritePropertyName name
         writeDouble w value
     w.WriteEndObject()
     w.WriteStartObject("vectors")
     for KeyValue (name, values) in r.Vectors |> Seq.sortBy (fun kv -> kv.Key) do
         w.WriteStartArray name
         for v in values do writeDouble w v
         w.WriteEndArray()
     w.WriteEndObject()
     w.WriteStartObject("texts")
     for KeyValue (name, text) in r.Texts |> Seq.sortBy (fun kv -> kv.Key) do
         w.WriteString(name, text)
     w.WriteEndObject()
     w.WriteEndObject())
    Encoding.UTF8.GetString(stream.ToArray())

/// Reads a unit result written by `toJson` (one written before units had texts has none); throws
/// InvalidDataException when the text is not one.
let ofJson (text: string) : UnitResult =
    try
        use doc = JsonDocument.Parse text
        let root = doc.RootElement
        { Key = root.GetProperty("key").GetString()
          Diverged = root.GetProperty("diverged").GetString()
          Scalars = readOnlyDict [ for p in root.GetProperty("scalars").EnumerateObject() -> p.Name, readDouble p.Value ]
          Vectors =
            readOnlyDict [ for p in root.GetProperty("vectors").EnumerateObject() -> p.Name, [| for v in p.Value.EnumerateArray() -> readDouble v |] ]
          Texts =
            match root.TryGetProperty "texts" with
            | true, texts -> readOnlyDict [ for p in texts.EnumerateObject() -> p.Name, p.Value.GetString() ]
            | _ -> readOnlyDict [] }
    with
    | :? JsonException
    | :? InvalidOperationException
    | :? Collections.Generic.KeyNotFoundException as e -> raise (InvalidDataException($"not a unit result: {e.Message}", e))
