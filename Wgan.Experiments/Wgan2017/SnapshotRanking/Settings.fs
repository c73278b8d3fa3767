/// WGAN Figures 3-4 without the clock: what a manifest sets. Several WGAN-GP runs that differ only in their learning
/// rate are frozen at the same generator iterations; fresh critics (WGAN critics and a GAN discriminator) are trained
/// on every frozen generator, and their estimates are compared with the exact W1 of the snapshot.
module Wgan.Experiments.SnapshotRanking.Settings

open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan

/// The experiment's id (a manifest's "experiment").
[<Literal>]
let Id = "snapshot-ranking"

/// What a fresh critic estimates.
type EstimateKind =
    /// A WGAN critic under a Lipschitz constraint: the Earth-Mover estimate E f(x) - E f(G(z)).
    | EarthMoverCritic of LipschitzConstraint
    /// A GAN discriminator: the Jensen-Shannon estimate V/2 + log 2 (V = E log D(x) + E log(1 - D(G(z)))).
    | Discriminator

/// A critic trained afresh on every snapshot.
type FreshCritic = { Id: string; Label: string; Kind: EstimateKind; Optimizer: OptimizerSpec }

/// The training runs whose generators are frozen: one WGAN per learning rate, everything else shared.
type Runs =
    { Label: string
      Constraint: LipschitzConstraint
      NCritic: int
      /// Adam's betas (critic and generator alike); the learning rate is the run's.
      Beta1: float
      Beta2: float
      LearningRates: float list }

/// The experiment's own settings.
type Settings =
    { Datasets: ToyDataset list
      NoiseDimension: int
      Network: DeepShape
      Runs: Runs
      Critics: FreshCritic list }

/// The work a scale does.
type ScaleSettings =
    { /// Hidden width of every network (generators and fresh critics).
      Width: int
      /// Batch of the runs' critic and generator steps.
      BatchSize: int
      /// Generator iterations at which every run is frozen and measured, ascending.
      SnapshotsAt: int list
      /// Steps of each fresh critic on each snapshot.
      CriticSteps: int
      CriticBatchSize: int
      /// Real and generated samples of the exact W1 and of every estimate (one fixed evaluation batch).
      EvaluationSamples: int }

/// Metric names for the manifest's data sets and fresh critics.
let metricNames (datasets: ToyDataset list) (critics: FreshCritic list) =
    [ for c in critics do
          $"{c.Id}.meanWithinIterationSpearman"
          $"{c.Id}.untrained.meanWithinIterationSpearman"
          $"{c.Id}.meanPooledSpearman"
          for d in datasets do
              $"{d.Name}.{c.Id}.withinIterationSpearman"
              $"{d.Name}.{c.Id}.untrained.withinIterationSpearman"
              $"{d.Name}.{c.Id}.pooledSpearman"
      for d in datasets do
          $"{d.Name}.clock.pooledSpearman"
      "clock.meanPooledSpearman" ]

/// What each metric means.
let metrics =
    [ "<critic>.meanWithinIterationSpearman",
      "for each data set and snapshot iteration, Spearman(estimate, exact W1) across the runs' snapshots of that "
      + "iteration; averaged over the iterations, then over the data sets. The iteration counter is constant within an "
      + "iteration, so it cannot rank there"
      "<critic>.untrained.meanWithinIterationSpearman",
      "the same for the fresh critic before training (its initial weights): what the architecture alone ranks"
      "<critic>.meanPooledSpearman",
      "Spearman(estimate, exact W1) over all snapshots of a data set (every run and iteration), averaged over the data "
      + "sets; the clock competes here"
      "clock.meanPooledSpearman",
      "Spearman(-iteration, exact W1) over the same snapshots: how much of the pooled ranking time alone explains"
      "<dataset>.<...>", "the same per data set" ]

/// The estimate a critic's "kind" names: "wgan" (with its "constraint") or "gan".
let private estimateKind: Decoder<Fields<EstimateKind>> =
    Decode.oneOf
        [ "wgan", required "constraint" lipschitzConstraint |> Fields.map EarthMoverCritic
          "gan", Fields.succeed Discriminator ]

let private freshCritic: Decoder<FreshCritic> =
    Decode.object (fields {
        let! id = required "id" settingId
        and! label = required "label" Decode.nonEmptyString
        and! kind = required "kind" estimateKind
        and! optimizer = required "optimizer" optimizer
        let! kind = kind
        return { Id = id; Label = label; Kind = kind; Optimizer = optimizer } })

let private learningRates =
    Decode.nonEmptyArray (Decode.floatInRange 1e-8 1.0)
    |> requiring (fun xs -> List.length xs >= 3 && List.distinct xs = xs)
        "must list at least 3 distinct learning rates (a ranking needs 3 snapshots)"

let private runs: Decoder<Runs> =
    Decode.object (fields {
        let! label = required "label" Decode.nonEmptyString
        and! lipschitz = required "constraint" lipschitzConstraint
        and! nCritic = CommonFields.nCritic
        and! beta1 = required "beta1" (Decode.floatInRange 0.0 0.999999)
        and! beta2 = required "beta2" (Decode.floatInRange 0.0 0.999999)
        and! rates = required "learningRates" learningRates
        return
            { Label = label; Constraint = lipschitz; NCritic = nCritic; Beta1 = beta1; Beta2 = beta2
              LearningRates = rates } })

let private settings: Fields<Settings> =
    fields {
        let! datasets = required "datasets" distinctDatasets
        and! noiseDimension = CommonFields.noiseDimension
        and! network = required "network" deepShape
        and! runs = required "runs" runs
        and! critics =
            required "critics"
                (Decode.nonEmptyArray freshCritic
                 |> requiring (fun cs -> List.distinctBy (fun c -> c.Id) cs = cs) "must not repeat a critic id")
        return
            { Datasets = datasets
              NoiseDimension = noiseDimension
              Network = network
              Runs = runs
              Critics = critics } }

let private ascending = requiring (fun xs -> List.sort (List.distinct xs) = xs) "must be ascending and distinct"

let private scaleSettings (_: Settings) : Fields<ScaleSettings> =
    fields {
        let! width = required "width" (Decode.intInRange 1 4096)
        and! batchSize = CommonFields.batchSize
        and! snapshotsAt = required "snapshotsAt" (Decode.nonEmptyArray (Decode.intInRange 1 10_000_000) |> ascending)
        and! criticSteps = required "criticSteps" (Decode.intInRange 1 10_000_000)
        and! criticBatchSize = required "criticBatchSize" (Decode.intInRange 1 1_000_000)
        and! evaluationSamples = CommonFields.evaluationSamples
        return
            { Width = width; BatchSize = batchSize; SnapshotsAt = snapshotsAt; CriticSteps = criticSteps
              CriticBatchSize = criticBatchSize; EvaluationSamples = evaluationSamples } }

/// How the experiment reads its manifest.
let reading: Wgan.Experiments.Envelope.Reading<Settings, ScaleSettings> =
    { Settings = settings
      Scale = scaleSettings
      Checkpoints = true
      MetricNames = fun s -> metricNames s.Datasets s.Critics }

/// The specification of a critic (inputs 2, one output) at a scale: the runs' critics and the fresh critics.
let criticSpec (settings: Settings) (scale: ScaleSettings) : MlpSpec = deepSpec settings.Network scale.Width 2 1

/// The specification of a run's generator at a scale.
let generatorSpec (settings: Settings) (scale: ScaleSettings) : MlpSpec =
    deepSpec settings.Network scale.Width settings.NoiseDimension 2
