/// Evaluating a paper claim over seeds: the treatment's and the control's per-seed values, each judged by the
/// claim's decision rule, and the verdict that combines them (see `Verdict`).
module Wgan.Experiments.Claims

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
let measureAt (share: float) (spec: ClaimSpec) (metric: string) (perSeed: float[]) : Measurement =
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
let measure (spec: ClaimSpec) (metric: string) (perSeed: float[]) : Measurement = measureAt 1.0 spec metric perSeed

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
    let measure = measureAt share
    let pairedConfidence = confidenceAt share PairedContrast.confidence
    let measured = measure spec spec.Metric treatmentValues
    let controlValues =
        match spec.Control with
        | ControlMetric (metric, _) -> Some(metric, valuesOf metrics metric)
        | NoControl _ -> None
    let control = controlValues |> Option.map (fun (metric, values) -> measure spec metric values)
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

/// The rule in words, for reports.
let ruleText (rule: DecisionRule) =
    match rule with
    | StudentTInterval -> "95% Student-t interval of the mean on the claimed side"
    | BootstrapInterval (lo, hi) -> $"95%% percentile-bootstrap interval of the mean ({bootstrapResamples} resamples, range [{lo}, {hi}]) on the claimed side"
    | SignTest alpha -> $"sign test: enough seeds on the claimed side for a one-sided binomial p <= {alpha}"
    | Equivalence (margin, scale) ->
        $"equivalence: two one-sided t tests at 5%% ({scale.Name}); the 90%% t interval of the paired mean "
        + $"inside [-{margin}, {margin}]"

/// The claim's rule in words, with its design and its small-sample fallback where they apply.
let claimRuleText (c: ClaimResult) =
    let fellBack = c.Measured.BootstrapFallback || c.Control |> Option.exists (fun m -> m.BootstrapFallback)
    let fallback =
        match c.Spec.Rule with
        | BootstrapInterval (lo, hi) when fellBack ->
            $" (fewer than {bootstrapMinimumSeeds} finite seeds: the 95%% Student-t interval of the mean "
            + $"clamped to [{lo}, {hi}] instead)"
        | _ -> ""
    let paired =
        match c.Spec.Rule, c.Spec.Design with
        | Equivalence _, _ -> ""
        | _, Paired ->
            "; paired design: the per-seed difference (positive on the claimed side) must have its 90% t interval "
            + "above 0 (one-sided t test at 5%)"
        | _, Relative ->
            "; relative to the control: the per-seed difference (positive on the claimed side) must have its 90% t "
            + "interval above 0 (one-sided t test at 5%); the control passing the threshold does not make the claim "
            + "uninformative, as it is the level the claim is relative to"
        | _ -> ""
    ruleText c.Spec.Rule + fallback + paired

/// The power of the sign test at `alpha` with `n` seeds when each seed lands on the claimed side with probability
/// `share`: P(X >= k) for X ~ Bin(n, share), k the fewest seeds whose one-sided p is at most `alpha`; 0 when no
/// count of `n` seeds can reject.
let signTestPower (alpha: float) (share: float) (n: int) : float =
    match seq { 1 .. n } |> Seq.tryFind (fun k -> signTestPValue k n <= alpha) with
    | None -> 0.0
    | Some k -> 1.0 - Binomial.CDF(min 1.0 (max 0.0 share), n, float (k - 1))

/// The fewest seeds (2 to `limit`) for which the sign test at `alpha` has 80% power if each seed landed on the
/// claimed side with probability `share` (the measured share taken as the truth); None when `limit` is not enough.
let seedsForSignTest (limit: int) (alpha: float) (share: float) : int option =
    seq { 2 .. limit } |> Seq.tryFind (fun n -> signTestPower alpha share n >= 0.8)

/// The one-sided level at which a claim's rule decides one side of its threshold when judged once: 2.5% for the
/// 95% intervals (t and bootstrap), the sign test's alpha, 5% for the paired and equivalence tests' 90% intervals.
let oneSidedLevel (rule: DecisionRule) =
    match rule with
    | StudentTInterval
    | BootstrapInterval _ -> 0.025
    | SignTest alpha -> alpha
    | Equivalence _ -> (1.0 - PairedContrast.confidence) / 2.0

