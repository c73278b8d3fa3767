/// The one deterministic renderer: result.json, report.md, CSV series and the snapshot text are all
/// rendered here from typed results, with invariant culture and fixed formats, so equal results give
/// byte-identical files.
module Wgan.Experiments.Render

open System
open System.Globalization
open System.IO
open System.Text
open System.Text.Json

/// Facts about the run that the experiment itself does not know; supplied by the runner.
type RunEnvironment =
    { HarnessVersion: string
      /// The git commit the harness that computed the numbers was built from ("" when it was not recorded).
      Commit: string
      /// The git commit whose rules last judged the claims, when `wgan rejudge` re-judged them after the run (""
      /// when the run's own judgement stands).
      JudgedBy: string
      TorchSharpVersion: string
      DotnetVersion: string
      OperatingSystem: string
      Device: string
      Threads: int
      CommandLine: string
      /// The CPU, instruction sets and native code paths the numbers were computed with.
      Platform: PlatformFingerprint
      /// Compute time of the experiment: the sum of its units' times (shards and resumed runs included);
      /// with the command line, the only fields that differ between runs with identical results.
      ComputeSeconds: float }

let private invariant = CultureInfo.InvariantCulture

/// A double in round-trip form; non-finite values as nan, inf, -inf.
let number (x: float) =
    if Double.IsNaN x then "nan"
    elif Double.IsPositiveInfinity x then "inf"
    elif Double.IsNegativeInfinity x then "-inf"
    else x.ToString("R", invariant)

/// A double rounded to `digits` decimals, for reports and snapshots (negative zero printed as 0).
let rounded (digits: int) (x: float) =
    if not (Double.IsFinite x) then number x
    else
        let r = Math.Round(x, digits, MidpointRounding.AwayFromZero)
        (if r = 0.0 then 0.0 else r).ToString("F" + string digits, invariant)

let private interval digits =
    function
    | Some (lo: float, hi: float) -> $"[{rounded digits lo}, {rounded digits hi}]"
    | None -> "n/a (fewer than 2 finite values)"

/// The CSV text of a series: a header line, then one line per row.
let csv (series: Series) : string =
    let sb = StringBuilder()
    sb.Append(String.Join(",", series.Columns)).Append('\n') |> ignore
    for row in series.Rows do
        sb.Append(String.Join(",", row |> Array.map number)).Append('\n') |> ignore
    sb.ToString()

let private writeNumber (w: Utf8JsonWriter) (name: string) (x: float) =
    if Double.IsFinite x then w.WriteNumber(name, x) else w.WriteNull(name)

let private writeNumberValue (w: Utf8JsonWriter) (x: float) =
    if Double.IsFinite x then w.WriteNumberValue(x) else w.WriteNullValue()

/// An interval as [lo, hi], or null when there is none.
let private writeInterval (w: Utf8JsonWriter) (name: string) (interval: (float * float) option) =
    match interval with
    | Some (lo, hi) ->
        w.WriteStartArray(name)
        w.WriteNumberValue lo
        w.WriteNumberValue hi
        w.WriteEndArray()
    | None -> w.WriteNull(name)

/// A measurement's block of result.json: per-seed values, mean, the rule's interval, agreeing seeds, the sign
/// test's p-value and the rule's verdict on these values alone.
let private writeMeasurement (w: Utf8JsonWriter) (name: string) (m: Measurement) =
    w.WriteStartObject(name)
    w.WriteStartArray("perSeed")
    for v in m.PerSeed do writeNumberValue w v
    w.WriteEndArray()
    writeNumber w "mean" m.Mean
    writeInterval w "interval95" m.Interval
    w.WriteNumber("seedsAgreeing", m.SeedsAgreeing)
    w.WriteNumber("seeds", m.PerSeed.Length)
    writeNumber w "pValue" m.PValue
    w.WriteString("verdict", m.Verdict.Name)
    w.WriteEndObject()

