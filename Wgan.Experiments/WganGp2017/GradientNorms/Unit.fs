/// What one unit of gradient-norms measures: one seed's WGAN trained under one setting, its critic's per-layer
/// gradient norms at initialisation, after one generator iteration (the control) and after training.
module Wgan.Experiments.GradientNorms.Unit

open TorchSharp
open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.LayerNorms
open Wgan.Experiments.GradientNorms.Settings

/// The per-layer norms of one unit.
type Measured =
    { AtStart: LayerNormSummary
      /// The same networks after one generator iteration: a replay of the seed's first iteration from the same
      /// random-number generators, measured on the batches of `AtStart`.
      AfterOne: LayerNormSummary
      AtEnd: LayerNormSummary
      Diverged: Divergence option }

/// The key of the unit that trains `setting` for `seed`.
let key (seed: int64) (setting: TrainingSetting) = $"seed-{seed}/{setting.Id}"

/// Trains a WGAN under `setting` and measures the norms. Networks, batches and measurements draw from random-number
/// generators derived from (seed, setting id, role). Training checkpoints every `checkpointEvery` generator iterations
/// and resumes from the last save (the norms at start are measured again on resume, from the same initial networks and
/// measurement generator; the one-iteration replay is short and not checkpointed).
let measure (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (checkpoints: UnitCheckpoints)
    (seed: int64) (setting: TrainingSetting) : Measured =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let randomFor role = new torch.Generator(uint64 (Seeds.derive seed [ idCode setting.Id; role ]))
    let criticSpec, generatorSpec = networkSpecs settings scale
    let config (iterations: int) (every: int) =
        DeepToyWgan.configuration settings.Training setting scale.BatchSize iterations every run.Device
    let undefined = { MeanLog10 = Array.create criticSpec.Hidden.Length nan; ZeroLayers = nan }
    // Trains fresh networks for `iterations` and measures them after (and, with `measureStart`, before).
    let trainAndMeasure (iterations: int) (every: int) (checkpoints: UnitCheckpoints) (measureStart: bool) =
        use networks = randomFor 0
        use training = randomFor 1
        use measurement = randomFor 2
        use critic = new Mlp(criticSpec, networks)
        use generatorNetwork = new Mlp(generatorSpec, networks)
        critic.``to``(run.Device) |> ignore
        generatorNetwork.``to``(run.Device) |> ignore
        let norms () =
            layerNormSummary critic generatorNetwork settings.Dataset settings.NoiseDimension scale.BatchSize
                scale.MeasurementBatches run.Device measurement
        let atStart = if measureStart then norms () else undefined
        let state: ToyTraining.State = { Critic = critic; Generator = generatorNetwork; Random = training }
        let outcome = ToyTraining.train (config iterations every) state checkpoints ToyTraining.Logging.None
        atStart, (if outcome.Diverged.IsNone then norms () else undefined), outcome.Diverged
    let afterOne =
        match trainAndMeasure (min 1 scale.GeneratorIterations) 0 UnitCheckpoints.None false with
        | _, norms, None -> norms
        | _ -> undefined
    let atStart, atEnd, diverged =
        trainAndMeasure scale.GeneratorIterations manifest.CheckpointEvery[run.Scale] checkpoints true
    { AtStart = atStart; AfterOne = afterOne; AtEnd = atEnd; Diverged = diverged }

/// The units of a run: one per seed and training setting.
let units (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) : UnitOfWork<Measured> list =
    [ for seed in run.Seeds do
          for setting in manifest.Settings.TrainingSettings ->
              { Key = key seed setting
                Description = $"seed {seed}, {setting.Label}"
                Run = fun checkpoints -> measure manifest run checkpoints seed setting } ]
