/// WGAN (Arjovsky et al. 2017), Figure 2: the optimal GAN discriminator and the WGAN critic between two 1-D
/// Gaussians. The discriminator saturates, so the generator's gradient d/dx log(1 - D(x)) at the generated
/// samples is tiny; the critic is close to linear and gives a clean gradient everywhere. The paper gives no
/// means or variances; the manifest chooses them. Each learner is trained towards optimality on fresh samples
/// of the two fixed distributions, then evaluated on a grid over the line.
module Wgan.Experiments.DiscriminatorVsCriticExperiment

open TorchSharp
open Wgan.Core
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.ToyTraining
open Wgan.Experiments.VanishingGradientsExperiment

[<Literal>]
let Id = "discriminator-vs-critic"

/// A 1-D Gaussian N(mean, std^2).
type Gaussian = { Mean: float; Std: float }

type ScaleSettings =
    { Seeds: int
      Width: int
      BatchSize: int
      Steps: int
      /// Grid points over [GridMin, GridMax] (from the manifest) at which D, f and the gradients are evaluated.
      GridPoints: int
      CheckpointEvery: int }

type Settings =
    { Seed: int
      VerifyTolerance: float
      Real: Gaussian
      Fake: Gaussian
      GridMin: float
      GridMax: float
      Learner: DeepShape
      Learners: Learner list
      Scales: Map<Scale, ScaleSettings>
      Claims: ClaimSpec list }

let learnerMetricNames (learner: Learner) =
    [ $"{learner.Id}.log10GradientRatioAtFake"; $"{learner.Id}.gradientAtFake"; $"{learner.Id}.maxGradient"; $"{learner.Id}.outputAtFake"
      $"{learner.Id}.untrained.log10GradientRatioAtFake"; $"{learner.Id}.untrained.gradientAtFake" ]

let metrics =
    [ "<learner>.log10GradientRatioAtFake", "log10 of |generator gradient| at the generated mode over its maximum on the grid: for a discriminator the gradient is d/dx log(1 - D(x)) (the minimax generator loss), for a critic d/dx f(x)"
      "<learner>.gradientAtFake", "|generator gradient| at the generated mode (for a critic: |f'(x)|, to compare with its Lipschitz bound, 1 under the gradient penalty)"
      "<learner>.maxGradient", "the largest |generator gradient| on the grid"
      "<learner>.outputAtFake", "D(x) (a probability) or f(x) at the generated mode"
      "<learner>.untrained.log10GradientRatioAtFake", "log10GradientRatioAtFake of the same network before training (control)"
      "<learner>.untrained.gradientAtFake", "gradientAtFake of the same network before training (control)" ]

let private gaussian: Decoder<Gaussian> =
    Decode.readObject (fun r -> { Mean = r.Required("mean", Decode.floatInRange -1e6 1e6); Std = r.Required("std", Decode.positiveFloat) })

let private scaleSettings: Decoder<ScaleSettings> =
    Decode.readObject (fun r ->
        { Seeds = r.Required("seeds", Decode.intInRange 1 1000)
          Width = r.Required("width", Decode.intInRange 1 65536)
          BatchSize = r.Required("batchSize", Decode.intInRange 1 1_000_000)
          Steps = r.Required("steps", Decode.intInRange 1 10_000_000)
          GridPoints = r.Required("gridPoints", Decode.intInRange 2 1_000_000)
          CheckpointEvery = r.Required("checkpointEvery", Decode.intInRange 0 10_000_000) })

let decodeSettings: Decoder<Settings> =
    Decode.readObject (fun r ->
        r.Required("experiment", Decode.string) |> ignore
        let learners =
            r.Required("learners", uniqueIds (fun l -> l.Id) "learner" learnerDecoder)
        let names = if isNull (box learners) then [] else learners |> List.collect learnerMetricNames
        { Seed = r.Required("seed", seed)
          VerifyTolerance = r.Required("verifyTolerance", verifyTolerance)
          Real = r.Required("real", gaussian)
          Fake = r.Required("fake", gaussian)
          GridMin = r.Required("gridMin", Decode.floatInRange -1e6 1e6)
          GridMax = r.Required("gridMax", Decode.floatInRange -1e6 1e6)
          Learner = r.Required("learner", deepShape)
          Learners = learners
          Scales = r.Required("scales", scaleTable scaleSettings)
          Claims = r.Required("claims", claims names) })

