/// A published result.json read back into typed records, every field checked for its type and range, for the commands
/// that start from a published result: `rejudge` (judges its per-seed values again), `verify` (re-runs it and compares)
/// and `index` (lists its claims). The shell reads the file; this module parses the text it is given.
module Wgan.Experiments.PublishedResult

open System
open System.Collections.Generic
open System.Text.Json
open Wgan.Experiments.RecordJson

/// One measurement (a claim's or its control's) as published: its per-seed values (NaN where null was written), mean,
/// 95% interval (NaN bounds when none was written), the seeds that agree with the claim, the seed count and p-value.
type RecordedMeasurement =
    { PerSeed: float[]
      Mean: float
      Low: float
      High: float
      SeedsAgreeing: int
      Seeds: int
      PValue: float }

/// A claim's control as published: none (with the reason), or a description and, when measured, its measurement.
type RecordedControl =
    | NoControlRecorded of reason: string
    | ControlRecorded of description: string * measured: RecordedMeasurement option

/// A claim as a published result.json records it.
type RecordedClaim =
    { Id: string
      Verdict: string
      /// "" when the result was published before definition hashes were recorded.
      DefinitionSha256: string
      Statement: string
      Source: string
      Metric: string
      Expected: string
      Measured: RecordedMeasurement
      Control: RecordedControl
      /// The claim's intersection-union p-value; NaN when none was written.
      ClaimPValue: float }

/// What a published result.json holds, read back: the result without its claims (they are judged again), the
/// environment it was computed in, the manifest it recorded (JSON text) and its claims as published.
type Published =
    { Result: ExperimentResult
      Environment: Render.RunEnvironment
      Manifest: string
      Claims: RecordedClaim[]
      /// The looks of a sequential run (`run --until-decided`), as recorded; None for a run judged once.
      Sequential: Sequential.SequentialRecord option
      /// Whether result.json records its figures' captions (results published before they were recorded do not;
      /// their captions are read from the published report.md once).
      HasCaptions: bool }

    /// The seeds, in the published order.
    member p.Seeds: int64[] = Array.ofList p.Result.Seeds

    /// Each seed's metric values, by seed.
    member p.MetricsBySeed: IReadOnlyDictionary<int64, IReadOnlyDictionary<string, float>> =
        p.Result.Metrics |> Seq.map (fun m -> m.Seed, m.Values) |> readOnlyDict

    /// The claims' verdicts and per-seed values, as `CrossPlatform.Compare` takes them.
    member p.CrossPlatformClaims: PublishedClaim[] =
        p.Claims
        |> Array.map (fun c ->
            { PublishedClaim.Id = c.Id
              Verdict = c.Verdict
              Measured = c.Measured.PerSeed
              Control =
                match c.Control with
                | ControlRecorded (_, Some m) -> m.PerSeed
                | _ -> [||] })

/// The verdict names a published claim may carry.
let verdicts = [ "reproduced"; "not-reproduced"; "inconclusive"; "uninformative"; "precondition-failed" ]

/// The file names of a list of published paths ("figures/x.png" -> "x", "x.csv" -> "x").
let private stem (path: string) = IO.Path.GetFileNameWithoutExtension path

let private platformOf (environment: JsonElement) =
    match environment.TryGetProperty "platform" with
    | true, p ->
        let at = "$.environment.platform"
        object' p at |> ignore
        let get field' = name (field p at field') $"{at}.{field'}"
        let any field' = text (field p at field') $"{at}.{field'}"
        { CpuVendor = get "cpuVendor"; CpuModel = get "cpuModel"; InstructionSets = any "instructionSets"
          Numerics = oneOf [ NumericsMode.Fast; NumericsMode.Portable ] (field p at "numerics") $"{at}.numerics"
          AtenCapability = get "atenCapability"; MklBranch = get "mklBranch"; Libraries = get "libraries"
          Pins = any "pins" }
    | _ -> Platform.unrecorded

/// A caption written in a published report: the alternative text of the image line that shows `file`, with the
/// table-cell escape undone. Only for results published before result.json recorded captions.
let captionInReport (report: string) (file: string) : string option =
    let suffix = $"]({file})"
    report.Split('\n')
    |> Array.tryFind (fun l ->
        l.StartsWith("![", StringComparison.Ordinal) && l.EndsWith(suffix, StringComparison.Ordinal))
    |> Option.map (fun l -> l.Substring(2, l.Length - 2 - suffix.Length).Replace("\\|", "|"))

