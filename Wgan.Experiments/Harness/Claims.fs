/// Evaluating a paper claim over seeds: the treatment's and the control's per-seed values, each judged by the
/// claim's decision rule, and the verdict that combines them (see `Verdict`).
module Wgan.Experiments.Claims

open System
open MathNet.Numerics.Distributions

/// Bootstrap resamples of the `bootstrap` rule, drawn from a generator with this fixed seed, so that a
/// verdict is a pure function of the per-seed values.
let bootstrapResamples = 10000
let private bootstrapSeed = 20170126

/// The 95% percentile-bootstrap interval of the mean of `xs`, clamped to [lo, hi]; None for fewer than
/// two values or a non-finite one.
let bootstrapInterval (lo: float) (hi: float) (xs: float[]) : (float * float) option =
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
        Some(max lo (at 0.025), min hi (at 0.975))

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

/// Judges the per-seed values of one metric by the claim's rule, comparison and threshold.
let measure (spec: ClaimSpec) (metric: string) (perSeed: float[]) : Measurement =
    let holds v = Double.IsFinite v && spec.Comparison.Holds(v, spec.Threshold)
    let agreeing = perSeed |> Array.filter holds |> Array.length
    let interval, pValue, verdict =
        match spec.Rule with
        | StudentTInterval ->
            let i = Statistics.confidenceInterval95 perSeed
            i, nan, intervalVerdict spec.Comparison spec.Threshold i
        | BootstrapInterval (lo, hi) ->
            let i = bootstrapInterval lo hi perSeed
            i, nan, intervalVerdict spec.Comparison spec.Threshold i
        | SignTest alpha ->
            let n = perSeed.Length
            let against = perSeed |> Array.filter (fun v -> Double.IsFinite v && not (spec.Comparison.Holds(v, spec.Threshold))) |> Array.length
            let p = signTestPValue agreeing n
            let v =
                if p <= alpha then Reproduced
                elif signTestPValue against n <= alpha then NotReproduced
                else Inconclusive
            None, p, v
    { Metric = metric
      PerSeed = perSeed
      Mean = Statistics.mean perSeed
      Interval = interval
      SeedsAgreeing = agreeing
      PValue = pValue
      Verdict = verdict }

/// The claim's verdict from its treatment's and its control's verdicts (see `Verdict`).
let combine (treatment: Verdict) (control: Verdict option) : Verdict =
    match treatment, control with
    | Reproduced, Some Reproduced -> Uninformative
    | Reproduced, Some Inconclusive -> Inconclusive
    | v, _ -> v

/// Seeds whose values lie outside the Tukey fences [Q1 - k IQR, Q3 + k IQR] (quartiles by linear
/// interpolation), and non-finite values; none for k <= 0 or fewer than four finite values.
let outliers (fence: float) (seeds: int64 list) (values: float[]) : (int64 * float) list =
    let finite = values |> Array.filter Double.IsFinite |> Array.sort
    let pairs = List.zip seeds (List.ofArray values)
    if fence <= 0.0 then []
    elif finite.Length < 4 then pairs |> List.filter (fun (_, v) -> not (Double.IsFinite v))
    else
        let q1, q3 = Statistics.quantile 0.25 finite, Statistics.quantile 0.75 finite
        let lo, hi = q1 - fence * (q3 - q1), q3 + fence * (q3 - q1)
        pairs |> List.filter (fun (_, v) -> not (Double.IsFinite v) || v < lo || v > hi)

let private valuesOf (metrics: SeedMetrics list) (metric: string) =
    metrics
    |> List.map (fun m ->
        match m.Values.TryGetValue metric with
        | true, v -> v
        | _ -> nan)
    |> Array.ofList

/// Evaluates `spec` on its metric and its control's metric in every seed's metrics.
let evaluate (metrics: SeedMetrics list) (spec: ClaimSpec) : ClaimResult =
    let measured = measure spec spec.Metric (valuesOf metrics spec.Metric)
    let control =
        match spec.Control with
        | ControlMetric (metric, _) -> Some(measure spec metric (valuesOf metrics metric))
        | NoControl _ -> None
    { Spec = spec
      Measured = measured
      Control = control
      Outliers = outliers spec.OutlierFence (metrics |> List.map (fun m -> m.Seed)) measured.PerSeed
      Verdict = combine measured.Verdict (control |> Option.map (fun c -> c.Verdict)) }

/// The rule in words, for reports.
let ruleText (rule: DecisionRule) =
    match rule with
    | StudentTInterval -> "95% Student-t interval of the mean on the claimed side"
    | BootstrapInterval (lo, hi) -> $"95%% percentile-bootstrap interval of the mean ({bootstrapResamples} resamples, range [{lo}, {hi}]) on the claimed side"
    | SignTest alpha -> $"sign test: enough seeds on the claimed side for a one-sided binomial p <= {alpha}"