/// n samples of N(mean, std^2) as an [n, 1] float32 tensor, drawn on the CPU.
let sampleGaussian (g: Gaussian) (n: int) (generator: torch.Generator) : torch.Tensor =
    Scalars.add (Scalars.mul (torch.randn([| int64 n; 1L |], generator = generator)) g.Std) g.Mean

/// The grid's x values.
let grid (settings: Settings) (points: int) =
    Array.init points (fun i -> settings.GridMin + (settings.GridMax - settings.GridMin) * float i / float (points - 1))

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

let unitKey (seed: int64) (learner: Learner) = $"seed-{seed}/{learner.Id}"

/// One unit: evaluates the fresh `learner` on the grid and at the fake mean (vectors "untrainedGradient",
/// "untrainedAtFake": the control), trains it for Steps steps on fresh batches of the real and fake
/// Gaussians, then evaluates it again (vectors "gradient", "output", "atFake").
let measure (settings: Settings) (scale: ScaleSettings) (device: torch.Device) (checkpoints: UnitCheckpoints) (seed: int64) (learner: Learner) : UnitMeasurement =
    use networkGenerator = new torch.Generator(uint64 (Seeds.derive seed [ idCode learner.Id; 0 ]))
    use trainingGenerator = new torch.Generator(uint64 (Seeds.derive seed [ idCode learner.Id; 1 ]))
    use network =
        new Mlp({ Inputs = 1; Hidden = List.replicate settings.Learner.Depth scale.Width; Outputs = 1; Activation = settings.Learner.Activation; Normalization = settings.Learner.Normalization }, networkGenerator)
    network.``to``(device) |> ignore
    use optimizer = Optimizer.create learner.Optimizer (network.parameters())
    // Before TrainingLoop.run, which restores a checkpoint if there is one: this is the freshly initialised
    // network either way. Evaluating draws no random numbers, so training is as without it.
    let untrainedGradient, _ = gradientsOnGrid network learner.Kind (grid settings scale.GridPoints) device
    let untrainedGradientAtFake, untrainedOutputAtFake = gradientsOnGrid network learner.Kind [| settings.Fake.Mean |] device
    let step k =
        let loss =
            use _ = torch.NewDisposeScope()
            let real = (sampleGaussian settings.Real scale.BatchSize trainingGenerator).``to``(device)
            let fake = (sampleGaussian settings.Fake scale.BatchSize trainingGenerator).``to``(device)
            match learner.Kind with
            | Discriminator -> (CriticStep.discriminatorStep network optimizer real fake).Loss
            | Critic lipschitz -> (CriticStep.criticStep network optimizer lipschitz real fake trainingGenerator).Loss
        if System.Double.IsFinite loss then Ok None else Error $"learner loss is {loss} at step {k}"
    let _, stopped =
        TrainingLoop.run checkpoints scale.CheckpointEvery { Networks = [ network ]; Optimizers = [ optimizer ]; Generators = [ trainingGenerator ] } scale.Steps step
    let gradient, output = gradientsOnGrid network learner.Kind (grid settings scale.GridPoints) device
    let gradientAtFake, outputAtFake = gradientsOnGrid network learner.Kind [| settings.Fake.Mean |] device
    { Key = unitKey seed learner
      Scalars = readOnlyDict []
      Vectors =
        readOnlyDict [
            "gradient", gradient
            "output", output
            "atFake", [| gradientAtFake[0]; outputAtFake[0] |]
            "untrainedGradient", untrainedGradient
            "untrainedAtFake", [| untrainedGradientAtFake[0]; untrainedOutputAtFake[0] |] ]
      Texts = readOnlyDict []
      Diverged = defaultArg stopped "" }

