/// Decoding JSON manifests into typed values, collecting every problem with its JSON path
/// (e.g. `$.critic.optimizer.learningRate`). Unknown fields are errors: a typo must not be ignored. A whole document
/// is first checked for what its parser lets through (`JsonChecks`).
module Wgan.Experiments.Json

open System
open System.Collections.Generic
open System.Text.Json
open Wgan.Experiments.JsonChecks

/// Decodes the element at a path, or returns the problems found there.
type Decoder<'T> = string -> JsonElement -> Result<'T, DecodeError list>

let private fail path message = Error [ { Path = path; Message = message } ]

let private kindName (e: JsonElement) =
    match e.ValueKind with
    | JsonValueKind.Object -> "an object"
    | JsonValueKind.Array -> "an array"
    | JsonValueKind.String -> "a string"
    | JsonValueKind.Number -> "a number"
    | JsonValueKind.True
    | JsonValueKind.False -> "a boolean"
    | JsonValueKind.Null -> "null"
    | _ -> "nothing"

/// The fields of one JSON object under decoding: remembers which names were asked for, so that the rest can be
/// reported as unknown, and whether a dependent read was abandoned after an error (then the fields it would have
/// asked for were never asked, and none is reported as unknown).
type ObjectFields internal (path: string, element: JsonElement) =
    let known = HashSet<string>()
    member val internal Abandoned = false with get, set

    /// The value of field `name` decoded, `None` when it is absent.
    member internal _.Read(name: string, decoder: Decoder<'T>) : Result<'T option, DecodeError list> =
        known.Add name |> ignore
        match element.TryGetProperty name with
        | true, value -> decoder $"{path}.{name}" value |> Result.map Some
        | _ -> Ok None

    /// The path of field `name`.
    member internal _.At(name: string) = $"{path}.{name}"

    member internal this.Missing(name: string) = [ { Path = this.At name; Message = "is required but missing" } ]

    member internal _.UnknownFields() =
        [ for p in element.EnumerateObject() do
              if not (known.Contains p.Name) then
                  yield { Path = $"{path}.{p.Name}"; Message = "is not a known field" } ]

/// Decodes some fields of one object (see `fields`, `required`, `optional` and `Decode.object`).
type Fields<'T> = ObjectFields -> Result<'T, DecodeError list>

module Fields =
    let succeed (value: 'T) : Fields<'T> = fun _ -> Ok value

    let map (f: 'T -> 'U) (fields: Fields<'T>) : Fields<'U> = fun o -> fields o |> Result.map f

    /// Both reads, every error of both.
    let zip (a: Fields<'A>) (b: Fields<'B>) : Fields<'A * 'B> =
        fun o ->
            match a o, b o with
            | Ok x, Ok y -> Ok(x, y)
            | Error e, Ok _
            | Ok _, Error e -> Error e
            | Error e1, Error e2 -> Error(e1 @ e2)

    /// A read that depends on an earlier one; after an error the rest of the object is not read.
    let bind (f: 'T -> Fields<'U>) (fields: Fields<'T>) : Fields<'U> =
        fun o ->
            match fields o with
            | Ok v -> f v o
            | Error e ->
                o.Abandoned <- true
                Error e

    /// Failures found by a check across fields: each (field, message) at that field's path.
    let failures (problems: (string * string) list) : Fields<'T> =
        fun o -> Error [ for name, message in problems -> { Path = o.At name; Message = message } ]

    /// Every read, every error among them.
    let all (reads: Fields<'T> list) : Fields<'T list> =
        List.foldBack (fun read rest -> zip read rest |> map (fun (x, xs) -> x :: xs)) reads (succeed [])

/// Reads an object's fields: `let! ... and! ...` reads independent fields and reports every failure among them;
/// a `let!` that follows another reads fields that depend on what came before.
type FieldsBuilder() =
    member _.Return(value: 'T) : Fields<'T> = Fields.succeed value
    member _.ReturnFrom(fields: Fields<'T>) : Fields<'T> = fields
    member _.BindReturn(fields: Fields<'T>, f: 'T -> 'U) : Fields<'U> = Fields.map f fields
    member _.MergeSources(a: Fields<'A>, b: Fields<'B>) : Fields<'A * 'B> = Fields.zip a b
    member _.Bind(fields: Fields<'T>, f: 'T -> Fields<'U>) : Fields<'U> = Fields.bind f fields

let fields = FieldsBuilder()

/// Field `name`, which must be present.
let required (name: string) (decoder: Decoder<'T>) : Fields<'T> =
    fun o ->
        match o.Read(name, decoder) with
        | Ok (Some v) -> Ok v
        | Ok None -> Error(o.Missing name)
        | Error e -> Error e

/// Field `name` if present.
let optional (name: string) (decoder: Decoder<'T>) : Fields<'T option> = fun o -> o.Read(name, decoder)

/// Field `name`, or `value` when it is absent.
let optionalOr (value: 'T) (name: string) (decoder: Decoder<'T>) : Fields<'T> =
    optional name decoder |> Fields.map (Option.defaultValue value)

module Decode =
    let string: Decoder<string> =
        fun path e ->
            if e.ValueKind = JsonValueKind.String then Ok(e.GetString())
            else fail path $"expected a string, found {kindName e}"

    let nonEmptyString: Decoder<string> =
        fun path e ->
            match string path e with
            | Ok s when String.IsNullOrWhiteSpace s -> fail path "must not be empty"
            | r -> r

    /// A finite number (NaN and infinities cannot be written in JSON, but huge literals overflow to them).
    let float: Decoder<float> =
        fun path e ->
            if e.ValueKind <> JsonValueKind.Number then fail path $"expected a number, found {kindName e}"
            else
                let v = e.GetDouble()
                if Double.IsFinite v then Ok v else fail path $"{e.GetRawText()} is not a finite number"

    let int: Decoder<int> =
        fun path e ->
            if e.ValueKind <> JsonValueKind.Number then fail path $"expected an integer, found {kindName e}"
            else
                match e.TryGetInt32() with
                | true, v -> Ok v
                | _ -> fail path $"expected an integer within 32 bits, found {e.GetRawText()}"

    let bool: Decoder<bool> =
        fun path e ->
            match e.ValueKind with
            | JsonValueKind.True -> Ok true
            | JsonValueKind.False -> Ok false
            | _ -> fail path $"expected true or false, found {kindName e}"

    /// A value checked against a predicate; `describe` says what was required.
    let check (predicate: 'T -> bool) (describe: string) (decoder: Decoder<'T>) : Decoder<'T> =
        fun path e ->
            match decoder path e with
            | Ok v when not (predicate v) -> fail path $"{describe} (found {e.GetRawText()})"
            | r -> r

    let intInRange lo hi = int |> check (fun v -> v >= lo && v <= hi) $"must be an integer in [{lo}, {hi}]"
    let floatInRange lo hi = float |> check (fun v -> v >= lo && v <= hi) $"must be a number in [{lo}, {hi}]"
    let positiveFloat = float |> check (fun v -> v > 0.0) "must be a positive number"

    /// One of a fixed set of strings, mapped to values.
    let oneOf (choices: (string * 'T) list) : Decoder<'T> =
        fun path e ->
            match string path e with
            | Error es -> Error es
            | Ok s ->
                match choices |> List.tryFind (fun (name, _) -> name = s) with
                | Some (_, v) -> Ok v
                | None ->
                    let names = choices |> List.map (fst >> sprintf "\"%s\"") |> String.concat ", "
                    fail path $"\"{s}\" is not one of {names}"

    let array (item: Decoder<'T>) : Decoder<'T list> =
        fun path e ->
            if e.ValueKind <> JsonValueKind.Array then fail path $"expected an array, found {kindName e}"
            else
                let results = e.EnumerateArray() |> Seq.mapi (fun i x -> item $"{path}[{i}]" x) |> List.ofSeq
                match results |> List.collect (function Error es -> es | Ok _ -> []) with
                | [] -> Ok(results |> List.map (function Ok v -> v | Error _ -> failwith "unreachable"))
                | errors -> Error errors

    let nonEmptyArray (item: Decoder<'T>) : Decoder<'T list> =
        fun path e ->
            match array item path e with
            | Ok [] -> fail path "must not be empty"
            | r -> r

    /// Decodes an object by its fields; reports the failed fields and the unknown ones together.
    let object (read: Fields<'T>) : Decoder<'T> =
        fun path e ->
            if e.ValueKind <> JsonValueKind.Object then fail path $"expected an object, found {kindName e}"
            else
                let reading = ObjectFields(path, e)
                let result = read reading
                let unknown = if reading.Abandoned then [] else reading.UnknownFields()
                match result, unknown with
                | Ok v, [] -> Ok v
                | Ok _, problems -> Error problems
                | Error errors, problems -> Error(errors @ problems)

    /// Decodes a whole document; a syntax error is reported with its line and position.
    let document (decoder: Decoder<'T>) (text: string) : Result<'T, DecodeError list> =
        try
            use doc =
                JsonDocument.Parse(
                    text,
                    JsonDocumentOptions(CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = false)
                )
            match duplicateKeys doc.RootElement @ badStrings false doc.RootElement with
            | [] -> decoder "$" doc.RootElement
            | problems -> Error problems
        with
        | :? JsonException when nestedTooDeeply text -> Error [ { Path = "$"; Message = nestedTooDeeplyMessage } ]
        | :? JsonException as e ->
            let where =
                if e.LineNumber.HasValue then
                    $"line {e.LineNumber.Value + 1L}, "
                    + $"position {e.BytePositionInLine.GetValueOrDefault() + 1L}"
                else
                    "unknown position"
            Error [ { Path = "$"; Message = $"is not valid JSON ({where})" } ]
