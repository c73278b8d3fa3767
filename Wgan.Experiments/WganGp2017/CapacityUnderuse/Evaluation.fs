/// What capacity-underuse measures on a trained critic: its dual estimate on fresh samples of Pr and Pg, its empirical
/// Lipschitz constant, its structure score against the exact optimal critic between the same samples, and its value
/// surface on a grid.
module Wgan.Experiments.CapacityUnderuse.Evaluation

open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.CapacityUnderuse.Settings

/// The evaluation samples of one seed and data set, shared by its critics, with their references: the exact optimal
/// critic between them and the best critic of the radius alone.
type EvaluationSet =
    { /// Samples of Pr and Pg on the device.
      Real: torch.Tensor
      Fake: torch.Tensor
      /// Both samples and one random interpolate per pair, on the device: where the critic must be Lipschitz.
      LipschitzPoints: torch.Tensor
      RealRows: float[][]
      FakeRows: float[][]
      /// Their Kantorovich potential (the exact optimal critic, attaining W1).
      Optimal: KantorovichPotential.Potential
      /// The 1-D potential between the samples' radii: the best critic f(x) = g(||x||).
      Radial: KantorovichPotential.Potential
      /// The structure score of values at the samples (real then fake) against the optimal critic's.
      StructureOf: float[] -> float }

/// Draws the evaluation samples of Pr and Pg = Pr + N(0, sigma^2 I) and their interpolates from `random` (their
/// tensors belong to the caller's dispose scope).
let evaluationSet (settings: Settings) (samples: int) (dataset: ToyDataset) (device: torch.Device)
    (random: torch.Generator) : EvaluationSet =
    let real = ToyData.sample dataset samples random
    let fake = ToyData.noisyCopy dataset settings.GeneratorNoise samples random
    // The critic must be Lipschitz between the two samples' points (Kantorovich-Rubinstein duality needs it
    // on the union of the supports): look at both samples and at points on segments between them.
    let interpolates = GradientPenalty.interpolate real fake random
    let lipschitzPoints = torch.cat([| real; fake; interpolates |], 0L).``to``(device)
    let realRows, fakeRows = ToyWgan.toRows real, ToyWgan.toRows fake
    let optimal = KantorovichPotential.potential realRows fakeRows
    let radius = KantorovichPotential.radius
    let radial = KantorovichPotential.potential1D (realRows |> Array.map radius) (fakeRows |> Array.map radius)
    let at = Array.append realRows fakeRows
    let optimalValues = at |> Array.map optimal.At
    { Real = real.``to``(device)
      Fake = fake.``to``(device)
      LipschitzPoints = lipschitzPoints
      RealRows = realRows
      FakeRows = fakeRows
      Optimal = optimal
      Radial = radial
      StructureOf =
        fun values -> KantorovichPotential.structureCorrelation settings.StructureBins at values optimalValues }

/// The radial critic's structure score.
let radialStructure (evaluation: EvaluationSet) =
    let at = Array.append evaluation.RealRows evaluation.FakeRows
    let radius = KantorovichPotential.radius
    evaluation.StructureOf(at |> Array.map (fun z -> evaluation.Radial.At [| radius z |]))

/// What one trained critic measured on the evaluation samples.
type CriticMeasurement =
    { DualEstimate: float
      /// The LipschitzQuantile quantile of the input-gradient norms.
      Lipschitz: float
      /// The largest input-gradient norm.
      LipschitzMax: float
      /// The correlation of its non-radial part with the optimal critic's (KantorovichPotential.structureCorrelation).
      Structure: float
      /// f / Lipschitz on the grid cells, row by row from the bottom (resolution^2 values).
      Surface: float[] }

/// A critic that diverged: every value NaN.
let undefined (resolution: int) =
    { DualEstimate = nan; Lipschitz = nan; LipschitzMax = nan; Structure = nan
      Surface = Array.create (resolution * resolution) nan }

/// (dualEstimate / lipschitz) / W1.
let capturedFraction (earthMover: float) (m: CriticMeasurement) = m.DualEstimate / m.Lipschitz / earthMover

/// (dualEstimate / lipschitzMax) / W1.
let capturedFractionAtMax (earthMover: float) (m: CriticMeasurement) = m.DualEstimate / m.LipschitzMax / earthMover

/// The centres of a resolution x resolution grid of cells over [-h, h]^2, row by row from the bottom, as
/// x1, x2 pairs.
let gridPoints (halfWidth: float) (resolution: int) : float32[] =
    let cell = 2.0 * halfWidth / float resolution
    [| for i in 0 .. resolution - 1 do
           for j in 0 .. resolution - 1 do
               float32 (-halfWidth + (float j + 0.5) * cell)
               float32 (-halfWidth + (float i + 0.5) * cell) |]

/// The grid points of the surfaces as rows (x1, x2).
let gridRows (halfWidth: float) (resolution: int) =
    gridPoints halfWidth resolution |> Array.chunkBySize 2 |> Array.map (Array.map float)

/// Measures a trained critic on the evaluation samples and draws its surface on a `resolution` grid over
/// [-halfWidth, halfWidth]^2.
let measureCritic (halfWidth: float) (resolution: int) (device: torch.Device) (evaluation: EvaluationSet)
    (network: Mlp) : CriticMeasurement =
    let n = resolution
    network.eval()
    let norms = LipschitzTools.inputGradientNorms network.call evaluation.LipschitzPoints
    let lipschitz = Statistics.quantile LipschitzQuantile norms
    use _ = torch.NewDisposeScope()
    use _ = torch.no_grad()
    let realScores, fakeScores = network.call evaluation.Real, network.call evaluation.Fake
    let estimate = (KantorovichRubinstein.dualEstimateOfScores realScores fakeScores).ReadDouble()
    let structure = evaluation.StructureOf(Array.append (ToyWgan.column 0 realScores) (ToyWgan.column 0 fakeScores))
    let grid = torch.tensor(gridPoints halfWidth n).reshape(int64 (n * n), 2L).``to``(device)
    let values = network.call grid |> ToyWgan.column 0
    { DualEstimate = estimate
      Lipschitz = lipschitz
      LipschitzMax = Array.max norms
      Structure = structure
      Surface = values |> Array.map (fun v -> v / lipschitz) }
