/// The statistics weight-histograms measures on a critic's weights (every weight of its linear layers, biases
/// excluded, per layer): the fractions at the clipping bounds or at the layers' extremes, how far training moved the
/// weights, and the shape of their distribution (excess kurtosis).
module Wgan.Experiments.WeightHistograms.WeightStatistics

open Wgan.Core
open Wgan.Experiments

/// The clipped critic's statistics (metrics "clip.*").
type ClippedWeights =
    { /// After training, the fraction within 1% of +-c.
      FractionAtBounds: float
      /// The same fraction for the initial weights clipped once.
      FractionAtBoundsAtStart: float
      /// Among the weights the first clipping left inside the bounds, the fraction at +-c after training.
      TrainedToBounds: float
      FractionAtExtremes: float
      RelativeChange: float
      ExcessKurtosis: float
      /// Control: FractionAtBounds of the same critic after one generator iteration.
      FirstIterationFractionAtBounds: float }

/// The gradient-penalty critic's statistics (metrics "gp.*").
type PenalisedWeights =
    { FractionAtExtremes: float
      /// The fraction within 1% of +-c, c the clipped setting's bound.
      FractionAtClipBounds: float
      MaxAbsWeightOverBound: float
      RelativeChange: float
      ExcessKurtosis: float
      /// Control: FractionAtExtremes of the initial weights.
      InitialFractionAtExtremes: float
      /// Control: ExcessKurtosis of the initial weights.
      InitialExcessKurtosis: float }

/// A histogram of `values` over +-(1.05 max |w|), so that weights at the extremes fall inside the outer bins.
let histogramOf (label: string) (bins: int) (values: float[]) : Histogram =
    let largest = values |> Array.map abs |> Array.max
    let edge = if largest > 0.0 then 1.05 * largest else 1.0
    let counts = LipschitzTools.histogram -edge edge bins values |> Array.map float
    { Label = label; Lo = -edge; Hi = edge; Counts = counts }

/// ||final - initial|| / ||initial|| over all weights: how far training moved them.
let relativeChange (initial: float[]) (final: float[]) =
    let moved = Array.fold2 (fun acc a b -> acc + (b - a) * (b - a)) 0.0 initial final
    sqrt moved / sqrt (Array.sumBy (fun a -> a * a) initial)

/// The excess kurtosis m4 / m2^2 - 3 of `values` (moments about their mean): -1.2 for a uniform
/// distribution, 0 for a Gaussian, -2 for two equally likely values (weights piled up at +-c); NaN for fewer
/// than two values or no spread.
let excessKurtosis (values: float[]) =
    if values.Length < 2 then nan
    else
        let mean = Array.average values
        let m2 = values |> Array.averageBy (fun v -> (v - mean) ** 2.0)
        let m4 = values |> Array.averageBy (fun v -> (v - mean) ** 4.0)
        if m2 > 0.0 then m4 / (m2 * m2) - 3.0 else nan

/// Each layer's excess kurtosis, averaged over layers weighted by their number of weights. Per layer,
/// because layers start from different scales (+-1/sqrt(fan_in)): pooling them would mix uniform
/// distributions of different widths, whose mixture has a positive kurtosis although no layer does.
let layerExcessKurtosis (layers: float[][]) =
    let total = layers |> Array.sumBy Array.length
    (layers |> Array.sumBy (fun layer -> excessKurtosis layer * float layer.Length)) / float total

/// The clipped critic's statistics with bound `c`, from its weights per layer at initialisation, after one generator
/// iteration and after training.
let clippedWeights (c: float) (initial: float[][]) (afterOne: float[][]) (final: float[][]) : ClippedWeights =
    let first, last = Array.concat initial, Array.concat final
    let clippedOnce = first |> Array.map (fun w -> max -c (min c w))
    let inside = (1.0 - LipschitzTools.BoundTolerance) * c
    let interior = [| for k in 0 .. first.Length - 1 do if abs clippedOnce[k] < inside then last[k] |]
    { FractionAtBounds = LipschitzTools.fractionAtBounds c last
      FractionAtBoundsAtStart = LipschitzTools.fractionAtBounds c clippedOnce
      TrainedToBounds = LipschitzTools.fractionAtBounds c interior
      FractionAtExtremes = LipschitzTools.fractionAtLayerExtremes final
      RelativeChange = relativeChange clippedOnce last
      ExcessKurtosis = layerExcessKurtosis final
      FirstIterationFractionAtBounds = LipschitzTools.fractionAtBounds c (Array.concat afterOne) }

/// The gradient-penalty critic's statistics against the clipped setting's bound `c`, from its weights per layer at
/// initialisation and after training.
let penalisedWeights (c: float) (initial: float[][]) (final: float[][]) : PenalisedWeights =
    let first, last = Array.concat initial, Array.concat final
    { FractionAtExtremes = LipschitzTools.fractionAtLayerExtremes final
      FractionAtClipBounds = LipschitzTools.fractionAtBounds c last
      MaxAbsWeightOverBound = (last |> Array.map abs |> Array.max) / c
      RelativeChange = relativeChange first last
      ExcessKurtosis = layerExcessKurtosis final
      InitialFractionAtExtremes = LipschitzTools.fractionAtLayerExtremes initial
      InitialExcessKurtosis = layerExcessKurtosis initial }

/// The clipped critic's metrics, in the order the experiment lists them.
let clippedMetrics (w: ClippedWeights) =
    [ "clip.fractionAtBounds", w.FractionAtBounds
      "clip.fractionAtBoundsAtStart", w.FractionAtBoundsAtStart
      "clip.trainedToBounds", w.TrainedToBounds
      "clip.fractionAtExtremes", w.FractionAtExtremes
      "clip.relativeChange", w.RelativeChange
      "clip.excessKurtosis", w.ExcessKurtosis
      "clip.firstIteration.fractionAtBounds", w.FirstIterationFractionAtBounds ]

/// The gradient-penalty critic's metrics, in the order the experiment lists them.
let penalisedMetrics (w: PenalisedWeights) =
    [ "gp.fractionAtExtremes", w.FractionAtExtremes
      "gp.fractionAtClipBounds", w.FractionAtClipBounds
      "gp.maxAbsWeightOverBound", w.MaxAbsWeightOverBound
      "gp.relativeChange", w.RelativeChange
      "gp.excessKurtosis", w.ExcessKurtosis
      "gp.initial.fractionAtExtremes", w.InitialFractionAtExtremes
      "gp.initial.excessKurtosis", w.InitialExcessKurtosis ]
