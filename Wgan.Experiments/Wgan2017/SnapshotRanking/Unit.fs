/// What one unit of snapshot-ranking measures: one run (one learning rate) on one data set for one seed, frozen at
/// every snapshot iteration, where the exact W1 of the frozen generator and each fresh critic's estimates are taken.
module Wgan.Experiments.SnapshotRanking.Unit

open System
open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.SnapshotRanking.Settings

/// One fresh critic's estimates of one snapshot, before and after its training.
type CriticEstimates = { Untrained: float; Trained: float }

/// One frozen generator.
type SnapshotMeasurement =
    { Iteration: int
      /// Exact W1 between the evaluation batch's generated and real samples.
      EarthMover: float
      /// One per fresh critic, in the manifest's order.
      Estimates: CriticEstimates[] }

/// The snapshots of one unit, in iteration order (fewer when training diverged).
type Measured = { Snapshots: SnapshotMeasurement[]; Diverged: Divergence option }

/// The key of the unit of run `run` (the index of its learning rate) on `dataset` for `seed`.
let key (seed: int64) (dataset: ToyDataset) (run: int) = $"seed-{seed}/{dataset.Name}/lr-{run}"

/// A critic's estimate on the evaluation batch: E f(x) - E f(G(z)) for a WGAN critic, V/2 + log 2 for a
/// discriminator.
let estimate (kind: EstimateKind) (critic: Mlp) (real: torch.Tensor) (fake: torch.Tensor) : float =
    use _ = torch.NewDisposeScope()
    use _ = torch.no_grad()
    let realScores, fakeScores = critic.call real, critic.call fake
    match kind with
    | EarthMoverCritic _ -> (KantorovichRubinstein.dualEstimateOfScores realScores fakeScores).ReadDouble()
    | Discriminator -> Losses.jensenShannonEstimate ((Losses.discriminatorLoss realScores fakeScores).ReadDouble())

/// A frozen generator as fresh critics meet it: the seed and data set of its run, and the evaluation batch.
type Frozen =
    { Seed: int64
      Dataset: ToyDataset
      Generator: Mlp
      /// The evaluation batch's real samples.
      Real: torch.Tensor
      /// The evaluation batch's samples of the frozen generator.
      Fake: torch.Tensor }

/// Trains fresh critic number `index` against a frozen generator and returns its estimates before and after training
/// (NaN after, when a loss became NaN or infinite). Its initial weights and batches come from random-number generators
/// that do not depend on the snapshot, so every snapshot of a seed and data set meets the same critic and the same
/// real batches and noise.
let freshEstimates (settings: Settings) (scale: ScaleSettings) (device: torch.Device) (frozen: Frozen) (index: int)
    (critic: FreshCritic) : CriticEstimates =
    let randomFor role = new torch.Generator(uint64 (Seeds.derive frozen.Seed [ datasetCode frozen.Dataset; role ]))
    use initialRandom = randomFor (10 + index)
    use batchRandom = randomFor (20 + index)
    use network = new Mlp(criticSpec settings scale, initialRandom)
    network.``to``(device) |> ignore
    use optimizer = Optimizer.create critic.Optimizer (network.parameters())
    let untrained = estimate critic.Kind network frozen.Real frozen.Fake
    let step () =
        use _ = torch.NewDisposeScope()
        let realBatch = (ToyData.sample frozen.Dataset scale.CriticBatchSize batchRandom).``to``(device)
        let fakeBatch =
            ToyTraining.generate frozen.Generator settings.NoiseDimension scale.CriticBatchSize device batchRandom
        match critic.Kind with
        | EarthMoverCritic c -> (CriticStep.criticStep network optimizer c realBatch fakeBatch batchRandom).Loss
        | Discriminator -> (CriticStep.discriminatorStep network optimizer realBatch fakeBatch).Loss
    let diverged =
        Seq.init scale.CriticSteps (fun k -> k + 1)
        |> Seq.tryPick (fun k -> Experiment.divergence $"{critic.Id} loss" k (step ()))
    { Untrained = untrained
      Trained = if diverged.IsNone then estimate critic.Kind network frozen.Real frozen.Fake else nan }

