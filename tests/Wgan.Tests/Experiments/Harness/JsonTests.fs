/// Decoding objects field by field (Json.fields): every failed independent field reported, unknown fields named,
/// dependent reads abandoned after an error without naming the fields they would have read.
module Wgan.Tests.JsonTests

open Xunit
open Wgan.Experiments.Json

type private Pair = { A: int; B: string }

let private pair: Decoder<Pair> =
    Decode.object (fields {
        let! a = required "a" (Decode.intInRange 0 9)
        and! b = required "b" Decode.nonEmptyString
        return { A = a; B = b } })

/// {"kind": "number", "value": n} | {"kind": "text", "text": s}: which field is read depends on "kind".
let private tagged: Decoder<Choice<int, string>> =
    Decode.object (fields {
        let! kind = required "kind" (Decode.oneOf [ "number", true; "text", false ])
        if kind then
            let! n = required "value" Decode.int
            return Choice1Of2 n
        else
            let! s = required "text" Decode.string
            return Choice2Of2 s })

let private problems (decoder: Decoder<'T>) (text: string) =
    match Decode.document decoder text with
    | Ok _ -> []
    | Error errors -> errors |> List.map (fun e -> $"{e.Path}: {e.Message}")

[<Fact>]
let ``an object decodes when every field does`` () =
    Assert.Equal(Ok { A = 3; B = "x" }, Decode.document pair """{"a": 3, "b": "x"}""")

[<Fact>]
let ``every failed independent field is reported, with the unknown ones`` () =
    Assert.Equal<string list>(
        [ "$.a: must be an integer in [0, 9] (found 12)"; "$.b: is required but missing"; "$.c: is not a known field" ],
        problems pair """{"a": 12, "c": 1}""")

[<Fact>]
let ``a field read after another depends on its value`` () =
    Assert.Equal(Ok(Choice1Of2 4), Decode.document tagged """{"kind": "number", "value": 4}""")
    Assert.Equal(Ok(Choice2Of2 "four"), Decode.document tagged """{"kind": "text", "text": "four"}""")
    // The field of the other kind is unknown here.
    let extra = problems tagged """{"kind": "number", "value": 4, "text": "x"}"""
    Assert.Equal<string list>([ "$.text: is not a known field" ], extra)

[<Fact>]
let ``after a failed field that others depend on, the fields it would have read are not called unknown`` () =
    Assert.Equal<string list>(
        [ "$.kind: \"word\" is not one of \"number\", \"text\"" ],
        problems tagged """{"kind": "word", "value": 4}""")

[<Fact>]
let ``optional fields are None or their default when absent and decoded when present`` () =
    let decoder =
        Decode.object (fields {
            let! a = optional "a" Decode.int
            and! b = optionalOr 7 "b" Decode.int
            return a, b })
    Assert.Equal(Ok(None, 7), Decode.document decoder "{}")
    Assert.Equal(Ok(Some 1, 2), Decode.document decoder """{"a": 1, "b": 2}""")
    Assert.Equal<string list>([ "$.b: expected an integer, found a string" ], problems decoder """{"b": "2"}""")

[<Fact>]
let ``Fields.all reads every field and reports every failure`` () =
    let decoder = Decode.object (Fields.all [ for name in [ "x"; "y"; "z" ] -> required name Decode.int ])
    Assert.Equal(Ok [ 1; 2; 3 ], Decode.document decoder """{"x": 1, "y": 2, "z": 3}""")
    let missing = problems decoder """{"y": 2}"""
    Assert.Equal<string list>([ "$.x: is required but missing"; "$.z: is required but missing" ], missing)