/// The claim's decision rule: its name, parameters and outlier fence; for the bootstrap rule with too few finite
/// seeds, the interval that replaced it.
let private writeRule (w: Utf8JsonWriter) (c: ClaimResult) =
    let spec = c.Spec
    w.WriteStartObject("rule")
    w.WriteString("name", spec.Rule.Name)
    match spec.Rule with
    | StudentTInterval -> ()
    | BootstrapInterval (lo, hi) ->
        w.WriteNumber("lo", lo)
        w.WriteNumber("hi", hi)
        w.WriteNumber("resamples", DecisionRules.bootstrapResamples)
        w.WriteNumber("minimumSeeds", DecisionRules.bootstrapMinimumSeeds)
        if c.Measured.BootstrapFallback || c.Control |> Option.exists (fun m -> m.BootstrapFallback) then
            w.WriteString(
                "appliedAs",
                $"fewer than {DecisionRules.bootstrapMinimumSeeds} finite seeds: the 95%% Student-t interval of the mean "
                + $"clamped to [{number lo}, {number hi}]")
    | SignTest alpha -> w.WriteNumber("alpha", alpha)
    | Equivalence (margin, scale) ->
        w.WriteNumber("margin", margin)
        w.WriteString("scale", scale.Name)
    w.WriteNumber("outlierFence", spec.OutlierFence)
    w.WriteEndObject()

/// The paired measurement: the quantity, the seeds paired and dropped, the per-seed values, the mean, the 90%
/// t interval, the rule's p-value, the signed-rank p (paired design), the margin (equivalence) and its verdict.
let private writePaired (w: Utf8JsonWriter) (p: PairedMeasurement) =
    w.WriteStartObject("paired")
    w.WriteString("quantity", p.Quantity)
    w.WriteStartArray("seeds")
    for s in p.Seeds do w.WriteNumberValue s
    w.WriteEndArray()
    w.WriteStartArray("perSeed")
    for v in p.Values do writeNumberValue w v
    w.WriteEndArray()
    w.WriteStartArray("droppedSeeds")
    for s in p.Dropped do w.WriteNumberValue s
    w.WriteEndArray()
    writeNumber w "mean" p.Mean
    writeInterval w "interval90" p.Interval
    writeNumber w "pValue" p.PValue
    if Double.IsFinite p.SignedRankPValue then writeNumber w "signedRankPValue" p.SignedRankPValue
    if Double.IsFinite p.Margin then writeNumber w "margin" p.Margin
    w.WriteNumber("seedsAgreeing", p.SeedsAgreeing)
    w.WriteString("verdict", p.Verdict.Name)
    w.WriteEndObject()

/// The preconditions: each with its metric, comparison, threshold, reason, per-seed values and failing seeds.
let private writePreconditions (w: Utf8JsonWriter) (name: string) (preconditions: PreconditionResult list) =
    w.WriteStartArray(name)
    for p in preconditions do
        w.WriteStartObject()
        w.WriteString("metric", p.Spec.Metric)
        w.WriteString("comparison", p.Spec.Comparison.Symbol)
        w.WriteNumber("threshold", p.Spec.Threshold)
        w.WriteString("why", p.Spec.Why)
        w.WriteStartArray("perSeed")
        for v in p.PerSeed do writeNumberValue w v
        w.WriteEndArray()
        w.WriteStartArray("failingSeeds")
        for seed, _ in p.Failing do w.WriteNumberValue seed
        w.WriteEndArray()
        w.WriteBoolean("holds", p.Holds)
        w.WriteEndObject()
    w.WriteEndArray()

/// A claim's dated changes: date, the replaced definition's hash prefix, what changed and why.
let private writeChanges (w: Utf8JsonWriter) (changes: ClaimChange list) =
    w.WriteStartArray("changes")
    for c in changes do
        w.WriteStartObject()
        w.WriteString("date", c.Date)
        w.WriteString("previous", c.Previous)
        w.WriteString("what", c.What)
        w.WriteString("why", c.Why)
        w.WriteEndObject()
    w.WriteEndArray()

