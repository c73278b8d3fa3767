/// WGAN-GP Figure 1b (right), weight histograms: after training a WGAN under weight clipping, most critic
/// weights sit at the bounds +-c; under the gradient penalty they spread. This experiment trains the deep
/// Swiss Roll WGAN of Figure 1b under both constraints and measures the fraction of critic weights within 1%
/// of the bounds (of their own extremes, for the unclipped critic).
module Wgan.Experiments.WeightHistogramsExperiment

open System.Collections.Generic
open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.ToyTraining

[<Literal>]
let Id = "weight-histograms"

/// The work a scale does.
type ScaleSettings =
    { Seeds: int
      /// Width of every hidden layer of both networks.
      Width: int
      BatchSize: int
      GeneratorIterations: int
      /// Training state is saved every so many generator iterations (0: never), so a killed unit resumes there.
      CheckpointEvery: int }

type Settings =
    { Seed: int
      VerifyTolerance: float
      Dataset: ToyDataset
      NoiseDimension: int
      NCritic: int
      Critic: DeepShape
      Generator: DeepShape
      Clipping: TrainingSetting
      GradientPenalty: TrainingSetting
      HistogramBins: int
      Scales: Map<Scale, ScaleSettings>
      Claims: ClaimSpec list }

let metrics =
    [ "clip.fractionAtBounds", "fraction of the clipped critic's weights within 1% of +-c after training (| |w| - c | <= 0.01 c)"
      "clip.fractionAtBoundsAtStart", "the same fraction for the initial weights clipped once, before any training step"
      "clip.trainedToBounds", "among the weights the first clipping left inside the bounds, the fraction at +-c after training"
      "clip.fractionAtExtremes", "fraction of the clipped critic's weights within 1% of their layer's +-max |w| after training"
      "clip.relativeChange", "||w_final - w_clipped_once|| / ||w_clipped_once||: how far training moved the clipped weights"
      "clip.excessKurtosis", "the clipped critic's weights after training, as gp.excessKurtosis (two spikes at +-c: about -2)"
      "gp.fractionAtExtremes", "fraction of the gradient-penalty critic's weights within 1% of their layer's +-max |w| after training"
      "gp.fractionAtClipBounds", "fraction of the gradient-penalty critic's weights within 1% of +-c, c the clipped setting's bound"
      "gp.maxAbsWeightOverBound", "largest |w| of the gradient-penalty critic divided by c"
      "gp.relativeChange", "||w_final - w_initial|| / ||w_initial|| of the gradient-penalty critic"
      "gp.excessKurtosis", "the gradient-penalty critic's weights after training: each layer's excess kurtosis m4 / m2^2 - 3 (uniform -1.2, Gaussian 0), averaged over layers weighted by their number of weights"
      "clip.firstIteration.fractionAtBounds", "control: clip.fractionAtBounds of the same critic after one generator iteration (the same seed's training replayed for one iteration)"
      "gp.initial.fractionAtExtremes", "control: gp.fractionAtExtremes of the gradient-penalty critic's initial weights, before any training step"
      "gp.initial.excessKurtosis", "control: gp.excessKurtosis of the gradient-penalty critic's initial weights (PyTorch's uniform init: about -1.2)" ]

let private scaleSettings: Decoder<ScaleSettings> =
    Decode.readObject (fun r ->
        { Seeds = r.Required("seeds", Decode.intInRange 1 1000)
          Width = r.Required("width", Decode.intInRange 1 65536)
          BatchSize = r.Required("batchSize", Decode.intInRange 1 1_000_000)
          GeneratorIterations = r.Required("generatorIterations", Decode.intInRange 0 10_000_000)
          CheckpointEvery = r.Required("checkpointEvery", Decode.intInRange 0 10_000_000) })

