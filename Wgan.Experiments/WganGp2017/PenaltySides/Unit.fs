/// What one unit of penalty-sides measures: one seed's architecture trained under one arm, the exact W1 between its
/// generated samples and real ones along training.
module Wgan.Experiments.PenaltySides.Unit

open System
open TorchSharp
open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.PenaltySides.Settings
open Wgan.Experiments.PenaltySides.Architecture

/// The W1 curve of one arm of one architecture.
type Measured =
    { /// Mean of the last two W1 measurements (NaN after a divergence).
      FinalEarthMover: float
      /// 1 when the last two measurements are within the plateau tolerance, else 0 (NaN after a divergence).
      Plateaued: float
      /// W1 before training.
      UntrainedEarthMover: float
      /// The generator iterations after which W1 was measured (0: before training).
      Iterations: float[]
      /// The exact W1 at each of `Iterations`.
      EarthMover: float[]
      Diverged: Divergence option }

/// The key of the unit that trains `arm` of the architecture of `seed`.
let key (seed: int64) (arm: Arm) = $"seed-{seed}/{arm.Id}"

/// The final W1 (mean of the last two measurements) and whether the curve plateaued, NaN when the curve is too short.
let private ending (tolerance: float) (curve: float[]) =
    if curve.Length < 3 then nan, nan
    else
        let last, previous = curve[curve.Length - 1], curve[curve.Length - 2]
        0.5 * (last + previous), (if abs (last - previous) <= tolerance * last then 1.0 else 0.0)

/// Trains one arm of one architecture, measuring the exact W1 before training and after every `EvaluateEvery`
/// generator iterations on one fixed evaluation batch (the same real samples and noise for every arm). Training
/// checkpoints every `checkpointEvery` generator iterations and resumes from the last save.
let trainAndMeasure (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (checkpoints: UnitCheckpoints) (seed: int64) (arm: Arm) : Measured =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let a = architecture settings.Space seed
    // Everything but the constraint depends on the seed alone: the same weights, batches, noise and penalty
    // coefficients for the three arms.
    let randomFor role = new torch.Generator(uint64 (Seeds.derive seed [ role ]))
    use generatorInitRandom = randomFor 0
    use criticInitRandom = randomFor 1
    use training = randomFor 2
    let spec inputs outputs : MlpSpec =
        { Inputs = inputs
          Hidden = List.replicate a.Depth a.Width
          Outputs = outputs
          Activation = a.Activation
          Normalization = NoNormalization }
    use critic = new Mlp(spec 2 1, criticInitRandom)
    use generatorNetwork = new Mlp(spec settings.Training.NoiseDimension 2, generatorInitRandom)
    critic.``to``(run.Device) |> ignore
    generatorNetwork.``to``(run.Device) |> ignore
    let adam = Adam(a.LearningRate, settings.Beta1, settings.Beta2)
    let real, evaluationNoise =
        use evaluation = randomFor 3
        let real = toRows (ToyData.sample settings.Training.Dataset scale.EarthMoverSamples evaluation)
        let z = ToyTraining.noise settings.Training.NoiseDimension scale.EarthMoverSamples run.Device evaluation
        real, z.DetachFromDisposeScope()
    use z = evaluationNoise
    let earthMover () =
        use _ = torch.NewDisposeScope()
        use _ = torch.no_grad()
        EarthMover.earthMover (toRows (generatorNetwork.call z)) real
    let evaluated i =
        if i % scale.EvaluateEvery <> 0 then Ok []
        else
            let w = earthMover ()
            match Experiment.divergence "the exact W1 of the generated samples" i w with
            | None -> Ok [ [| float i; w |] ]
            | Some d -> Error d
    let setting =
        { Id = arm.Id; Label = arm.Id; Constraint = constraintOf arm a.Lambda; CriticOptimizer = adam
          GeneratorOptimizer = adam }
    let config =
        DeepToyWgan.configuration settings.Training setting scale.BatchSize scale.GeneratorIterations
            manifest.CheckpointEvery[run.Scale] run.Device
    let state: ToyTraining.State = { Critic = critic; Generator = generatorNetwork; Random = training }
    let logging: ToyTraining.Logging = { Before = (fun () -> [ [| 0.0; earthMover () |] ]); After = evaluated }
    let outcome = ToyTraining.train config state checkpoints logging
    let curve = outcome.Rows |> Array.map (fun r -> r[1])
    let final, plateaued = if outcome.Diverged.IsSome then nan, nan else ending settings.PlateauTolerance curve
    { FinalEarthMover = final
      Plateaued = plateaued
      UntrainedEarthMover = curve[0]
      Iterations = outcome.Rows |> Array.map (fun r -> r[0])
      EarthMover = curve
      Diverged = outcome.Diverged }

/// The units of a run: one per seed (architecture) and arm.
let units (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) : UnitOfWork<Measured> list =
    [ for seed in run.Seeds do
          let text = architectureText (architecture manifest.Settings.Space seed)
          for arm in arms ->
              { Key = key seed arm
                Description = $"architecture {seed} ({text}), {arm.Id}"
                Run = fun checkpoints -> trainAndMeasure manifest run checkpoints seed arm } ]
