/// The WGAN training loop on MNIST (gan_mnist.py's, WGAN Algorithm 1 and WGAN-GP Algorithm 1): a configuration says
/// how to train, a state holds what training changes, and a checkpoint holds that state.
module Wgan.Experiments.MnistTrainer

open System
open TorchSharp
open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.MnistVariant
open Wgan.Experiments.MnistWgan

/// How an MNIST WGAN trains.
type Configuration =
    { Variant: Variant
      /// gan_mnist.py's DIM: the width of both networks.
      Dim: int
      /// Size of the generator's noise z.
      Latent: int
      BatchSize: int
      /// Generator iterations.
      Iterations: int
      /// The state is saved every so many generator iterations (0: never), so a killed unit resumes there.
      CheckpointEvery: int
      Device: torch.Device }

/// The random-number generator of role `role` of one variant's run for `seed`: roles 0-3 are training's (see
/// `TrainingRandom`), 4 and up the experiment's measurements'.
let random (seed: int64) (variantIndex: int) (role: int) =
    new torch.Generator(uint64 (Seeds.derive seed [ variantIndex; role ]))

/// The random-number generators training draws from, one per source of randomness.
type TrainingRandom =
    { /// Role 0: the networks' initial weights.
      Initialisation: torch.Generator
      /// Role 1: the order of the training digits.
      DataOrder: torch.Generator
      /// Role 2: the generator's noise.
      Noise: torch.Generator
      /// Role 3: the gradient penalty's interpolation.
      Penalty: torch.Generator }

    /// The four, in the order a checkpoint keeps them.
    member this.All = [ this.Initialisation; this.DataOrder; this.Noise; this.Penalty ]

/// What training changes: the two networks, the random-number generators and the sampler of training digits. With
/// the optimisers `train` makes, it is what a checkpoint saves and restores.
type State =
    { Critic: MnistCritic
      Generator: MnistGenerator
      Random: TrainingRandom
      /// Batches of indices into the training images, in shuffled epochs drawn from `Random.DataOrder`.
      Sampler: EpochSampler }

    interface IDisposable with
        member this.Dispose() =
            this.Critic.Dispose()
            this.Generator.Dispose()
            for r in this.Random.All do r.Dispose()

/// Fresh networks on the configuration's device and a sampler over `count` training images, with random-number
/// generators derived from (seed, variant index, role).
let start (config: Configuration) (seed: int64) (variantIndex: int) (count: int) : State =
    let randomFor = random seed variantIndex
    let r = { Initialisation = randomFor 0; DataOrder = randomFor 1; Noise = randomFor 2; Penalty = randomFor 3 }
    let criticSpec: MnistCriticSpec = { Dim = config.Dim; Normalization = config.Variant.CriticNormalization }
    let generatorSpec: MnistGeneratorSpec =
        { Dim = config.Dim; Latent = config.Latent; Normalization = config.Variant.GeneratorNormalization }
    let critic = new MnistCritic(criticSpec, r.Initialisation)
    let generatorNetwork = new MnistGenerator(generatorSpec, r.Initialisation)
    critic.``to``(config.Device) |> ignore
    generatorNetwork.``to``(config.Device) |> ignore
    { Critic = critic
      Generator = generatorNetwork
      Random = r
      Sampler = EpochSampler(count, config.BatchSize, r.DataOrder) }

/// The two optimisers of a run, over the state's networks.
type Optimizers =
    { Critic: Optimizer
      Generator: Optimizer }

    interface IDisposable with
        member this.Dispose() =
            (this.Critic :> IDisposable).Dispose()
            (this.Generator :> IDisposable).Dispose()

/// The variant's optimisers for the state's networks.
let optimizers (config: Configuration) (state: State) : Optimizers =
    { Critic = Optimizer.create config.Variant.CriticOptimizer (state.Critic.parameters())
      Generator = Optimizer.create config.Variant.GeneratorOptimizer (state.Generator.parameters()) }

