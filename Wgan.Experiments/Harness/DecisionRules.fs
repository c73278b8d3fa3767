/// Decision rules: how the per-seed values of one metric are judged against a claim's threshold (the t interval,
/// the percentile bootstrap, the sign test), with the share of the error rate a sequential look may spend, and the
/// seeds named as outliers.
module Wgan.Experiments.DecisionRules

open System
open MathNet.Numerics.Distributions

/// Bootstrap resamples of the `bootstrap` rule, drawn from a generator with this fixed seed, so that a
/// verdict is a pure function of the per-seed values.
let bootstrapResamples = 10000
let private bootstrapSeed = 20170126

/// A rule's confidence when only `share` (in (0, 1]) of its error rate may be spent: the two-sided confidence
/// `confidence` itself at share 1 (a single look: every rule exactly as stated), else 1 - (1 - confidence) x share,
/// so each one-sided tail shrinks by the share (see `Sequential`).
let confidenceAt (share: float) (confidence: float) =
    if share >= 1.0 then confidence else 1.0 - (1.0 - confidence) * share

/// The percentile-bootstrap interval of the mean of `xs` at two-sided `confidence`, clamped to [lo, hi]; None for
/// fewer than two values or a non-finite one.
let bootstrapIntervalAt (confidence: float) (lo: float) (hi: float) (xs: float[]) : (float * float) option =
    if xs.Length < 2 || xs |> Array.exists (fun x -> not (Double.IsFinite x)) then None
    else
        let random = Random(bootstrapSeed)
        let means =
            Array.init bootstrapResamples (fun _ ->
                let mutable sum = 0.0
                for _ in 1 .. xs.Length do sum <- sum + xs[random.Next xs.Length]
                sum / float xs.Length)
        Array.sortInPlace means
        let at (q: float) = means[int (Math.Round(q * float (bootstrapResamples - 1)))]
        let tail = if confidence = 0.95 then 0.025 else (1.0 - confidence) / 2.0
        Some(max lo (at tail), min hi (at (if confidence = 0.95 then 0.975 else 1.0 - tail)))

/// The 95% percentile-bootstrap interval of the mean of `xs`, clamped to [lo, hi]; None for fewer than
/// two values or a non-finite one.
let bootstrapInterval (lo: float) (hi: float) (xs: float[]) : (float * float) option =
    bootstrapIntervalAt 0.95 lo hi xs

/// P(X >= k) for X ~ Binomial(n, 1/2): the one-sided sign-test p-value of k successes in n.
let signTestPValue (k: int) (n: int) : float =
    if n <= 0 then 1.0
    elif k <= 0 then 1.0
    else 1.0 - Binomial.CDF(0.5, n, float (k - 1))

/// The verdict of an interval that must lie on the claimed side.
let private intervalVerdict (comparison: Comparison) (threshold: float) (interval: (float * float) option) =
    match interval with
    | None -> Inconclusive
    | Some (lo, hi) ->
        let holds v = comparison.Holds(v, threshold)
        if holds lo && holds hi then Reproduced
        elif not (holds lo) && not (holds hi) then NotReproduced
        else Inconclusive

/// The fewest finite values for which the percentile bootstrap is used; below, the `bootstrap` rule takes the
/// 95% Student-t interval of the mean clamped to the metric's range (a percentile bootstrap of a handful of
/// values is too narrow). The Tukey fences likewise name outliers only from this many finite values on.
let bootstrapMinimumSeeds = 10

/// The bootstrap rule's interval at `confidence`: the percentile bootstrap from `bootstrapMinimumSeeds` finite
/// values on, the clamped Student-t interval below; and whether it fell back.
let private boundedInterval (confidence: float) (lo: float) (hi: float) (xs: float[]) =
    let finite = xs |> Array.filter Double.IsFinite |> Array.length
    if finite >= bootstrapMinimumSeeds then bootstrapIntervalAt confidence lo hi xs, false
    else Statistics.confidenceInterval confidence xs |> Option.map (fun (a, b) -> max lo a, min hi b), true

/// How many seeds have a finite value on the other side of the claim's threshold (a seed with no value is on neither
/// side): the count a sign test weighs against the claim.
let seedsAgainst (spec: ClaimSpec) (perSeed: float[]) : int =
    perSeed
    |> Array.filter (fun v -> Double.IsFinite v && not (spec.Comparison.Holds(v, spec.Threshold)))
    |> Array.length

/// Judges the per-seed values of one metric by the claim's rule, comparison and threshold with only `share` of
/// the rule's error rate spent (`confidenceAt`; the sign test's alpha times the share): 1 for a run judged once.
let judgeMetricAt (share: float) (spec: ClaimSpec) (metric: string) (perSeed: float[]) : Measurement =
    let holds v = Double.IsFinite v && spec.Comparison.Holds(v, spec.Threshold)
    let agreeing = perSeed |> Array.filter holds |> Array.length
    let interval, pValue, verdict, fallback, agreeing =
        match spec.Rule with
        | StudentTInterval ->
            let i = Statistics.confidenceInterval (confidenceAt share 0.95) perSeed
            i, nan, intervalVerdict spec.Comparison spec.Threshold i, false, agreeing
        | BootstrapInterval (lo, hi) ->
            let i, fallback = boundedInterval (confidenceAt share 0.95) lo hi perSeed
            i, nan, intervalVerdict spec.Comparison spec.Threshold i, fallback, agreeing
        | SignTest alpha ->
            let alpha = if share >= 1.0 then alpha else alpha * share
            let n = perSeed.Length
            let against = seedsAgainst spec perSeed
            let p = signTestPValue agreeing n
            let v =
                if p <= alpha then Reproduced
                elif signTestPValue against n <= alpha then NotReproduced
                else Inconclusive
            None, p, v, false, agreeing
        | Equivalence _ -> Statistics.confidenceInterval95 perSeed, nan, Inconclusive, false, 0
    { Metric = metric
      PerSeed = perSeed
      Mean = Statistics.mean perSeed
      Interval = interval
      SeedsAgreeing = agreeing
      PValue = pValue
      Verdict = verdict
      BootstrapFallback = fallback }

/// Judges the per-seed values of one metric by the claim's rule, comparison and threshold. Under an
/// equivalence rule an arm is described, not judged alone: its 95% t interval, no seeds agreeing and an
/// inconclusive verdict (the paired measurement decides; see `evaluate`).
let judgeMetric (spec: ClaimSpec) (metric: string) (perSeed: float[]) : Measurement =
    judgeMetricAt 1.0 spec metric perSeed

/// Seeds whose values lie outside the Tukey fences [Q1 - k IQR, Q3 + k IQR] (quartiles by linear
/// interpolation), and non-finite values; only the non-finite ones for k <= 0 (none then) or fewer than
/// `bootstrapMinimumSeeds` finite values (fences of a handful of values name ordinary seeds).
let outliers (fence: float) (seeds: int64 list) (values: float[]) : (int64 * float) list =
    let finite = values |> Array.filter Double.IsFinite |> Array.sort
    let pairs = List.zip seeds (List.ofArray values)
    if fence <= 0.0 then []
    elif finite.Length < bootstrapMinimumSeeds then pairs |> List.filter (fun (_, v) -> not (Double.IsFinite v))
    else
        let q1, q3 = Statistics.quantile 0.25 finite, Statistics.quantile 0.75 finite
        let lo, hi = q1 - fence * (q3 - q1), q3 + fence * (q3 - q1)
        pairs |> List.filter (fun (_, v) -> not (Double.IsFinite v) || v < lo || v > hi)
