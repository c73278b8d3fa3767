/// What one unit of gradient-field measures: on one seed and data set, the penalty and clipped critics trained against
/// the fixed generator, and their gradients on the segments between generated and real evaluation samples, coupled by
/// the exact optimal transport plan or paired independently; with the exact optimal critic and the untrained network
/// measured the same way.
module Wgan.Experiments.GradientField.Unit

open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.GradientField.Settings

/// The directions of one function's gradient on the segments.
type Directions =
    { CoupledCosine: float
      IndependentCosine: float
      CoupledNormRatio: float
      /// The unit gradient at each plotted segment's point x_t.
      Plotted: float[][]
      /// The function's values on the figures' grid, row by row from the bottom.
      Surface: float[] }

/// The trained critics, one unit each.
type Trained =
    | Penalised
    | Clipped

    member this.Name = match this with Penalised -> "gp" | Clipped -> "clip"

    /// The seed coordinate of the critic's random-number generator (2 is the evaluation samples'; 10 + it, the
    /// critic's fixed training set's).
    member this.Role = match this with Penalised -> 1 | Clipped -> 0

/// What one unit measured: its trained critic; with the penalty critic, also its network before training (the control)
/// and the exact optimal critic, with the plotted segments.
type Measured =
    { Critic: Directions
      Untrained: Directions option
      Exact: Directions option
      /// The plotted coupled segments: generated end, real end and the point x_t on each.
      SegmentFake: float[][]
      SegmentReal: float[][]
      SegmentPoints: float[][]
      Diverged: Divergence option }

/// The key of the unit that trains `critic` for `seed` on `dataset`.
let key (seed: int64) (dataset: ToyDataset) (critic: Trained) = $"seed-{seed}/{dataset.Name}/{critic.Name}"

/// The quantile of the gradient norms taken as a function's Lipschitz estimate (as capacity-underuse takes it).
[<Literal>]
let LipschitzQuantile = 0.99

/// The centres of a resolution x resolution grid over [-h, h]^2, row by row from the bottom.
let gridPoints (halfWidth: float) (resolution: int) : float[][] =
    let centre k = -halfWidth + (float k + 0.5) * 2.0 * halfWidth / float resolution
    [| for i in 0 .. resolution - 1 do
           for j in 0 .. resolution - 1 -> [| centre j; centre i |] |]

/// The directions of a function given by its gradients and values at points.
let directions (gradients: float[][] -> float[][]) (values: float[][] -> float[]) (coupled: TransportLines.LinePoint[])
    (independent: TransportLines.LinePoint[]) (plotted: int) (grid: float[][]) : Directions =
    let onCoupled = gradients (coupled |> Array.map (fun l -> l.Point))
    let onIndependent = gradients (independent |> Array.map (fun l -> l.Point))
    let meanCosine (lines: TransportLines.LinePoint[]) (g: float[][]) =
        Array.map2 (fun (l: TransportLines.LinePoint) v -> TransportLines.cosine v l.Towards) lines g
        |> Array.filter System.Double.IsFinite
        |> Statistics.mean
    let norms = Array.append onCoupled onIndependent |> Array.map TransportLines.norm
    let lipschitz = Statistics.quantile LipschitzQuantile norms
    let unit (v: float[]) = let n = TransportLines.norm v in if n = 0.0 then v else Array.map (fun c -> c / n) v
    { CoupledCosine = meanCosine coupled onCoupled
      IndependentCosine = meanCosine independent onIndependent
      CoupledNormRatio = (onCoupled |> Array.averageBy TransportLines.norm) / lipschitz
      Plotted = onCoupled[.. plotted - 1] |> Array.map unit
      Surface = values grid }

