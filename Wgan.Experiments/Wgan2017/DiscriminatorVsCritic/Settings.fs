/// WGAN Figure 2, the optimal discriminator and the critic between two 1-D Gaussians: what a manifest sets. The real
/// and the fake Gaussian (the paper gives no means or variances: the manifest chooses them), the learners' network
/// shape, the learners (GAN discriminators and WGAN critics) and the grid on which they are evaluated.
module Wgan.Experiments.DiscriminatorVsCritic.Settings

open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.Learners

/// The experiment's id, the manifest's "experiment".
[<Literal>]
let Id = "discriminator-vs-critic"

/// A 1-D Gaussian N(mean, std^2).
type Gaussian = { Mean: float; Std: float }

/// The experiment's own settings.
type Settings =
    { Real: Gaussian
      Fake: Gaussian
      GridMin: float
      GridMax: float
      /// The shape of every learner's MLP 1 -> depth x width -> 1.
      Learner: DeepShape
      Learners: Learner list }

/// The work a scale does.
type ScaleSettings =
    { /// Width of every hidden layer of a learner.
      Width: int
      BatchSize: int
      /// Training steps of every learner.
      Steps: int
      /// Grid points over [GridMin, GridMax] at which D, f and the gradients are evaluated.
      GridPoints: int }

/// Metric names of one learner.
let learnerMetricNames (learner: Learner) =
    [ for name in [ "log10GradientRatioAtFake"; "gradientAtFake"; "maxGradient"; "outputAtFake" ] ->
          $"{learner.Id}.{name}"
      for name in [ "log10GradientRatioAtFake"; "gradientAtFake" ] -> $"{learner.Id}.untrained.{name}" ]

/// What each metric means.
let metrics =
    [ "<learner>.log10GradientRatioAtFake",
      "log10 of |generator gradient| at the generated mode over its maximum on the grid: for a discriminator the "
      + "gradient is d/dx log(1 - D(x)) (the minimax generator loss), for a critic d/dx f(x)"
      "<learner>.gradientAtFake",
      "|generator gradient| at the generated mode (for a critic: |f'(x)|, to compare with its Lipschitz bound, 1 under "
      + "the gradient penalty)"
      "<learner>.maxGradient", "the largest |generator gradient| on the grid"
      "<learner>.outputAtFake", "D(x) (a probability) or f(x) at the generated mode"
      "<learner>.untrained.log10GradientRatioAtFake",
      "log10GradientRatioAtFake of the same network before training (control)"
      "<learner>.untrained.gradientAtFake", "gradientAtFake of the same network before training (control)" ]

let private gaussian: Decoder<Gaussian> =
    Decode.object (fields {
        let! mean = required "mean" (Decode.floatInRange -1e6 1e6)
        and! std = required "std" Decode.positiveFloat
        return { Mean = mean; Std = std } })

let private settings: Fields<Settings> =
    fields {
        let! real = required "real" gaussian
        and! fake = required "fake" gaussian
        and! gridMin = required "gridMin" (Decode.floatInRange -1e6 1e6)
        and! gridMax = required "gridMax" (Decode.floatInRange -1e6 1e6)
        and! shape = required "learner" deepShape
        and! learners = required "learners" learners
        return
            { Real = real
              Fake = fake
              GridMin = gridMin
              GridMax = gridMax
              Learner = shape
              Learners = learners } }

let private scaleSettings (_: Settings) : Fields<ScaleSettings> =
    fields {
        let! width = CommonFields.width
        and! batchSize = CommonFields.batchSize
        and! steps = required "steps" (Decode.intInRange 1 10_000_000)
        and! gridPoints = required "gridPoints" (Decode.intInRange 2 1_000_000)
        return { Width = width; BatchSize = batchSize; Steps = steps; GridPoints = gridPoints } }

/// How the experiment reads its manifest.
let reading: Wgan.Experiments.Envelope.Reading<Settings, ScaleSettings> =
    { Settings = settings
      Scale = scaleSettings
      Checkpoints = true
      MetricNames = fun s -> s.Learners |> List.collect learnerMetricNames }

/// The grid's x values: `points` evenly spaced over [GridMin, GridMax].
let grid (settings: Settings) (points: int) =
    Array.init points (fun i -> settings.GridMin + (settings.GridMax - settings.GridMin) * float i / float (points - 1))