/// result.json: what ran (resolved manifest, environment, seeds), what was measured, the claims and, for a
/// sequential run, its looks. Non-finite numbers are written as null.
let resultJsonWith (sequential: Sequential.SequentialRecord option) (result: ExperimentResult) (environment: RunEnvironment) (manifestText: string) : string =
    use stream = new MemoryStream()
    (use w = new Utf8JsonWriter(stream, JsonWriterOptions(Indented = true, Encoder = Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping))
     w.WriteStartObject()
     w.WriteString("experiment", result.ExperimentId)
     w.WriteString("title", result.Title)
     w.WriteString("source", result.Source)
     w.WriteString("scale", result.Scale)
     w.WriteStartArray("seeds")
     for s in result.Seeds do w.WriteNumberValue s
     w.WriteEndArray()
     w.WriteStartObject("environment")
     w.WriteString("harness", environment.HarnessVersion)
     if environment.Commit <> "" then w.WriteString("commit", environment.Commit)
     if environment.JudgedBy <> "" then w.WriteString("judgedBy", environment.JudgedBy)
     w.WriteString("torchSharp", environment.TorchSharpVersion)
     w.WriteString("dotnet", environment.DotnetVersion)
     w.WriteString("os", environment.OperatingSystem)
     w.WriteString("device", environment.Device)
     w.WriteNumber("threads", environment.Threads)
     w.WriteString("command", environment.CommandLine)
     // A result published before platforms were recorded keeps recording none.
     let p = environment.Platform
     if p <> Platform.unrecorded then
         w.WriteStartObject("platform")
         for name, value in
             [ "cpuVendor", p.CpuVendor; "cpuModel", p.CpuModel; "instructionSets", p.InstructionSets
               "numerics", p.Numerics; "atenCapability", p.AtenCapability; "mklBranch", p.MklBranch
               "libraries", p.Libraries; "pins", p.Pins ] do
             w.WriteString(name, value)
         w.WriteEndObject()
     w.WriteNumber("computeSeconds", Math.Round(environment.ComputeSeconds, 3))
     w.WriteEndObject()
     w.WritePropertyName("manifest")
     (use doc = JsonDocument.Parse(manifestText, JsonDocumentOptions(CommentHandling = JsonCommentHandling.Skip))
      doc.RootElement.WriteTo w)
     w.WriteStartArray("metrics")
     for m in result.Metrics do
         w.WriteStartObject()
         w.WriteNumber("seed", m.Seed)
         w.WriteStartObject("values")
         for KeyValue (name, value) in m.Values |> Seq.sortBy (fun kv -> kv.Key) do writeNumber w name value
         w.WriteEndObject()
         w.WriteEndObject()
     w.WriteEndArray()
     w.WriteStartArray("claims")
     for c in result.Claims do
         w.WriteStartObject()
         w.WriteString("id", c.Spec.Id)
         w.WriteString("source", c.Spec.Source)
         w.WriteString("statement", c.Spec.Statement)
         w.WriteString("metric", c.Spec.Metric)
         w.WriteString("expected", c.Spec.Expected)
         w.WriteString("thresholdSource", c.Spec.ThresholdSource)
         w.WriteString("definitionSha256", ClaimDefinition.sha256 c.Spec)
         if not c.Spec.Changes.IsEmpty then writeChanges w c.Spec.Changes
         writeRule w c
         writeMeasurement w "measured" c.Measured
         w.WriteStartObject("control")
         match c.Spec.Control, c.Control with
         | ControlMetric (metric, description), Some m ->
             w.WriteString("description", description)
             w.WriteString("metric", metric)
             w.WriteString("design", c.Spec.Design.Name)
             writeMeasurement w "measured" m
         | NoControl why, _ -> w.WriteString("none", why)
         | ControlMetric (metric, description), None ->
             w.WriteString("description", description)
             w.WriteString("metric", metric)
             w.WriteString("design", c.Spec.Design.Name)
         w.WriteEndObject()
         c.Paired |> Option.iter (writePaired w)
         if not c.Preconditions.IsEmpty then writePreconditions w "preconditions" c.Preconditions
         if not c.UnitCriteria.IsEmpty then writePreconditions w "unitCriteria" c.UnitCriteria
         w.WriteStartArray("outliers")
         for seed, value in c.Outliers do
             w.WriteStartObject()
             w.WriteNumber("seed", seed)
             writeNumber w "value" value
             w.WriteEndObject()
         w.WriteEndArray()
         writeNumber w "claimPValue" (Claims.pValue c)
         w.WriteString("verdict", c.Verdict.Name)
         w.WriteEndObject()
     w.WriteEndArray()
     sequential |> Option.iter (Sequential.writeJson w)
     w.WriteStartArray("series")
     for s in result.Series do w.WriteStringValue($"{s.Name}.csv")
     w.WriteEndArray()
     w.WriteStartArray("figures")
     for f in result.Figures do w.WriteStringValue($"figures/{f.Name}.png")
     w.WriteEndArray()
     w.WriteStartArray("imageGrids")
     for g in result.ImageGrids do w.WriteStringValue($"figures/{g.Name}.png")
     w.WriteEndArray()
     w.WriteStartObject("captions")
     for f in result.Figures do w.WriteString($"figures/{f.Name}.png", f.Title)
     for g in result.ImageGrids do w.WriteString($"figures/{g.Name}.png", g.Title)
     w.WriteEndObject()
     w.WriteStartArray("notes")
     for n in result.Notes do w.WriteStringValue n
     w.WriteEndArray()
     w.WriteEndObject())
    Encoding.UTF8.GetString(stream.ToArray()) + "\n"

