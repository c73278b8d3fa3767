/// WGAN-GP Figure 1b (left), exploding and vanishing gradients: what a manifest sets. A WGAN with 12-layer ReLU critic
/// and generator (no batch norm) trains on a toy data set under each training setting (weight clipping at
/// c in {0.1, 0.01, 0.001}, the gradient penalty); the norm of the critic loss's gradient with respect to each layer's
/// activations is measured against the layer's depth.
module Wgan.Experiments.GradientNorms.Settings

open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.Json
open Wgan.Experiments.ToyWgan

[<Literal>]
let Id = "gradient-norms"

/// The experiment's own settings: the deep toy WGAN and the training settings it is trained under.
type Settings =
    { Training: DeepToyWgan.Training
      Networks: DeepToyWgan.Networks
      TrainingSettings: TrainingSetting list }

    // The shared fields under their own names, as the report reads them.
    member this.Dataset = this.Training.Dataset
    member this.NoiseDimension = this.Training.NoiseDimension
    member this.NCritic = this.Training.NCritic
    member this.Critic = this.Networks.Critic
    member this.Generator = this.Networks.Generator

/// The work a scale does.
type ScaleSettings =
    { Deep: DeepToyWgan.Scale
      /// Fresh batches over which the per-layer norms are averaged (in log10).
      MeasurementBatches: int }

    /// Width of every hidden layer of both networks.
    member this.Width = this.Deep.Width
    member this.BatchSize = this.Deep.BatchSize
    member this.GeneratorIterations = this.Deep.GeneratorIterations

/// Metric names of one training setting.
let settingMetricNames (id: string) =
    [ for name in
          [ "slope"; "absSlope"; "logRange"; "inputLog10Norm"; "outputLog10Norm"; "zeroNormLayers"; "slopeAtStart" ] ->
          $"{id}.{name}"
      for name in [ "slope"; "absSlope"; "logRange" ] -> $"{id}.firstIteration.{name}" ]

/// What each metric means.
let metrics =
    [ "<setting>.slope",
      "least-squares slope of log10 ||dL/dh_l|| against the layer index l = 1 (input side) .. depth, after training: "
      + "negative when the norms grow towards the input (explode), positive when they shrink towards it (vanish)"
      "<setting>.absSlope", "|slope|"
      "<setting>.logRange", "max - min over layers of log10 ||dL/dh_l||: the orders of magnitude the norms span"
      "<setting>.inputLog10Norm", "log10 of the norm at the first hidden layer"
      "<setting>.outputLog10Norm", "log10 of the norm at the last hidden layer"
      "<setting>.zeroNormLayers",
      "mean number of layers whose gradient norm is exactly 0 in float64 (no unit of the layer active; such a layer is "
      + "left out of its mean and of the slope)"
      "<setting>.slopeAtStart", "the slope at initialisation, before any training step"
      "<setting>.firstIteration.slope, .absSlope, .logRange",
      "control: the same quantities for the same networks after one generator iteration (the seed's training replayed "
      + "for one iteration)" ]

let private settings: Fields<Settings> =
    fields {
        let! training = DeepToyWgan.training
        and! networks =
            deepShape
            |> requiring (fun s -> s.Depth >= 2) "needs at least 2 hidden layers for a slope"
            |> DeepToyWgan.networks
        and! trainingSettings = required "settings" (uniqueIds (fun s -> s.Id) "setting" (trainingSetting true))
        return { Training = training; Networks = networks; TrainingSettings = trainingSettings } }

let private scaleSettings (_: Settings) : Fields<ScaleSettings> =
    fields {
        let! deep = DeepToyWgan.scale
        and! batches = required "measurementBatches" (Decode.intInRange 1 10_000)
        return { Deep = deep; MeasurementBatches = batches } }

/// How the experiment reads its manifest.
let reading: Wgan.Experiments.Envelope.Reading<Settings, ScaleSettings> =
    { Settings = settings
      Scale = scaleSettings
      Checkpoints = true
      MetricNames = fun s -> s.TrainingSettings |> List.collect (fun t -> settingMetricNames t.Id) }

/// The critic and generator specifications at a scale.
let networkSpecs (settings: Settings) (scale: ScaleSettings) : MlpSpec * MlpSpec =
    DeepToyWgan.networkSpecs settings.Training settings.Networks scale.Width
