/// The units of a comparison of GAN and WGAN trainers on the toy data (meaningful-loss-curves, mode-coverage): one per
/// seed, trainer and data set, each with its own networks and random-number generators, trained as gan_toy.py and the
/// WGAN and GAN papers' Algorithm 1 do.
module Wgan.Experiments.TrainerUnits

open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.Trainers

/// How one unit trains: one trainer on one data set.
type Configuration =
    { Training: Training
      Scale: TrainingScale
      Trainer: Trainer
      Dataset: ToyDataset
      /// The state is saved every so many generator iterations (0: never), so a killed unit resumes there.
      CheckpointEvery: int
      Device: torch.Device }

/// What training changes: the two networks, the random-number generator that draws every batch and noise vector, and
/// those a unit's logging draws from during training (saved and restored with the rest).
type State =
    { Critic: Mlp
      Generator: Mlp
      Random: torch.Generator
      LoggingRandom: torch.Generator list }

/// Everything one generator iteration touches.
type private Step =
    { Kind: TrainerKind
      Critic: Mlp
      Generator: Mlp
      CriticOptimizer: Optimizer
      GeneratorOptimizer: Optimizer
      Dataset: ToyDataset
      NoiseDimension: int
      BatchSize: int
      Device: torch.Device
      Random: torch.Generator }

/// Generator iteration `k`: `nCritic` critic (discriminator) steps on fresh batches, then one generator step. Returns
/// the last critic step's estimate (WGAN: E f(x) - E f(G(z)); GAN: L/2 + log 2), or why training stops.
let private iterate (s: Step) (nCritic: int) (k: int) : Result<float, Divergence> =
    let criticStep () =
        use _ = torch.NewDisposeScope()
        let real = (ToyData.sample s.Dataset s.BatchSize s.Random).``to``(s.Device)
        let fake = ToyTraining.generate s.Generator s.NoiseDimension s.BatchSize s.Device s.Random
        match s.Kind with
        | Wgan lipschitz ->
            (CriticStep.criticStep s.Critic s.CriticOptimizer lipschitz real fake s.Random).EarthMoverEstimate
        | Gan _ -> (CriticStep.discriminatorStep s.Critic s.CriticOptimizer real fake).JensenShannonEstimate
    let generatorStep () =
        use _ = torch.NewDisposeScope()
        let z = ToyTraining.noise s.NoiseDimension s.BatchSize s.Device s.Random
        match s.Kind with
        | Wgan _ -> (GeneratorStep.wassersteinStep s.Generator s.GeneratorOptimizer s.Critic z).Loss
        | Gan false -> (GeneratorStep.minimaxStep s.Generator s.GeneratorOptimizer s.Critic z).Loss
        | Gan true -> (GeneratorStep.nonSaturatingStep s.Generator s.GeneratorOptimizer s.Critic z).Loss
    let estimate = Seq.init nCritic (fun _ -> criticStep ()) |> Seq.last
    let generatorLoss = generatorStep ()
    match Experiment.divergence "critic estimate" k estimate with
    | Some d -> Error d
    | None ->
        match Experiment.divergence "generator loss" k generatorLoss with
        | Some d -> Error d
        | None -> Ok estimate

/// Trains `state` as `config` says, for the scale's generator iterations; after iteration k, `after k estimate` gives
/// the rows to log (estimate: of the iteration's last critic step). The state and the optimisers are saved to
/// `checkpoints` every `CheckpointEvery` iterations, and training resumes from the last save.
let train (config: Configuration) (state: State) (checkpoints: UnitCheckpoints) (after: int -> float -> float[] list)
    : ToyTraining.Outcome =
    use criticOptimizer = Optimizer.create config.Trainer.CriticOptimizer (state.Critic.parameters())
    use generatorOptimizer = Optimizer.create config.Trainer.GeneratorOptimizer (state.Generator.parameters())
    let step =
        { Kind = config.Trainer.Kind
          Critic = state.Critic
          Generator = state.Generator
          CriticOptimizer = criticOptimizer
          GeneratorOptimizer = generatorOptimizer
          Dataset = config.Dataset
          NoiseDimension = config.Training.NoiseDimension
          BatchSize = config.Scale.BatchSize
          Device = config.Device
          Random = state.Random }
    let iteration k =
        iterate step (criticSteps config.Training.CriticSchedule config.Trainer k) k |> Result.map (after k)
    let objects: TrainingLoop.LoopObjects =
        { Networks = [ state.Critic; state.Generator ]
          Optimizers = [ criticOptimizer; generatorOptimizer ]
          Generators = state.Random :: state.LoggingRandom }
    let rows, stopped =
        TrainingLoop.runWith checkpoints config.CheckpointEvery objects TrainingLoop.LoopCounters.None
            config.Scale.GeneratorIterations (fun () -> []) iteration
    { Rows = rows; Diverged = stopped }

