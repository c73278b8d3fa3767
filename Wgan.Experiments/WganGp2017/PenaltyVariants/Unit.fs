/// What one unit of penalty-variants measures: one seed's WGAN-GP trained with one critic variant on one data set, the
/// exact W1 of its generator before training, along training (the W1 curve) and at the end.
module Wgan.Experiments.PenaltyVariants.Unit

open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.PenaltyVariants.Settings

/// The exact W1 of one unit's generator.
type Measured =
    { /// After training, on fresh samples (NaN after a divergence).
      FinalEarthMover: float
      /// Before training, the same for every variant of a seed and data set.
      UntrainedEarthMover: float
      /// The area under the W1 curve relative to its start (see `relativeArea`; NaN after a divergence).
      RelativeArea: float
      /// The generator iterations of the W1 curve (0: before training).
      Horizons: float[]
      /// The W1 curve on one fixed batch, at each of `Horizons`.
      CurveEarthMover: float[]
      Diverged: Divergence option }

/// The area under a W1 curve relative to its start: rows (horizon, W1), the first at horizon 0; the mean of
/// W1(h) / W1(0) over the later rows. 1 when the generator made no progress, lower when it came closer.
let relativeArea (curve: float[][]) =
    if curve.Length < 2 then nan else curve[1..] |> Array.averageBy (fun r -> r[1] / curve[0][1])

/// The key of the unit that trains variant `v` on data set `d` for `seed`.
let key (seed: int64) (v: Variant) (d: ToyDataset) = $"seed-{seed}/{v.Id}/{d.Name}"

/// The exact W1 between `n` generated samples and `n` real ones, both drawn from `random`.
let private earthMoverOfFresh (generatorNetwork: Mlp) (settings: Settings) (d: ToyDataset) (n: int) device random =
    use _ = torch.NewDisposeScope()
    let fake = toRows (ToyTraining.generate generatorNetwork settings.NoiseDimension n device random)
    EarthMover.earthMover fake (toRows (ToyData.sample d n random))

/// Trains variant `v` on data set `d` and measures its generator. The networks depend on (seed, data set) only, so
/// that every variant starts from the same ones; training and the final evaluation draw from generators of their own
/// per variant. Training checkpoints every `checkpointEvery` generator iterations and resumes from the last save.
let trainAndMeasure (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (checkpoints: UnitCheckpoints) (seed: int64) (v: Variant) (d: ToyDataset) : Measured =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let randomFor coordinates = new torch.Generator(uint64 (Seeds.derive seed coordinates))
    use generatorInitRandom = randomFor [ datasetCode d; 0 ]
    use criticInitRandom = randomFor [ datasetCode d; 1 ]
    use training = randomFor [ idCode v.Id; datasetCode d; 2 ]
    use evaluation = randomFor [ idCode v.Id; datasetCode d; 3 ]
    let spec inputs outputs normalization : MlpSpec =
        { Inputs = inputs
          Hidden = List.replicate settings.Depth scale.Width
          Outputs = outputs
          Activation = ReLU
          Normalization = normalization }
    use critic = new Mlp(spec 2 1 v.Normalization, criticInitRandom)
    use generatorNetwork = new Mlp(spec settings.NoiseDimension 2 NoNormalization, generatorInitRandom)
    critic.``to``(run.Device) |> ignore
    generatorNetwork.``to``(run.Device) |> ignore
    let samples = scale.EarthMoverSamples
    // W1 of the untrained generator, from its own random-number generator (seed and data set only), so that every
    // variant measures the same value and the training and final evaluation streams are untouched.
    let untrained =
        use untrainedEvaluation = randomFor [ datasetCode d; 4 ]
        earthMoverOfFresh generatorNetwork settings d samples run.Device untrainedEvaluation
    // The W1 curve: one fixed batch per seed and data set (the same for every variant), from its own generator.
    let curveReal, curveNoise =
        use curveEvaluation = randomFor [ datasetCode d; 5 ]
        let real = toRows (ToyData.sample d samples curveEvaluation)
        real, (ToyTraining.noise settings.NoiseDimension samples run.Device curveEvaluation).DetachFromDisposeScope()
    use _ = curveNoise
    let curvePoint (k: int) =
        use _ = torch.NewDisposeScope()
        use _ = torch.no_grad()
        [| float k; EarthMover.earthMover (toRows (generatorNetwork.call curveNoise)) curveReal |]
    let config: ToyTraining.Configuration =
        { Setting =
            { Id = v.Id
              Label = v.Label
              Constraint = GradientPenalty(settings.Lambda, v.Sides)
              CriticOptimizer = settings.CriticOptimizer
              GeneratorOptimizer = settings.GeneratorOptimizer }
          Dataset = d
          NoiseDimension = settings.NoiseDimension
          BatchSize = scale.BatchSize
          NCritic = settings.NCritic
          Iterations = scale.GeneratorIterations
          CheckpointEvery = manifest.CheckpointEvery[run.Scale]
          Device = run.Device }
    let state: ToyTraining.State = { Critic = critic; Generator = generatorNetwork; Random = training }
    let logging: ToyTraining.Logging =
        { Before = fun () -> [ curvePoint 0 ]
          After = fun k -> Ok(if List.contains k scale.Horizons then [ curvePoint k ] else []) }
    let outcome = ToyTraining.train config state checkpoints logging
    let curve = outcome.Rows
    let trained = outcome.Diverged.IsNone
    { FinalEarthMover =
        if trained then earthMoverOfFresh generatorNetwork settings d samples run.Device evaluation else nan
      UntrainedEarthMover = untrained
      RelativeArea = if trained then relativeArea curve else nan
      Horizons = curve |> Array.map (fun r -> r[0])
      CurveEarthMover = curve |> Array.map (fun r -> r[1])
      Diverged = outcome.Diverged }

/// The units of a run: one per seed, variant and data set.
let units (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) : UnitOfWork<Measured> list =
    [ for seed in run.Seeds do
          for v in manifest.Settings.Variants do
              for d in manifest.Settings.Datasets ->
                  { Key = key seed v d
                    Description = $"seed {seed}, {v.Label}, {datasetTitle d}"
                    Run = fun checkpoints -> trainAndMeasure manifest run checkpoints seed v d } ]