let private measurement (parent: JsonElement) at =
    let m = field parent at "measured"
    let at = $"{at}.measured"
    let interval = field m at "interval95"
    let low, high =
        match interval.ValueKind with
        | JsonValueKind.Array ->
            match items interval $"{at}.interval95" with
            | [ (lo, lp); (hi, hp) ] -> numberOrNull lo lp, numberOrNull hi hp
            | _ -> fail $"{at}.interval95" "must hold two bounds"
        | _ -> nan, nan
    { PerSeed =
        items (field m at "perSeed") $"{at}.perSeed" |> List.map (fun (v, p) -> numberOrNull v p) |> Array.ofList
      Mean = numberOrNull (field m at "mean") $"{at}.mean"
      Low = low
      High = high
      SeedsAgreeing = int (integer 0L (int64 Int32.MaxValue) (field m at "seedsAgreeing") $"{at}.seedsAgreeing")
      Seeds = int (integer 0L (int64 Int32.MaxValue) (field m at "seeds") $"{at}.seeds")
      PValue = numberOrNull (field m at "pValue") $"{at}.pValue" }

let private claim (c: JsonElement) at =
    let control = object' (field c at "control") $"{at}.control"
    let get field' = text (field c at field') $"{at}.{field'}"
    { Id = name (field c at "id") $"{at}.id"
      Verdict = oneOf verdicts (field c at "verdict") $"{at}.verdict"
      DefinitionSha256 = optionalText c "definitionSha256"
      Statement = get "statement"
      Source = get "source"
      Metric = get "metric"
      Expected = get "expected"
      Measured = measurement c at
      Control =
        match control.TryGetProperty "none" with
        | true, none -> NoControlRecorded(text none $"{at}.control.none")
        | _ ->
            let description = text (field control $"{at}.control" "description") $"{at}.control.description"
            match control.TryGetProperty "measured" with
            | true, _ -> ControlRecorded(description, Some(measurement control $"{at}.control"))
            | _ -> ControlRecorded(description, None)
      ClaimPValue =
        match c.TryGetProperty "claimPValue" with
        | true, p when p.ValueKind = JsonValueKind.Number -> p.GetDouble()
        | _ -> nan }

let private claims (root: JsonElement) =
    let read = items (field root "$" "claims") "$.claims" |> List.map (fun (c, at) -> claim c at, at)
    read
    |> List.iteri (fun i (c, at) ->
        if read |> List.take i |> List.exists (fun (d, _) -> d.Id = c.Id) then
            fail $"{at}.id" $"the claim id '{c.Id}' appears more than once")
    read |> List.map fst |> Array.ofList

let private seedsOf (root: JsonElement) =
    let seeds =
        items (field root "$" "seeds") "$.seeds" |> List.map (fun (s, at) -> integer Int64.MinValue Int64.MaxValue s at)
    if seeds.IsEmpty || seeds.Length > Limits.MaxSeeds then
        fail "$.seeds" $"must hold 1 to {Limits.MaxSeeds} seeds (found {seeds.Length})"
    if List.distinct seeds <> seeds then fail "$.seeds" "holds a seed more than once"
    seeds

let private metricsOf (root: JsonElement) (seeds: int64 list) =
    let metrics =
        items (field root "$" "metrics") "$.metrics"
        |> List.map (fun (m, at) ->
            let seed = integer Int64.MinValue Int64.MaxValue (field m at "seed") $"{at}.seed"
            if not (List.contains seed seeds) then fail $"{at}.seed" $"{seed} is not one of $.seeds"
            let values =
                (object' (field m at "values") $"{at}.values").EnumerateObject()
                |> Seq.map (fun p -> p.Name, numberOrNull p.Value $"{at}.values.{p.Name}")
                |> readOnlyDict
            { Seed = seed; Values = values }, at)
    metrics
    |> List.iteri (fun i (m, at) ->
        if metrics |> List.take i |> List.exists (fun (n, _) -> n.Seed = m.Seed) then
            fail $"{at}.seed" $"the metrics of seed {m.Seed} appear more than once")
    metrics |> List.map fst

let private environmentOf (root: JsonElement) : Render.RunEnvironment =
    let environment = field root "$" "environment"
    let at = "$.environment"
    let get field' = text (field environment at field') $"{at}.{field'}"
    let computeSeconds = numberOrNull (field environment at "computeSeconds") $"{at}.computeSeconds"
    if not (computeSeconds >= 0.0) then fail $"{at}.computeSeconds" "must be a number at least 0"
    { HarnessVersion = get "harness"
      Commit = optionalText environment "commit"
      JudgedBy = optionalText environment "judgedBy"
      TorchSharpVersion = get "torchSharp"
      DotnetVersion = get "dotnet"
      OperatingSystem = get "os"
      Device = oneOf [ "cpu"; "cuda" ] (field environment at "device") $"{at}.device"
      Threads = int (integer 1L (int64 Limits.MaxThreads) (field environment at "threads") $"{at}.threads")
      CommandLine = get "command"
      Platform = platformOf environment
      ComputeSeconds = computeSeconds }

