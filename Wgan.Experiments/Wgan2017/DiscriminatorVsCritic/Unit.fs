/// What one unit of discriminator-vs-critic measures: one seed's learner, evaluated on the grid and at the generated
/// mode before training (the control) and after training towards optimality between the two Gaussians.
module Wgan.Experiments.DiscriminatorVsCritic.Unit

open TorchSharp
open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.Learners
open Wgan.Experiments.DiscriminatorVsCritic.Settings

/// A learner's values on the grid and at the generated mode, after and before training.
type Measured =
    { /// The generator's gradient at each grid point (see `gradientsOnGrid`).
      Gradient: float[]
      /// D(x) or f(x) at each grid point.
      Output: float[]
      GradientAtFake: float
      OutputAtFake: float
      /// The gradient on the grid before training.
      UntrainedGradient: float[]
      UntrainedGradientAtFake: float
      Diverged: Divergence option }

/// n samples of N(mean, std^2) as an [n, 1] float32 tensor, drawn on the CPU.
let sampleGaussian (g: Gaussian) (n: int) (random: torch.Generator) : torch.Tensor =
    Scalars.add (Scalars.mul (torch.randn([| int64 n; 1L |], generator = random)) g.Std) g.Mean

/// The generator's gradient at each x: d/dx log(1 - D(x)) for a discriminator (minimax loss of a generated
/// sample at x), d/dx f(x) for a critic; and the learner's output there (D(x) or f(x)).
let gradientsOnGrid (network: Mlp) (kind: LearnerKind) (xs: float[]) (device: torch.Device) : float[] * float[] =
    use _ = torch.NewDisposeScope()
    let x = torch.tensor(xs |> Array.map float32).reshape(int64 xs.Length, 1L).``to``(device).requires_grad_(true)
    let out = network.call x
    let value =
        match kind with
        | Discriminator -> -(Scalars.softplus out) // log(1 - sigmoid(l)) = -softplus(l)
        | Critic _ -> out
    let gradient = torch.autograd.grad([| value.sum() |], [| x |])
    let read (t: torch.Tensor) = t.detach().cpu().to_type(torch.float64).flatten().data<float>().ToArray()
    let outputs = match kind with Discriminator -> out.sigmoid() | Critic _ -> out
    read gradient[0], read outputs

/// Evaluates the fresh `learner` on the grid and at the fake mean, trains it for `Steps` steps on fresh batches of the
/// real and fake Gaussians, then evaluates it again. The network and the batches draw from random-number generators
/// derived from (seed, learner id, role). Training checkpoints every `checkpointEvery` steps and resumes from the last
/// save; the evaluation before training is of the freshly initialised network either way and draws no random numbers.
let trainAndEvaluate (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (checkpoints: UnitCheckpoints) (seed: int64) (learner: Learner) : Measured =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    use networkRandom = new torch.Generator(uint64 (Seeds.derive seed [ idCode learner.Id; 0 ]))
    use random = new torch.Generator(uint64 (Seeds.derive seed [ idCode learner.Id; 1 ]))
    use network = new Mlp(deepSpec settings.Learner scale.Width 1 1, networkRandom)
    network.``to``(run.Device) |> ignore
    let xs = grid settings scale.GridPoints
    let evaluate () =
        let gradient, output = gradientsOnGrid network learner.Kind xs run.Device
        let gradientAtFake, outputAtFake = gradientsOnGrid network learner.Kind [| settings.Fake.Mean |] run.Device
        gradient, output, gradientAtFake[0], outputAtFake[0]
    let untrainedGradient, _, untrainedAtFake, _ = evaluate ()
    let batches () =
        let real = (sampleGaussian settings.Real scale.BatchSize random).``to``(run.Device)
        let fake = (sampleGaussian settings.Fake scale.BatchSize random).``to``(run.Device)
        real, fake
    let _, diverged =
        Learners.train learner network [] random checkpoints manifest.CheckpointEvery[run.Scale] scale.Steps batches
            (fun _ -> None)
    let gradient, output, gradientAtFake, outputAtFake = evaluate ()
    { Gradient = gradient
      Output = output
      GradientAtFake = gradientAtFake
      OutputAtFake = outputAtFake
      UntrainedGradient = untrainedGradient
      UntrainedGradientAtFake = untrainedAtFake
      Diverged = diverged }

/// The units of a run: one per seed and learner.
let units (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) : UnitOfWork<Measured> list =
    Learners.units manifest.Settings.Learners run (trainAndEvaluate manifest run)
