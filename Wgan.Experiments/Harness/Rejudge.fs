/// Re-judging a published result without retraining: the per-seed metrics that result.json records are judged
/// again by the claims of the experiment's current manifest under the current rules, and result.json and report.md
/// are rendered again. Only the claims may differ from the manifest the result recorded: per-seed values under other
/// settings would be the values of another experiment.
module Wgan.Experiments.Rejudge

open System
open System.Globalization
open System.Text.Json
open System.Text.Json.Nodes

/// A claim as a published result.json records it: its id, verdict and definition hash ("" when the result was
/// published before hashes were recorded).
type PublishedClaim = { Id: string; Verdict: string; DefinitionSha256: string }

/// What a published result.json holds, read back: the result without its claims (they are judged again), the
/// environment it was computed in, the manifest it recorded (JSON text) and its claims as published.
type Published =
    { Result: ExperimentResult
      Environment: Render.RunEnvironment
      Manifest: string
      Claims: PublishedClaim list
      /// The looks of a sequential run (`run --until-decided`), as recorded; None for a run judged once.
      Sequential: Sequential.SequentialRecord option
      /// Whether result.json records its figures' captions (results published before they were recorded do not;
      /// their captions are read from the published report.md once).
      HasCaptions: bool }

/// A result.json that cannot be read back, with the JSON path of the problem.
exception UnreadableResult of string

let private fail path (message: string) = raise (UnreadableResult $"{path}: {message}")

let private field (e: JsonElement) path (name: string) =
    match e.ValueKind, (if e.ValueKind = JsonValueKind.Object then e.TryGetProperty name else (false, e)) with
    | JsonValueKind.Object, (true, v) -> v
    | JsonValueKind.Object, _ -> fail path $"has no field \"{name}\""
    | _ -> fail path "is not an object"

let private text (e: JsonElement) path =
    if e.ValueKind = JsonValueKind.String then e.GetString() else fail path "is not a string"

let private optionalText (e: JsonElement) (name: string) =
    match e.TryGetProperty name with
    | true, v when v.ValueKind = JsonValueKind.String -> v.GetString()
    | _ -> ""

let private numberOrNull (e: JsonElement) path =
    match e.ValueKind with
    | JsonValueKind.Number -> e.GetDouble()
    | JsonValueKind.Null -> nan
    | _ -> fail path "is not a number or null"

let private items (e: JsonElement) path =
    if e.ValueKind = JsonValueKind.Array then
        e.EnumerateArray() |> Seq.mapi (fun i x -> x, $"{path}[{i}]") |> List.ofSeq
    else fail path "is not an array"

/// The file names of a list of published paths ("figures/x.png" -> "x", "x.csv" -> "x").
let private stem (path: string) = IO.Path.GetFileNameWithoutExtension path

let private platformOf (environment: JsonElement) =
    match environment.TryGetProperty "platform" with
    | true, p ->
        let at = "$.environment.platform"
        let get name = text (field p at name) $"{at}.{name}"
        { CpuVendor = get "cpuVendor"; CpuModel = get "cpuModel"; InstructionSets = get "instructionSets"
          Numerics = get "numerics"; AtenCapability = get "atenCapability"; MklBranch = get "mklBranch"
          Libraries = get "libraries"; Pins = get "pins" }
    | _ -> Platform.unrecorded

/// A caption written in a published report: the alternative text of the image line that shows `file`, with the
/// table-cell escape undone. Only for results published before result.json recorded captions.
let captionInReport (report: string) (file: string) : string option =
    let suffix = $"]({file})"
    report.Split('\n')
    |> Array.tryFind (fun l ->
        l.StartsWith("![", StringComparison.Ordinal) && l.EndsWith(suffix, StringComparison.Ordinal))
    |> Option.map (fun l -> l.Substring(2, l.Length - 2 - suffix.Length).Replace("\\|", "|"))

