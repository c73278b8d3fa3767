/// What one unit of mode-coverage measures: one trainer on one Gaussian mixture for one seed, its samples over
/// training scored by the modes they cover, their quality and their exact W1 to real samples.
module Wgan.Experiments.ModeCoverage.Unit

open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.Trainers
open Wgan.Experiments.TrainerUnits
open Wgan.Experiments.ModeCoverage.Settings

/// The scores of one unit over training: before it (iteration 0), every EvaluateEvery generator iterations and after
/// the last (fewer when training diverged).
type Measured =
    { Iterations: int[]
      ModesCovered: float[]
      HighQualityShare: float[]
      EarthMover: float[]
      /// Samples of the trained generator to draw (none when training diverged).
      Samples: float[][]
      Diverged: Divergence option }

/// The mode centres and the per-coordinate standard deviation of a mixture, in data coordinates (the core's centres,
/// which are already divided as gan_toy.py divides its data, and its standard deviation divided the same way).
let modes (d: ToyDataset) : (float * float)[] * float =
    match d with
    | EightGaussians -> eightGaussiansCentres, EightGaussiansStd / EightGaussiansDivisor
    | TwentyFiveGaussians -> twentyFiveGaussiansCentres, TwentyFiveGaussiansStd / TwentyFiveGaussiansDivisor
    | SwissRoll -> invalidArg (nameof d) "the Swiss Roll has no modes"

/// (share of modes covered, share of high-quality samples) of `samples`.
let coverage (d: ToyDataset) (qualityStds: float) (minPerMode: int) (samples: float[][]) =
    let centres, std = modes d
    let counts = Array.zeroCreate centres.Length
    let mutable good = 0
    for s in samples do
        let distances = centres |> Array.map (fun (x, y) -> sqrt ((s[0] - x) ** 2.0 + (s[1] - y) ** 2.0))
        let nearest = Array.findIndex (fun v -> v = Array.min distances) distances
        if distances[nearest] <= qualityStds * std then
            good <- good + 1
            counts[nearest] <- counts[nearest] + 1
    let covered = counts |> Array.filter (fun c -> c >= minPerMode) |> Array.length
    float covered / float centres.Length, float good / float samples.Length

/// How many samples of each trained generator a unit keeps to draw.
[<Literal>]
let SamplesDrawn = 500

/// Trains one unit, scoring its generator before training, every EvaluateEvery generator iterations and after the
/// last: EvaluationSamples generated samples by the modes they cover and their quality, and the exact W1 between
/// EarthMoverSamples generated and real samples, all drawn from the unit's evaluation random-number generator (saved
/// with every checkpoint, since it draws during training).
let trainAndScore (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (config: Configuration)
    (seed: int64) (checkpoints: UnitCheckpoints) : Measured =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    use unit = new UnitNetworks(config, seed)
    let score (iteration: int) =
        use _ = torch.NewDisposeScope()
        let generated n =
            toRows (ToyTraining.generate unit.Generator config.Training.NoiseDimension n run.Device unit.Evaluation)
        let covered, quality =
            coverage config.Dataset settings.QualityStds settings.MinSamplesPerMode (generated scale.EvaluationSamples)
        let fake = generated scale.Training.EarthMoverSamples
        let real = toRows (ToyData.sample config.Dataset scale.Training.EarthMoverSamples unit.Evaluation)
        [| float iteration; covered; quality; EarthMover.earthMover fake real |]
    let untrained = score 0
    let after k _ =
        if k % scale.EvaluateEvery = 0 || k = scale.Training.GeneratorIterations then [ score k ] else []
    let outcome = train config (unit.State [ unit.Evaluation ]) checkpoints after
    let rows = Array.append [| untrained |] outcome.Rows
    let samples =
        match outcome.Diverged with
        | Some _ -> [||]
        | None ->
            use _ = torch.NewDisposeScope()
            let noise = config.Training.NoiseDimension
            toRows (ToyTraining.generate unit.Generator noise SamplesDrawn run.Device unit.Figures)
    { Iterations = rows |> Array.map (fun r -> int r[0])
      ModesCovered = rows |> Array.map (fun r -> r[1])
      HighQualityShare = rows |> Array.map (fun r -> r[2])
      EarthMover = rows |> Array.map (fun r -> r[3])
      Samples = samples
      Diverged = outcome.Diverged }

/// The units of a run: one per seed, trainer and data set.
let units (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) : UnitOfWork<Measured> list =
    let scale = manifest.Scales[run.Scale]
    TrainerUnits.units manifest.Settings.Training scale.Training manifest.CheckpointEvery[run.Scale] run
        (trainAndScore manifest run)
