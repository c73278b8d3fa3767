/// meaningful-loss-curves' findings from its units: per seed, each trainer's correlations between its filtered
/// estimate and the exact W1 (and the clock's), the claims judged on them, the curves and the notes.
module Wgan.Experiments.MeaningfulLoss.Assembly

open System.Collections.Generic
open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.Trainers
open Wgan.Experiments.TrainerUnits
open Wgan.Experiments.MeaningfulLoss.Settings
open Wgan.Experiments.MeaningfulLoss.Unit
open Wgan.Experiments.MeaningfulLoss.Tracking

/// The per-seed metrics; `unitOf t d` is the seed's unit of trainer t on data set d.
let seedMetrics (settings: Settings) (window: int) (unitOf: Trainer -> Wgan.Core.ToyData.ToyDataset -> Measured) =
    let training = settings.Training
    readOnlyDict [
        for t in training.Trainers do
            for d in training.Datasets do
                let w = (unitOf t d).EarthMover
                yield $"{t.Id}.{d.Name}.finalEarthMover", (if w.Length = 0 then nan else w[w.Length - 1])
            for name, meanName in statistics do
                let values = training.Datasets |> List.map (fun d -> statistic window name (unitOf t d))
                for d, v in List.zip training.Datasets values do
                    yield $"{t.Id}.{d.Name}.{name}", v
                yield $"{t.Id}.{meanName}", List.average values ]

let private kindText (t: Trainer) =
    match t.Kind with
    | Wgan c -> $"WGAN, {constraintText c}; estimate: -critic loss E f(x) - E f(G(z)) (penalty excluded)"
    | Gan nonSaturating ->
        let loss = if nonSaturating then "non-saturating" else "minimax"
        $"GAN, {loss} generator loss; estimate: JS = L/2 + log 2 with L = E log D(x) + E log(1 - D(G(z))) (minus the "
        + "discriminator loss)"