/// result.json of a run judged once (see `resultJsonWith`).
let resultJson (result: ExperimentResult) (environment: RunEnvironment) (manifestText: string) : string =
    resultJsonWith None result environment manifestText

let private escapeCell (s: string) = s.Replace("|", "\\|").Replace("\n", " ")

/// A measured block in a table cell, as reports and the results index show it: "mean [95% interval], k/n seeds",
/// or for the sign test "mean; k/n seeds, p = ..." (pValue NaN otherwise; lo and hi NaN when there is no interval).
let measurementCell (mean: float, lo: float, hi: float, seedsAgreeing: int, seeds: int, pValue: float) : string =
    if Double.IsNaN pValue then
        let range = if Double.IsNaN lo || Double.IsNaN hi then interval 4 None else interval 4 (Some(lo, hi))
        $"{rounded 4 mean} {range}, {seedsAgreeing}/{seeds} seeds"
    else $"{rounded 4 mean}; {seedsAgreeing}/{seeds} seeds, p = {rounded 4 pValue}"

/// A measurement in a report cell: measurementCell and the rule's verdict.
let private measurementText (m: Measurement) =
    let lo, hi = m.Interval |> Option.defaultValue (nan, nan)
    $"{measurementCell (m.Mean, lo, hi, m.SeedsAgreeing, m.PerSeed.Length, m.PValue)} ({m.Verdict.Name})"

/// The paired measurement in words: "treatment - control per seed: mean 0.1 [90% 0.05, 0.2], t p = ...".
let private pairedText (p: PairedMeasurement) =
    let values = p.Values |> Array.map (rounded 4) |> String.concat ", "
    let dropped =
        if p.Dropped.Length = 0 then ""
        else
            let seeds = p.Dropped |> Array.map string |> String.concat ", "
            $"; seeds {seeds} dropped (a value that is not a finite number)"
    let tests =
        if Double.IsFinite p.Margin then
            $"two one-sided t tests p = {rounded 4 p.PValue}; "
            + $"{p.SeedsAgreeing}/{p.Values.Length} pairs within +-{p.Margin}"
        else
            $"one-sided t test p = {rounded 4 p.PValue}, exact signed-rank p = {rounded 4 p.SignedRankPValue}; "
            + $"{p.SeedsAgreeing}/{p.Values.Length} pairs above 0"
    let range = interval 4 p.Interval
    $"{p.Quantity} per seed [{values}]{dropped}: mean {rounded 4 p.Mean}, 90%% interval {range}; "
    + $"{tests} ({p.Verdict.Name})"

