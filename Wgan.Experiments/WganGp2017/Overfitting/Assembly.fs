/// overfitting-detection's findings from its units: each run's curves summarised by slopes and end-of-training gaps,
/// the claims judged on them, the mean curves drawn, and the notes a report prints.
module Wgan.Experiments.Overfitting.Assembly

open Wgan.Experiments
open Wgan.Experiments.MnistVariant
open Wgan.Experiments.MnistWgan
open Wgan.Experiments.MnistRun
open Wgan.Experiments.Overfitting.Settings
open Wgan.Experiments.Overfitting.Unit

/// The metrics of one variant's run for one seed (`prefix` names the variant), over `iterations` generator
/// iterations: slopes from `trendFrom` of training on, gaps over the last `gapOver`.
let variantMetrics (prefix: string) (trendFrom: float) (gapOver: float) (iterations: int) (ms: Measurement[]) =
    let tail = ms |> Array.filter (fun m -> float m.Iteration >= (1.0 - gapOver) * float iterations)
    let trend = ms |> Array.filter (fun m -> float m.Iteration >= trendFrom * float iterations)
    let slope (pick: Measurement -> float) =
        if trend.Length < 2 then nan
        else Statistics.slope (trend |> Array.map (fun m -> float m.Iteration / 1000.0)) (trend |> Array.map pick)
    let gap (pick: Measurement -> float * float) =
        if tail.Length = 0 then nan else tail |> Array.averageBy (fun m -> let a, b = pick m in a - b)
    let trainSlope = slope (fun m -> m.TrainNegativeLoss)
    let validationSlope = slope (fun m -> m.ValidationNegativeLoss)
    // The critic's own scale: how far it puts held-out digits above generated ones at the end of training.
    let scale = if tail.Length = 0 then nan else tail |> Array.averageBy (fun m -> m.ValidationEarthMover)
    [ $"{prefix}.finalGap", gap (fun m -> m.TrainNegativeLoss, m.ValidationNegativeLoss)
      $"{prefix}.finalEmGap", gap (fun m -> m.TrainEarthMover, m.ValidationEarthMover)
      $"{prefix}.trainSlope", trainSlope
      $"{prefix}.validationSlope", validationSlope
      $"{prefix}.slopeDifference", trainSlope - validationSlope
      $"{prefix}.heldOutSlope", slope (fun m -> m.HeldOutNegativeLoss)
      $"{prefix}.gapSlope", slope (fun m -> m.TrainNegativeLoss - m.ValidationNegativeLoss)
      $"{prefix}.heldOutGapSlope", slope (fun m -> m.HeldOutNegativeLoss - m.ValidationNegativeLoss)
      $"{prefix}.relativeGap", gap (fun m -> m.TrainEarthMover, m.ValidationEarthMover) / scale
      $"{prefix}.heldOutRelativeGap", gap (fun m -> m.HeldOutEarthMover, m.ValidationEarthMover) / scale ]

let private curveColumns =
    [ "seed"; "generator_iteration"; "train_negative_critic_loss"; "validation_negative_critic_loss"; "gap"
      "train_em_estimate"; "validation_em_estimate"; "train_penalty"; "validation_penalty"
      "held_out_negative_critic_loss"; "held_out_em_estimate"; "held_out_penalty" ]

/// One variant's curves, every seed's measurements.
let private curves (runs: VariantRuns<Measurement>) : Series =
    { Name = $"{runs.Variant.File}-curves"
      Columns = curveColumns
      Rows =
        [ for seed, r in runs.Runs do
              for m in r.Measurements ->
                  [| float seed; float m.Iteration; m.TrainNegativeLoss; m.ValidationNegativeLoss
                     m.TrainNegativeLoss - m.ValidationNegativeLoss; m.TrainEarthMover; m.ValidationEarthMover
                     m.TrainPenalty; m.ValidationPenalty; m.HeldOutNegativeLoss; m.HeldOutEarthMover
                     m.HeldOutPenalty |] ] }