/// The report's notes: the set-up, what is logged, the claims' thresholds, the controls and the scale note.
let private notes (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (claims: ClaimResult list)
    (monotoneRuns: int) (allRuns: int) =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let iterations, paper = scale.Training.GeneratorIterations, manifest.Scales[Paper].Training.GeneratorIterations
    let window = medianWindowAt settings scale
    let windowText =
        if window = settings.MedianWindow then $"{window} as the WGAN README does"
        else $"{window} at this scale (the WGAN README's {settings.MedianWindow} would span the whole run)"
    [ setupNote settings.Training scale.Training; scheduleNote settings.Training.CriticSchedule ]
    @ [ for t in settings.Training.Trainers -> trainerNote kindText t ]
    @ [ "Logged: after every generator iteration the estimate of its last critic step (before that step's update); "
        + $"median-filtered with window {windowText}. Every {scale.LogEvery} iterations the exact W1 (OR-Tools "
        + $"assignment) between {scale.Training.EarthMoverSamples} generated and {scale.Training.EarthMoverSamples} "
        + "fresh real samples; the finite-sample W1 has a positive floor even for a perfect generator."
        "Claims: 'correlates strongly' means a Spearman correlation of at least 0.7 between the filtered estimate and "
        + "the exact W1 over the logged iterations, averaged over data sets; the GAN's JS estimate 'does not' means at "
        + "most 0.5."
        "Controls: the iteration counter, Spearman(-iteration, exact W1) over the same logged points, controls the two "
        + "'tracks W1' claims (both fall over training: when the counter passes too, the verdict is uninformative); "
        + "the WGAN-GP estimate's correlation controls the GAN claim, which must reject it."
        "Beyond the clock: the partial Spearman correlation of the filtered estimate and the exact W1 given the "
        + "iteration asks whether they move together beyond their common trend in time; any monotone function of the "
        + "iteration has a partial correlation of 0 by definition and fails it. Threshold 0.3, a medium correlation by "
        + "Cohen's convention."
        $"At this scale the filtered estimate is a monotone function of the iteration at the logged points in "
        + $"{monotoneRuns} of {allRuns} runs (median window {window} over {iterations} iterations, W1 every "
        + $"{scale.LogEvery}): such a run has nothing beyond the clock and its partial correlation is 0."
        "Figures: every seed, each curve rescaled to its own range per seed (lines: the filtered estimate; dots: the "
        + "exact W1; the colours repeat and do not identify seeds); no legend, so nothing covers the data." ]
    @ scaleNote run.Scale claims
        ($"This scale trains {iterations} generator iterations (paper scale: {paper}); a short run has fewer logged "
         + "points and a median window that spans much of it.")

/// The figure of trainer `t` on data set `d`: every seed's filtered estimate and exact W1, each rescaled to its range.
let private figure (seeds: int64 list) (window: int) (unitOf: int64 -> Measured) (t: Trainer) d =
    let estimateName = match t.Kind with Wgan _ -> "EM estimate" | Gan _ -> "JS estimate"
    // The first seed's curves carry the legend; the other seeds' are their faint companions in the same colours.
    let curves (label: string) (markers: bool) (values: Measured -> float[]) =
        seeds |> List.mapi (fun i seed ->
            let m = unitOf seed
            { Label = (if i = 0 then $"{label}, seed {seed} (other seeds faint)" else "")
              X = Array.map float m.LoggedIterations
              Y = rescaled (values m)
              Markers = markers })
    let lines =
        curves $"{estimateName} (median-filtered)" false (filteredAtLogged window)
        @ curves "exact W1" true (fun m -> m.EarthMover)
    let title = $"{t.Id} on {datasetTitle d}: lines {estimateName}, dots exact W1 ({seeds.Length} seeds)"
    Figure.ofLines $"{t.Id}-{d.Name}" title
        "generator iteration" "rescaled per seed: (value - min) / (max - min)" false lines

/// The experiment's findings from its units' measurements.
let assemble (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (measurements: (string * Measured) list) : Findings =
    let settings, seeds = manifest.Settings, run.Seeds
    let training = settings.Training
    let window = medianWindowAt settings manifest.Scales[run.Scale]
    let found = dict measurements
    let unitOf seed t d = found[key seed t d]
    let metrics = seeds |> List.map (fun seed -> { Seed = seed; Values = seedMetrics settings window (unitOf seed) })
    let claims = manifest.Claims |> List.map (Claims.evaluate metrics)
    let everyUnit = [ for seed in seeds do for t in training.Trainers do for d in training.Datasets -> seed, t, d ]
    let monotoneRuns = everyUnit |> List.filter (fun (seed, t, d) -> monotone window (unitOf seed t d)) |> List.length
    let logged = (unitOf seeds.Head training.Trainers.Head training.Datasets.Head).LoggedIterations
    let valueAt (m: Measured) (vector: float[]) (i: int) = if i < m.LoggedIterations.Length then vector[i] else nan
    { Metrics = metrics
      Claims = claims
      Series =
        [ { Name = "loss-curves"
            Columns =
              "iteration"
              :: [ for seed, t, d in everyUnit do
                       yield $"seed-{seed}/{t.Id}/{d.Name}/estimate_filtered"
                       yield $"seed-{seed}/{t.Id}/{d.Name}/exact_w1" ]
            Rows =
              [ for i in 0 .. logged.Length - 1 ->
                    Array.ofList (
                        float logged[i]
                        :: [ for seed, t, d in everyUnit do
                                 let m = unitOf seed t d
                                 yield valueAt m (filteredAtLogged window m) i
                                 yield valueAt m m.EarthMover i ]) ] } ]
      Figures =
        [ for t in training.Trainers do
              for d in training.Datasets -> figure seeds window (fun seed -> unitOf seed t d) t d ]
      ImageGrids = []
      Notes =
        notes manifest run claims monotoneRuns everyUnit.Length
        @ Experiment.divergenceNotes [ for k, m in measurements -> k, m.Diverged ] }
