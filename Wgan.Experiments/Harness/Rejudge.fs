/// Re-judging a published result without retraining: the per-seed metrics that result.json records are judged
/// again by the claims of the experiment's current manifest under the current rules, and result.json and report.md
/// are rendered again. Only the claims may differ from the manifest the result recorded: per-seed values under other
/// settings would be the values of another experiment.
module Wgan.Experiments.Rejudge

open System
open System.Globalization
open System.Text.Json
open System.Text.Json.Nodes
open Wgan.Experiments.PublishedResult

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
let undeclaredChanges (published: RecordedClaim[]) (claims: ClaimSpec list) : string list =
    [ for spec in claims do
          match published |> Array.tryFind (fun p -> p.Id = spec.Id) with
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
    ResultJson.renderWith record result environment manifest,
    ReportMarkdown.renderWith record result environment manifest

/// The verdicts that differ between the published claims and the re-judged ones, in words; a claim added to or
/// removed from the manifest counts as a difference.
let verdictChanges (published: RecordedClaim[]) (result: ExperimentResult) : string list =
    let now = result.Claims |> List.map (fun c -> c.Spec.Id, c.Verdict.Name) |> Map.ofList
    let before = published |> Array.map (fun p -> p.Id, p.Verdict) |> Map.ofArray
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

/// Re-judges the published result `published` (read from the text `json`, with its report.md `report`, null when
/// there is none) by the manifest text `manifest`, recording `judgedBy` (the current commit) in files that change.
let rejudge (published: Published) (json: string) (report: string) (manifest: string) (judgedBy: string) : Outcome =
    let failed problems =
        { Problems = Array.ofList problems; VerdictChanges = [||]; Differences = [||]; ResultJson = ""; Report = "" }
    let report = Option.ofObj report
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

/// What `verify` expects of a re-run: its result judged as the published run was judged, result.json rendered with
/// the recorded manifest, and report.md rendered with the manifest text the published report shows where the renderer
/// puts it, when that text is the recorded manifest (`ReportManifestAgrees`; otherwise with the recorded manifest).
type VerifyExpectation =
    { Result: ExperimentResult
      ResultJson: string
      Report: string
      /// Whether the published report.md shows the manifest result.json records (true when there is no report).
      ReportManifestAgrees: bool }

/// Whether two JSON texts (comments allowed) hold the same value.
let private sameJson (a: string) (b: string) =
    let parse (text: string) = JsonNode.Parse(text, documentOptions = manifestOptions)
    try JsonNode.DeepEquals(parse a, parse b)
    with :? JsonException -> false

/// A re-run (`verify`) of `published` judged as the published run was judged (once, or look by look when it was
/// sequential), rendered in `environment`; `report` is the published report.md, null when there is none.
let renderLikePublished
    (published: Published)
    (report: string)
    (rerun: ExperimentResult)
    (environment: Render.RunEnvironment)
    : VerifyExpectation =
    let claims, record = judgeAsRun published.Sequential (rerun.Claims |> List.map (fun c -> c.Spec)) rerun.Metrics
    let result = withClaims claims rerun
    let shown = Option.ofObj report |> Option.bind ReportMarkdown.manifestShown
    let agreeing = shown |> Option.filter (fun text -> sameJson text published.Manifest)
    { Result = result
      ResultJson = ResultJson.renderWith record result environment published.Manifest
      Report = ReportMarkdown.renderWith record result environment (defaultArg agreeing published.Manifest)
      ReportManifestAgrees = isNull report || agreeing.IsSome }
