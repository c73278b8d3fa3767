/// How meaningful-loss-curves asks whether an estimate tracks the exact W1: rank correlations over the logged
/// iterations, and the partial rank correlation given the iteration, which no clock can pass.
module Wgan.Experiments.MeaningfulLoss.Tracking

open Wgan.Experiments
open Wgan.Experiments.MeaningfulLoss.Unit

/// The partial rank correlation of `x` and `y` given `z`: the Pearson partial correlation of their Spearman
/// correlations, (r_xy - r_xz r_yz) / sqrt((1 - r_xz^2)(1 - r_yz^2)). When x or y is a monotone function of z
/// (|r| = 1 up to rounding) or constant, nothing of it varies beyond z and the result is 0, not NaN: the iteration
/// counter given the iteration is such a series, and it must fail a test of association, not crash it or leave it
/// undecided.
let partialSpearman (x: float[]) (y: float[]) (z: float[]) : float =
    let rxy, rxz, ryz = Statistics.spearman x y, Statistics.spearman x z, Statistics.spearman y z
    let left, right = 1.0 - rxz * rxz, 1.0 - ryz * ryz
    let tolerance = 1e-12
    let defined = System.Double.IsFinite rxy && System.Double.IsFinite rxz && System.Double.IsFinite ryz
    if not defined || left <= tolerance || right <= tolerance then 0.0
    else (rxy - rxz * ryz) / sqrt (left * right)

/// `values` shifted and scaled to [0, 1] (min to 0, max to 1); all 0.5 when they are constant or not finite.
let rescaled (values: float[]) =
    let finite = values |> Array.filter System.Double.IsFinite
    if finite.Length = 0 then values |> Array.map (fun _ -> 0.5)
    else
        let lo, hi = Array.min finite, Array.max finite
        if hi > lo then values |> Array.map (fun v -> (v - lo) / (hi - lo)) else values |> Array.map (fun _ -> 0.5)

/// The median-filtered estimate at the logged iterations.
let filteredAtLogged (window: int) (m: Measured) =
    let filtered = Statistics.medianFilter window m.Estimates
    m.LoggedIterations |> Array.map (fun k -> filtered[k - 1])

/// The iteration counter negated, so that it falls as W1 does.
let private clock (iterations: float[]) = iterations |> Array.map (fun k -> -k)

/// Each statistic of `Settings.statistics` of one unit, from the filtered estimate, the exact W1 and the iterations.
let private statisticOf (name: string) (estimate: float[]) (w1: float[]) (iterations: float[]) =
    match name with
    | "spearman" -> Statistics.spearman estimate w1
    | "clockSpearman" -> Statistics.spearman (clock iterations) w1
    | "partialSpearman" -> partialSpearman estimate w1 iterations
    | _ -> partialSpearman (clock iterations) w1 iterations

/// Statistic `name` of one unit: NaN when training diverged or fewer than 3 points were logged.
let statistic (window: int) (name: string) (m: Measured) =
    if m.Diverged.IsSome || m.EarthMover.Length < 3 then nan
    else statisticOf name (filteredAtLogged window m) m.EarthMover (Array.map float m.LoggedIterations)

/// Whether the unit's filtered estimate is a monotone function of the iteration at the logged points: nothing of it
/// varies beyond the clock, so its partial correlation is 0.
let monotone (window: int) (m: Measured) =
    m.Diverged.IsNone && m.LoggedIterations.Length >= 3
    && abs (Statistics.spearman (filteredAtLogged window m) (Array.map float m.LoggedIterations)) >= 1.0 - 1e-12