/// A logged row as `snapshotRow` writes it: iteration, W1, then each critic's untrained and trained estimates.
let private ofRow (row: float[]) : SnapshotMeasurement =
    { Iteration = int row[0]
      EarthMover = row[1]
      Estimates =
        Array.init ((row.Length - 2) / 2) (fun k -> { Untrained = row[2 + 2 * k]; Trained = row[3 + 2 * k] }) }

/// Trains run `run` (the index of its learning rate) on `dataset` for `seed` and measures its generator at every
/// snapshot iteration. The runs of a seed and data set share their initial weights, batches and noise: only the
/// learning rate differs. Training checkpoints every `checkpointEvery` iterations with the snapshots taken so far.
let trainAndSnapshot (manifest: Envelope.Envelope<Settings, ScaleSettings>) (context: RunContext)
    (checkpoints: UnitCheckpoints) (seed: int64) (dataset: ToyDataset) (run: int) : Measured =
    let settings, scale, device = manifest.Settings, manifest.Scales[context.Scale], context.Device
    let randomFor role = new torch.Generator(uint64 (Seeds.derive seed [ datasetCode dataset; role ]))
    use generatorInitialRandom = randomFor 0
    use criticInitialRandom = randomFor 1
    use trainingRandom = randomFor 2
    use evaluationRandom = randomFor 3
    use critic = new Mlp(criticSpec settings scale, criticInitialRandom)
    use generatorNetwork = new Mlp(generatorSpec settings scale, generatorInitialRandom)
    critic.``to``(device) |> ignore
    generatorNetwork.``to``(device) |> ignore
    let adam = Adam(settings.Runs.LearningRates[run], settings.Runs.Beta1, settings.Runs.Beta2)
    let setting: TrainingSetting =
        { Id = $"lr-{run}"; Label = settings.Runs.Label; Constraint = settings.Runs.Constraint
          CriticOptimizer = adam; GeneratorOptimizer = adam }
    let n = scale.EvaluationSamples
    let real = (ToyData.sample dataset n evaluationRandom).``to``(device).DetachFromDisposeScope()
    let z = (ToyTraining.noise settings.NoiseDimension n device evaluationRandom).DetachFromDisposeScope()
    use _ = real
    use _ = z
    let realRows = toRows real
    let snapshotRow (i: int) =
        use _ = torch.NewDisposeScope()
        let fake = (use _ = torch.no_grad() in generatorNetwork.call z)
        let fakeRows = toRows fake
        match fakeRows |> Array.concat |> Array.tryFind (Double.IsFinite >> not) with
        | Some value -> Error { Quantity = "a generated sample"; Value = value; Step = i }
        | None ->
            let frozen = { Seed = seed; Dataset = dataset; Generator = generatorNetwork; Real = real; Fake = fake }
            let estimates =
                settings.Critics |> List.mapi (freshEstimates settings scale device frozen)
                |> List.collect (fun e -> [ e.Untrained; e.Trained ])
            Ok [ Array.ofList (float i :: EarthMover.earthMover fakeRows realRows :: estimates) ]
    let config: ToyTraining.Configuration =
        { Setting = setting
          Dataset = dataset
          NoiseDimension = settings.NoiseDimension
          BatchSize = scale.BatchSize
          NCritic = settings.Runs.NCritic
          Iterations = List.last scale.SnapshotsAt
          CheckpointEvery = manifest.CheckpointEvery[context.Scale]
          Device = device }
    let logging: ToyTraining.Logging =
        { Before = fun () -> []
          After = fun i -> if List.contains i scale.SnapshotsAt then snapshotRow i else Ok [] }
    let state: ToyTraining.State = { Critic = critic; Generator = generatorNetwork; Random = trainingRandom }
    let outcome = ToyTraining.train config state checkpoints logging
    { Snapshots = Array.map ofRow outcome.Rows; Diverged = outcome.Diverged }

/// The units of a run: one per seed, data set and learning rate.
let units (manifest: Envelope.Envelope<Settings, ScaleSettings>) (context: RunContext) : UnitOfWork<Measured> list =
    [ for seed in context.Seeds do
          for dataset in manifest.Settings.Datasets do
              for index, lr in List.indexed manifest.Settings.Runs.LearningRates ->
                  { Key = key seed dataset index
                    Description = $"seed {seed}, {dataset.Name}, learning rate {Manifest.plainNumber lr}"
                    Run = fun checkpoints -> trainAndSnapshot manifest context checkpoints seed dataset index } ]
