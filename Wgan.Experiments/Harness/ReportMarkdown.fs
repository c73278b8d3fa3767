/// report.md: the claims table, how each claim is decided, the looks of a sequential run, the figures, per-seed
/// metrics, notes and the configuration (see `Render` for the formats).
module Wgan.Experiments.ReportMarkdown

open System
open System.Text
open Wgan.Experiments.Render

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

/// The lines that open the manifest at the end of report.md; the manifest's text and a closing fence follow.
let private manifestOpening = [| "Manifest:"; ""; "```json" |]

/// The manifest text that `report` (a report.md) shows at its end, where `renderWith` puts it; None when it ends
/// otherwise. The opening is looked for from the end, so notes above it that mention a manifest do not mislead it.
let manifestShown (report: string) : string option =
    let lines = report.Split('\n')
    let n = manifestOpening.Length
    let closes = lines.Length >= n + 2 && lines[lines.Length - 1] = "" && lines[lines.Length - 2] = "```"
    let opensAt i = Array.forall2 (=) manifestOpening lines[i - n + 1 .. i]
    if not closes then None
    else
        seq { lines.Length - 3 .. -1 .. n - 1 }
        |> Seq.tryFind opensAt
        |> Option.map (fun i -> String.Join("\n", lines[i + 1 .. lines.Length - 3]))

/// report.md: the claims table, the looks of a sequential run, the figures, per-seed metrics, notes and the
/// configuration.
let renderWith
    (sequential: Sequential.SequentialRecord option)
    (result: ExperimentResult)
    (environment: RunEnvironment)
    (manifestText: string)
    : string =
    let sb = StringBuilder()
    let line (s: string) = sb.Append(s).Append('\n') |> ignore
    /// A section: its heading, then what `body` writes of `items`; nothing when there are no items.
    let section (heading: string) (items: 'T list) (body: 'T list -> unit) =
        if not items.IsEmpty then
            line $"## {heading}"
            line ""
            body items
    line $"# {result.Title}"
    line ""
    line $"Reproduces: {result.Source}."
    line ""
    let seeds = result.Seeds |> List.map string |> String.concat ", "
    line (
        $"Scale `{result.Scale}`, seeds {seeds} ({result.Seeds.Length}), device `{environment.Device}`, "
        + $"{environment.Threads} thread(s), compute time {environment.ComputeSeconds:F1} s.")
    line ""
    line "## Claims"
    line ""
    line (
        "Each claim is judged by its decision rule on the per-seed values of its metric, and by the same rule, "
        + "comparison and threshold on its *control*, a measurement in which the claimed effect must be absent. A "
        + "claim is *reproduced* when the treatment passes and the control clearly fails, *uninformative* when the "
        + "control passes too (the test cannot tell the effect from its absence), *not reproduced* when the rule "
        + "decides against the treatment, and *inconclusive* otherwise.")
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
        line (
            $"| `{c.Spec.Id}` | {escapeCell c.Spec.Statement} | `{c.Spec.Metric}` {c.Spec.Expected} "
            + $"| {measurementText c.Measured} | {control} | {controlMeasured} | **{c.Verdict.Name}** |")
    line ""
    line "How each claim is decided:"
    line ""
    for c in result.Claims do
        let outliers =
            if c.Outliers.IsEmpty then ""
            else
                $" **Failed units (no value, or outside the Tukey fences, k = {c.Spec.OutlierFence}, from "
                + $"{DecisionRules.bootstrapMinimumSeeds} finite seeds on):** {namedSeeds c.Outliers}; "
                + "their values count by the rule."
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
                $" Definition changed {ch.Date} (replacing {ch.Previous}): {escapeCell ch.What}; "
                + $"why: {escapeCell ch.Why}.")
            |> String.concat ""
        line (
            $"- `{c.Spec.Id}` ({escapeCell c.Spec.Source}): threshold {c.Spec.Expected} from "
            + $"{escapeCell c.Spec.ThresholdSource}; rule: {ClaimReport.claimRuleText c}."
            + paired + preconditions + outliers + failedUnits + changes)
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
        |> List.choose (fun c ->
            ClaimReport.whatWouldSettle result.Scale secondsPerSeed c |> Option.map (fun text -> c, text))
    section "What would settle the claims that are not reproduced" open' (fun claims ->
        for c, text in claims do line $"- `{c.Spec.Id}` ({c.Verdict.Name}): {text}"
        line "")
    section "Figures" result.Figures (fun figures ->
        for f in figures do
            line $"![{f.Title}](figures/{f.Name}.png)"
            line "")
    section "Samples" result.ImageGrids (fun grids ->
        for g in grids do
            line $"{escapeCell g.Title}:"
            line ""
            line $"![{escapeCell g.Title}](figures/{g.Name}.png)"
            line "")
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
    section "Notes" result.Notes (fun notes ->
        if environment.JudgedBy <> "" then
            line (
                "The notes were written by the run; its claims were re-judged since (`wgan rejudge`, commit "
                + $"{environment.JudgedBy.Substring(0, min 12 environment.JudgedBy.Length)}): where a note "
                + "describes a claim's control or what its verdict would be, the claims above, with their dated "
                + "changes, are current.")
            line ""
        for n in notes do line $"- {n}"
        line "")
    line "## Configuration"
    line ""
    line $"- Command: `{environment.CommandLine}`"
    let short (commit: string) = commit.Substring(0, min 12 commit.Length)
    let commit = if environment.Commit = "" then "" else $" (commit {short environment.Commit})"
    let judged = if environment.JudgedBy = "" then "" else $"; claims re-judged by commit {short environment.JudgedBy}"
    line (
        $"- Harness {environment.HarnessVersion}{commit}{judged}, TorchSharp {environment.TorchSharpVersion}, "
        + $".NET {environment.DotnetVersion}, {environment.OperatingSystem}")
    line $"- Platform: {Platform.describe environment.Platform}"
    line ""
    manifestOpening |> Array.iter line
    line (manifestText.TrimEnd())
    line "```"
    sb.ToString()

/// report.md of a run judged once (see `renderWith`).
let render (result: ExperimentResult) (environment: RunEnvironment) (manifestText: string) : string =
    renderWith None result environment manifestText
