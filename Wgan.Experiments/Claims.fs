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
