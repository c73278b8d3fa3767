/// What one unit of capacity-underuse measures: for one seed and data set, the clipped, penalised and replicate
/// critics trained against the fixed generator and measured on shared evaluation samples, with the exact optimal and
/// radial critics between those samples as references.
module Wgan.Experiments.CapacityUnderuse.Unit

open System
open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.CapacityUnderuse.Settings
open Wgan.Experiments.CapacityUnderuse.Evaluation
open Wgan.Experiments.CapacityUnderuse.Training

/// One trained critic of a unit.
type CriticResult =
    { Measurement: CriticMeasurement
      /// The steps it trained: the plateau step, the cap, or the step of its divergence.
      StoppedAt: float
      /// The plateau rule's evaluations (empty without the rule): after which steps, and the dual estimates.
      PlateauSteps: float[]
      PlateauEstimates: float[]
      Diverged: Divergence option }

/// The critics of one seed and data set, and their references.
type Measured =
    { /// The exact W1 between the evaluation samples.
      EarthMover: float
      /// The best radial critic's estimate (the 1-D W1 between the radii) and its structure score.
      RadialEarthMover: float
      RadialStructure: float
      Clipped: CriticResult
      Penalised: CriticResult
      Replicate: CriticResult
      /// The exact optimal critic on the surfaces' grid.
      OptimalSurface: float[]
      /// The evaluation samples drawn over the surfaces, as rows (x1, x2).
      RealPlotted: float[][]
      FakePlotted: float[][] }

    /// The critic of a kind.
    member this.Of(kind: CriticKind) =
        match kind with
        | Clipped -> this.Clipped
        | Penalised -> this.Penalised
        | Replicate -> this.Replicate

/// The key of the unit that measures `dataset` for `seed`.
let key (seed: int64) (dataset: ToyDataset) = $"seed-{seed}/{dataset.Name}"

/// Disposes every item of `items` when disposed.
let private disposingAll (items: #IDisposable seq) =
    { new IDisposable with
        member _.Dispose() =
            for item in items do
                item.Dispose() }

/// Trains the three critics on one data set for one seed and measures them. The evaluation samples and each critic
/// have their own random-number generator, derived from (seed, data set, role), so units are independent of each
/// other; a critic with a fixed training set builds it from a generator of its own, and the plateau rule's batch comes
/// from another, so they are the same whether the unit starts afresh or resumes (see Training.train).
let trainAndMeasure (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (checkpoints: UnitCheckpoints) (seed: int64) (dataset: ToyDataset) : Measured =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let device = run.Device
    let randomFor role = new torch.Generator(uint64 (Seeds.derive seed [ ToyWgan.datasetCode dataset; role ]))
    use evaluationRandom = randomFor 2
    use _ = torch.NewDisposeScope()
    let evaluation = evaluationSet settings scale.EvaluationSamples dataset device evaluationRandom
    let randoms = kinds |> List.map (fun k -> randomFor k.Code)
    use _ = disposingAll randoms
    let networks =
        List.zip kinds randoms
        |> List.map (fun (kind, random) ->
            let c = criticOf settings kind
            let spec: MlpSpec =
                { Inputs = 2; Hidden = scale.CriticHidden; Outputs = 1; Activation = c.Activation
                  Normalization = c.Normalization }
            let network = new Mlp(spec, random)
            Initialization.apply c.Initialization random network.Linears
            network.``to``(device) |> ignore
            network)
    use _ = disposingAll networks
    let optimizers =
        List.zip kinds networks
        |> List.map (fun (kind, network: Mlp) ->
            Optimizer.create (criticOf settings kind).Optimizer (network.parameters()))
    use _ = disposingAll optimizers
    let trainingSetOf (kind: CriticKind) =
        match settings.TrainingSets[dataset] with
        | ToyWgan.Fresh -> None
        | ToyWgan.FixedCycled points ->
            use random = randomFor kind.TrainingSetCode
            Some(ToyData.fixedTwentyFiveGaussians points random)
    let critics =
        List.zip3 kinds networks (List.zip optimizers randoms)
        |> List.map (fun (kind, network, (optimizer, random)) ->
            { Kind = kind
              Network = network
              Optimizer = optimizer
              Random = random
              TrainingSet = trainingSetOf kind })
    // The plateau rule's fixed batch: samples of Pr and of Pg as the evaluation samples are drawn.
    let plateauBatch =
        scale.CriticSteps.Plateau
        |> Option.map (fun (_, samples) ->
            use random = randomFor 4
            let pr = ToyData.sample dataset samples random
            let pg = ToyData.noisyCopy dataset settings.GeneratorNoise samples random
            pr.``to``(device), pg.``to``(device))
    let trained =
        Training.train settings scale dataset device critics plateauBatch checkpoints
            manifest.CheckpointEvery[run.Scale]
    let result (critic: Critic) (t: Trained) =
        let diverged =
            match t.Stop with
            | Diverged (step, loss) -> Experiment.divergence $"{critic.Kind.Prefix} critic loss" step loss
            | _ -> None
        let measurement =
            if diverged.IsSome then undefined scale.GridResolution
            else measureCritic settings.PlotHalfWidth scale.GridResolution device evaluation critic.Network
        { Measurement = measurement
          StoppedAt = float t.StoppedAt
          PlateauSteps = t.PlateauSteps
          PlateauEstimates = t.PlateauEstimates
          Diverged = diverged }
    let results = List.map2 result critics trained
    let plotted = min scale.EvaluationSamples scale.PlottedSamples
    { EarthMover = evaluation.Optimal.EarthMover
      RadialEarthMover = evaluation.Radial.EarthMover
      RadialStructure = radialStructure evaluation
      Clipped = results[0]
      Penalised = results[1]
      Replicate = results[2]
      OptimalSurface = gridRows settings.PlotHalfWidth scale.GridResolution |> Array.map evaluation.Optimal.At
      RealPlotted = evaluation.RealRows[.. plotted - 1]
      FakePlotted = evaluation.FakeRows[.. plotted - 1] }

/// The units of a run: one per seed and data set.
let units (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) : UnitOfWork<Measured> list =
    [ for seed in run.Seeds do
          for dataset in manifest.Settings.Datasets ->
              { Key = key seed dataset
                Description = $"seed {seed}, {dataset.Name}: clipped, gradient-penalty and replicate critics"
                Run = fun checkpoints -> trainAndMeasure manifest run checkpoints seed dataset } ]