/// For a claim that did not reproduce, what was measured and what would settle it, in one sentence for the
/// report; None for a reproduced claim. "Seeds" are those that give the claim's one-sided test 80% power if the
/// measured mean and standard deviation (or share of seeds) were the truth (`Statistics.valuesFor80PercentPower`,
/// exact noncentral t), not those at which the measured interval would just exclude the threshold.
let whatWouldSettle (scale: string) (secondsPerSeed: float) (c: ClaimResult) : string option =
    // A seed count with what it would cost at the run's own compute per seed.
    let advice (n: int) =
        if Double.IsFinite secondsPerSeed && secondsPerSeed > 0.0 then
            let minutes = float n * secondsPerSeed / 60.0
            let cost = if minutes < 1.0 then "under a CPU-minute" else $"about {Math.Ceiling minutes:F0} CPU-minutes"
            $"`--seeds {n}`, {cost} at this run's {secondsPerSeed:F0} s of compute per seed"
        else $"`--seeds {n}`"
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
    let number (x: float) = x.ToString("F4", Globalization.CultureInfo.InvariantCulture)
    match c.Verdict, c.Spec.Rule with
    | Reproduced, _ -> None
    | PreconditionFailed, _ ->
        let failed =
            c.Preconditions
            |> List.filter (fun p -> not p.Holds)
            |> List.map (fun p ->
                let seedsText = p.Failing |> List.map (fun (s, v) -> $"seed {s} ({number v})") |> String.concat ", "
                $"{Preconditions.text p.Spec} fails on {seedsText}")
            |> String.concat "; "
        Some(
            $"{failed}: the comparison means nothing until its preconditions hold, so more seeds of the same run "
            + "will not help; fix what the precondition guards (the failing arm or run), then rerun.")
    | Inconclusive, Equivalence (margin, _) ->
        let p = c.Paired.Value
        match p.Interval with
        | None ->
            Some $"fewer than 2 seeds give a finite paired value ({p.Dropped.Length} dropped): rerun with more seeds."
        | Some (lo, hi) ->
            match Statistics.valuesForEquivalencePower 0.05 margin 200 p.Values with
            | Some n when abs p.Mean < margin ->
                Some(
                    $"the paired mean {number p.Mean} is inside the margin +-{margin}, but its 90%% interval "
                    + $"[{number lo}, {number hi}] reaches past it; about {n} seeds would decide it with 80%% power "
                    + $"if the mean and spread were as measured ({advice n}).")
            | _ ->
                Some(
                    $"the paired mean {number p.Mean} sits too close to (or beyond) the margin +-{margin} for a "
                    + $"practical number of seeds to show equivalence; what would settle it is {largerScale}.")
    | Inconclusive, _ when c.Paired.IsSome && c.Measured.Verdict = Reproduced ->
        let p = c.Paired.Value
        match p.Interval, Statistics.valuesFor80PercentPower 0.05 200 0.0 p.Values with
        | Some (lo, hi), Some n when p.Mean > 0.0 ->
            Some(
                $"the treatment passes and the paired difference leans to the claimed side (mean {number p.Mean}, "
                + $"90%% interval [{number lo}, {number hi}]), but not significantly; about {n} seeds would decide it "
                + $"with 80%% power if the mean and spread were as measured ({advice n}).")
        | _ ->
            Some(
                $"the treatment passes, but the paired difference (mean {number p.Mean}) does not lean to the claimed "
                + $"side: the treatment is not separated from its control; what would settle it is {largerScale} or a "
                + "control that removes the mechanism.")
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
        | Some n when share > 0.5 ->
            Some(
                $"{c.SeedsAgreeing} of {seeds} seeds are on the claimed side; about {n} seeds would decide it with "
                + $"80%% power if that share were the truth ({advice n}); or {largerScale}.")
        | _ -> Some $"only {c.SeedsAgreeing} of {seeds} seeds are on the claimed side; what would settle the claim is {largerScale}."
    | _ when finite.Length < seeds ->
        Some $"{seeds - finite.Length} of {seeds} seeds gave no value (diverged or undefined; see the notes), so no interval exists: rerun those seeds, or settle it at {largerScale}."
    | _ when finite.Length < 2 -> Some "one seed gives no interval: run at least 3 seeds (`--seeds 5`)."
    | _ ->
        let powered = Statistics.valuesFor80PercentPower (oneSidedLevel c.Spec.Rule) 200 c.Spec.Threshold finite
        match onClaimedSide, powered with
        | true, Some n ->
            Some(
                $"the mean is on the claimed side, but the interval of {seeds} seeds still reaches past "
                + $"{c.Spec.Threshold}; about {n} seeds would decide it with 80%% power if the mean and spread were as "
                + $"measured ({advice n}); or {largerScale}.")
        | false, Some n ->
            Some(
                $"the mean is on the other side of {c.Spec.Threshold}; about {n} seeds would make the verdict *not "
                + $"reproduced* at this scale with 80%% power if the mean and spread were as measured, so what would "
                + $"settle the claim is {largerScale}.")
        | _, None ->
            Some $"the mean sits too close to {c.Spec.Threshold} for any practical number of seeds to decide at this scale (more than 200 with the measured spread); what would settle it is {largerScale}."
