/// How capacity-underuse reads its manifest: the critics' settings, the training sets of the listed data sets, and
/// per scale the critics' widths, how long they train (a fixed count or the plateau rule) and what is measured.
module Wgan.Experiments.CapacityUnderuse.Reading

open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.CapacityUnderuse.Settings

let private plateauTraining: Decoder<CriticTraining> =
    let tolerance = Decode.float |> Decode.check (fun v -> v > 0.0 && v < 1.0) "must be a number in (0, 1)"
    Decode.object (fields {
        let! _ = required "kind" (Decode.oneOf [ "until-plateau", () ])
        and! minSteps = required "minSteps" (Decode.intInRange 1 10_000_000)
        and! maxSteps = required "maxSteps" (Decode.intInRange 1 10_000_000)
        and! every = required "evaluateEvery" (Decode.intInRange 1 10_000_000)
        and! window = required "window" (Decode.intInRange 1 10_000)
        and! tolerance = required "tolerance" tolerance
        and! samples = required "evaluationSamples" (Decode.intInRange 1 1_000_000)
        let rule: Plateau.Rule = { EvaluateEvery = every; Window = window; Tolerance = tolerance }
        return { MinSteps = minSteps; MaxSteps = maxSteps; Plateau = Some(rule, samples) } })
    |> requiring (fun t -> t.MinSteps <= t.MaxSteps) "minSteps must not exceed maxSteps"

/// "criticSteps": n (every critic trains n steps) or {"kind": "until-plateau", "minSteps", "maxSteps",
/// "evaluateEvery", "window", "tolerance", "evaluationSamples"} (Plateau.Rule: at least minSteps, then until
/// the dual estimate on a fixed batch of evaluationSamples per distribution plateaus, at most maxSteps).
let private criticTraining: Decoder<CriticTraining> =
    fun path e ->
        if e.ValueKind = System.Text.Json.JsonValueKind.Object then plateauTraining path e
        else
            Decode.intInRange 1 10_000_000 path e
            |> Result.map (fun n -> { MinSteps = n; MaxSteps = n; Plateau = None })

let private settings: Fields<Settings> =
    let clipping =
        FixedGeneratorCritic.criticSettings "weight-clipping" (function WeightClipping _ -> true | _ -> false)
    let penalty =
        FixedGeneratorCritic.criticSettings "gradient-penalty" (function GradientPenalty _ -> true | _ -> false)
    fields {
        let! datasets = required "datasets" distinctDatasets
        and! noise = required "generatorNoise" Decode.positiveFloat
        and! coupling = required "fakeBatch" fakeBatch
        and! bins = required "structureBins" (Decode.intInRange 1 1024)
        and! halfWidth = required "plotHalfWidth" Decode.positiveFloat
        and! clipped = required "clippedCritic" clipping
        and! penalised = required "penaltyCritic" penalty
        // Without valid data sets the training sets cannot be checked.
        let! sets = required "trainingSet" (FixedGeneratorCritic.trainingSets datasets)
        return
            { Datasets = datasets
              GeneratorNoise = noise
              FakeBatch = coupling
              TrainingSets = sets
              StructureBins = bins
              PlotHalfWidth = halfWidth
              ClippedCritic = clipped
              PenaltyCritic = penalised } }

/// A scale; its batch may not exceed the smallest fixed training set.
let private scaleSettings (settings: Settings) : Fields<ScaleSettings> =
    let largest = largestBatch settings
    let batchSize =
        Decode.intInRange 1 1_000_000
        |> Decode.check (fun b -> b <= largest)
            $"must not exceed the {largest} points of the fixed training set (trainingSet)"
    fields {
        let! hidden = required "criticHidden" hiddenWidths
        and! batch = required "batchSize" batchSize
        and! steps = required "criticSteps" criticTraining
        and! samples = CommonFields.evaluationSamples
        and! resolution = required "gridResolution" (Decode.intInRange 4 1024)
        and! plotted = required "plottedSamples" (Decode.intInRange 0 1_000_000)
        and! note = optional "note" Decode.nonEmptyString
        return
            { CriticHidden = hidden
              BatchSize = batch
              CriticSteps = steps
              EvaluationSamples = samples
              GridResolution = resolution
              PlottedSamples = plotted
              Note = note } }

/// How the experiment reads its manifest.
let reading: Wgan.Experiments.Envelope.Reading<Settings, ScaleSettings> =
    { Settings = settings
      Scale = scaleSettings
      Checkpoints = true
      MetricNames = fun s -> metricNames s.Datasets }