let learnerMetrics (learner: Learner) (m: UnitMeasurement) =
    let largest = m.Vectors["gradient"] |> Array.map abs |> Array.max
    let atFake = abs (m.Vectors["atFake"][0])
    let untrainedLargest = m.Vectors["untrainedGradient"] |> Array.map abs |> Array.max
    let untrainedAtFake = abs (m.Vectors["untrainedAtFake"][0])
    [ $"{learner.Id}.log10GradientRatioAtFake", log10 atFake - log10 largest
      $"{learner.Id}.gradientAtFake", atFake
      $"{learner.Id}.maxGradient", largest
      $"{learner.Id}.outputAtFake", m.Vectors["atFake"][1]
      $"{learner.Id}.untrained.log10GradientRatioAtFake", log10 untrainedAtFake - log10 untrainedLargest
      $"{learner.Id}.untrained.gradientAtFake", untrainedAtFake ]

let private title = "Optimal GAN discriminator vs WGAN critic between two 1-D Gaussians"
let private source = "WGAN (Arjovsky et al. 2017), Figure 2"

let units (settings: Settings) (run: RunContext) : ToyUnit list =
    let scale = settings.Scales[run.Scale]
    [ for seed in run.Seeds do
          for learner in settings.Learners ->
              { Key = unitKey seed learner
                Description = $"seed {seed}, {learner.Label}"
                Run = fun checkpoints -> measure settings scale run.Device checkpoints seed learner } ]

let private density (g: Gaussian) (x: float) = exp (-0.5 * ((x - g.Mean) / g.Std) ** 2.0) / (g.Std * sqrt (2.0 * System.Math.PI))

