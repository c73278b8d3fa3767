/// WGAN-GP Figure 5b, detecting overfitting: what a manifest sets. WGAN-GP and WGAN-clip train on a random subset of
/// MNIST (1000 digits in the paper); the negative critic loss is measured at regular intervals on training batches
/// and on held-out batches.
module Wgan.Experiments.Overfitting.Settings

open Wgan.Experiments
open Wgan.Experiments.Json
open Wgan.Experiments.MnistVariant

/// The experiment's id, as its manifests name it in "experiment".
[<Literal>]
let Id = "overfitting-detection"

/// The experiment's own settings.
type Settings =
    { Gan: GanSetup
      /// Slopes are fitted over generator iterations >= TrendFrom x total.
      TrendFrom: float
      /// The final gap is averaged over generator iterations >= (1 - GapOver) x total.
      GapOver: float }

/// The work a scale does.
type ScaleSettings =
    { /// The networks' width, the training length, the measurements' and snapshots' cadence.
      Run: MnistRun.RunScale
      /// Batches of each set (and of fakes) per measurement.
      EvaluationBatches: int
      /// The random training subset (1000 in the paper).
      TrainingDigits: int
      /// Held-out digits, split in two halves: the validation curve's and a second held-out set's (the control).
      ValidationDigits: int }

let private perVariantMetrics (prefix: string) (name: string) =
    let slopeFrom = "per 1000 generator iterations, from trendFrom of training on"
    [ $"{prefix}.finalGap",
      $"{name}: negative critic loss on training minus validation batches, averaged over the last gapOver of training"
      $"{prefix}.finalEmGap",
      $"{name}: the same gap for the EM estimate E f(real) - E f(fake) (without the penalty term)"
      $"{prefix}.trainSlope", $"{name}: least-squares slope of the training negative critic loss {slopeFrom}"
      $"{prefix}.validationSlope", $"{name}: the same slope on validation batches"
      $"{prefix}.slopeDifference", $"{name}: trainSlope - validationSlope"
      $"{prefix}.heldOutSlope",
      $"{name}: the same slope on the second held-out set (a control: digits the critic never saw, like the "
      + "validation set)"
      $"{prefix}.gapSlope",
      $"{name}: least-squares slope of the gap (training minus validation negative critic loss) {slopeFrom}: > 0 "
      + "when the gap widens"
      $"{prefix}.heldOutGapSlope",
      $"{name}: the same slope of the gap between the second held-out set and the validation set (a control: no "
      + "overfitting is possible between two held-out sets)"
      $"{prefix}.relativeGap",
      $"{name}: E f(training) - E f(validation) over E f(validation) - E f(fake), averaged over the last gapOver of "
      + "training: the training digits' lead over held-out ones as a share of the held-out digits' lead over "
      + "generated ones (the gap on the critic's own scale)"
      $"{prefix}.heldOutRelativeGap",
      $"{name}: the same with the second held-out set in place of the training digits (a control: must be about 0)" ]

/// What each metric means.
let metrics = perVariantMetrics "gp" "WGAN-GP" @ perVariantMetrics "clip" "WGAN-clip"

let private settings: Fields<Settings> =
    let gapOver = Decode.float |> Decode.check (fun v -> v > 0.0 && v <= 1.0) "must be a number in (0, 1]"
    let analysis = Decode.object (fields {
        let! trendFrom = required "trendFrom" (Decode.floatInRange 0.0 0.95)
        and! gapOver = required "gapOver" gapOver
        return trendFrom, gapOver })
    fields {
        let! gan = ganSetup
        and! trendFrom, gapOver = required "analysis" analysis
        return { Gan = gan; TrendFrom = trendFrom; GapOver = gapOver } }

let private scaleSettings (settings: Settings) : Fields<ScaleSettings> =
    let batch = settings.Gan.BatchSize
    let digits = Decode.intInRange 1 10_000_000
    fields {
        let! run = MnistRun.runScale
        and! evaluationBatches = required "evaluationBatches" (Decode.intInRange 1 100_000)
        and! training =
            required "trainingDigits" (digits |> Decode.check (fun n -> n >= batch) $"must hold one batch ({batch})")
        and! validation =
            required "validationDigits"
                (digits |> Decode.check (fun n -> n / 2 >= batch) $"each half must hold one batch ({batch})")
        return
            { Run = run
              EvaluationBatches = evaluationBatches
              TrainingDigits = training
              ValidationDigits = validation } }

/// How the experiment reads its manifest.
let reading: Wgan.Experiments.Envelope.Reading<Settings, ScaleSettings> =
    { Settings = settings
      Scale = scaleSettings
      Checkpoints = true
      MetricNames = fun _ -> List.map fst metrics }
