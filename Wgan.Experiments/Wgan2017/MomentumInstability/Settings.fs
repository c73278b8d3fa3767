/// WGAN section 4.2, momentum and instability: what a manifest sets. WGAN with weight clipping on a toy data set,
/// trained with RMSProp and with Adam (its betas from the manifest) at each of the manifest's learning rates, and the
/// jump that marks a blow-up episode of the EM estimate.
module Wgan.Experiments.MomentumInstability.Settings

open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan

/// The experiment's id, the manifest's "experiment".
[<Literal>]
let Id = "momentum-instability"

/// A learning rate of the manifest, named by an id used in metric names.
type LearningRate = { Id: string; Value: float }

/// The experiment's own settings.
type Settings =
    { Dataset: ToyDataset
      NoiseDimension: int
      Critic: DeepShape
      Generator: DeepShape
      NCritic: int
      ClipBound: float
      AdamBeta1: float
      AdamBeta2: float
      /// An iteration is in a blow-up episode when its fixed-batch EM estimate changes from the previous one by more
      /// than this many times the run's median absolute change (see `episodes`).
      EpisodeJump: float
      LearningRates: LearningRate list }

/// The work a scale does.
type ScaleSettings =
    { /// Width of every hidden layer of both networks.
      Width: int
      BatchSize: int
      GeneratorIterations: int
      /// Samples of the fixed evaluation batch and of the exact W1 after training.
      EarthMoverSamples: int }

/// "rmsprop", "adam", and "rmsprop-replicate": RMSProp again from the same networks on a different minibatch
/// stream, the null pair against which Adam's roughness is judged (two runs that differ only by chance).
let optimizerNames = [ "rmsprop"; "adam"; "rmsprop-replicate" ]

/// Every training run of a seed: its id "<optimizer>.<learning rate id>", the optimiser's name and the learning rate.
let runs (settings: Settings) =
    [ for lr in settings.LearningRates do for o in optimizerNames -> $"{o}.{lr.Id}", o, lr ]

let private runMetricNames =
    [ "meanCosine"; "negativeCosineShare"; "emRoughness"; "fixedRoughness"; "finalEarthMover"; "episodeShare"
      "negativeCosineShareInEpisodes"; "negativeCosineShareOutsideEpisodes" ]

let private ratioNames = [ "roughnessRatio"; "earthMoverRatio"; "logRoughnessRatio"; "replicateLogRoughnessRatio" ]

/// Metric names of the settings' learning rates.
let metricNames (learningRates: LearningRate list) =
    [ for lr in learningRates do
          for o in optimizerNames do
              for name in runMetricNames -> $"{o}.{lr.Id}.{name}"
          for name in ratioNames -> $"{lr.Id}.{name}" ]

/// What each metric means.
let metrics =
    [ "<optimizer>.<lr>.meanCosine",
      "mean over critic steps of cos(update, -gradient): 1 when the step goes straight down the gradient, negative "
      + "when it climbs"
      "<optimizer>.<lr>.negativeCosineShare", "share of critic steps whose update has a negative cosine with -gradient"
      "<optimizer>.<lr>.emRoughness",
      "mean |e_k - e_(k-1)| over generator iterations divided by mean |e_k|, e_k the critic's EM estimate on the last "
      + "minibatch of iteration k: how jumpy the loss curve is, minibatch noise included"
      "<optimizer>.<lr>.fixedRoughness",
      "the same roughness of the EM estimate on a fixed evaluation batch (the same real samples and noise at every "
      + "iteration): how much the critic and generator themselves jump, without minibatch noise"
      "<optimizer>.<lr>.finalEarthMover", "exact W1 between generated and real samples after training"
      "<optimizer>.<lr>.episodeShare",
      "share of generator iterations in a blow-up episode: the fixed-batch EM estimate changed from the previous "
      + "iteration by more than episodeJump times the run's median absolute change"
      "<optimizer>.<lr>.negativeCosineShareInEpisodes",
      "share of the critic steps of episode iterations whose update has a negative cosine with -gradient (NaN when the "
      + "run has no episode)"
      "<optimizer>.<lr>.negativeCosineShareOutsideEpisodes",
      "the same share over the critic steps of the other iterations"
      "<lr>.roughnessRatio", "adam.<lr>.emRoughness / rmsprop.<lr>.emRoughness"
      "<lr>.earthMoverRatio", "adam.<lr>.finalEarthMover / rmsprop.<lr>.finalEarthMover"
      "<lr>.logRoughnessRatio",
      "ln(adam.<lr>.fixedRoughness / rmsprop.<lr>.fixedRoughness): > 0 when Adam's fixed-batch EM curve is rougher"
      "<lr>.replicateLogRoughnessRatio",
      "ln(rmsprop-replicate.<lr>.fixedRoughness / rmsprop.<lr>.fixedRoughness): the same between two RMSProp runs that "
      + "differ only by their minibatch stream (a control: no optimiser difference)" ]

let private learningRate: Decoder<LearningRate> =
    Decode.object (fields {
        let! id = required "id" settingId
        and! value = required "value" (Decode.floatInRange 1e-12 10.0)
        return { Id = id; Value = value } })

let private settings: Fields<Settings> =
    fields {
        let! dataset = required "dataset" dataset
        and! noiseDimension = CommonFields.noiseDimension
        and! critic = required "critic" deepShape
        and! generator = required "generator" deepShape
        and! nCritic = CommonFields.nCritic
        and! clipBound = required "clipBound" (Decode.floatInRange 1e-9 100.0)
        and! beta1 = required "adamBeta1" (Decode.floatInRange 0.0 0.999999)
        and! beta2 = required "adamBeta2" (Decode.floatInRange 0.0 0.999999)
        and! episodeJump = required "episodeJump" (Decode.floatInRange 1.0 1e6)
        and! learningRates = required "learningRates" (uniqueIds (fun l -> l.Id) "learning-rate" learningRate)
        return
            { Dataset = dataset
              NoiseDimension = noiseDimension
              Critic = critic
              Generator = generator
              NCritic = nCritic
              ClipBound = clipBound
              AdamBeta1 = beta1
              AdamBeta2 = beta2
              EpisodeJump = episodeJump
              LearningRates = learningRates } }

let private scaleSettings (_: Settings) : Fields<ScaleSettings> =
    fields {
        let! width = CommonFields.width
        and! batchSize = CommonFields.batchSize
        and! iterations = required "generatorIterations" (Decode.intInRange 2 10_000_000)
        and! samples = CommonFields.earthMoverSamples
        return { Width = width; BatchSize = batchSize; GeneratorIterations = iterations; EarthMoverSamples = samples } }

/// How the experiment reads its manifest.
let reading: Wgan.Experiments.Envelope.Reading<Settings, ScaleSettings> =
    { Settings = settings
      Scale = scaleSettings
      Checkpoints = true
      MetricNames = fun s -> metricNames s.LearningRates }

/// The optimiser `name` at `lr`: Adam with the settings' betas, or RMSProp (also for the replicate).
let optimizerSpec (settings: Settings) (name: string) (lr: LearningRate) =
    if name = "adam" then Adam(lr.Value, settings.AdamBeta1, settings.AdamBeta2) else RmsProp lr.Value