/// Reads a published result.json; `report` is the published report.md, consulted only for the captions of a result
/// that does not record them. Raises UnreadableResult naming the JSON path of a problem.
let read (json: string) (report: string option) : Published =
    use document = JsonDocument.Parse json
    let root = document.RootElement
    let seeds = items (field root "$" "seeds") "$.seeds" |> List.map (fun (s, _) -> s.GetInt64())
    let metrics =
        items (field root "$" "metrics") "$.metrics"
        |> List.map (fun (m, at) ->
            let values =
                (field m at "values").EnumerateObject()
                |> Seq.map (fun p -> p.Name, numberOrNull p.Value $"{at}.values.{p.Name}")
                |> readOnlyDict
            { Seed = (field m at "seed").GetInt64(); Values = values })
    let environment = field root "$" "environment"
    let env name = text (field environment "$.environment" name) $"$.environment.{name}"
    let paths name = items (field root "$" name) $"$.{name}" |> List.map (fun (p, at) -> text p at)
    let captions, hasCaptions =
        match root.TryGetProperty "captions" with
        | true, c -> c.EnumerateObject() |> Seq.map (fun p -> p.Name, p.Value.GetString()) |> Map.ofSeq, true
        | _ -> Map.empty, false
    let caption file =
        match captions.TryFind file, report |> Option.bind (fun r -> captionInReport r file) with
        | Some title, _ -> title
        | None, Some title when not hasCaptions -> title
        | _ -> fail "$.captions" $"names no caption for {file} (and the published report.md shows none)"
    let figures =
        paths "figures" |> List.map (fun f -> { Figure.ofLines (stem f) (caption f) "" "" false [] with Name = stem f })
    let grids =
        paths "imageGrids"
        |> List.map (fun g ->
            { Name = stem g; Title = caption g; Rows = 0; Columns = 0; Height = 0; Width = 0; Pixels = [||] })
    let claims =
        items (field root "$" "claims") "$.claims"
        |> List.map (fun (c, at) ->
            { Id = text (field c at "id") $"{at}.id"
              Verdict = text (field c at "verdict") $"{at}.verdict"
              DefinitionSha256 = optionalText c "definitionSha256" })
    let sequential =
        match root.TryGetProperty "sequential" with
        | true, q ->
            let at = "$.sequential"
            let int' name = (field q at name).GetInt32()
            let looks =
                items (field q at "looks") $"{at}.looks"
                |> List.map (fun (l, lat) ->
                    { Sequential.Look.Seeds = (field l lat "seeds").GetInt32()
                      Sequential.Look.Share = (field l lat "share").GetDouble()
                      Sequential.Look.Claims = [] })
            let stopped =
                match text (field q at "stopped") $"{at}.stopped" with
                | "all-decided" -> Sequential.AllDecided
                | "futility" -> Sequential.Futility
                | "maximum-seeds" -> Sequential.MaximumSeeds
                | other -> fail $"{at}.stopped" $"is \"{other}\", not all-decided, futility or maximum-seeds"
            Some
                { Sequential.SequentialRecord.FirstLook = int' "firstLook"
                  Sequential.SequentialRecord.MaximumSeeds = int' "maximumSeeds"
                  Sequential.SequentialRecord.PlannedLooks =
                    items (field q at "plannedLooks") $"{at}.plannedLooks" |> List.map (fun (n, _) -> n.GetInt32())
                  Sequential.SequentialRecord.Looks = looks
                  Sequential.SequentialRecord.Stopped = stopped }
        | _ -> None
    { Result =
        { ExperimentId = text (field root "$" "experiment") "$.experiment"
          Title = text (field root "$" "title") "$.title"
          Source = text (field root "$" "source") "$.source"
          Scale = text (field root "$" "scale") "$.scale"
          Seeds = seeds
          Metrics = metrics
          Claims = []
          Series = paths "series" |> List.map (fun s -> { Name = stem s; Columns = []; Rows = [] })
          Figures = figures
          ImageGrids = grids
          Notes = paths "notes" }
      Environment =
        { HarnessVersion = env "harness"
          Commit = optionalText environment "commit"
          JudgedBy = optionalText environment "judgedBy"
          TorchSharpVersion = env "torchSharp"
          DotnetVersion = env "dotnet"
          OperatingSystem = env "os"
          Device = env "device"
          Threads = (field environment "$.environment" "threads").GetInt32()
          CommandLine = env "command"
          Platform = platformOf environment
          ComputeSeconds =
              numberOrNull (field environment "$.environment" "computeSeconds") "$.environment.computeSeconds" }
      Manifest = (field root "$" "manifest").GetRawText()
      Claims = claims
      Sequential = sequential
      HasCaptions = hasCaptions }

let private manifestOptions = JsonDocumentOptions(CommentHandling = JsonCommentHandling.Skip)

/// The top-level fields, other than "claims", in which two manifests differ (none when only claims changed).
let settingsChanged (recorded: string) (current: string) : string list =
    let settings (text: string) =
        let node = JsonNode.Parse(text, documentOptions = manifestOptions).AsObject()
        node.Remove "claims" |> ignore
        node
    let a, b = settings recorded, settings current
    let names = Seq.append (a |> Seq.map (fun kv -> kv.Key)) (b |> Seq.map (fun kv -> kv.Key)) |> Seq.distinct
    names |> Seq.filter (fun n -> not (JsonNode.DeepEquals(a[n], b[n]))) |> Seq.sort |> List.ofSeq

