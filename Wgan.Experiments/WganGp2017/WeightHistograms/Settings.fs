/// WGAN-GP Figure 1b (right), weight histograms: what a manifest sets. The deep Swiss Roll WGAN of Figure 1b trains
/// under weight clipping and under the gradient penalty; the critic's weights are compared: under clipping most sit at
/// the bounds +-c, under the penalty they spread.
module Wgan.Experiments.WeightHistograms.Settings

open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.Json
open Wgan.Experiments.ToyWgan

[<Literal>]
let Id = "weight-histograms"

/// The experiment's own settings.
type Settings =
    { Training: DeepToyWgan.Training
      Networks: DeepToyWgan.Networks
      /// The weight-clipping setting.
      Clipping: TrainingSetting
      /// The gradient-penalty setting.
      GradientPenalty: TrainingSetting
      /// Bins of each drawn histogram.
      HistogramBins: int }

/// The work a scale does.
type ScaleSettings = DeepToyWgan.Scale

/// The two trainings of a seed: under weight clipping and under the gradient penalty.
type Role =
    | Clipping
    | Penalty

    /// The prefix of the role's metric names.
    member this.Prefix =
        match this with
        | Clipping -> "clip"
        | Penalty -> "gp"

    /// The role's seed coordinate (and its number in the histograms series).
    member this.Code =
        match this with
        | Clipping -> 0
        | Penalty -> 1

/// Both roles, clipping first.
let roles = [ Clipping; Penalty ]

/// The training setting of a role.
let settingOf (settings: Settings) (role: Role) =
    match role with
    | Clipping -> settings.Clipping
    | Penalty -> settings.GradientPenalty

/// The clipping bound c of the clipping setting.
let bound (settings: Settings) =
    match settings.Clipping.Constraint with
    | WeightClipping (c, _) -> c
    | other -> invalidArg (nameof settings) $"the clipping setting has constraint {other}"

/// What each metric means.
let metrics =
    [ "clip.fractionAtBounds",
      "fraction of the clipped critic's weights within 1% of +-c after training (| |w| - c | <= 0.01 c)"
      "clip.fractionAtBoundsAtStart",
      "the same fraction for the initial weights clipped once, before any training step"
      "clip.trainedToBounds",
      "among the weights the first clipping left inside the bounds, the fraction at +-c after training"
      "clip.fractionAtExtremes",
      "fraction of the clipped critic's weights within 1% of their layer's +-max |w| after training"
      "clip.relativeChange",
      "||w_final - w_clipped_once|| / ||w_clipped_once||: how far training moved the clipped weights"
      "clip.excessKurtosis",
      "the clipped critic's weights after training, as gp.excessKurtosis (two spikes at +-c: about -2)"
      "gp.fractionAtExtremes",
      "fraction of the gradient-penalty critic's weights within 1% of their layer's +-max |w| after training"
      "gp.fractionAtClipBounds",
      "fraction of the gradient-penalty critic's weights within 1% of +-c, c the clipped setting's bound"
      "gp.maxAbsWeightOverBound", "largest |w| of the gradient-penalty critic divided by c"
      "gp.relativeChange", "||w_final - w_initial|| / ||w_initial|| of the gradient-penalty critic"
      "gp.excessKurtosis",
      "the gradient-penalty critic's weights after training: each layer's excess kurtosis m4 / m2^2 - 3 (uniform "
      + "-1.2, Gaussian 0), averaged over layers weighted by their number of weights"
      "clip.firstIteration.fractionAtBounds",
      "control: clip.fractionAtBounds of the same critic after one generator iteration (the same seed's training "
      + "replayed for one iteration)"
      "gp.initial.fractionAtExtremes",
      "control: gp.fractionAtExtremes of the gradient-penalty critic's initial weights, before any training step"
      "gp.initial.excessKurtosis",
      "control: gp.excessKurtosis of the gradient-penalty critic's initial weights (PyTorch's uniform init: about "
      + "-1.2)" ]

/// A training setting without an id whose constraint `isKind` accepts (`kind` names it in the error).
let private settingOfKind (isKind: LipschitzConstraint -> bool) (kind: string) =
    trainingSetting false |> requiring (fun s -> isKind s.Constraint) $"its constraint must be {kind}"

let private settings: Fields<Settings> =
    let clipping = settingOfKind (function WeightClipping _ -> true | _ -> false) "weight-clipping"
    let penalty = settingOfKind (function GradientPenalty _ -> true | _ -> false) "gradient-penalty"
    fields {
        let! training = DeepToyWgan.training
        and! networks = DeepToyWgan.networks deepShape
        and! clipped = required "clipping" clipping
        and! penalised = required "gradientPenalty" penalty
        and! bins = required "histogramBins" (Decode.intInRange 1 10_000)
        return
            { Training = training
              Networks = networks
              Clipping = clipped
              GradientPenalty = penalised
              HistogramBins = bins } }

/// How the experiment reads its manifest.
let reading: Wgan.Experiments.Envelope.Reading<Settings, ScaleSettings> =
    { Settings = settings
      Scale = fun _ -> DeepToyWgan.scale
      Checkpoints = true
      MetricNames = fun _ -> List.map fst metrics }
