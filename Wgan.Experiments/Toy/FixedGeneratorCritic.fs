/// A critic trained against WGAN-GP Figure 1a's fixed generator Pg = Pr + N(0, sigma^2 I), as gan_toy.py trains it
/// with FIXED_GENERATOR: its settings as a manifest states them, and its training with checkpoints.
module Wgan.Experiments.FixedGeneratorCritic

open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest

/// A critic's network, initialisation, optimiser and Lipschitz constraint.
type CriticSettings =
    { Activation: Activation
      Normalization: Normalization
      Initialization: Initialization.Scheme
      Optimizer: OptimizerSpec
      Constraint: LipschitzConstraint }

/// {"activation", "normalization", "initialization": "pytorch" | "tflib", "optimizer", "constraint"}, the constraint
/// of the kind `expected` names (`isExpected`).
let criticSettings (expected: string) (isExpected: LipschitzConstraint -> bool) : Decoder<CriticSettings> =
    let constrained = lipschitzConstraint |> ToyWgan.requiring isExpected $"must be a {expected} constraint"
    Decode.object (fields {
        let! activation = required "activation" activation
        and! normalization = required "normalization" normalization
        and! scheme = required "initialization" ToyWgan.initialization
        and! optimizer = required "optimizer" optimizer
        and! c = required "constraint" constrained
        return
            { Activation = activation
              Normalization = normalization
              Initialization = scheme
              Optimizer = optimizer
              Constraint = c } })

/// {"<dataset>": trainingSet, ...} for each of `datasets` (ToyWgan.trainingSet).
let trainingSets (datasets: ToyDataset list) : Decoder<Map<ToyDataset, ToyWgan.TrainingSet>> =
    Decode.object (
        Fields.all [ for d in datasets -> required d.Name (ToyWgan.trainingSet d) |> Fields.map (fun s -> d, s) ]
        |> Fields.map Map.ofList)

/// How one critic trains.
type Configuration =
    { Critic: CriticSettings
      Hidden: int list
      Dataset: ToyDataset
      TrainingSet: ToyWgan.TrainingSet
      FakeBatch: ToyWgan.FakeBatch
      /// sigma of the fixed generator Pr + N(0, sigma^2 I).
      GeneratorNoise: float
      BatchSize: int
      Steps: int
      /// The state is saved every so many steps (0: never).
      CheckpointEvery: int
      Device: torch.Device }

/// A fresh critic network as `config` says, its weights drawn from `random`.
let network (config: Configuration) (random: torch.Generator) : Mlp =
    let c = config.Critic
    let spec =
        { Inputs = 2
          Hidden = config.Hidden
          Outputs = 1
          Activation = c.Activation
          Normalization = c.Normalization }
    let critic = new Mlp(spec, random)
    Initialization.apply c.Initialization random critic.Linears
    critic.``to``(config.Device) |> ignore
    critic

/// Trains `critic` for `config.Steps` steps, every batch, noise vector and penalty coefficient drawn from `random`;
/// the real batches are fresh samples, or for a fixed training set the batches of `trainingSet` (built by the caller
/// from a generator of its own) cycled in order. Saves the critic, its optimiser and `random` to `checkpoints` and
/// resumes from the last save. Returns the divergence, if the critic loss became NaN or infinite.
let train (config: Configuration) (critic: Mlp) (random: torch.Generator) (trainingSet: torch.Tensor option)
    (checkpoints: UnitCheckpoints) : Divergence option =
    use optimizer = Optimizer.create config.Critic.Optimizer (critic.parameters())
    let step k =
        use _ = torch.NewDisposeScope()
        let real = ToyWgan.realBatch trainingSet config.Dataset config.BatchSize random k
        let loss =
            ToyWgan.criticStepOnBatch critic optimizer config.Critic.Constraint real config.Dataset config.FakeBatch
                config.GeneratorNoise config.Device random
        match Experiment.divergence "critic loss" k loss with
        | Some d -> Error d
        | None -> Ok None
    let objects: TrainingLoop.LoopObjects =
        { Networks = [ critic ]; Optimizers = [ optimizer ]; Generators = [ random ] }
    TrainingLoop.run checkpoints config.CheckpointEvery objects config.Steps step |> snd
