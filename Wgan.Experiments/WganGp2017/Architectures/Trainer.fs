/// gan_64x64.py's training loop for one method on one architecture family (lines 580-600): per generator iteration
/// the method's discriminator steps, each on a fresh real batch against a fresh generated batch, then one generator
/// step (gan_64x64.py starts its generator steps at iteration 1, so its sequence of steps is the same but for the last
/// generator step). A configuration says how to train, a state holds what training changes, and a checkpoint holds it.
module Wgan.Experiments.Architectures.Trainer

open System
open TorchSharp
open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.MnistWgan
open Wgan.Experiments.Architectures.Settings

/// How one unit trains.
type Configuration =
    { Method: Method
      Spec: ArchitectureSpec
      BatchSize: int
      Iterations: int
      /// The state is saved every so many generator iterations (0: never).
      CheckpointEvery: int
      Device: torch.Device }

/// The random-number generators of a seed, image set and architecture, shared by every method (so that the methods
/// start from the same weights and draw the same noise and batches): role 0 the weights, 1 the order of the training
/// images, 2 the noise, 3 the penalty's interpolation.
let random (seed: int64) (dataSetIndex: int) (architectureIndex: int) (role: int) =
    new torch.Generator(uint64 (Seeds.derive seed [ dataSetIndex; architectureIndex; role ]))

/// What training changes: the two networks, the random-number generators and the sampler of training images.
type State =
    { Networks: GeneratorAndDiscriminator
      Initialisation: torch.Generator
      DataOrder: torch.Generator
      Noise: torch.Generator
      Penalty: torch.Generator
      Sampler: EpochSampler }

    member this.Generators = [ this.Initialisation; this.DataOrder; this.Noise; this.Penalty ]

    interface IDisposable with
        member this.Dispose() =
            (this.Networks :> IDisposable).Dispose()
            for g in this.Generators do g.Dispose()

/// Fresh networks (generator first, then discriminator, from role 0) and a sampler over `count` training images.
let start (config: Configuration) (seed: int64) (dataSetIndex: int) (architectureIndex: int) (count: int) : State =
    let r = random seed dataSetIndex architectureIndex
    let initialisation, order = r 0, r 1
    let networks = Architecture.build config.Spec initialisation
    networks.Generator.``to``(config.Device) |> ignore
    networks.Discriminator.``to``(config.Device) |> ignore
    { Networks = networks
      Initialisation = initialisation
      DataOrder = order
      Noise = r 2
      Penalty = r 3
      Sampler = EpochSampler(count, config.BatchSize, order) }

/// Generated images for `z`, [n, 1, 28, 28] in (-1, 1), outside the autograd graph. The networks stay in training
/// mode, so batch norm uses the batch's own statistics, as tflib's Batchnorm always does in gan_64x64.py.
let sample (state: State) (z: torch.Tensor) : torch.Tensor =
    scoped (fun () -> noGrad (fun () -> state.Networks.Generator.call z))

/// What one generator iteration measured: the last discriminator step's loss and the generator's loss, each the
/// quantity its network minimises under the method's objective.
type IterationStats = { DiscriminatorLoss: float; GeneratorLoss: float }

/// Generator iteration `t` (0-based) on `images` ([N, 1, 28, 28] in [-1, 1] on the device).
let step (config: Configuration) (images: torch.Tensor) (state: State) (optimizers: Optimizer * Optimizer) (t: int) =
    let d, g = state.Networks.Discriminator, state.Networks.Generator
    let dOptimizer, gOptimizer = optimizers
    let noise () = MnistWgan.noise config.Spec.Latent config.BatchSize state.Noise config.Device
    let discriminatorStep () =
        use _ = torch.NewDisposeScope()
        let real = select images (state.Sampler.Next())
        let fake = noGrad (fun () -> g.call (noise ()))
        match config.Method.Objective with
        | AdversarialObjective.Wasserstein ->
            (CriticStep.criticStep d dOptimizer config.Method.Constraint real fake state.Penalty).Loss
        | objective -> AdversarialObjective.discriminatorStep objective d dOptimizer real fake
    let steps = MnistVariant.criticStepsAt config.Method.Warmup config.Method.DiscriminatorSteps t
    let losses = [ for _ in 1 .. steps -> discriminatorStep () ]
    let generatorLoss =
        use _ = torch.NewDisposeScope()
        (AdversarialObjective.generatorStep config.Method.Objective g gOptimizer d (noise ())).Loss
    { DiscriminatorLoss = List.last losses; GeneratorLoss = generatorLoss }

/// Trains `state` on `images` for the configuration's iterations: `before ()` logs rows before a fresh start,
/// `after t` after generator iteration t; `random` are logging's own generators, saved with the state. Stops early
/// when a loss is not finite. Returns the rows (those before a resume included) and why it stopped early, if it did.
let train (config: Configuration) (images: torch.Tensor) (state: State) (checkpoints: UnitCheckpoints)
    (before: unit -> float[] list) (after: int -> float[] list) : float[][] * Divergence option =
    use dOptimizer = Optimizer.create config.Method.Optimizer (state.Networks.Discriminator.parameters())
    use gOptimizer = Optimizer.create config.Method.Optimizer (state.Networks.Generator.parameters())
    let objects: TrainingLoop.LoopObjects =
        { Networks = [ state.Networks.Discriminator; state.Networks.Generator ]
          Optimizers = [ dOptimizer; gOptimizer ]
          Generators = state.Generators }
    let sampler: TrainingLoop.LoopCounters = { Read = (fun () -> state.Sampler.State); Write = state.Sampler.Restore }
    let iteration t =
        let stats = step config images state (dOptimizer, gOptimizer) (t - 1)
        let diverged =
            [ "discriminator loss", stats.DiscriminatorLoss; "generator loss", stats.GeneratorLoss ]
            |> List.tryPick (fun (name, value) -> Experiment.divergence name t value)
        match diverged with
        | Some reason -> Error reason
        | None -> Ok(after t)
    TrainingLoop.runWith checkpoints config.CheckpointEvery objects sampler config.Iterations before iteration