let assemble (settings: Settings) (run: RunContext) (measurements: UnitMeasurement list) : Findings =
    let scale = settings.Scales[run.Scale]
    let seeds = run.Seeds
    let found = byKey measurements
    let metrics =
        seeds |> List.map (fun seed ->
            { Seed = seed
              Values = readOnlyDict [ for learner in settings.Learners do yield! learnerMetrics learner found[unitKey seed learner] ] })
    let claims = settings.Claims |> List.map (Claims.evaluate metrics)
    let xs = grid settings scale.GridPoints
    let mean (learner: Learner) (vector: string) (transform: float[] -> float[]) =
        Array.init xs.Length (fun i -> seeds |> List.averageBy (fun seed -> (transform found[unitKey seed learner].Vectors[vector])[i]))
    // Critic values are shifted and scaled to [0, 1] on the grid so that they share an axis with D(x) and
    // the densities (the paper's Figure 2 also rescales the critic).
    let rescale (values: float[]) =
        let lo, hi = Array.min values, Array.max values
        if hi > lo then values |> Array.map (fun v -> (v - lo) / (hi - lo)) else values |> Array.map (fun _ -> 0.5)
    let peak = density settings.Real settings.Real.Mean
    let valueLines =
        [ { Label = $"real density N({plainNumber settings.Real.Mean}, {plainNumber settings.Real.Std}^2), scaled"; X = xs; Y = xs |> Array.map (fun x -> density settings.Real x / peak); Markers = false }
          { Label = $"fake density N({plainNumber settings.Fake.Mean}, {plainNumber settings.Fake.Std}^2), scaled"; X = xs; Y = xs |> Array.map (fun x -> density settings.Fake x / peak); Markers = false }
          yield! settings.Learners |> List.map (fun learner ->
              match learner.Kind with
              | Discriminator -> { Label = $"{learner.Label}: D(x)"; X = xs; Y = mean learner "output" id; Markers = false }
              | Critic _ -> { Label = $"{learner.Label}: f(x), rescaled to [0, 1]"; X = xs; Y = mean learner "output" rescale; Markers = false }) ]
    let gradientLines =
        settings.Learners |> List.map (fun learner ->
            { Label = (match learner.Kind with Discriminator -> $"{learner.Label}: |d/dx log(1 - D(x))|" | Critic _ -> $"{learner.Label}: |f'(x)|")
              X = xs
              Y = Array.init xs.Length (fun i -> 10.0 ** (seeds |> List.averageBy (fun seed -> log10 (abs (found[unitKey seed learner].Vectors["gradient"][i])))))
              Markers = false })
    { Metrics = metrics
      Claims = claims
      Series =
        [ { Name = "learners-on-grid"
            Columns = "x" :: [ for seed in seeds do for learner in settings.Learners do yield $"seed-{seed}/{learner.Id}.output"; yield $"seed-{seed}/{learner.Id}.gradient" ]
            Rows =
              [ for i in 0 .. xs.Length - 1 ->
                    Array.ofList (xs[i] :: [ for seed in seeds do for learner in settings.Learners do let m = found[unitKey seed learner] in yield m.Vectors["output"][i]; yield m.Vectors["gradient"][i] ]) ] } ]
      Figures =
        [ Figure.ofLines "discriminator-vs-critic" $"Discriminator and critic after {scale.Steps} steps (mean over seeds)" "x" "value" false valueLines
          Figure.ofLines "generator-gradient" "Generator gradient on the line (geometric mean over seeds)" "x" "|gradient|" true gradientLines ]
      ImageGrids = []
      Notes =
        [ $"The paper gives no means or variances; this manifest uses real N({plainNumber settings.Real.Mean}, {plainNumber settings.Real.Std}^2) and fake N({plainNumber settings.Fake.Mean}, {plainNumber settings.Fake.Std}^2), both fixed (nothing trains the generator). 'The generated mode' is x = {plainNumber settings.Fake.Mean}."
          $"Learners: MLP 1 -> {settings.Learner.Depth} x {scale.Width} -> 1 ({activationText settings.Learner.Activation}), trained {scale.Steps} steps on fresh batches of {scale.BatchSize} from each distribution; evaluated on {scale.GridPoints} points over [{plainNumber settings.GridMin}, {plainNumber settings.GridMax}]."
          yield! settings.Learners |> List.map (fun l ->
              let kind = match l.Kind with Discriminator -> "GAN discriminator, loss -E log D(real) - E log(1 - D(fake))" | Critic c -> $"WGAN critic, loss E f(fake) - E f(real), {constraintText c}"
              $"Learner {l.Id} ({l.Label}): {kind}; {optimizerText l.Optimizer}.")
          "Generator gradient: for the discriminator d/dx log(1 - D(x)), the minimax generator loss of a sample at x; for a critic d/dx f(x). The saturation claim compares |gradient| at the generated mode with its maximum on the grid (at least one order of magnitude smaller: log10 ratio <= -1). The critic claims ask that it stays within one order of magnitude of the critic's largest slope on the grid (its effective Lipschitz constant; for weight clipping K is set by c and the width, not 1), and, under the penalty, of the bound 1 (|f'| >= 0.1)."
          "Controls: every network is also evaluated once before training, in the same unit. discriminator-saturates is tested on the untrained discriminator (saturation must come from training, not from the architecture or the grid). The critics' clean-gradient claims are tested on the trained GAN discriminator's same ratio, and gp-critic-slope-near-bound on the trained GAN discriminator's |generator gradient| at the generated mode: the test must fail where the paper says the gradient vanishes. The untrained networks' values are listed in the metrics for reference."
          yield! scaleNote run.Scale claims $"This scale trains {scale.Steps} steps (paper scale: {settings.Scales[Paper].Steps}); a discriminator trained less is further from optimality and saturates less."
          yield! Experiment.bagDivergenceNotes measurements ] }

/// The network a unit holds, at a scale (see Footprint): a learner on the line, through the larger of the batch and
/// the grid.
let footprint (settings: Settings) (scale: Scale) : Footprint.Demand list =
    let s = settings.Scales[scale]
    [ { Path = $"scales.{scale.Name}.width"
        Networks = [ Footprint.ofMlp "learner" (deepSpec settings.Learner s.Width 1 1) ]
        Samples = max s.BatchSize s.GridPoints } ]

let definition: ExperimentDefinition =
    Experiment.standard Id title source metrics decodeSettings
        Experiment.commonOf
        footprint units assemble
