/// What one unit of parallel-lines measures: at one theta for one seed, a critic's Kantorovich-Rubinstein estimate and
/// a GAN discriminator's JS estimate, each before and after training on P0 against P_theta, and the exact W1 between
/// samples.
module Wgan.Experiments.ParallelLines.Unit

open System
open TorchSharp
open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.ParallelLines.Settings

module Lines = Wgan.Core.ParallelLines

/// The estimates of one (seed, theta) unit: the trained networks', the exact W1 between samples, and the same
/// networks' before training (the controls); NaN for a network whose training diverged.
type Measured =
    { EarthMover: float
      JensenShannon: float
      SampleEarthMover: float
      UntrainedEarthMover: float
      UntrainedJensenShannon: float
      CriticDiverged: Divergence option
      DiscriminatorDiverged: Divergence option }

/// The key of the unit for one seed and one theta index.
let key (seed: int64) (thetaIndex: int) = $"seed={seed}/theta={thetaIndex}"

let private toPoints (samples: torch.Tensor) : float[][] =
    let values = samples.cpu().to_type(torch.float64).data<float>().ToArray()
    let dim = int samples.shape[1]
    Array.init (values.Length / dim) (fun i -> values[i * dim .. i * dim + dim - 1])

/// How one network trains and what it estimates.
type private Learner =
    { /// "critic" or "discriminator", naming its loss in a divergence.
      Role: string
      Network: NetworkSettings
      Steps: int
      /// One optimisation step on a real and a fake batch, returning its loss.
      Step: Mlp -> Optimizer -> torch.Tensor -> torch.Tensor -> float
      /// The estimate on real and fake samples.
      Evaluate: Mlp -> torch.Tensor -> torch.Tensor -> float }

/// Trains a fresh network on P0 (real) vs P_theta (fake) for its steps, then evaluates it on fresh real and fake
/// samples, all drawn from `random`; at the first NaN or infinite loss it stops, with NaN and the divergence instead.
/// Before training, the fresh network is evaluated the same way on samples from `controlRandom` (so the training draws
/// are those of a run without this control): the untrained value, returned second.
let private trainThenEvaluate (learner: Learner) (scale: ScaleSettings) (device: torch.Device) (theta: float)
    (random: torch.Generator) (controlRandom: torch.Generator) : float * float * Divergence option =
    use network = new Mlp(mlpSpec learner.Network, random)
    network.``to``(device) |> ignore
    use optimizer = Optimizer.create learner.Network.Optimizer (network.parameters())
    let drawFrom (r: torch.Generator) t n = (Lines.sample t n r).``to``(device)
    let draw = drawFrom random
    let evaluate (r: torch.Generator) =
        use _ = torch.NewDisposeScope()
        use _ = torch.no_grad()
        network.eval()
        learner.Evaluate network (drawFrom r 0.0 scale.EvaluationSamples) (drawFrom r theta scale.EvaluationSamples)
    let untrained = evaluate controlRandom
    network.train()
    let rec train k =
        if k > learner.Steps then None
        else
            let loss =
                use _ = torch.NewDisposeScope()
                learner.Step network optimizer (draw 0.0 scale.BatchSize) (draw theta scale.BatchSize)
            if Double.IsFinite loss then train (k + 1)
            else Some { Quantity = $"{learner.Role} loss"; Value = loss; Step = k }
    match train 1 with
    | None -> evaluate random, untrained, None
    | diverged -> nan, untrained, diverged

/// A critic trained under its Lipschitz constraint; its KR estimate E_P0 f - E_Ptheta f.
let private critic (settings: NetworkSettings) (scale: ScaleSettings) (random: torch.Generator) : Learner =
    { Role = "critic"
      Network = settings
      Steps = scale.CriticSteps
      Step =
        fun network optimizer real fake ->
            (CriticStep.criticStep network optimizer settings.Constraint real fake random).Loss
      Evaluate =
        fun network real fake ->
            (KantorovichRubinstein.dualEstimateOfScores (network.call real) (network.call fake)).ReadDouble() }

/// A GAN discriminator; its JS estimate V/2 + log 2 (GAN 2014, Theorem 1).
let private discriminator (settings: NetworkSettings) (scale: ScaleSettings) : Learner =
    { Role = "discriminator"
      Network = settings
      Steps = scale.DiscriminatorSteps
      Step = fun network optimizer real fake -> (CriticStep.discriminatorStep network optimizer real fake).Loss
      Evaluate =
        fun network real fake ->
            let loss = Losses.discriminatorLoss (network.call real) (network.call fake)
            Losses.jensenShannonEstimate (loss.ReadDouble()) }

/// Exact W1 between `n` samples of P0 and `n` of P_theta.
let sampleEarthMover (n: int) (theta: float) (random: torch.Generator) =
    use _ = torch.NewDisposeScope()
    let p = Lines.sample 0.0 n random |> toPoints
    let q = Lines.sample theta n random |> toPoints
    EarthMover.earthMover p q

/// Every estimate at one theta for one seed. Each network gets its own random-number generator, derived from (seed,
/// theta index, role), so units are independent of each other and of their order.
let estimate (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (seed: int64) (thetaIndex: int)
    (theta: float) : Measured =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let randomFor role = new torch.Generator(uint64 (Seeds.derive seed [ thetaIndex; role ]))
    use criticRandom = randomFor 0
    use discriminatorRandom = randomFor 1
    use transportRandom = randomFor 2
    use criticControlRandom = randomFor 3
    use discriminatorControlRandom = randomFor 4
    let earthMover, untrainedEarthMover, criticDiverged =
        trainThenEvaluate (critic settings.Critic scale criticRandom) scale run.Device theta criticRandom
            criticControlRandom
    let jensenShannon, untrainedJensenShannon, discriminatorDiverged =
        trainThenEvaluate (discriminator settings.Discriminator scale) scale run.Device theta discriminatorRandom
            discriminatorControlRandom
    { EarthMover = earthMover
      JensenShannon = jensenShannon
      SampleEarthMover = sampleEarthMover scale.TransportSamples theta transportRandom
      UntrainedEarthMover = untrainedEarthMover
      UntrainedJensenShannon = untrainedJensenShannon
      CriticDiverged = criticDiverged
      DiscriminatorDiverged = discriminatorDiverged }

/// The units of a run: one per (seed, theta), seed-major.
let units (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) : UnitOfWork<Measured> list =
    let thetas = thetaGrid manifest.Settings.ThetaMax manifest.Scales[run.Scale].Thetas
    [ for seed in run.Seeds do
          for k in 0 .. thetas.Length - 1 ->
              { Key = key seed k
                Description = $"seed {seed}, theta {thetas[k]:F3}"
                Run = fun _ -> estimate manifest run seed k thetas[k] } ]
