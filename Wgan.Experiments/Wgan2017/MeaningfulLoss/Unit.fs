/// What one unit of meaningful-loss-curves measures: one trainer on one data set for one seed, its loss estimate after
/// every generator iteration and the exact W1 between generated and real samples every few iterations.
module Wgan.Experiments.MeaningfulLoss.Unit

open TorchSharp
open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.Trainers
open Wgan.Experiments.TrainerUnits
open Wgan.Experiments.MeaningfulLoss.Settings

/// The curves of one unit (shorter when training diverged).
type Measured =
    { /// The estimate of the last critic (discriminator) step of every generator iteration.
      Estimates: float[]
      /// The iterations at which the exact W1 was measured.
      LoggedIterations: int[]
      /// The exact W1 at those iterations.
      EarthMover: float[]
      Diverged: Divergence option }

/// Trains one unit, logging after every generator iteration its estimate, and every LogEvery iterations (and at the
/// last) the exact W1 between EarthMoverSamples generated and fresh real samples, drawn from the unit's evaluation
/// random-number generator (saved with every checkpoint, since it draws during training).
let trainAndLog (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (config: Configuration)
    (seed: int64) (checkpoints: UnitCheckpoints) : Measured =
    let scale = manifest.Scales[run.Scale]
    let samples = scale.Training.EarthMoverSamples
    use unit = new UnitNetworks(config, seed)
    let exactEarthMover () =
        use _ = torch.NewDisposeScope()
        let fake = ToyTraining.generate unit.Generator config.Training.NoiseDimension samples run.Device unit.Evaluation
        let real = ToyData.sample config.Dataset samples unit.Evaluation
        EarthMover.earthMover (toRows fake) (toRows real)
    let after k estimate =
        let logged = k % scale.LogEvery = 0 || k = scale.Training.GeneratorIterations
        [ [| float k; estimate; (if logged then exactEarthMover () else nan) |] ]
    let outcome = train config (unit.State [ unit.Evaluation ]) checkpoints after
    let logged = outcome.Rows |> Array.filter (fun r -> not (System.Double.IsNaN r[2]))
    { Estimates = outcome.Rows |> Array.map (fun r -> r[1])
      LoggedIterations = logged |> Array.map (fun r -> int r[0])
      EarthMover = logged |> Array.map (fun r -> r[2])
      Diverged = outcome.Diverged }

/// The units of a run: one per seed, trainer and data set.
let units (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) : UnitOfWork<Measured> list =
    let scale = manifest.Scales[run.Scale]
    TrainerUnits.units manifest.Settings.Training scale.Training manifest.CheckpointEvery[run.Scale] run
        (trainAndLog manifest run)