/// Seeds named with their values, as reports name failing and failed units: "seed 3 (-0.2504), seed 5 (nan)".
let private namedSeeds (seeds: (int64 * float) list) =
    seeds |> List.map (fun (seed, v) -> $"seed {seed} ({rounded 4 v})") |> String.concat ", "

/// A precondition and how it fared, with the numbers.
let private preconditionText (p: PreconditionResult) =
    let values = p.PerSeed |> Array.map (rounded 4) |> String.concat ", "
    let outcome =
        if p.Holds then "holds on every seed"
        else
            $"**fails** on {namedSeeds p.Failing}"
    $"{Preconditions.text p.Spec}: per seed [{values}]; {outcome}"

/// report.md: the claims table, the looks of a sequential run, the figures, per-seed metrics, notes and the
/// configuration.
let reportMarkdownWith (sequential: Sequential.SequentialRecord option) (result: ExperimentResult) (environment: RunEnvironment) (manifestText: string) : string =
    let sb = StringBuilder()
    let line (s: string) = sb.Append(s).Append('\n') |> ignore
    line $"# {result.Title}"
    line ""
    line $"Reproduces: {result.Source}."
    line ""
    let seeds = result.Seeds |> List.map string |> String.concat ", "
    line $"Scale `{result.Scale}`, seeds {seeds} ({result.Seeds.Length}), device `{environment.Device}`, {environment.Threads} thread(s), compute time {environment.ComputeSeconds:F1} s."
    line ""
    line "## Claims"
    line ""
    line "Each claim is judged by its decision rule on the per-seed values of its metric, and by the same rule, comparison and threshold on its *control*, a measurement in which the claimed effect must be absent. A claim is *reproduced* when the treatment passes and the control clearly fails, *uninformative* when the control passes too (the test cannot tell the effect from its absence), *not reproduced* when the rule decides against the treatment, and *inconclusive* otherwise."
    let paired = result.Claims |> List.exists (fun c -> c.Paired.IsSome && not c.Spec.Rule.IsEquivalence)
    let equivalent = result.Claims |> List.exists (fun c -> c.Spec.Rule.IsEquivalence)
    let preconditions = result.Claims |> List.exists (fun c -> not c.Preconditions.IsEmpty)
    if paired then
        line ""
        line (
            "A claim with a *paired* control is decided on the per-seed difference as well: *reproduced* needs the "
            + "treatment to pass and the 90% t interval of the difference (positive on the claimed side) to lie above "
            + "0, with the control not passing the claim's own test; *not reproduced* when the treatment's test "
            + "decides against the claim or the interval lies below 0.")
    if result.Claims |> List.exists (fun c -> c.Spec.Design = Relative) then
        line ""
        line (
            "A claim *relative* to its control (a level any treatment must beat, such as a critic that ignores the "
            + "data's modes) is decided the same way, but its control passing the threshold does not make it "
            + "uninformative.")
    if equivalent then
        line ""
        line (
            "An *equivalence* claim compares the treatment with its control, the other arm, seed by seed: "
            + "*reproduced* when the 90% t interval of the mean paired quantity lies inside the margin (two one-sided "
            + "tests at 5%), *not reproduced* when it lies entirely outside; the control passing does not make it "
            + "uninformative.")
    if preconditions then
        line ""
        line (
            "A claim whose precondition fails on any seed is *precondition-failed*: its comparison means nothing, "
            + "whatever its numbers.")
    line ""
    line "| Claim | Statement | Metric, expected | Measured | Control | Control measured | Verdict |"
    line "|---|---|---|---|---|---|---|"
    for c in result.Claims do
        let control, controlMeasured =
            match c.Spec.Control, c.Control with
            | ControlMetric (_, description), Some m when c.Spec.Rule.IsEquivalence ->
                let lo, hi = m.Interval |> Option.defaultValue (nan, nan)
                let cell = measurementCell (m.Mean, lo, hi, m.SeedsAgreeing, m.PerSeed.Length, m.PValue)
                escapeCell description, $"{cell} (the other arm)"
            | ControlMetric (_, description), Some m -> escapeCell description, measurementText m
            | NoControl why, _ -> $"none: {escapeCell why}", "n/a"
            | ControlMetric (_, description), None -> escapeCell description, "n/a"
        line $"| `{c.Spec.Id}` | {escapeCell c.Spec.Statement} | `{c.Spec.Metric}` {c.Spec.Expected} | {measurementText c.Measured} | {control} | {controlMeasured} | **{c.Verdict.Name}** |"
    line ""
    line "How each claim is decided:"
    line ""
    for c in result.Claims do
        let outliers =
            if c.Outliers.IsEmpty then ""
            else
                $" **Failed units (no value, or outside the Tukey fences, k = {c.Spec.OutlierFence}, from "
                + $"{DecisionRules.bootstrapMinimumSeeds} finite seeds on):** {namedSeeds c.Outliers}; their values count by "
                + "the rule."
        let paired = c.Paired |> Option.map (fun p -> $" Paired: {pairedText p}.") |> Option.defaultValue ""
        let preconditions =
            c.Preconditions |> List.map (fun p -> $" Precondition {preconditionText p}.") |> String.concat ""
        let failedUnits =
            c.UnitCriteria
            |> List.filter (fun u -> not u.Holds)
            |> List.map (fun u ->
                $" **Failed units** (they fail {Preconditions.text u.Spec}): {namedSeeds u.Failing}; their values "
                + "count by the rule.")
            |> String.concat ""
        let changes =
            c.Spec.Changes
            |> List.map (fun ch ->
                $" Definition changed {ch.Date} (replacing {ch.Previous}): {escapeCell ch.What}; why: {escapeCell ch.Why}.")
            |> String.concat ""
        line (
            $"- `{c.Spec.Id}` ({escapeCell c.Spec.Source}): threshold {c.Spec.Expected} from "
            + $"{escapeCell c.Spec.ThresholdSource}; rule: {ClaimReport.claimRuleText c}.{paired}{preconditions}{outliers}"
            + failedUnits + changes)
    line ""
    match sequential with
    | Some r ->
        line "## Sequential looks"
        line ""
        for l in Sequential.reportLines r do line l
        line ""
    | None -> ()
    let secondsPerSeed = environment.ComputeSeconds / float (max 1 result.Seeds.Length)
    let open' =
        result.Claims
        |> List.choose (fun c -> ClaimReport.whatWouldSettle result.Scale secondsPerSeed c |> Option.map (fun text -> c, text))
    if not open'.IsEmpty then
        line "## What would settle the claims that are not reproduced"
        line ""
        for c, text in open' do line $"- `{c.Spec.Id}` ({c.Verdict.Name}): {text}"
        line ""
    if not result.Figures.IsEmpty then
        line "## Figures"
        line ""
        for f in result.Figures do
            line $"![{f.Title}](figures/{f.Name}.png)"
            line ""
    if not result.ImageGrids.IsEmpty then
        line "## Samples"
        line ""
        for g in result.ImageGrids do
            line $"{escapeCell g.Title}:"
            line ""
            line $"![{escapeCell g.Title}](figures/{g.Name}.png)"
            line ""
    line "## Metrics per seed"
    line ""
    let names = result.Metrics |> List.collect (fun m -> m.Values.Keys |> List.ofSeq) |> List.distinct |> List.sort
    line ("| seed | " + String.Join(" | ", names |> List.map (sprintf "`%s`")) + " |")
    line ("|---|" + String.replicate names.Length "---|")
    for m in result.Metrics do
        let cells = names |> List.map (fun n -> match m.Values.TryGetValue n with | true, v -> rounded 4 v | _ -> "")
        line ($"| {m.Seed} | " + String.Join(" | ", cells) + " |")
    line ""
    let data = result.Series |> List.map (fun s -> $"[`{s.Name}.csv`]({s.Name}.csv)") |> String.concat ", "
    line $"Data: {data}, [`result.json`](result.json)."
    line ""
    if not result.Notes.IsEmpty then
        line "## Notes"
        line ""
        if environment.JudgedBy <> "" then
            line (
                "The notes were written by the run; its claims were re-judged since (`wgan rejudge`, commit "
                + $"{environment.JudgedBy.Substring(0, min 12 environment.JudgedBy.Length)}): where a note describes a "
                + "claim's control or what its verdict would be, the claims above, with their dated changes, are current.")
            line ""
        for n in result.Notes do line $"- {n}"
        line ""
    line "## Configuration"
    line ""
    line $"- Command: `{environment.CommandLine}`"
    let short (commit: string) = commit.Substring(0, min 12 commit.Length)
    let commit = if environment.Commit = "" then "" else $" (commit {short environment.Commit})"
    let judged = if environment.JudgedBy = "" then "" else $"; claims re-judged by commit {short environment.JudgedBy}"
    line $"- Harness {environment.HarnessVersion}{commit}{judged}, TorchSharp {environment.TorchSharpVersion}, .NET {environment.DotnetVersion}, {environment.OperatingSystem}"
    line $"- Platform: {Platform.describe environment.Platform}"
    line ""
    line "Manifest:"
    line ""
    line "```json"
    line (manifestText.TrimEnd())
    line "```"
    sb.ToString()