/// A claim whose definition changed since the publication must say so in the manifest: a dated change whose
/// `previous` begins the published definition's hash. The problems, one per claim (none for results published
/// before hashes were recorded).
let undeclaredChanges (published: PublishedClaim list) (claims: ClaimSpec list) : string list =
    [ for spec in claims do
          match published |> List.tryFind (fun p -> p.Id = spec.Id) with
          | Some p when p.DefinitionSha256 <> "" && p.DefinitionSha256 <> ClaimDefinition.sha256 spec ->
              let declared =
                  spec.Changes
                  |> List.exists (fun c -> p.DefinitionSha256.StartsWith(c.Previous, StringComparison.Ordinal))
              if not declared then
                  yield
                      $"claim \"{spec.Id}\": its definition differs from the published one "
                      + $"({p.DefinitionSha256.Substring(0, 12)}) "
                      + "and the manifest states no change of it: "
                      + "add to the claim \"changes\": [{\"date\": \"YYYY-MM-DD\", "
                      + $"\"previous\": \"{p.DefinitionSha256.Substring(0, 12)}\", "
                      + "\"what\": \"...\", \"why\": \"...\"}]"
          | _ -> () ]

/// The claims judged on `metrics` as a run judged them: once at the rules' levels, or, for a sequential run (`record`),
/// look by look on the seeds each look had, each at its share of the error rate; the claims of the last look and the
/// looks judged again (the stop reason the last look gives, or the recorded one when it would not have stopped).
let judgeAsRun (record: Sequential.SequentialRecord option) (claims: ClaimSpec list) (metrics: SeedMetrics list) =
    match record with
    | None -> claims |> List.map (Claims.evaluate metrics), None
    | Some r ->
        let planned = r.PlannedLooks
        let lookAt (look: Sequential.Look) =
            let seen = List.truncate look.Seeds metrics
            let index = planned |> List.findIndex (fun n -> n = look.Seeds)
            Sequential.judge
                planned index (seen |> List.map (fun m -> m.Seed)) (claims |> List.map (Claims.evaluate seen))
        let judgedLooks = r.Looks |> List.map lookAt
        let lastClaims, lastLook = List.last judgedLooks
        let stopped = Sequential.stopAfter planned lastLook |> Option.defaultValue r.Stopped
        lastClaims, Some { r with Looks = judgedLooks |> List.map snd; Stopped = stopped }

/// `result` with its claims replaced by `claims`, and the one note built from the verdicts (`ToyWgan.scaleNote`) built
/// again from them; the other notes are the run's.
let withClaims (claims: ClaimResult list) (result: ExperimentResult) : ExperimentResult =
    let notes =
        result.Notes
        |> List.collect (fun note ->
            match ToyWgan.scaleNoteReason note, Manifest.parseScale result.Scale with
            | Some why, Some scale -> ToyWgan.scaleNote scale claims why
            | _ -> [ note ])
    { result with Claims = claims; Notes = notes }

/// The published result judged again by `claims` (as its run judged it: once, or look by look).
let judge (published: Published) (claims: ClaimSpec list) : ExperimentResult * Sequential.SequentialRecord option =
    let judged, record = judgeAsRun published.Sequential claims published.Result.Metrics
    withClaims judged published.Result, record

/// result.json and report.md of a re-judged result (with its looks, if sequential), rendered in `environment` with the
/// manifest text `manifest`.
let render (result: ExperimentResult, record) (environment: Render.RunEnvironment) (manifest: string) =
    Render.resultJsonWith record result environment manifest,
    Render.reportMarkdownWith record result environment manifest

/// The verdicts that differ between the published claims and the re-judged ones, in words; a claim added to or
/// removed from the manifest counts as a difference.
let verdictChanges (published: PublishedClaim list) (result: ExperimentResult) : string list =
    let now = result.Claims |> List.map (fun c -> c.Spec.Id, c.Verdict.Name) |> Map.ofList
    let before = published |> List.map (fun p -> p.Id, p.Verdict) |> Map.ofList
    [ for c in result.Claims do
          match before.TryFind c.Spec.Id with
          | Some v when v = c.Verdict.Name -> ()
          | Some v -> yield $"{c.Spec.Id}: {v} -> {c.Verdict.Name}"
          | None -> yield $"{c.Spec.Id}: (new) {c.Verdict.Name}"
      for p in published do
          if not (now.ContainsKey p.Id) then yield $"{p.Id}: {p.Verdict} -> (removed from the manifest)" ]

