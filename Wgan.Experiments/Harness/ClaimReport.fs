/// A claim's rule in words, and, for a claim that did not reproduce, what would settle it: the seeds that give its
/// test 80% power and what they cost.
module Wgan.Experiments.ClaimReport

open System
open MathNet.Numerics.Distributions
open Wgan.Experiments.DecisionRules

/// The rule in words, for reports.
let ruleText (rule: DecisionRule) =
    match rule with
    | StudentTInterval -> "95% Student-t interval of the mean on the claimed side"
    | BootstrapInterval (lo, hi) ->
        $"95%% percentile-bootstrap interval of the mean ({bootstrapResamples} resamples, range [{lo}, {hi}]) "
        + "on the claimed side"
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
        else
            "a larger scale (`--scale paper`, the papers' network sizes and training lengths; hours to days on a CPU, "
            + "practical on a GPU)"
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
        Some(
            "the control passes the same test, so the test cannot tell the claimed effect from its absence: more "
            + "seeds will not help; a metric or design that separates the two would.")
    | Inconclusive, _ when c.Measured.Verdict = Reproduced ->
        Some(
            "the treatment passes, but the control neither passes nor clearly fails; more seeds for the control "
            + "would decide whether the test separates them.")
    // More seeds would not make such a claim *reproduced*: the control would pass along with the treatment.
    | Inconclusive, _ when leansClaimed c.Measured && c.Control |> Option.exists leansClaimed ->
        let control = c.Control.Value
        let mean = control.Mean.ToString("F4", Globalization.CultureInfo.InvariantCulture)
        if control.Verdict = Reproduced then
            Some(
                $"the control already passes the same test (mean {mean}), so even a treatment that passed with more "
                + "seeds would be *uninformative*: more seeds will not help; a metric or design that separates the "
                + "two would.")
        else
            Some(
                $"the control leans to the claimed side as well (mean {mean}), so more seeds would most likely make "
                + "the verdict *uninformative*, not *reproduced*; a metric or design that separates the treatment "
                + "from the control would settle it.")
    | NotReproduced, _ ->
        Some(
            $"at scale {scale} the rule decides against the claim, so more seeds will not change the verdict; what "
            + $"would settle the claim is {largerScale}.")
    | _, SignTest alpha ->
        let share = float c.SeedsAgreeing / float (max 1 seeds)
        match seedsForSignTest 200 alpha share with
        | Some n when share > 0.5 ->
            Some(
                $"{c.SeedsAgreeing} of {seeds} seeds are on the claimed side; about {n} seeds would decide it with "
                + $"80%% power if that share were the truth ({advice n}); or {largerScale}.")
        | _ ->
            Some(
                $"only {c.SeedsAgreeing} of {seeds} seeds are on the claimed side; what would settle the claim is "
                + $"{largerScale}.")
    | _ when finite.Length < seeds ->
        Some(
            $"{seeds - finite.Length} of {seeds} seeds gave no value (diverged or undefined; see the notes), so no "
            + $"interval exists: rerun those seeds, or settle it at {largerScale}.")
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
            Some(
                $"the mean sits too close to {c.Spec.Threshold} for any practical number of seeds to decide at this "
                + $"scale (more than 200 with the measured spread); what would settle it is {largerScale}.")
