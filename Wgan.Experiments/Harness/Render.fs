/// The one deterministic renderer's formats: numbers in round-trip or rounded form with invariant culture, CSV series,
/// table cells and the snapshot text; result.json (`ResultJson`) and report.md (`ReportMarkdown`) are rendered with
/// them, so equal results give byte-identical files.
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

/// An interval rounded to `digits` decimals, or why there is none.
let interval digits =
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

/// A table cell's text: pipes escaped, line breaks as spaces.
let escapeCell (s: string) = s.Replace("|", "\\|").Replace("\n", " ")

/// A measured block in a table cell, as reports and the results index show it: "mean [95% interval], k/n seeds",
/// or for the sign test "mean; k/n seeds, p = ..." (pValue NaN otherwise; lo and hi NaN when there is no interval).
let measurementCell (mean: float, lo: float, hi: float, seedsAgreeing: int, seeds: int, pValue: float) : string =
    if Double.IsNaN pValue then
        let range = if Double.IsNaN lo || Double.IsNaN hi then interval 4 None else interval 4 (Some(lo, hi))
        $"{rounded 4 mean} {range}, {seedsAgreeing}/{seeds} seeds"
    else $"{rounded 4 mean}; {seedsAgreeing}/{seeds} seeds, p = {rounded 4 pValue}"

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
        line (
            $"claim {c.Spec.Id}: {c.Spec.Metric} {c.Spec.Expected}; per seed [{perSeed}]; mean {rounded 3 c.Mean}; "
            + $"{decided}; agreeing {c.SeedsAgreeing}/{c.PerSeed.Length}; {c.Measured.Verdict.Name}")
        match c.Control with
        | Some m ->
            let perSeed = m.PerSeed |> Array.map (rounded 3) |> String.concat ", "
            line (
                $"  control {m.Metric}: per seed [{perSeed}]; mean {rounded 3 m.Mean}; "
                + $"agreeing {m.SeedsAgreeing}/{m.PerSeed.Length}; {m.Verdict.Name}")
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
