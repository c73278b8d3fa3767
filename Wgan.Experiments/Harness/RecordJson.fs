/// Strict reading of the JSON records the runner wrote (result.json): every field checked for its type and range, a
/// problem raised as an `UnreadableResultException` naming its JSON path, in the words the runner's record reader uses.
module Wgan.Experiments.RecordJson

open System
open System.Text.Json

/// A result.json that cannot be read back: `Path` is the JSON path of the problem, `Problem` what is wrong there;
/// the message is "path: problem".
type UnreadableResultException(path: string, problem: string) =
    inherit Exception($"{path}: {problem}")
    /// The JSON path of the problem ("$.environment.threads").
    member _.Path = path
    /// What is wrong at `Path`.
    member _.Problem = problem

/// Raises the problem `problem` at the JSON path `path`.
let fail path problem = raise (UnreadableResultException(path, problem))

/// How a problem names the kind of JSON value found ("an object", "null").
let kind (e: JsonElement) =
    match e.ValueKind with
    | JsonValueKind.Object -> "an object"
    | JsonValueKind.Array -> "an array"
    | JsonValueKind.String -> "a string"
    | JsonValueKind.Number -> "a number"
    | JsonValueKind.True | JsonValueKind.False -> "a boolean"
    | JsonValueKind.Null -> "null"
    | _ -> "nothing"

/// The object at `path`.
let object' (e: JsonElement) path =
    if e.ValueKind = JsonValueKind.Object then e else fail path $"expected an object, found {kind e}"

/// The required field `name` of the object `e` at `path`.
let field (e: JsonElement) path (name: string) =
    match (object' e path).TryGetProperty name with
    | true, v -> v
    | _ -> fail $"{path}.{name}" "is required but missing"

/// The elements of the array at `path`, each with its path.
let items (e: JsonElement) path =
    if e.ValueKind = JsonValueKind.Array then
        e.EnumerateArray() |> Seq.mapi (fun i x -> x, $"{path}[{i}]") |> List.ofSeq
    else fail path $"expected an array, found {kind e}"

/// A string, possibly empty.
let text (e: JsonElement) path =
    if e.ValueKind = JsonValueKind.String then e.GetString() else fail path $"expected a string, found {kind e}"

/// A string that is not empty.
let name (e: JsonElement) path =
    match text e path with
    | "" -> fail path "must not be empty"
    | s -> s

/// One of `choices`.
let oneOf (choices: string list) (e: JsonElement) path =
    let s = text e path
    if List.contains s choices then s
    else fail path $""""{s}" is not one of {choices |> List.map (fun c -> $"\"{c}\"") |> String.concat ", "}"""

/// An integer in [lo, hi].
let integer (lo: int64) (hi: int64) (e: JsonElement) path =
    match e.ValueKind, (if e.ValueKind = JsonValueKind.Number then e.TryGetInt64() else (false, 0L)) with
    | _, (true, v) when v >= lo && v <= hi -> v
    | _, (true, v) -> fail path $"must be an integer in [{lo}, {hi}] (found {v})"
    | JsonValueKind.Number, _ -> fail path $"expected an integer, found {e.GetRawText()}"
    | _ -> fail path $"expected an integer, found {kind e}"

/// A finite number, or null (how result.json writes a non-finite value) as NaN.
let numberOrNull (e: JsonElement) path =
    match e.ValueKind with
    | JsonValueKind.Number when Double.IsFinite(e.GetDouble()) -> e.GetDouble()
    | JsonValueKind.Number -> fail path $"{e.GetRawText()} is not a finite number"
    | JsonValueKind.Null -> nan
    | _ -> fail path $"expected a number or null, found {kind e}"

/// An optional text field ("" when absent or not a string: results published before it was recorded).
let optionalText (e: JsonElement) (name: string) =
    match e.TryGetProperty name with
    | true, v when v.ValueKind = JsonValueKind.String -> v.GetString()
    | _ -> ""

