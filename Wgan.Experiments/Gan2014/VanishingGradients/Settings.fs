/// GAN 2014 section 3 and the WGAN argument (WGAN section 3), vanishing generator gradients: what a manifest sets.
/// The toy data set, the frozen generator's and the learners' network shapes, the learners (GAN discriminators and
/// WGAN critics), and per scale the step counts at which the generator's gradient is measured.
module Wgan.Experiments.VanishingGradients.Settings

open Wgan.Core.ToyData
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.Learners

/// The experiment's id, the manifest's "experiment".
[<Literal>]
let Id = "vanishing-gradients"

/// The experiment's own settings.
type Settings =
    { Dataset: ToyDataset
      NoiseDimension: int
      /// The shape of every learner's MLP 2 -> depth x width -> 1.
      Learner: DeepShape
      /// The shape of the frozen generator's MLP noise -> depth x width -> 2.
      Generator: DeepShape
      Learners: Learner list }

/// The work a scale does.
type ScaleSettings =
    { /// Width of every hidden layer of the learner and of the generator.
      Width: int
      BatchSize: int
      /// Step counts (increasing, the last one is the training length) at which the gradients are measured.
      MeasureAt: int list
      /// Size of the fixed batch of z on which the generator's gradient is measured.
      MeasurementBatch: int }

/// The generator losses whose gradient a learner is probed with.
let lossesOf (learner: Learner) =
    match learner.Kind with
    | Discriminator -> [ "minimax"; "non-saturating" ]
    | Critic _ -> [ "wasserstein" ]

/// Metric names of one learner.
let learnerMetricNames (learner: Learner) =
    [ for l in lossesOf learner do
          yield! [ $"{learner.Id}.{l}.log10Drop"; $"{learner.Id}.{l}.log10FinalNorm" ]
      $"{learner.Id}.finalMeanFakeOutput" ]

/// What each metric means.
let metrics =
    [ "<learner>.<loss>.log10Drop",
      "log10 of the generator's gradient norm after the last measured step over its largest value at any measured step "
      + "(0: never fell; -2: fell by two orders of magnitude)"
      "<learner>.<loss>.log10FinalNorm", "log10 of the generator's gradient norm after the last measured step"
      "<learner>.finalMeanFakeOutput",
      "after the last step, the mean of D(G(z)) (a probability) for a discriminator or of f(G(z)) for a critic" ]

let private settings: Fields<Settings> =
    fields {
        let! dataset = required "dataset" dataset
        and! noiseDimension = CommonFields.noiseDimension
        and! learnerShape = required "learner" deepShape
        and! generator = required "generator" deepShape
        and! learners = required "learners" learners
        return
            { Dataset = dataset
              NoiseDimension = noiseDimension
              Learner = learnerShape
              Generator = generator
              Learners = learners } }

let private increasing: Decoder<int list> -> Decoder<int list> =
    requiring (List.pairwise >> List.forall (fun (a, b) -> a < b)) "must be increasing"

let private scaleSettings (_: Settings) : Fields<ScaleSettings> =
    fields {
        let! width = CommonFields.width
        and! batchSize = CommonFields.batchSize
        and! measureAt = required "measureAt" (Decode.nonEmptyArray (Decode.intInRange 1 10_000_000) |> increasing)
        and! measurementBatch = required "measurementBatch" (Decode.intInRange 1 1_000_000)
        return { Width = width; BatchSize = batchSize; MeasureAt = measureAt; MeasurementBatch = measurementBatch } }

/// How the experiment reads its manifest.
let reading: Wgan.Experiments.Envelope.Reading<Settings, ScaleSettings> =
    { Settings = settings
      Scale = scaleSettings
      Checkpoints = true
      MetricNames = fun s -> s.Learners |> List.collect learnerMetricNames }