/// The seed coordinate of a trainer's random stream: its "stream" as a negative number (id codes are not negative),
/// else its id's code.
let private streamCode (trainer: Trainer) =
    match trainer.Stream with
    | Some stream -> -(stream + 1)
    | None -> idCode trainer.Id

/// A unit's networks and random-number generators, derived from (seed, trainer stream, data set, role): role 0 draws
/// both networks' initial weights (critic first, each initialised as the training says), role 1 training (`Random`),
/// role 2 evaluation (`Evaluation`), role 3 the samples drawn in figures (`Figures`).
type UnitNetworks(config: Configuration, seed: int64) =
    let randomFor role =
        new torch.Generator(uint64 (Seeds.derive seed [ streamCode config.Trainer; datasetCode config.Dataset; role ]))
    let initialRandom = randomFor 0
    let trainingRandom = randomFor 1
    let evaluationRandom = randomFor 2
    let figuresRandom = randomFor 3
    let network (spec: MlpSpec) =
        let mlp = new Mlp(spec, initialRandom)
        Initialization.apply config.Training.Initialization initialRandom mlp.Linears
        mlp
    let critic = network (deepSpec config.Training.Critic config.Scale.Width 2 1)
    let generator = network (deepSpec config.Training.Generator config.Scale.Width config.Training.NoiseDimension 2)
    do
        critic.``to``(config.Device) |> ignore
        generator.``to``(config.Device) |> ignore

    /// The critic (discriminator) network, on the configuration's device.
    member _.Critic = critic
    /// The generator network, on the configuration's device.
    member _.Generator = generator
    /// Draws every batch and noise vector of training.
    member _.Random = trainingRandom
    /// Draws the samples that measure the generator.
    member _.Evaluation = evaluationRandom
    /// Draws the samples that figures show.
    member _.Figures = figuresRandom

    /// The training state, with the random-number generators that logging draws from during training.
    member _.State(loggingRandom: torch.Generator list) : State =
        { Critic = critic; Generator = generator; Random = trainingRandom; LoggingRandom = loggingRandom }

    interface System.IDisposable with
        member _.Dispose() =
            for d in
                [ generator :> System.IDisposable; critic; figuresRandom; evaluationRandom; trainingRandom
                  initialRandom ] do
                d.Dispose()

/// The key of the unit that trains `trainer` on `dataset` for `seed`.
let key (seed: int64) (trainer: Trainer) (dataset: ToyDataset) = $"seed-{seed}/{trainer.Id}/{dataset.Name}"

/// The units of a run: one per seed, trainer and data set, each trained and measured by `trainAndMeasure`.
let units (training: Training) (scale: TrainingScale) (checkpointEvery: int) (context: RunContext)
    (trainAndMeasure: Configuration -> int64 -> UnitCheckpoints -> 'U) : UnitOfWork<'U> list =
    [ for seed in context.Seeds do
          for trainer in training.Trainers do
              for dataset in training.Datasets ->
                  let config =
                      { Training = training
                        Scale = scale
                        Trainer = trainer
                        Dataset = dataset
                        CheckpointEvery = checkpointEvery
                        Device = context.Device }
                  { Key = key seed trainer dataset
                    Description = $"seed {seed}, {trainer.Label}, {datasetTitle dataset}"
                    Run = trainAndMeasure config seed } ]