let decodeSettings: Decoder<Settings> =
    Decode.readObject (fun r ->
        r.Required("experiment", Decode.string) |> ignore
        { Seed = r.Required("seed", seed)
          VerifyTolerance = r.Required("verifyTolerance", verifyTolerance)
          Dataset = r.Required("dataset", dataset)
          NoiseDimension = r.Required("noiseDimension", Decode.intInRange 1 4096)
          NCritic = r.Required("nCritic", Decode.intInRange 1 1000)
          Critic = r.Required("critic", deepShape)
          Generator = r.Required("generator", deepShape)
          Clipping =
            r.Required("clipping", trainingSetting false |> requiring (fun s -> match s.Constraint with WeightClipping _ -> true | _ -> false) "its constraint must be weight-clipping")
          GradientPenalty =
            r.Required("gradientPenalty", trainingSetting false |> requiring (fun s -> match s.Constraint with GradientPenalty _ -> true | _ -> false) "its constraint must be gradient-penalty")
          HistogramBins = r.Required("histogramBins", Decode.intInRange 1 10_000)
          Scales = r.Required("scales", scaleTable scaleSettings)
          Claims = r.Required("claims", claims (List.map fst metrics)) })

/// The clipping bound c of the clipping setting.
let bound (settings: Settings) =
    match settings.Clipping.Constraint with
    | WeightClipping (c, _) -> c
    | other -> invalidArg (nameof settings) $"the clipping setting has constraint {other}"

/// The two trainings of a seed.
type Role =
    | Clipping
    | Penalty

    member this.Prefix =
        match this with
        | Clipping -> "clip"
        | Penalty -> "gp"

    member this.Code =
        match this with
        | Clipping -> 0
        | Penalty -> 1

let roles = [ Clipping; Penalty ]

let private settingOf (settings: Settings) (role: Role) =
    match role with
    | Clipping -> settings.Clipping
    | Penalty -> settings.GradientPenalty

/// A histogram of `values` over +-(1.05 max |w|), so that weights at the extremes fall inside the outer bins.
let histogramOf (label: string) (bins: int) (values: float[]) : Histogram =
    let largest = values |> Array.map abs |> Array.max
    let edge = if largest > 0.0 then 1.05 * largest else 1.0
    { Label = label; Lo = -edge; Hi = edge; Counts = LipschitzTools.histogram -edge edge bins values |> Array.map float }

/// ||final - initial|| / ||initial|| over all weights: how far training moved them.
let relativeChange (initial: float[]) (final: float[]) =
    sqrt (Array.fold2 (fun acc a b -> acc + (b - a) * (b - a)) 0.0 initial final) / sqrt (Array.sumBy (fun a -> a * a) initial)

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

/// The weight statistics of one trained critic (weights per layer, before and after training), named as
/// the metrics without their role prefix.
let weightStatistics (role: Role) (c: float) (initial: float[][]) (final: float[][]) : (string * float) list =
    let first, last = Array.concat initial, Array.concat final
    match role with
    | Clipping ->
        let clippedOnce = first |> Array.map (fun w -> max -c (min c w))
        let interior = [| for k in 0 .. first.Length - 1 do if abs clippedOnce[k] < (1.0 - LipschitzTools.BoundTolerance) * c then last[k] |]
        [ "fractionAtBounds", LipschitzTools.fractionAtBounds c last
          "fractionAtBoundsAtStart", LipschitzTools.fractionAtBounds c clippedOnce
          "trainedToBounds", LipschitzTools.fractionAtBounds c interior
          "fractionAtExtremes", LipschitzTools.fractionAtLayerExtremes final
          "relativeChange", relativeChange clippedOnce last
          "excessKurtosis", layerExcessKurtosis final ]
    | Penalty ->
        [ "fractionAtExtremes", LipschitzTools.fractionAtLayerExtremes final
          "fractionAtClipBounds", LipschitzTools.fractionAtBounds c last
          "maxAbsWeightOverBound", (last |> Array.map abs |> Array.max) / c
          "relativeChange", relativeChange first last
          "excessKurtosis", layerExcessKurtosis final ]

