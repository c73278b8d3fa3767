/// mode-coverage's findings from its units: the scores per seed, the trainers ranked by each score with 95% intervals
/// (no claim is assumed), the scores as a series, the figures and the notes.
module Wgan.Experiments.ModeCoverage.Assembly

open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.Trainers
open Wgan.Experiments.TrainerUnits
open Wgan.Experiments.ModeCoverage.Settings
open Wgan.Experiments.ModeCoverage.Unit

/// A unit's score by name (see `Settings.scores`).
let score (name: string) (m: Measured) =
    match name with
    | "modesCovered" -> m.ModesCovered
    | "highQualityShare" -> m.HighQualityShare
    | _ -> m.FinalEarthMover

let private intervalText (xs: float[]) =
    let f (v: float) = v.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)
    match Statistics.confidenceInterval95 xs with
    | Some (lo, hi) -> $"{f (Statistics.mean xs)} [{f lo}, {f hi}]"
    | None -> f (Statistics.mean xs)

/// The note that ranks the trainers on data set `d` by `metric`, best first, with the mean and 95% interval over seeds.
let private ranking (trainers: Trainer list) (perSeed: string -> float[]) (d: ToyDataset) (metric: string)
    (higherIsBetter: bool) =
    let values (t: Trainer) = perSeed $"{t.Id}.{d.Name}.{metric}"
    let listed =
        trainers
        |> List.sortBy (fun t -> let m = Statistics.mean (values t) in if higherIsBetter then -m else m)
        |> List.map (fun t -> $"{t.Id} {intervalText (values t)}")
        |> String.concat " > "
    $"Ranking on {datasetTitle d} by {metric} (mean [95 percent interval], best first): {listed}."

let private kindText (t: Trainer) =
    match t.Kind with
    | Wgan c -> $"WGAN, {constraintText c}"
    | Gan nonSaturating -> if nonSaturating then "GAN, non-saturating generator loss" else "GAN, minimax generator loss"

/// The report's notes: the set-up, the scores, and the rankings that are the result.
let private notes (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (perSeed: string -> float[]) =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let samples = scale.Training.EarthMoverSamples
    [ setupNote settings.Training scale.Training; scheduleNote settings.Training.CriticSchedule ]
    @ [ for t in settings.Training.Trainers -> trainerNote kindText t ]
    @ [ $"Scores on {scale.EvaluationSamples} generated samples: a sample is high quality when within "
        + $"{plainNumber settings.QualityStds} standard deviations (Euclidean distance, per-coordinate std after the "
        + $"gan_toy.py division) of its nearest mode centre; a mode is covered with at least "
        + $"{settings.MinSamplesPerMode} such samples. Exact W1 on {samples} generated vs {samples} real samples."
        "No claim is assumed to hold here; the rankings below are the result." ]
    @ [ for d in settings.Training.Datasets do
            for metric, higher in [ "modesCovered", true; "highQualityShare", true; "finalEarthMover", false ] ->
                ranking settings.Training.Trainers perSeed d metric higher ]

/// The experiment's findings from its units' measurements.
let assemble (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (measurements: (string * Measured) list) : Findings =
    let training, seeds = manifest.Settings.Training, run.Seeds
    let found = dict measurements
    let unitOf seed t d = found[key seed t d]
    let metrics =
        seeds
        |> List.map (fun seed ->
            { Seed = seed
              Values =
                readOnlyDict [
                    for t in training.Trainers do
                        for d in training.Datasets do
                            for name in scores -> $"{t.Id}.{d.Name}.{name}", score name (unitOf seed t d) ] })
    let perSeed (name: string) = metrics |> List.map (fun m -> m.Values[name]) |> Array.ofList
    let claims = manifest.Claims |> List.map (Claims.evaluate metrics)
    { Metrics = metrics
      Claims = claims
      Series =
        [ { Name = "scores"
            Columns = [ "seed"; "trainer"; "dataset"; "modes_covered"; "high_quality_share"; "final_w1" ]
            Rows =
              [ for seed in seeds do
                    for k, t in List.indexed training.Trainers do
                        for d in training.Datasets ->
                            let m = unitOf seed t d
                            [| float seed; float k; float (datasetCode d); m.ModesCovered; m.HighQualityShare
                               m.FinalEarthMover |] ] } ]
      Figures =
        [ for d in training.Datasets ->
              Figure.ofLines $"coverage-{d.Name}"
                  $"Modes covered vs high-quality share on {datasetTitle d} (one point per seed)"
                  "share of modes covered" "share of high-quality samples" false
                  [ for t in training.Trainers ->
                        { Label = t.Label
                          X = seeds |> List.map (fun seed -> (unitOf seed t d).ModesCovered) |> Array.ofList
                          Y = seeds |> List.map (fun seed -> (unitOf seed t d).HighQualityShare) |> Array.ofList
                          Markers = true } ] ]
      ImageGrids = []
      Notes = notes manifest run perSeed @ Experiment.divergenceNotes [ for k, m in measurements -> k, m.Diverged ] }
