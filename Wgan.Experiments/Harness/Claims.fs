/// Evaluating a paper claim over seeds: per-seed values, mean, 95% interval, agreement and verdict.
module Wgan.Experiments.Claims

open System

/// The verdict of a claim given its per-seed values (see `Verdict` for the rule).
let verdict (spec: ClaimSpec) (interval: (float * float) option) : Verdict =
    match interval with
    | None -> Inconclusive
    | Some (lo, hi) ->
        let holds v = spec.Comparison.Holds(v, spec.Threshold)
        if holds lo && holds hi then Reproduced
        elif not (holds lo) && not (holds hi) then NotReproduced
        else Inconclusive

/// Evaluates `spec` on the metric it names in every seed's metrics.
let evaluate (metrics: SeedMetrics list) (spec: ClaimSpec) : ClaimResult =
    let perSeed =
        metrics
        |> List.map (fun m ->
            match m.Values.TryGetValue spec.Metric with
            | true, v -> v
            | _ -> nan)
        |> Array.ofList
    let interval = Statistics.confidenceInterval95 perSeed
    { Spec = spec
      PerSeed = perSeed
      Mean = Statistics.mean perSeed
      Interval = interval
      SeedsAgreeing = perSeed |> Array.filter (fun v -> Double.IsFinite v && spec.Comparison.Holds(v, spec.Threshold)) |> Array.length
      Verdict = verdict spec interval }

/// For a claim that did not reproduce, what was measured and what would settle it, in one sentence for the
/// report; None for a reproduced claim. "Seeds" assumes the per-seed mean and spread stay as measured.
let whatWouldSettle (scale: string) (c: ClaimResult) : string option =
    let seeds = c.PerSeed.Length
    let finite = c.PerSeed |> Array.filter Double.IsFinite
    let onClaimedSide = Double.IsFinite c.Mean && c.Spec.Comparison.Holds(c.Mean, c.Spec.Threshold)
    let largerScale =
        if scale = "paper" then "a GPU (a CUDA build, see README) to run more seeds at this scale"
        else "the paper's scale (`--scale paper`, the papers' network sizes and training lengths; hours to days on a CPU, practical on a GPU)"
    let needed = Statistics.valuesToExclude 200 c.Spec.Threshold finite
    match c.Verdict with
    | Reproduced -> None
    | _ when finite.Length < seeds ->
        Some $"{seeds - finite.Length} of {seeds} seeds gave no value (diverged or undefined; see the notes), so no interval exists: rerun those seeds, or settle it at {largerScale}."
    | _ when finite.Length < 2 -> Some $"one seed gives no interval: run at least 3 seeds (`--seeds 5`)."
    | NotReproduced ->
        Some $"at scale {scale} the whole interval lies on the other side of {c.Spec.Threshold}, so more seeds will not change the verdict; what would settle the claim is {largerScale}."
    | _ ->
        match onClaimedSide, needed with
        | true, Some n ->
            Some $"the mean is on the claimed side, but the interval of {seeds} seeds still reaches past {c.Spec.Threshold}; about {n} seeds with the same spread would decide it (`--seeds {n}`); or {largerScale}."
        | false, Some n ->
            Some $"the mean is on the other side of {c.Spec.Threshold}; about {n} seeds with the same spread would make the verdict *not reproduced* at this scale, so what would settle the claim is {largerScale}."
        | _, None ->
            Some $"the mean sits too close to {c.Spec.Threshold} for any practical number of seeds to decide at this scale (more than 200 with the measured spread); what would settle it is {largerScale}."
