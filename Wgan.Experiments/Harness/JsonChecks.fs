/// The checks of a JSON text that its parser does not make, each problem at its JSON path: valid UTF-8, no control
/// or bidirectional-override characters and no lone surrogates in keys and strings, no key twice in one object, and
/// a nesting depth the parser accepts (with a message that says why it does not).
module Wgan.Experiments.JsonChecks

open System
open System.Collections.Generic
open System.Text.Json

/// A character that must not appear in a manifest's strings: a control character (NUL and the other C0 and C1
/// controls, DEL), which would print raw into reports and terminals, or a bidirectional override or isolate
/// (U+202A-U+202E, U+2066-U+2069), which makes text display in another order than it reads.
let forbiddenCharacter (c: char) =
    Char.IsControl c || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069')

/// Whether `s` holds a UTF-16 surrogate without its partner (JSON can write one as a \u escape).
let private hasLoneSurrogate (s: string) =
    let rec scan i =
        if i >= s.Length then false
        elif Char.IsHighSurrogate s[i] then
            if i + 1 < s.Length && Char.IsLowSurrogate s[i + 1] then scan (i + 2) else true
        elif Char.IsLowSurrogate s[i] then true
        else scan (i + 1)
    scan 0

/// Walks the tree under `element` from its root `$`, collecting the problems `visitKey` finds at each object key
/// (given the keys of that object seen before it) and `visitString` at each string value, with their JSON paths.
let private walk
    (visitKey: string -> HashSet<string> -> string -> DecodeError list)
    (visitString: string -> string -> DecodeError list)
    (element: JsonElement)
    =
    let rec go path (e: JsonElement) =
        match e.ValueKind with
        | JsonValueKind.Object ->
            let seen = HashSet<string>()
            [ for p in e.EnumerateObject() do
                  let child = $"{path}.{p.Name}"
                  yield! visitKey child seen p.Name
                  seen.Add p.Name |> ignore
                  yield! go child p.Value ]
        | JsonValueKind.Array -> e.EnumerateArray() |> Seq.mapi (fun i x -> go $"{path}[{i}]" x) |> List.concat
        | JsonValueKind.String ->
            match (try Some(e.GetString()) with :? InvalidOperationException -> None) with
            | Some s -> visitString path s
            | None -> [ { Path = path; Message = "contains a lone UTF-16 surrogate" } ]
        | _ -> []
    go "$" element

/// Object keys that appear twice in one object anywhere under `element`, at their JSON paths (a reader would
/// silently take the last one).
let duplicateKeys (element: JsonElement) : DecodeError list =
    element
    |> walk
        (fun path seen name ->
            if seen.Contains name then [ { Path = path; Message = "appears more than once in its object" } ] else [])
        (fun _ _ -> [])

/// Keys and strings under `element` that hold a forbidden character (see `forbiddenCharacter`) or a lone
/// surrogate, at their JSON paths; with `invalidUtf8`, U+FFFD marks bytes that were not UTF-8.
let badStrings (invalidUtf8: bool) (element: JsonElement) : DecodeError list =
    let check path (s: string) =
        match s |> Seq.tryFind forbiddenCharacter with
        | Some c ->
            [ { Path = path; Message = $"contains the control or bidirectional-override character U+{int c:X4}" } ]
        | None when invalidUtf8 && s.Contains '\uFFFD' -> [ { Path = path; Message = "is not valid UTF-8" } ]
        | None when hasLoneSurrogate s -> [ { Path = path; Message = "contains a lone UTF-16 surrogate" } ]
        | None -> []
    element |> walk (fun path _ name -> check path name) check

let private strictUtf8 = Text.UTF8Encoding(false, true)

/// The text of a JSON file's bytes (a leading byte-order mark dropped), or, when they are not valid UTF-8, the
/// JSON paths of the strings that hold the invalid bytes (the byte offset when they lie outside any string).
let utf8Text (bytes: byte[]) : Result<string, DecodeError list> =
    let start = if bytes.Length >= 3 && bytes[0] = 0xEFuy && bytes[1] = 0xBBuy && bytes[2] = 0xBFuy then 3 else 0
    try Ok(strictUtf8.GetString(bytes, start, bytes.Length - start))
    with :? Text.DecoderFallbackException as e ->
        let lenient = Text.Encoding.UTF8.GetString(bytes, start, bytes.Length - start)
        let inStrings =
            try
                use doc = JsonDocument.Parse(lenient, JsonDocumentOptions(CommentHandling = JsonCommentHandling.Skip))
                badStrings true doc.RootElement |> List.filter (fun e -> e.Message = "is not valid UTF-8")
            with :? JsonException -> []
        if inStrings.IsEmpty then
            Error [ { Path = "$"; Message = $"is not valid UTF-8 (at byte offset {int64 start + int64 e.Index})" } ]
        else
            Error inStrings

/// The deepest nesting of objects and arrays a JSON text may have: System.Text.Json's default, far more than any
/// manifest or record needs.
[<Literal>]
let MaxDepth = 64

/// Whether `text` nests objects and arrays more than `MaxDepth` levels deep (brackets inside strings do not count):
/// the parser refuses such a text with a syntax error at some position, which would not say why.
let nestedTooDeeply (text: string) : bool =
    let mutable depth = 0
    let mutable deepest = 0
    let mutable inString = false
    let mutable escaped = false
    for c in text do
        if inString then
            if escaped then escaped <- false
            elif c = '\\' then escaped <- true
            elif c = '"' then inString <- false
        else
            match c with
            | '"' -> inString <- true
            | '{'
            | '[' ->
                depth <- depth + 1
                deepest <- max deepest depth
            | '}'
            | ']' -> depth <- depth - 1
            | _ -> ()
    deepest > MaxDepth

/// The problem reported for a text that `nestedTooDeeply` finds.
let nestedTooDeeplyMessage = $"is nested too deeply (objects and arrays more than {MaxDepth} levels deep)"
