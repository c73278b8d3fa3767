/// GAN and WGAN trainers side by side on the toy data sets (meaningful-loss-curves, mode-coverage): what a manifest
/// sets about them (the trainers, the networks, the official WGAN code's critic schedule, the work of a scale), and how
/// a report describes them. Their units are in TrainerUnits.
module Wgan.Experiments.Trainers

open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan

/// How many critic steps precede each generator iteration.
type CriticSchedule =
    /// Always the trainer's nCritic.
    | Constant
    /// The official WGAN code's hidden schedule: `warmupCritic` critic steps for the first `warmupIterations`
    /// generator iterations and every `every`-th one (counted from 0), nCritic otherwise.
    | Official of warmupIterations: int * warmupCritic: int * every: int

/// What is trained: a WGAN (critic under a constraint, generator loss -E f(G(z))) or a standard GAN.
type TrainerKind =
    | Wgan of LipschitzConstraint
    /// A GAN with the minimax (false) or the non-saturating (true) generator loss.
    | Gan of nonSaturating: bool

/// One trainer of the comparison.
type Trainer =
    { Id: string
      Label: string
      Kind: TrainerKind
      NCritic: int
      CriticOptimizer: OptimizerSpec
      GeneratorOptimizer: OptimizerSpec
      /// The random stream: trainers with the same one start from the same initial weights and draw from the same
      /// random-number generator; without one, the trainer's id sets its own.
      Stream: int option }

/// What a manifest sets about the training: the data sets, the networks, the critic schedule and the trainers.
type Training =
    { Datasets: ToyDataset list
      NoiseDimension: int
      Critic: DeepShape
      Generator: DeepShape
      CriticSchedule: CriticSchedule
      /// How both networks' linear layers are initialised.
      Initialization: Initialization.Scheme
      Trainers: Trainer list }

/// What a scale sets about the training.
type TrainingScale =
    { /// Width of every hidden layer of both networks.
      Width: int
      BatchSize: int
      GeneratorIterations: int
      /// Generated and real samples in each exact W1.
      EarthMoverSamples: int }

/// {"kind": "constant"} | {"kind": "official", "warmupGeneratorIterations", "warmupCriticIterations", "every"}.
let schedule: Decoder<CriticSchedule> =
    let official =
        fields {
            let! warmup = required "warmupGeneratorIterations" (Decode.intInRange 0 10_000_000)
            and! many = required "warmupCriticIterations" (Decode.intInRange 1 100_000)
            and! every = required "every" (Decode.intInRange 1 10_000_000)
            return Official(warmup, many, every) }
    Decode.object (fields {
        let! kind = required "kind" (Decode.oneOf [ "constant", Fields.succeed Constant; "official", official ])
        let! schedule = kind
        return schedule })

/// {"id", "label", "kind": "wgan" (with "constraint") | "gan" (with "generatorLoss"), "nCritic", "criticOptimizer",
/// "generatorOptimizer", optionally "stream"}.
let trainer: Decoder<Trainer> =
    let kinds =
        [ "wgan", required "constraint" lipschitzConstraint |> Fields.map Wgan
          "gan",
          required "generatorLoss" (Decode.oneOf [ "minimax", false; "non-saturating", true ]) |> Fields.map Gan ]
    Decode.object (fields {
        let! id = required "id" settingId
        and! label = required "label" Decode.nonEmptyString
        and! kind = required "kind" (Decode.oneOf kinds)
        and! nCritic = required "nCritic" (Decode.intInRange 1 1000)
        and! criticOptimizer = required "criticOptimizer" optimizer
        and! generatorOptimizer = required "generatorOptimizer" optimizer
        and! stream = optional "stream" (Decode.intInRange 0 1_000_000)
        let! kind = kind
        return
            { Id = id
              Label = label
              Kind = kind
              NCritic = nCritic
              CriticOptimizer = criticOptimizer
              GeneratorOptimizer = generatorOptimizer
              Stream = stream } })

/// The training fields of a manifest, its data sets read by `datasets`.
let trainingFields (datasets: Decoder<ToyDataset list>) : Fields<Training> =
    fields {
        let! datasets = required "datasets" datasets
        and! noiseDimension = required "noiseDimension" (Decode.intInRange 1 4096)
        and! critic = required "critic" deepShape
        and! generator = required "generator" deepShape
        and! criticSchedule = required "criticSchedule" schedule
        and! scheme = optionalOr Initialization.PyTorchDefault "initialization" initialization
        and! trainers = required "trainers" (uniqueIds (fun t -> t.Id) "trainer" trainer)
        return
            { Datasets = datasets
              NoiseDimension = noiseDimension
              Critic = critic
              Generator = generator
              CriticSchedule = criticSchedule
              Initialization = scheme
              Trainers = trainers } }

/// The training fields of a scale.
let trainingScaleFields: Fields<TrainingScale> =
    fields {
        let! width = required "width" (Decode.intInRange 1 65536)
        and! batchSize = required "batchSize" (Decode.intInRange 1 1_000_000)
        and! iterations = required "generatorIterations" (Decode.intInRange 1 10_000_000)
        and! earthMoverSamples = required "earthMoverSamples" (Decode.intInRange 2 4096)
        return
            { Width = width; BatchSize = batchSize; GeneratorIterations = iterations
              EarthMoverSamples = earthMoverSamples } }

/// Critic steps before generator iteration `iteration` (1-based; the official code counts from 0).
let criticSteps (schedule: CriticSchedule) (trainer: Trainer) (iteration: int) =
    match schedule, trainer.Kind with
    | Official (warmup, many, every), Wgan _ ->
        let g = iteration - 1
        if g < warmup || g % every = 0 then many else trainer.NCritic
    | _ -> trainer.NCritic

/// The networks a unit holds at once, at a scale (see Footprint): its critic and generator, through `samples`.
let footprint (training: Training) (scale: Scale) (trainingScale: TrainingScale) (samples: int)
    : Footprint.Demand list =
    deepFootprint scale.Name training.Critic training.Generator trainingScale.Width training.NoiseDimension samples

/// The report's note on the data, the networks and the length of training.
let setupNote (training: Training) (scale: TrainingScale) =
    let names = training.Datasets |> List.map (fun d -> d.Name) |> String.concat ", "
    $"Data: {names} (gan_toy.py constants). Critic/discriminator: MLP 2 -> {training.Critic.Depth} x {scale.Width} "
    + $"-> 1 ({activationText training.Critic.Activation}); generator: MLP {training.NoiseDimension} -> "
    + $"{training.Generator.Depth} x {scale.Width} -> 2 ({activationText training.Generator.Activation}); batch "
    + $"{scale.BatchSize}; {scale.GeneratorIterations} generator iterations."
    + match training.Initialization with
      | Initialization.PyTorchDefault -> ""
      | scheme -> $" Linear layers initialised {initializationText scheme}."

/// The report's note on the critic schedule.
let scheduleNote (schedule: CriticSchedule) =
    match schedule with
    | Constant -> "Critic schedule: nCritic critic steps before every generator iteration."
    | Official (w, n, e) ->
        $"Critic schedule (WGAN trainers, the official code's): {n} critic steps for the first {w} generator "
        + $"iterations and every {e}th (counted from 0), nCritic otherwise. GAN trainers always take their nCritic "
        + "steps."

/// The report's note on a trainer; `kindText` says what it is.
let trainerNote (kindText: Trainer -> string) (t: Trainer) =
    $"Trainer {t.Id} ({t.Label}): {kindText t}; nCritic {t.NCritic}; critic {optimizerText t.CriticOptimizer}, "
    + $"generator {optimizerText t.GeneratorOptimizer}."