/// The control statistics of one critic, named as the metrics without their role prefix: under clipping, the
/// fraction at +-c after one generator iteration (`afterOne`, the weights per layer); under the penalty, the
/// initial weights' statistics.
let controlStatistics (role: Role) (c: float) (initial: float[][]) (afterOne: float[][]) : (string * float) list =
    match role with
    | Clipping -> [ "firstIteration.fractionAtBounds", LipschitzTools.fractionAtBounds c (Array.concat afterOne) ]
    | Penalty ->
        [ "initial.fractionAtExtremes", LipschitzTools.fractionAtLayerExtremes initial
          "initial.excessKurtosis", layerExcessKurtosis initial ]

/// The key of the unit that trains under `role` for `seed`.
let unitKey (seed: int64) (role: Role) = $"seed-{seed}/{role.Prefix}"

/// One unit of work: trains the WGAN under one setting, then measures the critic's linear weights (biases
/// excluded) before and after: the role's statistics as scalars, and the histogram of the final weights
/// (vector "histogram", over ["histogramLo", "histogramHi"]). Training checkpoints to `checkpoints` every
/// CheckpointEvery generator iterations and resumes from the last save.
let train (settings: Settings) (scale: ScaleSettings) (device: torch.Device) (checkpoints: UnitCheckpoints) (seed: int64) (role: Role) : UnitMeasurement =
    let generatorFor purpose = new torch.Generator(uint64 (Seeds.derive seed [ role.Code; purpose ]))
    let setting = settingOf settings role
    // Builds the seed's networks and trains them `iterations` generator iterations; returns the critic's
    // weights per layer before and after ("" or why training stopped). Every call starts from the same
    // generators, so a short call replays the start of a long one exactly.
    let trained (checkpoints: UnitCheckpoints) (checkpointEvery: int) (iterations: int) =
        use networkGenerator = generatorFor 0
        use trainingGenerator = generatorFor 1
        use critic = new Mlp(deepSpec settings.Critic scale.Width 2 1, networkGenerator)
        use generatorNetwork = new Mlp(deepSpec settings.Generator scale.Width settings.NoiseDimension 2, networkGenerator)
        critic.``to``(device) |> ignore
        generatorNetwork.``to``(device) |> ignore
        let initial = LipschitzTools.layerWeights critic
        let diverged =
            trainWgan checkpoints checkpointEvery critic generatorNetwork setting settings.Dataset settings.NoiseDimension scale.BatchSize settings.NCritic iterations device trainingGenerator
        initial, (if diverged = "" then LipschitzTools.layerWeights critic else initial |> Array.map (Array.map (fun _ -> nan))), diverged
    // The control: the same critic after one generator iteration (a replay, not checkpointed: it is short).
    let _, afterOne, _ = trained UnitCheckpoints.None 0 (min 1 scale.GeneratorIterations)
    let initial, final, diverged = trained checkpoints scale.CheckpointEvery scale.GeneratorIterations
    let histogram = histogramOf setting.Label settings.HistogramBins (if diverged = "" then Array.concat final else [| 0.0 |])
    { Key = unitKey seed role
      Scalars =
        readOnlyDict (
            weightStatistics role (bound settings) initial final
            @ controlStatistics role (bound settings) initial afterOne
            @ [ "histogramLo", histogram.Lo; "histogramHi", histogram.Hi ])
      Vectors = readOnlyDict [ "histogram", histogram.Counts ]
      Texts = readOnlyDict []
      Diverged = diverged }

/// The per-seed metrics from the seed's two units.
let seedMetrics (clipped: UnitMeasurement) (penalised: UnitMeasurement) : IReadOnlyDictionary<string, float> =
    readOnlyDict [
        for role, m in [ Clipping, clipped; Penalty, penalised ] do
            for KeyValue (name, value) in m.Scalars do
                if not (name.StartsWith "histogram") then $"{role.Prefix}.{name}", value ]

