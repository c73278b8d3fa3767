/// WGAN-GP Figure 1a, capacity underuse: what a manifest sets. Critics train against the fixed generator
/// Pg = Pr + N(0, sigma^2 I) on toy data sets, one under weight clipping, one under the gradient penalty and a
/// replicate of the penalised one; their value surfaces are drawn and the share of the Earth-Mover distance each
/// captures is measured.
module Wgan.Experiments.CapacityUnderuse.Settings

open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan

[<Literal>]
let Id = "capacity-underuse"

/// How long each critic trains.
type CriticTraining =
    { /// Steps before the plateau rule may stop a critic (all of them without the rule).
      MinSteps: int
      /// Steps at most (= MinSteps without the rule).
      MaxSteps: int
      /// The plateau rule and the size of its fixed evaluation batch (per distribution); None: MinSteps steps.
      Plateau: (Plateau.Rule * int) option }

/// The experiment's own settings.
type Settings =
    { Datasets: ToyDataset list
      /// sigma of the fixed generator Pg = Pr + N(0, sigma^2 I).
      GeneratorNoise: float
      /// How a training step's fake batch relates to its real batch.
      FakeBatch: FakeBatch
      /// Where each data set's real training batches come from.
      TrainingSets: Map<ToyDataset, TrainingSet>
      /// Equal-count radius bins of the radial fit that the structure measure removes.
      StructureBins: int
      /// The surfaces cover [-h, h]^2.
      PlotHalfWidth: float
      /// The critics' networks and training (their widths are set per scale).
      ClippedCritic: FixedGeneratorCritic.CriticSettings
      PenaltyCritic: FixedGeneratorCritic.CriticSettings }

/// The work a scale does.
type ScaleSettings =
    { /// Hidden widths of every critic.
      CriticHidden: int list
      BatchSize: int
      CriticSteps: CriticTraining
      /// Fresh samples per distribution for the dual estimate, the Lipschitz constant and the exact W1.
      EvaluationSamples: int
      /// Cells per side of the grid on which the value surfaces are drawn.
      GridResolution: int
      /// Real and generated samples drawn over each surface.
      PlottedSamples: int
      /// What is known about this scale (e.g. its measured cost), for the notes.
      Note: string option }

/// The trained critics, by the prefix their metrics carry: the clipped one, the penalised one, and a
/// replicate of the penalised one from other initial weights and batches (the control that removes the
/// claimed cause, clipping, while keeping everything else).
type CriticKind =
    | Clipped
    | Penalised
    | Replicate

    /// The prefix of the critic's metric names.
    member this.Prefix =
        match this with
        | Clipped -> "clip"
        | Penalised -> "gp"
        | Replicate -> "gp2"

    /// The seed coordinate of the critic's random-number generator (2 is the evaluation samples', 4 the plateau
    /// batch's), and its code in the series.
    member this.Code =
        match this with
        | Clipped -> 0
        | Penalised -> 1
        | Replicate -> 3

    /// The seed coordinate of the random-number generator of the critic's fixed training set, if it has one.
    member this.TrainingSetCode = 10 + this.Code

/// The critics in training order.
let kinds = [ Clipped; Penalised; Replicate ]

/// The settings of a critic kind.
let criticOf (settings: Settings) (kind: CriticKind) =
    match kind with
    | Clipped -> settings.ClippedCritic
    | Penalised
    | Replicate -> settings.PenaltyCritic

/// The quantile of the input-gradient norms taken as a critic's empirical Lipschitz constant: a robust high
/// quantile rather than the maximum, which one point can set.
[<Literal>]
let LipschitzQuantile = 0.99

