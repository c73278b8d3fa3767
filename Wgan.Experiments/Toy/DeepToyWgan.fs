/// The toy WGAN that gradient-norms, weight-histograms (WGAN-GP Figure 1b) and penalty-sides (Appendix C) train: the
/// manifest fields they share and the training configuration built from them.
module Wgan.Experiments.DeepToyWgan

open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments.Json
open Wgan.Experiments.ToyWgan

/// What the toy WGAN trains on: the manifest's root fields `dataset`, `noiseDimension` and `nCritic`.
type Training =
    { Dataset: ToyDataset
      NoiseDimension: int
      /// Critic steps per generator iteration.
      NCritic: int }

/// Reads `dataset`, `noiseDimension` and `nCritic`.
let training: Fields<Training> =
    fields {
        let! dataset = required "dataset" dataset
        and! noiseDimension = Manifest.CommonFields.noiseDimension
        and! nCritic = Manifest.CommonFields.nCritic
        return { Dataset = dataset; NoiseDimension = noiseDimension; NCritic = nCritic } }

/// The deep networks of Figure 1b: the manifest's root fields `critic` and `generator`.
type Networks = { Critic: DeepShape; Generator: DeepShape }

/// Reads `critic` (with `critic`, which may ask more of it than `deepShape`) and `generator`.
let networks (critic: Decoder<DeepShape>) : Fields<Networks> =
    fields {
        let! criticShape = required "critic" critic
        and! generator = required "generator" deepShape
        return { Critic = criticShape; Generator = generator } }

/// The work a scale of a deep experiment does: the scale fields `width`, `batchSize` and `generatorIterations`.
type Scale =
    { /// Width of every hidden layer of both networks.
      Width: int
      BatchSize: int
      GeneratorIterations: int }

/// Reads `width`, `batchSize` and `generatorIterations`.
let scale: Fields<Scale> =
    fields {
        let! width = Manifest.CommonFields.width
        and! batchSize = Manifest.CommonFields.batchSize
        and! iterations = required "generatorIterations" (Decode.intInRange 0 10_000_000)
        return { Width = width; BatchSize = batchSize; GeneratorIterations = iterations } }

/// The critic (2 -> 1) and generator (noise -> 2) specifications of the deep networks at `width`.
let networkSpecs (training: Training) (networks: Networks) (width: int) : MlpSpec * MlpSpec =
    deepSpec networks.Critic width 2 1, deepSpec networks.Generator width training.NoiseDimension 2

/// The training of `iterations` generator iterations under `setting`, saved every `checkpointEvery` (0: never).
let configuration (training: Training) (setting: TrainingSetting) (batchSize: int) (iterations: int)
    (checkpointEvery: int) (device: torch.Device) : ToyTraining.Configuration =
    { Setting = setting
      Dataset = training.Dataset
      NoiseDimension = training.NoiseDimension
      BatchSize = batchSize
      NCritic = training.NCritic
      Iterations = iterations
      CheckpointEvery = checkpointEvery
      Device = device }