let private title = "Critic weight histograms under weight clipping and gradient penalty"
let private source = "WGAN-GP (Gulrajani et al. 2017), Figure 1b (right)"

/// The units of a run: one per seed and constraint.
let units (settings: Settings) (run: RunContext) : ToyUnit list =
    let scale = settings.Scales[run.Scale]
    [ for seed in run.Seeds do
          for role in roles ->
              { Key = unitKey seed role
                Description = $"seed {seed}, {(settingOf settings role).Label}"
                Run = fun checkpoints -> train settings scale run.Device checkpoints seed role } ]

/// The experiment's result from its units' measurements.
let assemble (settings: Settings) (run: RunContext) (measurements: UnitMeasurement list) : Findings =
    let scale = settings.Scales[run.Scale]
    let seeds = run.Seeds
    let found = byKey measurements
    let metrics = seeds |> List.map (fun seed -> { Seed = seed; Values = seedMetrics found[unitKey seed Clipping] found[unitKey seed Penalty] })
    let histogram role =
        let m = found[unitKey seeds.Head role]
        { Label = (settingOf settings role).Label; Lo = m.Scalars["histogramLo"]; Hi = m.Scalars["histogramHi"]; Counts = m.Vectors["histogram"] }
    let figure name role =
        { Figure.ofLines name $"{(settingOf settings role).Label}: critic weights after training (seed {seeds.Head})" "weight" "count" false [] with
            Histograms = [ histogram role ] }
    let c = bound settings
    let meanOf (name: string) = metrics |> List.averageBy (fun m -> m.Values[name])
    let percentOf (name: string) = (100.0 * meanOf name).ToString("F1", System.Globalization.CultureInfo.InvariantCulture)
    let plain (name: string) = (meanOf name).ToString("F2", System.Globalization.CultureInfo.InvariantCulture)
    let atStart, atEnd, trained, moved = "clip.fractionAtBoundsAtStart", "clip.fractionAtBounds", "clip.trainedToBounds", "gp.relativeChange"
    let afterOne, initialExtremes = "clip.firstIteration.fractionAtBounds", "gp.initial.fractionAtExtremes"
    let kurtosis, initialKurtosis = "gp.excessKurtosis", "gp.initial.excessKurtosis"
    let initBound = (1.0 / sqrt (float scale.Width)).ToString("G3", System.Globalization.CultureInfo.InvariantCulture)
    let claims = settings.Claims |> List.map (Claims.evaluate metrics)
    { Metrics = metrics
      Claims = claims
      Series =
        [ { Name = "histograms"
            Columns = [ "setting"; "bin_lo"; "bin_hi"; "count" ]
            Rows =
              [ for role in roles do
                    let h = histogram role
                    let width = (h.Hi - h.Lo) / float h.Counts.Length
                    for b in 0 .. h.Counts.Length - 1 -> [| float role.Code; h.Lo + float b * width; h.Lo + float (b + 1) * width; h.Counts[b] |] ] } ]
      Figures = [ figure "weights-clipping" Clipping; figure "weights-gradient-penalty" Penalty ]
      ImageGrids = []
      Notes =
        [ $"Data: {settings.Dataset.Name}. Critic: MLP 2 -> {settings.Critic.Depth} x {scale.Width} -> 1, {activationText settings.Critic.Activation}, normalisation {normalizationText settings.Critic.Normalization}; generator: MLP {settings.NoiseDimension} -> {settings.Generator.Depth} x {scale.Width} -> 2. The paper does not say which networks its histograms come from; this is the Figure 1b setup (Swiss Roll, deep ReLU MLPs)."
          $"Training: {scale.GeneratorIterations} generator iterations, each after {settings.NCritic} critic steps, batch {scale.BatchSize}; no critic warm-up schedule."
          $"Clipping: {constraintText settings.Clipping.Constraint}; critic {optimizerText settings.Clipping.CriticOptimizer}, generator {optimizerText settings.Clipping.GeneratorOptimizer}."
          $"Gradient penalty: {constraintText settings.GradientPenalty.Constraint}; critic {optimizerText settings.GradientPenalty.CriticOptimizer}, generator {optimizerText settings.GradientPenalty.GeneratorOptimizer}."
          $"Weights: every weight of the critic's linear layers, biases excluded. 'Within 1%% of the bounds' means | |w| - c | <= 0.01 c with c = {c}. The gradient-penalty critic has no bounds: its claim uses each layer's own extremes +-max |w| (per layer, since the initial scale +-1/sqrt(fan_in) differs between layers; uniform weights give about 1%%), and gp.fractionAtClipBounds reports the fraction near +-c for comparison."
          "clip.fractionAtBoundsAtStart is the fraction the very first clipping produces from the PyTorch-style initialisation (uniform in +-1/sqrt(fan_in), wider than c): part of the pile-up at +-c is there before any training. clip.trainedToBounds and the relativeChange metrics say how much training itself moved the weights."
          $"Measured here (mean over seeds): {percentOf atStart}%% of the clipped critic's weights sat at +-c after the first clipping, {percentOf atEnd}%% after training; training moved {percentOf trained}%% of the weights that started inside the bounds onto them. The gradient-penalty critic's weights moved by {percentOf moved}%% of their norm."
          "Controls. Each claim is tested again on the same network trained under the other constraint, which removes "
          + "the claimed mechanism and keeps everything else: clip-weights-at-bounds on the penalised critic's weights "
          + "near +-c (gp.fractionAtClipBounds), gp-weights-spread on the clipped critic's weights near their extremes "
          + $"(clip.fractionAtExtremes). The one-iteration network shows when the pile-up appears "
          + $"(clip.firstIteration.fractionAtBounds, {percentOf afterOne}%%): PyTorch's weights are uniform in "
          + $"+-1/sqrt(fan_in) = +-{initBound}, so clamping them to +-{c} puts 1 - c sqrt(fan_in) of each hidden layer's "
          + "weights at the bounds from the first clamp, before training."
          $"gp-weights-bell-shaped asks what the paper's histogram shows: a bell shape. Excess kurtosis (m4 / m2^2 - 3, per layer, averaged over layers weighted by size) is -1.2 for the uniform initialisation, 0 for a Gaussian, -2 for two spikes at +-c; the threshold -0.6 is the midpoint between uniform and Gaussian, and its control is the clipped critic's weights (clip.excessKurtosis), as for the other claims; the penalty critic's initial weights give {plain initialKurtosis} (gp.initial.excessKurtosis), after training {plain kurtosis}. The penalty critic's initial weights have {percentOf initialExtremes}%% of their weights at their extremes."
          $"Figures show seed {seeds.Head}, {settings.HistogramBins} bins over +-1.05 max |w| of each critic."
          yield! scaleNote run.Scale claims $"The networks here are {scale.Width} wide and train {scale.GeneratorIterations} generator iterations (paper scale: {settings.Scales[Paper].Width} wide, {settings.Scales[Paper].GeneratorIterations} iterations); relativeChange says how far the weights moved from their start."
          yield! Experiment.bagDivergenceNotes measurements ] }

/// The networks a unit holds at once, at a scale (see Footprint): its critic and generator, through the batch.
let footprint (settings: Settings) (scale: Scale) : Footprint.Demand list =
    let s = settings.Scales[scale]
    deepFootprint scale.Name settings.Critic settings.Generator s.Width settings.NoiseDimension (s.BatchSize)

let definition: ExperimentDefinition =
    Experiment.standard Id title source metrics decodeSettings
        Experiment.commonOf
        footprint units assemble