/// A network critic's gradients and values (its float32 weights; the points widened from float64).
let private ofNetwork (critic: Mlp) (device: torch.Device) =
    let tensorOf (points: float[][]) = torch.tensor(array2D points, dtype = torch.float32).``to``(device)
    let gradients points =
        use _ = torch.NewDisposeScope()
        MlpInputGradient.inputGradients critic (tensorOf points) |> ToyWgan.toRows
    let values points =
        use _ = torch.NewDisposeScope()
        use _ = torch.no_grad()
        (critic.call (tensorOf points)).reshape(-1L, 1L) |> ToyWgan.toRows |> Array.map Array.head
    gradients, values

/// Trains the unit's critics and measures the four functions.
let measure (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (checkpoints: UnitCheckpoints)
    (seed: int64) (dataset: ToyDataset) (critic: Trained) : Measured =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let randomFor role = new torch.Generator(uint64 (Seeds.derive seed [ ToyWgan.datasetCode dataset; role ]))
    // The evaluation samples and segments: n real points, n generated ones, a t per segment of each kind.
    use evaluation = randomFor 2
    let n = scale.EvaluationSamples
    let real = ToyData.sample dataset n evaluation |> ToyWgan.toRows
    let fake = ToyData.noisyCopy dataset settings.GeneratorNoise n evaluation |> ToyWgan.toRows
    let uniform () =
        torch.rand([| int64 n; 1L |], generator = evaluation, dtype = torch.float64)
        |> ToyWgan.toRows
        |> Array.map Array.head
    let pairing = TransportLines.optimalPairing fake real
    let coupled = TransportLines.pointsOn fake real pairing (uniform ())
    let independent = TransportLines.pointsOn fake real (Array.init n id) (uniform ())
    let plotted = min scale.PlottedSegments n
    let grid = gridPoints settings.PlotHalfWidth scale.GridResolution
    let measureWith (gradients, values) = directions gradients values coupled independent plotted grid
    let config (critic: FixedGeneratorCritic.CriticSettings) : FixedGeneratorCritic.Configuration =
        { Critic = critic
          Hidden = scale.CriticHidden
          Dataset = dataset
          TrainingSet = settings.TrainingSets[dataset]
          FakeBatch = settings.FakeBatch
          GeneratorNoise = settings.GeneratorNoise
          BatchSize = scale.BatchSize
          Steps = scale.CriticSteps
          CheckpointEvery = manifest.CheckpointEvery[run.Scale]
          Device = run.Device }
    // The critic trains from generators of its own (network and batches; its fixed training set, if any).
    let c = config (match critic with Penalised -> settings.PenaltyCritic | Clipped -> settings.ClippedCritic)
    use random = randomFor critic.Role
    use network = FixedGeneratorCritic.network c random
    let untrained = if critic = Penalised then Some(measureWith (ofNetwork network run.Device)) else None
    let set =
        match c.TrainingSet with
        | ToyWgan.FixedCycled points ->
            use setRandom = randomFor (10 + critic.Role)
            Some(ToyData.fixedTwentyFiveGaussians points setRandom)
        | ToyWgan.Fresh -> None
    let diverged = FixedGeneratorCritic.train c network random set checkpoints
    let exact =
        if critic <> Penalised then None
        else
            let potential = KantorovichPotential.potential real fake
            Some(measureWith (Array.map potential.GradientAt, Array.map potential.At))
    let segments = coupled[.. plotted - 1]
    { Critic = measureWith (ofNetwork network run.Device)
      Untrained = untrained
      Exact = exact
      SegmentFake = fake[.. plotted - 1]
      SegmentReal = Array.init plotted (fun i -> real[pairing[i]])
      SegmentPoints = segments |> Array.map (fun l -> l.Point)
      Diverged = diverged }

/// The units of a run: one per seed and data set.
let units (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) : UnitOfWork<Measured> list =
    [ for seed in run.Seeds do
          for dataset in manifest.Settings.Datasets do
              for critic in [ Penalised; Clipped ] ->
                  { Key = key seed dataset critic
                    Description = $"seed {seed}, {dataset.Name}, {critic.Name} critic"
                    Run = fun checkpoints -> measure manifest run checkpoints seed dataset critic } ]