/// The first line (1-based) at which two texts differ, with both versions from a little before the first character
/// that differs, for a check's message.
let firstDifference (published: string) (current: string) : string =
    let a, b = published.Split('\n'), current.Split('\n')
    let n = min a.Length b.Length
    match Seq.init n id |> Seq.tryFind (fun i -> a[i] <> b[i]) with
    | Some i ->
        let x, y = a[i], b[i]
        let column =
            Seq.init (min x.Length y.Length) id
            |> Seq.tryFind (fun k -> x[k] <> y[k])
            |> Option.defaultValue (min x.Length y.Length)
        let from = max 0 (column - 40)
        let clip (s: string) =
            let part = s.Substring(min from s.Length)
            (if from > 0 then "..." else "") + (if part.Length > 120 then part.Substring(0, 120) + "..." else part)
        String.Format(CultureInfo.InvariantCulture, "line {0}: published \"{1}\", current rules \"{2}\"",
                      i + 1, clip x, clip y)
    | None -> $"the published text has {a.Length} lines, the current rules' {b.Length}"

/// What re-judging one published result gives: the problems that prevent it, or the files the current rules render
/// (in the published environment, and with `JudgedBy` set, for writing), the verdicts that changed and, for each
/// file that would change, where it first differs.
type Outcome =
    { Problems: string[]
      VerdictChanges: string[]
      /// "result.json: line ...", "report.md: line ...": what differs from the published files; empty when the
      /// published files are what the current rules give.
      Differences: string[]
      /// The files to write when something differs, with the re-judging commit recorded.
      ResultJson: string
      Report: string }

/// Re-judges the published result.json `json` (with its report.md `report`, if any) by the manifest text `manifest`,
/// recording `judgedBy` (the current commit) in files that change.
let rejudge (json: string) (report: string option) (manifest: string) (judgedBy: string) : Outcome =
    let failed problems =
        { Problems = Array.ofList problems; VerdictChanges = [||]; Differences = [||]; ResultJson = ""; Report = "" }
    match (try Ok(read json report) with UnreadableResult m -> Error m | :? JsonException as e -> Error e.Message) with
    | Error m -> failed [ $"result.json: {m}" ]
    | Ok published ->
        match Catalogue.decodeManifest manifest with
        | Error errors -> failed (errors |> List.map (fun e -> $"manifest {e.Path}: {e.Message}"))
        | Ok (definition, _) when definition.Id <> published.Result.ExperimentId ->
            failed [ $"the manifest is of \"{definition.Id}\", the result of \"{published.Result.ExperimentId}\"" ]
        | Ok (_, prepared) ->
            match settingsChanged published.Manifest manifest, undeclaredChanges published.Claims prepared.Claims with
            | (_ :: _ as changed), _ ->
                let fields = changed |> String.concat ", "
                failed
                    [ $"the manifest's settings differ from those the result was computed with ({fields}): its "
                      + "per-seed values belong to other settings; rerun the experiment instead" ]
            | [], (_ :: _ as undeclared) -> failed undeclared
            | [], [] ->
                let judged = judge published prepared.Claims
                let resultJson, reportText = render judged published.Environment manifest
                let differences =
                    [ if resultJson <> json then yield "result.json: " + firstDifference json resultJson
                      match report with
                      | Some r when r <> reportText -> yield "report.md: " + firstDifference r reportText
                      | None -> yield "report.md: missing"
                      | _ -> () ]
                let written =
                    if differences.IsEmpty then resultJson, reportText
                    else render judged { published.Environment with JudgedBy = judgedBy } manifest
                { Problems = [||]
                  VerdictChanges = verdictChanges published.Claims (fst judged) |> Array.ofList
                  Differences = Array.ofList differences
                  ResultJson = fst written
                  Report = snd written }

/// A re-run (`verify`) judged as the published run `publishedJson` was judged (once, or look by look when it was
/// sequential), with its result.json and report.md rendered in `environment` with the manifest text `manifest`.
let renderLikePublished
    (publishedJson: string)
    (rerun: ExperimentResult)
    (environment: Render.RunEnvironment)
    (manifest: string)
    =
    let record =
        try (read publishedJson None).Sequential with
        | UnreadableResult _ -> None
        | :? JsonException -> None
    let claims, judgedRecord = judgeAsRun record (rerun.Claims |> List.map (fun c -> c.Spec)) rerun.Metrics
    let result = withClaims claims rerun
    struct (result,
            Render.resultJsonWith judgedRecord result environment manifest,
            Render.reportMarkdownWith judgedRecord result environment manifest)