/// Metric names measured on one data set.
let datasetMetricNames (d: ToyDataset) =
    [ $"{d.Name}.w1"
      for k in kinds do
          $"{d.Name}.{k.Prefix}.dualEstimate"
          $"{d.Name}.{k.Prefix}.lipschitz"
          $"{d.Name}.{k.Prefix}.lipschitzMax"
          $"{d.Name}.{k.Prefix}.capturedFraction"
          $"{d.Name}.{k.Prefix}.capturedFractionAtMax"
          $"{d.Name}.{k.Prefix}.structure"
          $"{d.Name}.{k.Prefix}.stoppedAt"
      $"{d.Name}.radial.capturedFraction"
      $"{d.Name}.radial.structure"
      $"{d.Name}.captureGap"
      $"{d.Name}.radialGap"
      $"{d.Name}.replicateGap"
      $"{d.Name}.structureGap"
      $"{d.Name}.replicateStructureGap" ]

/// Metric names over the data sets of a manifest.
let metricNames (ds: ToyDataset list) =
    (ds |> List.collect datasetMetricNames)
    @ [ "clip.capturedFraction"
        "gp.capturedFraction"
        "radial.capturedFraction"
        "captureGap"
        "clip.structure"
        "gp.structure"
        "radial.structure" ]

/// What each metric means.
let metrics =
    [ "<dataset>.w1", "exact W1 (optimal assignment) between the evaluation samples of Pr and Pg"
      "<dataset>.<clip|gp>.dualEstimate",
      "the critic's Kantorovich-Rubinstein estimate E_Pr f - E_Pg f on the evaluation samples"
      "<dataset>.<clip|gp>.lipschitz",
      "the critic's empirical Lipschitz constant: the 0.99 quantile of its input-gradient norms over the evaluation "
      + "samples and their interpolates"
      "<dataset>.<clip|gp>.lipschitzMax", "the largest of those norms"
      "<dataset>.<clip|gp>.capturedFraction",
      "(dualEstimate / lipschitz) / w1: the fraction of W1 the critic captures as a 1-Lipschitz function"
      "<dataset>.<clip|gp>.capturedFractionAtMax",
      "(dualEstimate / lipschitzMax) / w1: the same with the largest norm as the constant"
      "<dataset>.radial.capturedFraction",
      "control: the fraction the best radial critic f(x) = g(||x||) captures, W1 between the radii of the two samples "
      + "(1-D, exact) / w1: a critic that ignores the data's structure"
      "<dataset>.captureGap", "gp.capturedFraction - clip.capturedFraction on the data set"
      "<dataset>.radialGap",
      "gp.capturedFraction - radial.capturedFraction, the same gap with the clipped critic replaced by the radial one"
      "<dataset>.<clip|gp|gp2|radial>.structure",
      "how much of the exact optimal critic's structure the critic reproduces: the correlation of the two functions' "
      + "residuals after a piecewise-linear fit of the radius (KantorovichPotential.structureCorrelation) over the "
      + "evaluation samples; 1 for the optimal critic, about 0 for a function of the radius"
      "<dataset>.<clip|gp|gp2>.stoppedAt",
      "the critic steps the critic trained: criticSteps, or with the plateau rule the step at which its dual estimate "
      + "on the fixed plateau batch plateaued (at most maxSteps); the step of a divergence if it diverged"
      "<dataset>.replicateGap",
      "control: gp.capturedFraction - gp2.capturedFraction, the gap with the clipped critic replaced by a second "
      + "penalty critic (other weights and batches)"
      "<dataset>.structureGap", "gp.structure - clip.structure"
      "<dataset>.replicateStructureGap", "control: gp.structure - gp2.structure"
      "clip.capturedFraction, gp.capturedFraction, radial.capturedFraction, captureGap, clip.structure, gp.structure, "
      + "radial.structure",
      "the same, averaged over the manifest's data sets" ]

/// The largest batch the fixed training sets allow (their smallest size; 1,000,000 without one).
let largestBatch (settings: Settings) =
    settings.TrainingSets
    |> Map.toList
    |> List.choose (function
        | _, FixedCycled points -> Some points
        | _ -> None)
    |> List.fold min 1_000_000