/// One variant's three mean curves: training, validation and the second held-out set.
let private figure (runs: VariantRuns<Measurement>) : Figure =
    let x = evaluationIterations runs.Measurements (fun m -> m.Iteration)
    let line label pick = { Label = label; X = x; Y = meanOverRuns runs.Measurements pick; Markers = false }
    lineFigure $"{runs.Variant.File}-overfitting"
        $"{runs.Variant.Label}: negative critic loss on training vs validation digits (mean over seeds)"
        "generator iterations" "negative critic loss"
        [ line "training (1000-digit subset)" (fun m -> m.TrainNegativeLoss)
          line "validation (held out)" (fun m -> m.ValidationNegativeLoss)
          line "second held-out set (control)" (fun m -> m.HeldOutNegativeLoss) ]

/// The report's notes: the data, the measured quantity, the set-up and the controls, from the settings.
let private notes (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (data: string) =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let half = scale.ValidationDigits / 2
    [ $"Data: {data}. Each seed draws its own random subset of {scale.TrainingDigits} training digits and "
      + $"{scale.ValidationDigits} disjoint held-out digits, split into {half} validation digits and {half} digits of "
      + "a second held-out set; both variants of a seed share the split."
      "Sign convention: the curves show the negative critic loss -(E f(fake) - E f(real) + lambda GP) = "
      + "E f(real) - E f(fake) - lambda GP, as gan_mnist.py's disc_cost negated; for WGAN-clip there is no penalty "
      + "term. The `finalEmGap` metrics drop the penalty term."
      $"Every {scale.Run.EvaluateEvery} generator iterations the critic (not updated) is evaluated on "
      + $"{scale.EvaluationBatches} random batches of {settings.Gan.BatchSize} from each of the training, validation "
      + "and second held-out sets, each triple against the same fresh fake batch." ]
    @ trainingNotes settings.Gan scale.Run ""
    @ [ $"Metrics: slopes are fitted from {settings.TrendFrom * 100.0:F0}%% of training on; the final gap averages the "
        + $"last {settings.GapOver * 100.0:F0}%% of training. Figure 5b of the paper shows one run; here the curves "
        + "are means over seeds."
        "PAPERS.md states the overfitting claim for WGAN-GP only; the WGAN-clip claim checks whether clipping's "
        + "critic shows the same training/validation gap."
        "Controls: overfitting means the critic scores its training digits above digits it never saw. The second "
        + "held-out set is such a set too, so every claim is tested again on it: the training curve's rise must not "
        + "appear on the second held-out curve (`heldOutSlope`); the validation curve's fall must not appear on the "
        + "training curve (`trainSlope`: if both fall, the fall is the generator improving, not overfitting, and the "
        + "claim is *uninformative*); and the gap between training and validation must exceed the gap between the "
        + "two held-out sets (`heldOutRelativeGap`), which no overfitting can open. The gaps are tested on the "
        + "critic's own scale (`relativeGap`: the EM gap over the held-out digits' lead over generated ones)." ]

/// The experiment's findings from its units' measurements.
let assemble (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (measured: (string * Measured) list) : Findings =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let units = gather settings.Gan run.Seeds [ for key, m in measured -> key, m.Data, Some m.Run ]
    let runs = units.Runs
    let metricsOf (v: VariantEntry) =
        variantMetrics v.Prefix settings.TrendFrom settings.GapOver scale.Run.GeneratorIterations
    let metrics = seedMetrics run.Seeds runs metricsOf []
    { Metrics = metrics
      Claims = manifest.Claims |> List.map (Claims.evaluate metrics)
      Series = runs |> List.map curves
      Figures = runs |> List.map figure
      ImageGrids = runs |> List.map (sampleGrid settings.Gan.GridColumns)
      Notes =
        notes manifest run units.Data @ units.DivergenceNotes @ Option.toList scale.Run.Note }