/// What one generator iteration measured.
type IterationStats =
    { CriticIterations: int
      /// The last critic step of the iteration (its loss and EM estimate before its update).
      Critic: CriticStepResult
      /// The generator's loss -E f(G(z)) before its update.
      GeneratorLoss: float }

/// Generated images for the given latent vectors, [n, 1, 28, 28], outside the autograd graph.
let sample (state: State) (z: torch.Tensor) : torch.Tensor =
    scoped (fun () -> noGrad (fun () -> state.Generator.call z))

/// Generator iteration `t` (0-based) on `images` ([N, 1, 28, 28] on the device): the critic iterations it is due,
/// each on a fresh real batch against a fresh generated batch, then one generator step.
let step (config: Configuration) (images: torch.Tensor) (state: State) (optimizers: Optimizers) (t: int) =
    let noise () = noise config.Latent config.BatchSize state.Random.Noise config.Device
    let criticStep () =
        use _ = torch.NewDisposeScope()
        let real = select images (state.Sampler.Next())
        let fake = noGrad (fun () -> state.Generator.call (noise ()))
        // (the step's scope owns every temporary above)
        CriticStep.criticStep state.Critic optimizers.Critic config.Variant.Constraint real fake state.Random.Penalty
    let k = criticIterations config.Variant t
    let critic = [ for _ in 1 .. k -> criticStep () ] |> List.last
    let generatorLoss =
        use _ = torch.NewDisposeScope()
        (GeneratorStep.wassersteinStep state.Generator optimizers.Generator state.Critic (noise ())).Loss
    { CriticIterations = k; Critic = critic; GeneratorLoss = generatorLoss }

/// Why training must stop after generator iteration `t` (1-based), if a loss it measured is NaN or infinite
/// (a NaN weight or gradient shows up in the next loss): the first such quantity, its value and the iteration.
let divergence (t: int) (stats: IterationStats) : Divergence option =
    [ "critic loss", stats.Critic.Loss
      "critic EM estimate", stats.Critic.EarthMoverEstimate
      "gradient penalty", stats.Critic.Penalty
      "generator loss", stats.GeneratorLoss ]
    |> List.tryPick (fun (name, value) -> Experiment.divergence name t value)

/// What a training run logs besides the state: rows before the first iteration of a fresh start (`Before`), and
/// after generator iteration t, given what it measured (`After`); `Random` are the generators that logging draws
/// from across iterations, saved and restored with the state.
type Logging =
    { Before: unit -> float[] list
      After: int -> IterationStats -> float[] list
      Random: torch.Generator list }

/// How a training run ended: the rows it logged (those before a resume included) and, if a loss became NaN or
/// infinite, why.
type Outcome = { Rows: float[][]; Diverged: Divergence option }

/// Trains `state` on `images` as `config` says, logging as `logging` says. The state, the optimisers and the
/// logging's generators are saved to `checkpoints` every `CheckpointEvery` generator iterations, and training resumes
/// from the last save.
let train (config: Configuration) (images: torch.Tensor) (state: State) (checkpoints: UnitCheckpoints)
    (logging: Logging) : Outcome =
    use optimizers = optimizers config state
    let objects: TrainingLoop.LoopObjects =
        { Networks = [ state.Critic; state.Generator ]
          Optimizers = [ optimizers.Critic; optimizers.Generator ]
          Generators = state.Random.All @ logging.Random }
    let sampler: TrainingLoop.LoopCounters = { Read = (fun () -> state.Sampler.State); Write = state.Sampler.Restore }
    let iteration t =
        let stats = step config images state optimizers (t - 1)
        match divergence t stats with
        | Some reason -> Error reason
        | None -> Ok(logging.After t stats)
    let rows, stopped =
        TrainingLoop.runWith checkpoints config.CheckpointEvery objects sampler config.Iterations logging.Before
            iteration
    { Rows = rows; Diverged = stopped }
