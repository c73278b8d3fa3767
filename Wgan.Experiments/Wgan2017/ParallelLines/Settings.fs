/// WGAN Example 1 and Figure 1, parallel lines: what a manifest sets. The theta grid's extent and what counts as away
/// from 0, the critic (with its Lipschitz constraint) and the GAN discriminator, and per scale the grid's size, the
/// training lengths and the samples on which the trained networks and the exact W1 are evaluated.
module Wgan.Experiments.ParallelLines.Settings

open Wgan.Core
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest

/// The experiment's id, the manifest's "experiment".
[<Literal>]
let Id = "parallel-lines"

/// The experiment's own settings.
type Settings =
    { ThetaMax: float
      /// Thetas with |theta| >= this are "away from 0", where the closed-form JS is saturated.
      AwayFromZero: float
      Critic: NetworkSettings
      Discriminator: NetworkSettings }

/// The work a scale does.
type ScaleSettings =
    { /// Points of the theta grid (odd, so that theta = 0 is on it).
      Thetas: int
      BatchSize: int
      CriticSteps: int
      DiscriminatorSteps: int
      /// Fresh samples per distribution on which the trained networks are evaluated.
      EvaluationSamples: int
      /// Samples per distribution for the exact (optimal transport) W1.
      TransportSamples: int }

/// What each metric means.
let metrics =
    [ "em.rankCorrelation",
      "Spearman correlation between the critic's EM estimate and |theta| (mean of theta <= 0 and theta >= 0)"
      "em.meanRelativeError", "mean of |estimate - |theta|| / |theta| over thetas away from 0"
      "em.slope", "least-squares slope of the critic's EM estimate against |theta|, away from 0 (closed form: 1)"
      "em.absSlope",
      "absolute value of em.slope (the control of js.absSlope: a test that can see a gradient where one exists)"
      "js.minSaturation", "smallest discriminator JS estimate divided by log 2, away from 0 (closed form: 1)"
      "js.absSlope", "absolute least-squares slope of the JS estimate against |theta|, away from 0 (closed form: 0)"
      "sampleEm.meanRelativeError", "mean of |W1(samples) - |theta|| / |theta| over thetas away from 0"
      "untrainedEm.rankCorrelation", "em.rankCorrelation of the same critics before training (control)"
      "untrainedEm.meanRelativeError", "em.meanRelativeError of the same critics before training (control)"
      "untrainedEm.slope", "em.slope of the same critics before training (control)"
      "untrainedJs.minSaturation",
      "js.minSaturation of the same discriminators before training (control: an untrained discriminator's D is near "
      + "1/2, so its JS estimate is near 0)" ]

/// A decoder that refuses any value with `message`.
let private reject (message: string) : Decoder<unit> = fun path _ -> Error [ { Path = path; Message = message } ]

let private thetaBound = Decode.float |> Decode.check (fun v -> v > 0.0 && v <= 1000.0) "must be a number in (0, 1000]"

let private positive = Decode.float |> Decode.check (fun v -> v > 0.0) "must be a positive number"

let private settings: Fields<Settings> =
    fields {
        let! thetaMax = required "thetaMax" thetaBound
        and! away = required "awayFromZero" positive
        and! critic = required "critic" (network true)
        and! discriminator = required "discriminator" (network false)
        let! () =
            if away < thetaMax then Fields.succeed ()
            else required "awayFromZero" (reject $"must be below thetaMax ({thetaMax}), or no theta is away from 0")
        return { ThetaMax = thetaMax; AwayFromZero = away; Critic = critic; Discriminator = discriminator } }

let private scaleSettings (_: Settings) : Fields<ScaleSettings> =
    let odd = Decode.check (fun n -> n % 2 = 1) "must be odd, so that theta = 0 is on the grid"
    fields {
        let! thetas = required "thetas" (Decode.intInRange 3 10001 |> odd)
        and! batchSize = CommonFields.batchSize
        and! criticSteps = required "criticSteps" (Decode.intInRange 1 10_000_000)
        and! discriminatorSteps = required "discriminatorSteps" (Decode.intInRange 1 10_000_000)
        and! evaluationSamples = required "evaluationSamples" (Decode.intInRange 1 10_000_000)
        and! transportSamples = required "transportSamples" (Decode.intInRange 1 4096)
        return
            { Thetas = thetas
              BatchSize = batchSize
              CriticSteps = criticSteps
              DiscriminatorSteps = discriminatorSteps
              EvaluationSamples = evaluationSamples
              TransportSamples = transportSamples } }

/// How the experiment reads its manifest. Its units take about a second: no checkpoints.
let reading: Wgan.Experiments.Envelope.Reading<Settings, ScaleSettings> =
    { Settings = settings
      Scale = scaleSettings
      Checkpoints = false
      MetricNames = fun _ -> List.map fst metrics }

/// The theta grid: n evenly spaced points in [-thetaMax, thetaMax], 0 exactly in the middle.
let thetaGrid (thetaMax: float) (n: int) =
    let half = n / 2
    Array.init n (fun k -> thetaMax * float (k - half) / float half)

/// The MLP 2 -> hidden -> 1 of a network's settings.
let mlpSpec (network: NetworkSettings) : MlpSpec =
    { Inputs = 2
      Hidden = network.Hidden
      Outputs = 1
      Activation = network.Activation
      Normalization = network.Normalization }
