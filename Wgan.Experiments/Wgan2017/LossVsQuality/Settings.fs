/// A meaningful loss on real images (WGAN Figures 3-4, carried to MNIST and to WGAN-GP): what a manifest sets. A WGAN
/// trains on MNIST while the harness measures its samples' quality with a digit classifier it trains and caches.
module Wgan.Experiments.LossVsQuality.Settings

open Wgan.Experiments
open Wgan.Experiments.Json
open Wgan.Experiments.MnistVariant

/// The experiment's id, as its manifests name it in "experiment".
[<Literal>]
let Id = "mnist-loss-vs-quality"

/// The experiment's own settings.
type Settings =
    { /// Fixes the reference/training split, so that every seed (and the cached classifier) shares it.
      DataSeed: int
      Gan: GanSetup
      Classifier: SampleQuality.ClassifierSettings
      /// A class is covered when it receives at least this share of the generated digits.
      CoverageMinShare: float }

/// The work a scale does.
type ScaleSettings =
    { /// The networks' width, the training length, the measurements' and snapshots' cadence.
      Run: MnistRun.RunScale
      /// Held-out real digits: the Frechet distance's reference and the classifier's test set.
      ReferenceDigits: int
      /// Digits the GANs and the classifier train on.
      TrainingDigits: int
      /// Generated digits per quality measurement (fixed noise, the same at every measurement).
      QualitySamples: int }

let private perVariantMetrics (prefix: string) (name: string) =
    [ $"{prefix}.rankCorrelationFd",
      $"{name}: Spearman correlation over training between the EM estimate (median over each evaluation interval) "
      + "and the Frechet distance"
      $"{prefix}.clockRankCorrelationFd",
      $"{name}: the control: Spearman correlation over the same measurements between -iteration (the clock) and "
      + "the Frechet distance"
      $"{prefix}.changeRankCorrelationFd",
      $"{name}: Spearman correlation between consecutive changes of the EM estimate and of the Frechet distance "
      + "(does the estimate move with quality from one measurement to the next?)"
      $"{prefix}.clockChangeRankCorrelationFd",
      $"{name}: the control: the same for the clock's changes, which are all equal; a constant series carries no "
      + "information, so its correlation is 0 by definition"
      $"{prefix}.rankCorrelationCoverage",
      $"{name}: Spearman correlation between the EM estimate and the class coverage of generated digits"
      $"{prefix}.initialFd", $"{name}: Frechet distance before training"
      $"{prefix}.finalFd", $"{name}: Frechet distance at the end of training"
      $"{prefix}.finalCoverage", $"{name}: class coverage at the end of training"
      $"{prefix}.finalEm", $"{name}: EM estimate over the last evaluation interval" ]

/// What each metric means.
let metrics =
    perVariantMetrics "gp" "WGAN-GP"
    @ perVariantMetrics "clip" "WGAN-clip"
    @ [ "classifier.testAccuracy", "accuracy of the harness's digit classifier on the held-out reference digits" ]

let private settings: Fields<Settings> =
    let minShare = Decode.float |> Decode.check (fun v -> v > 0.0 && v <= 0.1) "must be a number in (0, 0.1]"
    fields {
        let! dataSeed = required "dataSeed" Manifest.seed
        and! gan = MnistVariant.ganSetup
        and! classifier = required "classifier" SampleQuality.classifierSettings
        and! coverageMinShare = required "coverageMinShare" minShare
        return { DataSeed = dataSeed; Gan = gan; Classifier = classifier; CoverageMinShare = coverageMinShare } }

let private scaleSettings (settings: Settings) : Fields<ScaleSettings> =
    let batch = max settings.Gan.BatchSize settings.Classifier.BatchSize
    let trainingDigits =
        Decode.intInRange 1 10_000_000
        |> Decode.check (fun n -> n >= batch) "must hold at least one batch of the GANs and of the classifier"
    let evaluateEvery iterations =
        Decode.intInRange 1 10_000_000
        |> Decode.check (fun n -> n <= iterations)
            "must not exceed generatorIterations (the EM estimate is summarised per evaluation interval)"
    fields {
        let! run = MnistRun.runScale
        and! referenceDigits = required "referenceDigits" (Decode.intInRange 2 10_000_000)
        and! training = required "trainingDigits" trainingDigits
        and! qualitySamples = required "qualitySamples" (Decode.intInRange 2 1_000_000)
        // (read again, against the iterations it summarises)
        let! _ = required "evaluateEvery" (evaluateEvery run.GeneratorIterations)
        return
            { Run = run
              ReferenceDigits = referenceDigits
              TrainingDigits = training
              QualitySamples = qualitySamples } }

/// How the experiment reads its manifest.
let reading: Envelope.Reading<Settings, ScaleSettings> =
    { Settings = settings
      Scale = scaleSettings
      Checkpoints = true
      MetricNames = fun _ -> List.map fst metrics }
