/// The JSON form of an experiment's unit results, derived from their F# record types: exact for doubles (shortest
/// round-trip form; NaN and infinities as "NaN", "Infinity", "-Infinity"), strict when read (a missing or unknown
/// field is an error), so that a checkpoint of another version of a unit is refused rather than misread.
module Wgan.Experiments.UnitCodec

open System.IO
open System.Text.Json
open System.Text.Json.Serialization

let private options =
    JsonSerializerOptions(
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true)

/// The JSON text of a unit result.
let encode (value: 'U) : string = JsonSerializer.Serialize(value, options)

/// A unit result from `encode`'s text; throws InvalidDataException naming what does not fit `'U`.
let decode<'U> (text: string) : 'U =
    let fail (e: exn) = raise (InvalidDataException($"not a {typeof<'U>.Name} unit result: {e.Message}", e))
    try
        match JsonSerializer.Deserialize<'U>(text, options) with
        | value when obj.ReferenceEquals(value, null) -> fail (JsonException "the text is null")
        | value -> value
    with
    | :? JsonException as e -> fail e
    | :? System.NotSupportedException as e -> fail e
