/// WGAN-GP section 4 and Appendix C, variants of the gradient-penalty critic: what a manifest sets. WGAN-GP trains on
/// toy data with each variant (the penalty's sides, the critic's normalisation) and the exact W1 between generated and
/// real samples is compared, at the end and along training.
module Wgan.Experiments.PenaltyVariants.Settings

open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan

[<Literal>]
let Id = "penalty-variants"

/// A critic variant: the penalty's sides and the critic's normalisation.
type Variant = { Id: string; Label: string; Sides: GradientPenalty.Sides; Normalization: Normalization }

/// A pair of variants whose final W1 is compared (variant over reference).
type VariantComparison = { Id: string; Variant: string; Reference: string }

/// The experiment's own settings.
type Settings =
    { Datasets: ToyDataset list
      NoiseDimension: int
      /// Hidden layers of both networks.
      Depth: int
      Lambda: float
      NCritic: int
      CriticOptimizer: OptimizerSpec
      GeneratorOptimizer: OptimizerSpec
      Variants: Variant list
      Comparisons: VariantComparison list }

/// The work a scale does.
type ScaleSettings =
    { /// Width of every hidden layer of both networks.
      Width: int
      BatchSize: int
      GeneratorIterations: int
      EarthMoverSamples: int
      /// Generator iterations after which the exact W1 is measured on a fixed batch (the W1 curve), ascending, the
      /// last one the end of training.
      Horizons: int list }

/// The metric names of a manifest's data sets, variants and comparisons.
let metricNames (settings: Settings) =
    let datasets, variants = settings.Datasets, settings.Variants
    [ for v in variants do
          for d in datasets -> $"{v.Id}.{d.Name}.finalEarthMover"
      for v in variants -> $"{v.Id}.meanEarthMover"
      for d in datasets -> $"untrained.{d.Name}.earthMover"
      yield "untrained.meanEarthMover"
      for v in variants do
          yield $"{v.Id}.untrainedLogRatio"
          yield $"{v.Id}.untrainedAbsLogRatio"
      for v in variants do
          yield $"{v.Id}.relativeArea"
          for d in datasets -> $"{v.Id}.{d.Name}.relativeArea"
      for c in settings.Comparisons do
          yield $"{c.Id}.earthMoverRatio"
          yield $"{c.Id}.absLogRatio"
          yield $"{c.Id}.areaRatio" ]

/// What each metric means.
let metrics =
    [ "<variant>.<dataset>.finalEarthMover", "exact W1 between generated and real samples after training"
      "<variant>.meanEarthMover", "mean of the final W1 over the data sets"
      "<comparison>.earthMoverRatio",
      "meanEarthMover of the comparison's variant over that of its reference (> 1: the variant ends further from the "
      + "data)"
      "<comparison>.absLogRatio", "|ln earthMoverRatio|: 0 when the two end equally close"
      "untrained.<dataset>.earthMover",
      "exact W1 between the untrained generator's samples and real samples (every variant of a seed and data set "
      + "starts from this generator)"
      "untrained.meanEarthMover", "mean of the untrained W1 over the data sets"
      "<variant>.untrainedLogRatio",
      "ln(<variant>.meanEarthMover / untrained.meanEarthMover): negative when training brought the generator closer "
      + "to the data"
      "<variant>.untrainedAbsLogRatio",
      "|<variant>.untrainedLogRatio|: the 'about the same' statistic between the trained and the untrained generator "
      + "(a control: training must make a real difference)"
      "<variant>.<dataset>.relativeArea",
      "the area under the W1 curve relative to the untrained W1: the mean over the scale's horizons of W1(h) / W1(0), "
      + "on one fixed batch per seed and data set (1: no progress at any horizon; lower is better)"
      "<variant>.relativeArea", "mean of relativeArea over the data sets"
      "<comparison>.areaRatio",
      "relativeArea of the comparison's variant over that of its reference (> 1: the variant makes less progress over "
      + "training)" ]

let private sides = Decode.oneOf [ "two-sided", GradientPenalty.TwoSided; "one-sided", GradientPenalty.OneSided ]

let private variant: Decoder<Variant> =
    Decode.object (fields {
        let! id = required "id" settingId
        and! label = required "label" Decode.nonEmptyString
        and! sides = required "sides" sides
        and! normalization = required "normalization" normalization
        return { Id = id; Label = label; Sides = sides; Normalization = normalization } })

let private comparison: Decoder<VariantComparison> =
    Decode.object (fields {
        let! id = required "id" settingId
        and! variant = required "variant" settingId
        and! reference = required "reference" settingId
        return { Id = id; Variant = variant; Reference = reference } })

/// Comparisons whose variants are among `variants`.
let private comparisons (variants: Variant list) : Decoder<VariantComparison list> =
    let known = variants |> List.map (fun v -> v.Id) |> set
    Decode.array comparison
    |> requiring (List.forall (fun c -> known.Contains c.Variant && known.Contains c.Reference))
        "comparisons must name known variants"

let private settings: Fields<Settings> =
    fields {
        let! datasets = required "datasets" distinctDatasets
        and! noiseDimension = CommonFields.noiseDimension
        and! depth = required "depth" (Decode.intInRange 1 64)
        and! lambda = required "lambda" (Decode.floatInRange 1e-9 1e6)
        and! nCritic = CommonFields.nCritic
        and! criticOptimizer = required "criticOptimizer" optimizer
        and! generatorOptimizer = required "generatorOptimizer" optimizer
        and! variants = required "variants" (uniqueIds (fun (v: Variant) -> v.Id) "variant" variant)
        let! compared = required "comparisons" (comparisons variants)
        return
            { Datasets = datasets
              NoiseDimension = noiseDimension
              Depth = depth
              Lambda = lambda
              NCritic = nCritic
              CriticOptimizer = criticOptimizer
              GeneratorOptimizer = generatorOptimizer
              Variants = variants
              Comparisons = compared } }

/// The horizons: ascending and distinct, the last one `iterations`.
let private horizons (iterations: int) : Decoder<int list> =
    Decode.nonEmptyArray (Decode.intInRange 1 10_000_000)
    |> requiring (fun hs -> List.sort (List.distinct hs) = hs) "must be ascending and distinct"
    |> requiring (fun hs -> List.last hs = iterations) "the last horizon must be generatorIterations"

let private scaleSettings (_: Settings) : Fields<ScaleSettings> =
    fields {
        let! width = CommonFields.width
        and! batchSize = CommonFields.batchSize
        and! iterations = CommonFields.generatorIterations
        and! samples = CommonFields.earthMoverSamples
        let! horizons = required "horizons" (horizons iterations)
        return
            { Width = width
              BatchSize = batchSize
              GeneratorIterations = iterations
              EarthMoverSamples = samples
              Horizons = horizons } }

/// How the experiment reads its manifest.
let reading: Wgan.Experiments.Envelope.Reading<Settings, ScaleSettings> =
    { Settings = settings
      Scale = scaleSettings
      Checkpoints = true
      MetricNames = metricNames }
