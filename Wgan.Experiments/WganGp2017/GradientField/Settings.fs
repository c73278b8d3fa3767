/// WGAN-GP Proposition 1, the optimal critic's gradient field, on the toy data sets: what a manifest sets. Critics
/// train against the fixed generator Pg = Pr + N(0, sigma^2 I) as gan_toy.py trains them (capacity-underuse's
/// set-up); their input gradients are then measured on segments between generated and real points, coupled by the
/// exact optimal transport plan or paired independently.
module Wgan.Experiments.GradientField.Settings

open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.FixedGeneratorCritic

[<Literal>]
let Id = "gradient-field"

/// The experiment's own settings.
type Settings =
    { Datasets: ToyDataset list
      GeneratorNoise: float
      FakeBatch: ToyWgan.FakeBatch
      TrainingSets: Map<ToyDataset, ToyWgan.TrainingSet>
      ClippedCritic: CriticSettings
      PenaltyCritic: CriticSettings
      /// The figures cover [-h, h]^2.
      PlotHalfWidth: float }

/// The work a scale does.
type ScaleSettings =
    { CriticHidden: int list
      BatchSize: int
      CriticSteps: int
      /// Samples of Pr and of Pg on which the directions are measured (one segment per generated sample).
      EvaluationSamples: int
      /// Cells per side of the grid of the figures' value surfaces.
      GridResolution: int
      /// Coupled segments drawn in the figures.
      PlottedSegments: int }

/// The functions whose gradients are measured: the exact optimal critic of the evaluation samples, the penalty critic,
/// the clipped critic, and the penalty critic's network before training (the control).
let critics = [ "exact"; "gp"; "clip"; "gp-untrained" ]

/// Metric names of one data set.
let datasetMetricNames (d: ToyDataset) =
    [ for c in critics do
          for m in [ "coupledCosine"; "independentCosine"; "alignmentGap"; "coupledNormRatio" ] -> $"{d.Name}.{c}.{m}" ]

/// What each metric means.
let metrics =
    [ "<dataset>.<critic>.coupledCosine",
      "mean over the segments of the optimal coupling (x generated, y real, x_t = t x + (1 - t) y, t ~ U[0, 1]) of the "
      + "cosine between the critic's input gradient at x_t and (y - x_t) / ||y - x_t||; 1 for the optimal critic "
      + "(WGAN-GP Proposition 1)"
      "<dataset>.<critic>.independentCosine", "the same on segments between independently paired x and y"
      "<dataset>.<critic>.alignmentGap", "coupledCosine - independentCosine"
      "<dataset>.<critic>.coupledNormRatio",
      "mean gradient norm on the coupled segments over the critic's Lipschitz estimate (the 0.99 quantile of its "
      + "gradient norms on both kinds of segment); 1 for the optimal critic"
      "critics", "exact: the Kantorovich potential of the evaluation samples; gp, clip: the trained critics; "
      + "gp-untrained: the penalty critic's network at initialisation (control)" ]

let private settings: Fields<Settings> =
    let clipping = function WeightClipping _ -> true | _ -> false
    let penalty = function GradientPenalty _ -> true | _ -> false
    fields {
        let! datasets = required "datasets" ToyWgan.distinctDatasets
        and! noise = required "generatorNoise" (Decode.floatInRange 0.01 100.0)
        and! fakeBatch = required "fakeBatch" ToyWgan.fakeBatch
        and! clipped = required "clippedCritic" (criticSettings "weight-clipping" clipping)
        and! penalised = required "penaltyCritic" (criticSettings "gradient-penalty" penalty)
        and! halfWidth = required "plotHalfWidth" (Decode.floatInRange 0.1 100.0)
        let! sets = required "trainingSet" (trainingSets datasets)
        return
            { Datasets = datasets
              GeneratorNoise = noise
              FakeBatch = fakeBatch
              TrainingSets = sets
              ClippedCritic = clipped
              PenaltyCritic = penalised
              PlotHalfWidth = halfWidth } }

let private scaleSettings (_: Settings) : Fields<ScaleSettings> =
    fields {
        let! hidden = required "criticHidden" Manifest.hiddenWidths
        and! batchSize = required "batchSize" (Decode.intInRange 1 100_000)
        and! steps = required "criticSteps" (Decode.intInRange 0 10_000_000)
        and! samples = CommonFields.evaluationSamples
        and! resolution = required "gridResolution" (Decode.intInRange 2 1024)
        and! segments = required "plottedSegments" (Decode.intInRange 0 4096)
        return
            { CriticHidden = hidden
              BatchSize = batchSize
              CriticSteps = steps
              EvaluationSamples = samples
              GridResolution = resolution
              PlottedSegments = segments } }

/// How the experiment reads its manifest.
let reading: Envelope.Reading<Settings, ScaleSettings> =
    { Settings = settings
      Scale = scaleSettings
      Checkpoints = true
      MetricNames = fun s -> s.Datasets |> List.collect datasetMetricNames }
