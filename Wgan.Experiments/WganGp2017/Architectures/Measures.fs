/// The architecture experiment's measures of one training run, from its Frechet distances and class histograms:
/// how much of the gap between an untrained generator and real data it closed (the per-unit success), when it first
/// closed enough of it (WGAN-GP Figure 3's convergence speed), and the spread of its predicted classes (mode collapse).
module Wgan.Experiments.Architectures.Measures

open System

/// Entropy of a class histogram (shares summing to 1) over log(number of classes): 1 when every class has the same
/// share, 0 when one class has them all; empty classes contribute 0 (p log p -> 0).
let classEntropy (shares: float[]) : float =
    if shares.Length < 2 then nan
    else
        let h = shares |> Array.sumBy (fun p -> if p > 0.0 then -p * log p else 0.0)
        h / log (float shares.Length)

/// The share of the gap between the untrained generator's Frechet distance `untrained` and the real-data reference
/// distance `real` that a distance `fd` has closed, on a log scale: log(untrained / fd) / log(untrained / real).
/// 1 at the real reference, 0 at the untrained generator, negative when worse than untrained; NaN when a distance
/// is not positive or the untrained generator is not farther than the real reference (no gap to close).
let score (untrained: float) (real: float) (fd: float) : float =
    if not (untrained > 0.0 && real > 0.0 && fd > 0.0) || untrained <= real then nan
    else log (untrained / fd) / log (untrained / real)

/// What `fractionToQuality` is for a run that never reaches the score within its iterations.
[<Literal>]
let NotWithinTheRun = 2.0

/// The first iteration in `scores` (iteration, score, in order) whose score is at least `threshold`, over `total`
/// iterations; NotWithinTheRun (2) when none is.
let fractionToQuality (threshold: float) (total: int) (scores: (int * float) list) : float =
    match scores |> List.tryFind (fun (_, s) -> Double.IsFinite s && s >= threshold) with
    | Some (t, _) -> float t / float total
    | None -> NotWithinTheRun
