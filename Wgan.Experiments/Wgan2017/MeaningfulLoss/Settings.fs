/// WGAN Figures 3-4, a meaningful loss: what a manifest sets. GAN and WGAN trainers train on toy data sets; the loss
/// estimate of every generator iteration is logged, and at regular intervals the exact W1 between generated and real
/// samples, against which the median-filtered estimate is correlated.
module Wgan.Experiments.MeaningfulLoss.Settings

open Wgan.Experiments
open Wgan.Experiments.Json
open Wgan.Experiments.Trainers
open Wgan.Experiments.ToyWgan

/// The experiment's id (a manifest's "experiment").
[<Literal>]
let Id = "meaningful-loss-curves"

/// The experiment's own settings.
type Settings =
    { Training: Training
      /// Window of the median filter on the logged estimates (the WGAN README's).
      MedianWindow: int }

/// The work a scale does.
type ScaleSettings =
    { Training: TrainingScale
      /// Exact W1 every so many generator iterations (and at the last one).
      LogEvery: int
      /// This scale's median window, when the manifest's (sized for long runs) would span the whole run.
      MedianWindow: int option }

/// The median window at a scale: the scale's own, else the manifest's.
let medianWindowAt (settings: Settings) (scale: ScaleSettings) =
    scale.MedianWindow |> Option.defaultValue settings.MedianWindow

/// The statistics of each trainer and data set, and their means over the data sets, by name.
let statistics =
    [ "spearman", "meanSpearman"
      "clockSpearman", "clockMeanSpearman"
      "partialSpearman", "meanPartialSpearman"
      "clockPartialSpearman", "clockMeanPartialSpearman" ]

/// Metric names of one trainer.
let trainerMetricNames (datasets: Wgan.Core.ToyData.ToyDataset list) (trainer: Trainer) =
    [ for d in datasets do
          yield $"{trainer.Id}.{d.Name}.spearman"
          yield $"{trainer.Id}.{d.Name}.finalEarthMover"
          yield $"{trainer.Id}.{d.Name}.clockSpearman"
          yield $"{trainer.Id}.{d.Name}.partialSpearman"
          yield $"{trainer.Id}.{d.Name}.clockPartialSpearman"
      for _, mean in statistics -> $"{trainer.Id}.{mean}" ]

/// What each metric means.
let metrics =
    [ "<trainer>.<dataset>.spearman",
      "Spearman rank correlation over the logged iterations between the trainer's median-filtered loss estimate (WGAN: "
      + "-critic loss; GAN: L/2 + log 2) and the exact W1 between generated and real samples"
      "<trainer>.<dataset>.finalEarthMover", "exact W1 between generated and real samples at the last iteration"
      "<trainer>.meanSpearman", "the mean of <trainer>.<dataset>.spearman over the data sets"
      "<trainer>.<dataset>.clockSpearman",
      "the control of spearman: Spearman correlation over the same logged iterations between the iteration counter "
      + "(negated, so that it falls) and the exact W1"
      "<trainer>.<dataset>.partialSpearman",
      "partial Spearman correlation between the filtered estimate and the exact W1 given the iteration: how far they "
      + "move together beyond their common trend in time"
      "<trainer>.<dataset>.clockPartialSpearman",
      "the control of partialSpearman: the same statistic for the iteration counter, 0 by definition (a monotone "
      + "function of the iteration has nothing left beyond it)"
      "<trainer>.clockMeanSpearman", "the mean of <trainer>.<dataset>.clockSpearman over the data sets"
      "<trainer>.meanPartialSpearman", "the mean of <trainer>.<dataset>.partialSpearman over the data sets"
      "<trainer>.clockMeanPartialSpearman",
      "the mean of <trainer>.<dataset>.clockPartialSpearman over the data sets (0)" ]

let private settings: Fields<Settings> =
    fields {
        let! training = trainingFields distinctDatasets
        and! window = required "medianWindow" (Decode.intInRange 1 100_001)
        return { Training = training; MedianWindow = window } }

let private scaleSettings (_: Settings) : Fields<ScaleSettings> =
    fields {
        let! training = trainingScaleFields
        and! logEvery = required "logEvery" (Decode.intInRange 1 10_000_000)
        and! window = optional "medianWindow" (Decode.intInRange 1 100_001)
        return { Training = training; LogEvery = logEvery; MedianWindow = window } }

/// How the experiment reads its manifest.
let reading: Envelope.Reading<Settings, ScaleSettings> =
    { Settings = settings
      Scale = scaleSettings
      Checkpoints = true
      MetricNames = fun s -> s.Training.Trainers |> List.collect (trainerMetricNames s.Training.Datasets) }
