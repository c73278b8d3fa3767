/// What one unit of mode-coverage measures: one trainer on one Gaussian mixture for one seed, its samples after
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

/// The scores of one unit (NaN when training diverged).
type Measured =
    { ModesCovered: float
      HighQualityShare: float
      FinalEarthMover: float
      Diverged: Divergence option }

/// The mode centres and the per-coordinate standard deviation of a mixture, in data coordinates (after the
/// gan_toy.py division).
let modes (d: ToyDataset) : (float * float)[] * float =
    let scaled (centres: (float * float)[]) divisor = centres |> Array.map (fun (x, y) -> x / divisor, y / divisor)
    match d with
    | EightGaussians ->
        scaled eightGaussiansCentres EightGaussiansDivisor, EightGaussiansStd / EightGaussiansDivisor
    | TwentyFiveGaussians ->
        let divisor = TwentyFiveGaussiansDivisor
        scaled twentyFiveGaussiansCentres divisor, TwentyFiveGaussiansStd / divisor
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

/// Trains one unit, then scores EvaluationSamples generated samples and takes the exact W1 between EarthMoverSamples
/// generated and real samples, all drawn from the unit's evaluation random-number generator.
let trainAndScore (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (config: Configuration)
    (seed: int64) (checkpoints: UnitCheckpoints) : Measured =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    use unit = new UnitNetworks(config, seed)
    let outcome = train config (unit.State []) checkpoints (fun _ _ -> [])
    match outcome.Diverged with
    | Some _ -> { ModesCovered = nan; HighQualityShare = nan; FinalEarthMover = nan; Diverged = outcome.Diverged }
    | None ->
        use _ = torch.NewDisposeScope()
        let generated n =
            toRows (ToyTraining.generate unit.Generator config.Training.NoiseDimension n run.Device unit.Evaluation)
        let covered, quality =
            coverage config.Dataset settings.QualityStds settings.MinSamplesPerMode (generated scale.EvaluationSamples)
        let fake = generated scale.Training.EarthMoverSamples
        let real = toRows (ToyData.sample config.Dataset scale.Training.EarthMoverSamples unit.Evaluation)
        { ModesCovered = covered
          HighQualityShare = quality
          FinalEarthMover = EarthMover.earthMover fake real
          Diverged = None }

/// The units of a run: one per seed, trainer and data set.
let units (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) : UnitOfWork<Measured> list =
    let scale = manifest.Scales[run.Scale]
    TrainerUnits.units manifest.Settings.Training scale.Training manifest.CheckpointEvery[run.Scale] run
        (trainAndScore manifest run)
