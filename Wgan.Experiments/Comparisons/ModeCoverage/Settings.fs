/// Mode coverage on the Gaussian mixtures: what a manifest sets. GANs and WGANs train on 8 and 25 Gaussians; their
/// samples are scored over training by the modes they cover, the share of high-quality samples and the exact W1, and
/// each trainer's coverage is compared seed by seed with a baseline trainer's.
module Wgan.Experiments.ModeCoverage.Settings

open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.Json
open Wgan.Experiments.Trainers
open Wgan.Experiments.ToyWgan

/// The experiment's id (a manifest's "experiment").
[<Literal>]
let Id = "mode-coverage"

/// The experiment's own settings.
type Settings =
    { Training: Training
      /// The trainer every other one is compared with, seed by seed (`<trainer>.<dataset>.modesOverBaseline`).
      Baseline: string
      /// A mode is covered when at least this many of the evaluation samples are high-quality samples of it.
      MinSamplesPerMode: int
      /// High quality: within this many standard deviations of the nearest mode centre.
      QualityStds: float }

/// The work a scale does.
type ScaleSettings =
    { Training: TrainingScale
      /// Generated samples scored at every evaluation (modes and quality).
      EvaluationSamples: int
      /// The samples are scored before training, every so many generator iterations and after the last.
      EvaluateEvery: int
      /// Why the scale is as it is (printed last among the report's notes).
      Note: string option }

/// The scores of each unit, by name.
let scores = [ "modesCovered"; "highQualityShare"; "finalEarthMover"; "untrainedModesCovered"; "untrainedLogRatio" ]

/// Metric names of one trainer: its scores, and for every trainer but the baseline its coverage over the baseline's.
let metricNamesOf (baseline: string) (datasets: ToyDataset list) (t: Trainer) =
    [ for d in datasets do
          for score in scores do
              yield $"{t.Id}.{d.Name}.{score}"
          if t.Id <> baseline then
              yield $"{t.Id}.{d.Name}.modesOverBaseline" ]

/// What each metric means.
let metrics =
    [ "<trainer>.<dataset>.modesCovered",
      "share of the mixture's modes with at least minSamplesPerMode high-quality generated samples"
      "<trainer>.<dataset>.highQualityShare",
      "share of generated samples within qualityStds standard deviations of their nearest mode centre"
      "<trainer>.<dataset>.finalEarthMover", "exact W1 between generated and real samples after training"
      "<trainer>.<dataset>.untrainedModesCovered", "modesCovered of the same generator before training"
      "<trainer>.<dataset>.untrainedLogRatio",
      "ln(final exact W1 / the untrained generator's exact W1): below 0 when training brought the samples closer"
      "<trainer>.<dataset>.modesOverBaseline",
      "modesCovered minus the baseline trainer's modesCovered on the same seed and data set" ]

let private mixtures =
    Decode.nonEmptyArray dataset
    |> requiring
        (fun ds -> List.distinct ds = ds && List.forall (fun d -> d = EightGaussians || d = TwentyFiveGaussians) ds)
        "must be distinct Gaussian mixtures (8gaussians, 25gaussians)"

let private settings: Fields<Settings> =
    fields {
        let! training = trainingFields mixtures
        and! minSamples = required "minSamplesPerMode" (Decode.intInRange 1 1_000_000)
        and! qualityStds = required "qualityStds" Decode.positiveFloat
        let known = training.Trainers |> List.map (fun t -> t.Id)
        let isTrainer b = List.contains b known
        let message = $"""must name a trainer ({String.concat ", " known})"""
        let! baseline = required "baseline" (settingId |> Decode.check isTrainer message)
        return
            { Training = training
              Baseline = baseline
              MinSamplesPerMode = minSamples
              QualityStds = qualityStds } }

let private scaleSettings (_: Settings) : Fields<ScaleSettings> =
    fields {
        let! training = trainingScaleFields
        and! evaluationSamples = required "evaluationSamples" (Decode.intInRange 1 10_000_000)
        and! evaluateEvery = required "evaluateEvery" (Decode.intInRange 1 10_000_000)
        and! note = optional "note" Decode.nonEmptyString
        return
            { Training = training
              EvaluationSamples = evaluationSamples
              EvaluateEvery = evaluateEvery
              Note = note } }

/// How the experiment reads its manifest.
let reading: Envelope.Reading<Settings, ScaleSettings> =
    { Settings = settings
      Scale = scaleSettings
      Checkpoints = true
      MetricNames = fun s -> s.Training.Trainers |> List.collect (metricNamesOf s.Baseline s.Training.Datasets) }
