/// penalty-sides' findings from its units: per architecture the arms' final W1 and their ratios, the claims, the W1
/// curves, the paired figure, and the notes a report prints (with the paper's own count of wins).
module Wgan.Experiments.PenaltySides.Assembly

open System
open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.PenaltySides.Settings
open Wgan.Experiments.PenaltySides.Architecture
open Wgan.Experiments.PenaltySides.Unit

/// A number with `digits` decimals for notes, invariant culture ("nan" when not finite).
let private decimals (digits: int) (x: float) =
    if Double.IsFinite x then x.ToString("F" + string digits, Globalization.CultureInfo.InvariantCulture) else "nan"

/// The one-sided binomial tail P(X >= k), X ~ Bin(n, 1/2), doubled and capped at 1: the two-sided sign test.
let private twoSidedSignTest (k: int) (n: int) =
    if n = 0 then 1.0 else min 1.0 (2.0 * DecisionRules.signTestPValue (max k (n - k)) n)

/// The metrics of one architecture from its arms' units (`measured arm`).
let seedMetrics (measured: Arm -> Measured) =
    let final arm = (measured arm).FinalEarthMover
    let two, one, free = final TwoSided, final OneSided, final NoConstraint
    readOnlyDict [
        for arm in arms do
            yield $"{arm.Id}.finalEarthMover", (measured arm).FinalEarthMover
            yield $"{arm.Id}.plateaued", (measured arm).Plateaued
        yield "untrainedEarthMover", (measured TwoSided).UntrainedEarthMover
        yield "one-vs-two.absLogRatio", abs (log (one / two))
        yield "unconstrained-vs-two.absLogRatio", abs (log (free / two))
        let decided = Double.IsFinite one && Double.IsFinite two
        yield "two-sided.wins", (if decided then (if two < one then 1.0 else 0.0) else nan) ]

