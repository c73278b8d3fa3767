/// Evaluating a paper claim over seeds: the treatment's and the control's per-seed values, each judged by the
/// claim's decision rule (`DecisionRules`), and the verdict that combines them (see `Verdict`).
module Wgan.Experiments.Claims

open System
open MathNet.Numerics.Distributions
open Wgan.Experiments.DecisionRules

/// The claim's verdict from its treatment's and its control's verdicts (see `Verdict`).
let combine (treatment: Verdict) (control: Verdict option) : Verdict =
    match treatment, control with
    | Reproduced, Some Reproduced -> Uninformative
    | Reproduced, Some Inconclusive -> Inconclusive
    | v, _ -> v

/// The one-sided t test's p-value, on the 5% scale of the claim's own rule, for `values` lying on the claimed side of
/// `threshold` (`claimed` = true) or on the other side: an interval rule decides at 95% two-sided, so its one-sided
/// p is doubled; a sign test gives its own binomial p. NaN (no test possible) reads as 1.
let private sideP (spec: ClaimSpec) (claimed: bool) (values: float[]) (signP: float) =
    let towardsAtLeast = (spec.Comparison = AtLeast) = claimed
    let p =
        match spec.Rule with
        | SignTest _ -> signP
        | _ ->
            let oriented = if towardsAtLeast then values else values |> Array.map (fun v -> -v)
            let threshold = if towardsAtLeast then spec.Threshold else -spec.Threshold
            min 1.0 (2.0 * Statistics.tTestPValueAbove threshold oriented)
    if Double.IsNaN p then 1.0 else p

/// The claim's p-value for the multiple-testing table: the intersection-union p of the tests that `reproduced` needs,
/// each on the 5% scale of its rule (the largest of them): the treatment on the claimed side; with an independent
/// control, the control on the failing side; with a paired design, the paired one-sided t test; under equivalence,
/// the two one-sided tests. For the bootstrap rule the t test stands in for the percentile interval. A claim whose
/// precondition failed has p = 1.
let pValue (c: ClaimResult) : float =
    let spec = c.Spec
    let sign (m: Measurement) claimed =
        signTestPValue (if claimed then m.SeedsAgreeing else seedsAgainst spec m.PerSeed) m.PerSeed.Length
    let nanAsOne p = if Double.IsNaN p then 1.0 else p
    if c.Verdict = PreconditionFailed then 1.0
    else
        match spec.Rule, c.Paired with
        | Equivalence _, Some p -> nanAsOne p.PValue
        | Equivalence _, None -> 1.0
        | _ ->
            let treatment = sideP spec true c.Measured.PerSeed (sign c.Measured true)
            let control =
                match spec.Design, c.Control, c.Paired with
                | (Paired | Relative), _, Some p -> nanAsOne p.PValue
                | Independent, Some m, _ -> sideP spec false m.PerSeed (sign m false)
                | _ -> 0.0
            max treatment control

let private valuesOf (metrics: SeedMetrics list) (metric: string) =
    metrics
    |> List.map (fun m ->
        match m.Values.TryGetValue metric with
        | true, v -> v
        | _ -> nan)
    |> Array.ofList

/// `evaluate` with only `share` (in (0, 1]) of every test's error rate spent: each interval widened, the sign
/// test's alpha and the paired tests' 5% multiplied by the share (see `confidenceAt`). A sequential run judges
/// each look this way (`Sequential`); at share 1 it is `evaluate`.
let evaluateAt (share: float) (metrics: SeedMetrics list) (spec: ClaimSpec) : ClaimResult =
    let seeds = metrics |> List.map (fun m -> m.Seed)
    let treatmentValues = valuesOf metrics spec.Metric
    let judge = judgeMetricAt share
    let pairedConfidence = confidenceAt share PairedContrast.confidence
    let measured = judge spec spec.Metric treatmentValues
    let controlValues =
        match spec.Control with
        | ControlMetric (metric, _) -> Some(metric, valuesOf metrics metric)
        | NoControl _ -> None
    let control = controlValues |> Option.map (fun (metric, values) -> judge spec metric values)
    let seedArray = Array.ofList seeds
    let paired =
        match spec.Rule, spec.Design, controlValues with
        | Equivalence (margin, scale), _, Some (_, c) ->
            Some(PairedContrast.equivalenceAt pairedConfidence margin scale seedArray treatmentValues c)
        | _, design, Some (_, c) when design.UsesPairs ->
            Some(PairedContrast.differenceAt pairedConfidence spec.Comparison seedArray treatmentValues c)
        | _ -> None
    // Under equivalence the treatment's verdict is the paired test's, and both arms count the seeds inside the margin.
    let measured, control =
        match spec.Rule, paired with
        | Equivalence _, Some p ->
            { measured with Verdict = p.Verdict; SeedsAgreeing = p.SeedsAgreeing },
            control |> Option.map (fun c -> { c with SeedsAgreeing = p.SeedsAgreeing })
        | _ -> measured, control
    let preconditions =
        spec.Preconditions |> List.map (fun p -> Preconditions.judge seeds (valuesOf metrics p.Metric) p)
    let controlVerdict = control |> Option.map (fun c -> c.Verdict)
    let verdict =
        if preconditions |> List.exists (fun p -> not p.Holds) then PreconditionFailed
        else
            match spec.Rule, paired with
            | Equivalence _, Some p -> p.Verdict
            | _, Some p when spec.Design = Relative -> PairedContrast.combine measured.Verdict p.Verdict None
            | _, Some p -> PairedContrast.combine measured.Verdict p.Verdict controlVerdict
            | _ -> combine measured.Verdict controlVerdict
    { Spec = spec
      Measured = measured
      Control = control
      Outliers = outliers spec.OutlierFence seeds measured.PerSeed
      Paired = paired
      Preconditions = preconditions
      UnitCriteria = spec.UnitCriteria |> List.map (fun u -> Preconditions.judge seeds (valuesOf metrics u.Metric) u)
      Verdict = verdict }

/// Evaluates `spec` on its metric and its control's metric in every seed's metrics: each arm by the claim's
/// rule; a paired design or an equivalence rule also on the per-seed pairs (`PairedContrast`); and a claim
/// with a precondition that fails on any seed is `precondition-failed`, whatever its numbers.
let evaluate (metrics: SeedMetrics list) (spec: ClaimSpec) : ClaimResult = evaluateAt 1.0 metrics spec