/// How many seeds (at most `limit`) the sign test needs to reject at `alpha` if the share of seeds on
/// the claimed side stayed `share`; None when `limit` is not enough.
let seedsForSignTest (limit: int) (alpha: float) (share: float) : int option =
    seq { 2 .. limit } |> Seq.tryFind (fun n -> signTestPValue (int (floor (share * float n))) n <= alpha)

/// For a claim that did not reproduce, what was measured and what would settle it, in one sentence for the
/// report; None for a reproduced claim. "Seeds" assumes the per-seed values stay as measured.
let whatWouldSettle (scale: string) (c: ClaimResult) : string option =
    let seeds = c.PerSeed.Length
    let finite = c.PerSeed |> Array.filter Double.IsFinite
    let meanOnClaimedSide (m: Measurement) = Double.IsFinite m.Mean && c.Spec.Comparison.Holds(m.Mean, c.Spec.Threshold)
    let onClaimedSide = meanOnClaimedSide c.Measured
    let largerScale =
        if scale = "paper" then "a GPU (a CUDA build, see README) to run more seeds at this scale"
        else "a larger scale (`--scale paper`, the papers' network sizes and training lengths; hours to days on a CPU, practical on a GPU)"
    // The measurement's values lean to the claimed side: its mean (interval rules) or most of its seeds (sign test).
    let leansClaimed (m: Measurement) =
        match c.Spec.Rule with
        | SignTest _ -> 2 * m.SeedsAgreeing > m.PerSeed.Length
        | _ -> meanOnClaimedSide m
    match c.Verdict, c.Spec.Rule with
    | Reproduced, _ -> None
    | Uninformative, _ ->
        Some "the control passes the same test, so the test cannot tell the claimed effect from its absence: more seeds will not help; a metric or design that separates the two would."
    | Inconclusive, _ when c.Measured.Verdict = Reproduced ->
        Some "the treatment passes, but the control neither passes nor clearly fails; more seeds for the control would decide whether the test separates them."
    // More seeds would not make such a claim *reproduced*: the control would pass along with the treatment.
    | Inconclusive, _ when leansClaimed c.Measured && c.Control |> Option.exists leansClaimed ->
        let control = c.Control.Value
        let mean = control.Mean.ToString("F4", Globalization.CultureInfo.InvariantCulture)
        if control.Verdict = Reproduced then
            Some $"the control already passes the same test (mean {mean}), so even a treatment that passed with more seeds would be *uninformative*: more seeds will not help; a metric or design that separates the two would."
        else
            Some $"the control leans to the claimed side as well (mean {mean}), so more seeds would most likely make the verdict *uninformative*, not *reproduced*; a metric or design that separates the treatment from the control would settle it."
    | NotReproduced, _ ->
        Some $"at scale {scale} the rule decides against the claim, so more seeds will not change the verdict; what would settle the claim is {largerScale}."
    | _, SignTest alpha ->
        let share = float c.SeedsAgreeing / float (max 1 seeds)
        match seedsForSignTest 200 alpha share with
        | Some n when share > 0.5 -> Some $"{c.SeedsAgreeing} of {seeds} seeds are on the claimed side; about {n} seeds with the same share would decide it (`--seeds {n}`); or {largerScale}."
        | _ -> Some $"only {c.SeedsAgreeing} of {seeds} seeds are on the claimed side; what would settle the claim is {largerScale}."
    | _ when finite.Length < seeds ->
        Some $"{seeds - finite.Length} of {seeds} seeds gave no value (diverged or undefined; see the notes), so no interval exists: rerun those seeds, or settle it at {largerScale}."
    | _ when finite.Length < 2 -> Some "one seed gives no interval: run at least 3 seeds (`--seeds 5`)."
    | _ ->
        match onClaimedSide, Statistics.valuesToExclude 200 c.Spec.Threshold finite with
        | true, Some n ->
            Some $"the mean is on the claimed side, but the interval of {seeds} seeds still reaches past {c.Spec.Threshold}; about {n} seeds with the same spread would decide it (`--seeds {n}`); or {largerScale}."
        | false, Some n ->
            Some $"the mean is on the other side of {c.Spec.Threshold}; about {n} seeds with the same spread would make the verdict *not reproduced* at this scale, so what would settle the claim is {largerScale}."
        | _, None ->
            Some $"the mean sits too close to {c.Spec.Threshold} for any practical number of seeds to decide at this scale (more than 200 with the measured spread); what would settle it is {largerScale}."
