/// What one unit of weight-histograms measures: one seed's WGAN trained under one constraint, its critic's weights
/// before training, after one generator iteration (the control) and after training.
module Wgan.Experiments.WeightHistograms.Unit

open TorchSharp
open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.WeightHistograms.Settings
open Wgan.Experiments.WeightHistograms.WeightStatistics

/// The weights of one unit's critic: the statistics of its role (the other role's are None) and the histogram of its
/// weights after training.
type Measured =
    { Clipped: ClippedWeights option
      Penalised: PenalisedWeights option
      Histogram: Histogram
      Diverged: Divergence option }

/// The key of the unit that trains under `role` for `seed`.
let key (seed: int64) (role: Role) = $"seed-{seed}/{role.Prefix}"

/// Trains the WGAN under `role`'s setting and measures its critic's weights. Every training starts from the same
/// random-number generators, derived from (seed, role): the one-iteration control is an exact replay of the start of
/// the long training (short, so not checkpointed); the long one checkpoints every `checkpointEvery` generator
/// iterations and resumes from the last save.
let trainAndMeasure (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (checkpoints: UnitCheckpoints) (seed: int64) (role: Role) : Measured =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let randomFor purpose = new torch.Generator(uint64 (Seeds.derive seed [ role.Code; purpose ]))
    let setting = settingOf settings role
    // The critic's weights per layer before and after `iterations` generator iterations (NaN after a divergence).
    let trained (iterations: int) (every: int) (checkpoints: UnitCheckpoints) =
        use networks = randomFor 0
        use training = randomFor 1
        let criticSpec, generatorSpec = DeepToyWgan.networkSpecs settings.Training settings.Networks scale.Width
        use critic = new Mlp(criticSpec, networks)
        use generatorNetwork = new Mlp(generatorSpec, networks)
        critic.``to``(run.Device) |> ignore
        generatorNetwork.``to``(run.Device) |> ignore
        let initial = LipschitzTools.layerWeights critic
        let config = DeepToyWgan.configuration settings.Training setting scale.BatchSize iterations every run.Device
        let state: ToyTraining.State = { Critic = critic; Generator = generatorNetwork; Random = training }
        let outcome = ToyTraining.train config state checkpoints ToyTraining.Logging.None
        let final =
            if outcome.Diverged.IsNone then LipschitzTools.layerWeights critic
            else initial |> Array.map (Array.map (fun _ -> nan))
        initial, final, outcome.Diverged
    let _, afterOne, _ = trained (min 1 scale.GeneratorIterations) 0 UnitCheckpoints.None
    let initial, final, diverged =
        trained scale.GeneratorIterations manifest.CheckpointEvery[run.Scale] checkpoints
    let c = bound settings
    let weights = if diverged.IsNone then Array.concat final else [| 0.0 |]
    { Clipped = (match role with Clipping -> Some(clippedWeights c initial afterOne final) | Penalty -> None)
      Penalised = (match role with Penalty -> Some(penalisedWeights c initial final) | Clipping -> None)
      Histogram = histogramOf setting.Label settings.HistogramBins weights
      Diverged = diverged }

/// The units of a run: one per seed and constraint.
let units (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) : UnitOfWork<Measured> list =
    [ for seed in run.Seeds do
          for role in roles ->
              { Key = key seed role
                Description = $"seed {seed}, {(settingOf manifest.Settings role).Label}"
                Run = fun checkpoints -> trainAndMeasure manifest run checkpoints seed role } ]