/// The report's notes: the set-up, each architecture's final W1, the paired count as the paper made it, the
/// measured quantity and the claim's test.
let private notes (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (measured: int64 -> Arm -> Measured) (claims: ClaimResult list) =
    let settings, scale, space = manifest.Settings, manifest.Scales[run.Scale], manifest.Settings.Space
    let training = settings.Training
    let final seed arm = (measured seed arm).FinalEarthMover
    let listed (xs: string list) = String.concat ", " xs
    let decided =
        run.Seeds
        |> List.filter (fun s ->
            let two, one = final s TwoSided, final s OneSided
            Double.IsFinite two && Double.IsFinite one && two <> one)
    let twoWins = decided |> List.filter (fun s -> final s TwoSided < final s OneSided) |> List.length
    let oneWins = decided.Length - twoWins
    let plateauShare (arm: Arm) =
        let values = run.Seeds |> List.map (fun s -> (measured s arm).Plateaued) |> List.filter Double.IsFinite
        if values.IsEmpty then "none" else $"{List.sum values |> int} of {values.Length}"
    let lo, hi = space.LearningRate
    let depths, widths = space.Depths |> List.map string |> listed, space.Widths |> List.map string |> listed
    let activations = space.Activations |> List.map activationText |> listed
    let lambdas = space.Lambdas |> List.map plainNumber |> listed
    let tolerance = plainNumber (100.0 * settings.PlateauTolerance)
    let signTest = decimals 3 (twoSidedSignTest twoWins decided.Length)
    [ $"Data: {datasetTitle training.Dataset}. Each seed draws one architecture: critic and generator MLPs of the same "
      + $"depth (one of {depths}), width (one of {widths}) and activation (one of {activations}), Adam (beta1 "
      + $"{plainNumber settings.Beta1}, beta2 {plainNumber settings.Beta2}) with one learning rate log-uniform in "
      + $"[{plainNumber lo}, {plainNumber hi}] for both, lambda one of {lambdas} (the paper's text uses 10 everywhere, "
      + $"its toy script 0.1); nCritic {training.NCritic}, batch {scale.BatchSize}, {scale.GeneratorIterations} "
      + "generator iterations. The three arms of an architecture start from the same weights and see the same "
      + "batches, noise and penalty coefficients." ]
    @ [ for s in run.Seeds ->
            let w arm = decimals 4 (final s arm)
            $"Architecture {s}: {architectureText (architecture space s)}; final W1 two-sided {w TwoSided}, one-sided "
            + $"{w OneSided}, unconstrained {w NoConstraint} "
            + $"(untrained {decimals 4 (measured s TwoSided).UntrainedEarthMover})." ]
    @ [ $"Paired comparison, as the paper counted it: the two-sided penalty ended closer to the data in {twoWins} of "
        + $"{decided.Length} architectures, the one-sided in {oneWins}; two-sided sign test p = {signTest} (WGAN-GP "
        + "Appendix C: two-sided better in 100 architectures, one-sided in 77, of 174; not significant)."
        $"Exact W1 between {scale.EarthMoverSamples} generated and {scale.EarthMoverSamples} real samples (a fixed "
        + $"evaluation batch), before training and every {scale.EvaluateEvery} generator iterations; the final W1 is "
        + $"the mean of the last two measurements. Plateau (last two measurements within {tolerance}%%): two-sided "
        + $"{plateauShare TwoSided}, one-sided {plateauShare OneSided}, unconstrained {plateauShare NoConstraint}."
        "The unconstrained arm is the reference difference: without a constraint the final W1 differs from the "
        + "two-sided arm's (unconstrained-vs-two.absLogRatio), as a comparison of the arms must be able to see." ]
    @ scaleNote run.Scale claims
        ($"This scale trains {scale.GeneratorIterations} generator iterations per arm (paper scale: "
         + $"{manifest.Scales[Paper].GeneratorIterations}).")

/// The one-sided and unconstrained final W1 against the two-sided one, per architecture, with the diagonal.
let private pairedFigure (seeds: int64 list) (final: int64 -> Arm -> float) =
    let along arm = seeds |> List.map (fun s -> final s arm) |> Array.ofList
    let xs = along TwoSided
    let finiteXs = xs |> Array.filter Double.IsFinite
    let lo, hi = if finiteXs.Length = 0 then 0.0, 1.0 else Array.min finiteXs, Array.max finiteXs
    Figure.ofLines "paired-final-earth-mover"
        "Final exact W1 per architecture: one-sided against two-sided (the diagonal: equal)"
        "two-sided penalty: final exact W1" "final exact W1" false
        [ { Label = "equal"; X = [| lo; hi |]; Y = [| lo; hi |]; Markers = false }
          { Label = "one-sided penalty"; X = xs; Y = along OneSided; Markers = true }
          { Label = "no constraint (control)"; X = xs; Y = along NoConstraint; Markers = true } ]

/// The experiment's findings from its units' measurements.
let assemble (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (measurements: (string * Measured) list) : Findings =
    let found = dict measurements
    let measured seed arm = found[key seed arm]
    let metrics = run.Seeds |> List.map (fun seed -> { Seed = seed; Values = seedMetrics (measured seed) })
    let claims = manifest.Claims |> List.map (Claims.evaluate metrics)
    { Metrics = metrics
      Claims = claims
      Series =
        [ { Name = "earth-mover-curves"
            Columns = [ "seed"; "arm"; "iteration"; "exact_w1" ]
            Rows =
              [ for seed in run.Seeds do
                    for i, arm in List.indexed arms do
                        let u = measured seed arm
                        for k in 0 .. u.Iterations.Length - 1 ->
                            [| float seed; float i; u.Iterations[k]; u.EarthMover[k] |] ] } ]
      Figures = [ pairedFigure run.Seeds (fun s arm -> (measured s arm).FinalEarthMover) ]
      ImageGrids = []
      Notes =
        notes manifest run measured claims
        @ Experiment.divergenceNotes [ for k, m in measurements -> k, m.Diverged ] }