let private sequentialOf (root: JsonElement) =
    match root.TryGetProperty "sequential" with
    | true, q ->
        let at = "$.sequential"
        let count field' = int (integer 0L (int64 Int32.MaxValue) (field q at field') $"{at}.{field'}")
        let looks =
            items (field q at "looks") $"{at}.looks"
            |> List.map (fun (l, lat) ->
                { Sequential.Look.Seeds = int (integer 0L (int64 Int32.MaxValue) (field l lat "seeds") $"{lat}.seeds")
                  Sequential.Look.Share = numberOrNull (field l lat "share") $"{lat}.share"
                  Sequential.Look.Claims = [] })
        let stopped =
            match text (field q at "stopped") $"{at}.stopped" with
            | "all-decided" -> Sequential.AllDecided
            | "futility" -> Sequential.Futility
            | "maximum-seeds" -> Sequential.MaximumSeeds
            | other -> fail $"{at}.stopped" $"is \"{other}\", not all-decided, futility or maximum-seeds"
        Some
            { Sequential.SequentialRecord.FirstLook = count "firstLook"
              Sequential.SequentialRecord.MaximumSeeds = count "maximumSeeds"
              Sequential.SequentialRecord.PlannedLooks =
                items (field q at "plannedLooks") $"{at}.plannedLooks"
                |> List.map (fun (n, nat) -> int (integer 0L (int64 Int32.MaxValue) n nat))
              Sequential.SequentialRecord.Looks = looks
              Sequential.SequentialRecord.Stopped = stopped }
    | _ -> None

/// Reads a published result.json's text; `report` is the published report.md, consulted only for the captions of a
/// result that does not record them. Raises UnreadableResultException naming the JSON path of a problem (and
/// JsonException for a text that is not JSON).
let read (json: string) (report: string option) : Published =
    use document = JsonDocument.Parse json
    let root = object' document.RootElement "$"
    let experiment = name (field root "$" "experiment") "$.experiment"
    let environment = environmentOf root
    let seeds = seedsOf root
    let metrics = metricsOf root seeds
    let claims = claims root
    let paths field' = items (field root "$" field') $"$.{field'}" |> List.map (fun (p, at) -> text p at)
    let captions, hasCaptions =
        match root.TryGetProperty "captions" with
        | true, c ->
            (object' c "$.captions").EnumerateObject()
            |> Seq.map (fun p -> p.Name, text p.Value $"$.captions.{p.Name}")
            |> Map.ofSeq,
            true
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
    { Result =
        { ExperimentId = experiment
          Title = text (field root "$" "title") "$.title"
          Source = text (field root "$" "source") "$.source"
          Scale = oneOf (Manifest.scales |> List.map (fun s -> s.Name)) (field root "$" "scale") "$.scale"
          Seeds = seeds
          Metrics = metrics
          Claims = []
          Series = paths "series" |> List.map (fun s -> { Name = stem s; Columns = []; Rows = [] })
          Figures = figures
          ImageGrids = grids
          Notes = paths "notes" }
      Environment = environment
      Manifest = (object' (field root "$" "manifest") "$.manifest").GetRawText()
      Claims = claims
      Sequential = sequentialOf root
      HasCaptions = hasCaptions }

/// The C# entry point of `read`.
[<AbstractClass; Sealed>]
type PublishedResults =
    /// Reads a published result.json's text; `report` is the published report.md or null (consulted only for the
    /// captions of a result that does not record them). Throws UnreadableResultException (or JsonException).
    static member Read(json: string, report: string) : Published = read json (Option.ofObj report)
