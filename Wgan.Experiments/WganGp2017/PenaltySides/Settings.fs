/// WGAN-GP Appendix C as the paper tested it, a paired design over random architectures: what a manifest sets. Each
/// seed draws one random toy architecture and its hyperparameters from the manifest's space; it is trained with the
/// two-sided penalty, the one-sided penalty and, as the control, no constraint, and the exact W1 between generated and
/// real samples is measured along training.
module Wgan.Experiments.PenaltySides.Settings

open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan

[<Literal>]
let Id = "penalty-sides"

/// The space random architectures are drawn from (each choice uniform; the learning rate log-uniform).
type Space =
    { Depths: int list
      Widths: int list
      Activations: Activation list
      /// Log-uniform in [lo, hi], for the critic's and the generator's Adam alike.
      LearningRate: float * float
      Lambdas: float list }

/// The experiment's own settings.
type Settings =
    { Training: DeepToyWgan.Training
      Beta1: float
      Beta2: float
      Space: Space
      /// A run has plateaued when its last two W1 measurements differ by at most this fraction of the last.
      PlateauTolerance: float }

/// The work a scale does.
type ScaleSettings =
    { BatchSize: int
      GeneratorIterations: int
      /// The exact W1 is measured before training and after every so many generator iterations.
      EvaluateEvery: int
      EarthMoverSamples: int }

/// The three ways each architecture is trained: the two penalties compared, and the control.
type Arm =
    | TwoSided
    | OneSided
    /// No Lipschitz constraint: a real difference that the "about the same" test must see.
    | NoConstraint

    /// The arm's name in metric names and unit keys.
    member this.Id =
        match this with
        | TwoSided -> "two-sided"
        | OneSided -> "one-sided"
        | NoConstraint -> "unconstrained"

/// The arms, in the order of units, metrics and series.
let arms = [ TwoSided; OneSided; NoConstraint ]

let private metricNames =
    [ for a in arms do
          yield $"{a.Id}.finalEarthMover"
          yield $"{a.Id}.plateaued"
      yield "untrainedEarthMover"
      yield "one-vs-two.absLogRatio"
      yield "unconstrained-vs-two.absLogRatio"
      yield "two-sided.wins" ]

/// What each metric means.
let metrics =
    [ "<arm>.finalEarthMover",
      "mean of the last two exact W1 measurements between generated and real samples (arms: two-sided, one-sided, "
      + "unconstrained)"
      "<arm>.plateaued",
      "1 when the arm's last two W1 measurements differ by at most the manifest's plateau tolerance, else 0"
      "untrainedEarthMover", "exact W1 before training (the same for every arm)"
      "one-vs-two.absLogRatio",
      "|ln(one-sided final W1 / two-sided final W1)|: 0 when the penalties end equally close"
      "unconstrained-vs-two.absLogRatio", "the same against the unconstrained critic (the control)"
      "two-sided.wins", "1 when the two-sided penalty ends closer to the data than the one-sided one, else 0" ]

let private learningRate: Decoder<float * float> =
    Decode.object (fields {
        let! lo = required "lo" (Decode.floatInRange 1e-7 1.0)
        and! hi = required "hi" (Decode.floatInRange 1e-7 1.0)
        return lo, hi })

let private space: Decoder<Space> =
    Decode.object (fields {
        let! depths = required "depth" (Decode.nonEmptyArray (Decode.intInRange 1 16))
        and! widths = required "width" (Decode.nonEmptyArray (Decode.intInRange 1 4096))
        and! activations = required "activation" (Decode.nonEmptyArray activation)
        and! rate = required "learningRate" learningRate
        and! lambdas = required "lambda" (Decode.nonEmptyArray (Decode.floatInRange 1e-6 1e6))
        return
            { Depths = depths
              Widths = widths
              Activations = activations
              LearningRate = rate
              Lambdas = lambdas } })
    |> requiring (fun s -> fst s.LearningRate <= snd s.LearningRate) "learningRate.lo must not exceed learningRate.hi"

let private settings: Fields<Settings> =
    fields {
        let! training = DeepToyWgan.training
        and! beta1 = required "beta1" (Decode.floatInRange 0.0 0.999999)
        and! beta2 = required "beta2" (Decode.floatInRange 0.0 0.999999)
        and! space = required "space" space
        and! tolerance = required "plateauTolerance" (Decode.floatInRange 0.0 1.0)
        return
            { Training = training
              Beta1 = beta1
              Beta2 = beta2
              Space = space
              PlateauTolerance = tolerance } }

/// evaluateEvery, which must divide generatorIterations at least twice (the final W1 needs two measurements).
let private evaluateEvery (iterations: int) : Decoder<int> =
    Decode.intInRange 1 10_000_000
    |> requiring (fun every -> iterations % every = 0 && iterations / every >= 2)
        "generatorIterations must be a multiple of evaluateEvery, at least twice it"

let private scaleSettings (_: Settings) : Fields<ScaleSettings> =
    fields {
        let! batchSize = CommonFields.batchSize
        and! iterations = CommonFields.generatorIterations
        and! samples = CommonFields.earthMoverSamples
        let! every = required "evaluateEvery" (evaluateEvery iterations)
        return
            { BatchSize = batchSize
              GeneratorIterations = iterations
              EvaluateEvery = every
              EarthMoverSamples = samples } }

/// How the experiment reads its manifest.
let reading: Wgan.Experiments.Envelope.Reading<Settings, ScaleSettings> =
    { Settings = settings
      Scale = scaleSettings
      Checkpoints = true
      MetricNames = fun _ -> metricNames }
