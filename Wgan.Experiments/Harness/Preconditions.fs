/// What must hold for a claim's comparison to mean anything (the reference arm trained, the critic's estimate is
/// positive, no run diverged), judged on every seed.
module Wgan.Experiments.Preconditions

open System

/// Judges a precondition on its metric's per-seed values: it holds when every seed has a finite value on the
/// stated side; a seed with no value fails it.
let judge (seeds: int64 list) (perSeed: float[]) (spec: Precondition) : PreconditionResult =
    let failing =
        List.zip seeds (List.ofArray perSeed)
        |> List.filter (fun (_, v) -> not (Double.IsFinite v && spec.Comparison.Holds(v, spec.Threshold)))
    { Spec = spec; PerSeed = perSeed; Failing = failing }

/// A precondition in words: "ref.improvement >= 0 (the reference arm must beat its untrained start)".
let text (p: Precondition) = $"`{p.Metric}` {p.Comparison.Symbol} {p.Threshold} ({p.Why})"
