/// The WGAN training loop on the toy data sets (WGAN Algorithm 1, WGAN-GP Algorithm 1, as gan_toy.py runs it): a
/// configuration says how to train, a state holds what training changes, and a checkpoint holds that state.
module Wgan.Experiments.ToyTraining

open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData

/// How a toy WGAN trains.
type Configuration =
    { Setting: ToyWgan.TrainingSetting
      Dataset: ToyDataset
      NoiseDimension: int
      BatchSize: int
      /// Critic steps per generator iteration.
      NCritic: int
      /// Generator iterations.
      Iterations: int
      /// The state is saved every so many generator iterations (0: never), so a killed unit resumes there.
      CheckpointEvery: int
      Device: torch.Device }

/// What training changes: the two networks and the random-number generator that draws every batch, noise vector
/// and penalty coefficient. With the optimisers `train` makes, it is what a checkpoint saves and restores.
type State =
    { Critic: Mlp
      Generator: Mlp
      Random: torch.Generator }

/// What a training run logs besides the state: rows before the first iteration of a fresh start (`Before`), and
/// after iteration k (`After k`), which may instead stop training with a reason.
type Logging =
    { Before: unit -> float[] list
      After: int -> Result<float[] list, Divergence> }

    /// Logs nothing.
    static member None = { Before = (fun () -> []); After = (fun _ -> Ok []) }

/// How a training run ended: the rows it logged (those before a resume included) and, if a loss became NaN or
/// infinite or `Logging.After` stopped it, why.
type Outcome = { Rows: float[][]; Diverged: Divergence option }

/// A batch of generator noise z ~ N(0, I), [n, dimension], drawn on the CPU.
let noise (dimension: int) (n: int) (device: torch.Device) (random: torch.Generator) : torch.Tensor =
    torch.randn([| int64 n; int64 dimension |], generator = random).``to``(device)

/// A batch of generated samples G(z), outside the autograd graph.
let generate (generatorNetwork: Mlp) (dimension: int) (n: int) (device: torch.Device) (random: torch.Generator) =
    let z = noise dimension n device random
    use _ = torch.no_grad()
    generatorNetwork.call z

/// Trains `state` as `config` says: every iteration takes `NCritic` critic steps on fresh real batches against fresh
/// generated batches, then one generator step (loss -E f(G(z))). The state and the optimisers are saved to
/// `checkpoints` every `CheckpointEvery` iterations, and training resumes from the last save.
let train (config: Configuration) (state: State) (checkpoints: UnitCheckpoints) (logging: Logging) : Outcome =
    use criticOptimizer = Optimizer.create config.Setting.CriticOptimizer (state.Critic.parameters())
    use generatorOptimizer = Optimizer.create config.Setting.GeneratorOptimizer (state.Generator.parameters())
    let criticStep iteration k =
        use _ = torch.NewDisposeScope()
        let real = (ToyData.sample config.Dataset config.BatchSize state.Random).``to``(config.Device)
        let fake = generate state.Generator config.NoiseDimension config.BatchSize config.Device state.Random
        let step = CriticStep.criticStep state.Critic criticOptimizer config.Setting.Constraint real fake state.Random
        Experiment.divergence "critic loss" ((iteration - 1) * config.NCritic + k) step.Loss
    let generatorStep iteration =
        use _ = torch.NewDisposeScope()
        let z = noise config.NoiseDimension config.BatchSize config.Device state.Random
        let step = GeneratorStep.wassersteinStep state.Generator generatorOptimizer state.Critic z
        Experiment.divergence "generator loss" iteration step.Loss
    let iteration i =
        let diverged =
            Seq.init config.NCritic (fun k -> k + 1)
            |> Seq.tryPick (criticStep i)
            |> Option.orElseWith (fun () -> generatorStep i)
        match diverged with
        | Some d -> Error d
        | None -> logging.After i
    let objects: TrainingLoop.LoopObjects =
        { Networks = [ state.Critic; state.Generator ]
          Optimizers = [ criticOptimizer; generatorOptimizer ]
          Generators = [ state.Random ] }
    let rows, stopped =
        TrainingLoop.runWith checkpoints config.CheckpointEvery objects TrainingLoop.LoopCounters.None config.Iterations
            logging.Before iteration
    { Rows = rows; Diverged = stopped }