/// report.md of a run judged once (see `reportMarkdownWith`).
let reportMarkdown (result: ExperimentResult) (environment: RunEnvironment) (manifestText: string) : string =
    reportMarkdownWith None result environment manifestText

/// A compact, rounded text of the claims and metrics, stable enough to snapshot.
let snapshotText (result: ExperimentResult) : string =
    let sb = StringBuilder()
    let line (s: string) = sb.Append(s).Append('\n') |> ignore
    let seeds = result.Seeds |> List.map string |> String.concat ","
    line $"experiment {result.ExperimentId} scale {result.Scale} seeds {seeds}"
    for c in result.Claims do
        let perSeed = c.PerSeed |> Array.map (rounded 3) |> String.concat ", "
        let fallback = if c.Measured.BootstrapFallback then " (t fallback)" else ""
        let decided =
            if Double.IsNaN c.Measured.PValue then $"interval {interval 3 c.Interval}{fallback}"
            else $"sign-test p {rounded 4 c.Measured.PValue}"
        line $"claim {c.Spec.Id}: {c.Spec.Metric} {c.Spec.Expected}; per seed [{perSeed}]; mean {rounded 3 c.Mean}; {decided}; agreeing {c.SeedsAgreeing}/{c.PerSeed.Length}; {c.Measured.Verdict.Name}"
        match c.Control with
        | Some m ->
            let perSeed = m.PerSeed |> Array.map (rounded 3) |> String.concat ", "
            line $"  control {m.Metric}: per seed [{perSeed}]; mean {rounded 3 m.Mean}; agreeing {m.SeedsAgreeing}/{m.PerSeed.Length}; {m.Verdict.Name}"
        | None -> ()
        match c.Paired with
        | Some p ->
            let values = p.Values |> Array.map (rounded 3) |> String.concat ", "
            let range = interval 3 p.Interval
            let dropped = p.Dropped |> Array.map string |> String.concat ","
            line (
                $"  paired {p.Quantity}: per seed [{values}]; dropped [{dropped}]; mean {rounded 3 p.Mean}; "
                + $"interval90 {range}; p {rounded 4 p.PValue}; {p.Verdict.Name}")
        | None -> ()
        for p in c.Preconditions do
            let values = p.PerSeed |> Array.map (rounded 3) |> String.concat ", "
            let failing = p.Failing |> List.map (fst >> string) |> String.concat ","
            let condition = $"{p.Spec.Metric} {p.Spec.Comparison.Symbol} {p.Spec.Threshold}"
            line $"  precondition {condition}: per seed [{values}]; failing [{failing}]"
        line $"  verdict {c.Verdict.Name}"
    for m in result.Metrics do
        for KeyValue (name, value) in m.Values |> Seq.sortBy (fun kv -> kv.Key) do
            line $"metric seed {m.Seed} {name} = {rounded 3 value}"
    sb.ToString()
