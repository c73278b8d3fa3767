/// What one unit of momentum-instability measures: one seed's WGAN-clip trained with one optimiser at one learning
/// rate, with the cosine between every critic update and -gradient, and the EM estimate at every generator iteration.
module Wgan.Experiments.MomentumInstability.Unit

open TorchSharp
open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.ToyTraining
open Wgan.Experiments.MomentumInstability.Settings

/// One training run's curves.
type Measured =
    { /// cos(update, -gradient) of every critic step, in order (nCritic per generator iteration).
      Cosines: float[]
      /// The EM estimate on the last critic step's minibatch, per generator iteration.
      Estimates: float[]
      /// The EM estimate E f(real) - E f(G(z)) on the fixed evaluation batch after every generator iteration.
      FixedEstimates: float[]
      /// The exact W1 between generated and real samples after training (NaN after a divergence).
      FinalEarthMover: float
      Diverged: Divergence option }

/// The key of a seed's training run `id` (see `runs`).
let key (seed: int64) (id: string) = $"seed-{seed}/{id}"

let private flat (tensors: torch.Tensor seq) =
    torch.cat(tensors |> Seq.map (fun t -> t.detach().flatten()) |> Array.ofSeq, 0L)

/// One WGAN-clip critic step (clipping before the step, as the official code) that also returns the cosine
/// between the optimiser's parameter update and -gradient, and the EM estimate E f(real) - E f(fake).
let criticStepWithCosine (critic: Mlp) (optimizer: Optimizer) (bound: float) (real: torch.Tensor) (fake: torch.Tensor)
    : float * float =
    use _ = torch.NewDisposeScope()
    LipschitzConstraint.clipWeights bound critic
    optimizer.zero_grad()
    let loss = Losses.criticLoss (critic.call real) (critic.call (fake.detach()))
    loss.backward()
    let parameters = critic.parameters() |> Array.ofSeq
    let gradient = flat (parameters |> Seq.map (fun p -> p.grad))
    let before = (flat (parameters |> Seq.map (fun p -> p :> torch.Tensor))).clone()
    optimizer.step() |> ignore
    let update = Scalars.subtractTensors (flat (parameters |> Seq.map (fun p -> p :> torch.Tensor))) before
    let cosine =
        let denominator = (update.norm() * gradient.norm()).ReadDouble()
        if denominator > 0.0 then -(torch.dot(update, gradient).ReadDouble()) / denominator else nan
    cosine, -(loss.ReadDouble())

/// Trains WGAN-clip with `optimizerName` at `lr` on both networks. The networks and the fixed evaluation batch depend
/// on the seed only (every optimiser of a seed starts from the same networks and is measured on the same batch); the
/// minibatches and the final W1's samples draw from random-number generators derived from (seed, run id, role).
/// Training checkpoints every `checkpointEvery` generator iterations and resumes from the last save.
let trainAndMeasure (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (checkpoints: UnitCheckpoints) (seed: int64) (optimizerName: string) (lr: LearningRate) : Measured =
    let settings, scale, device = manifest.Settings, manifest.Scales[run.Scale], run.Device
    let id = $"{optimizerName}.{lr.Id}"
    use networkRandom = new torch.Generator(uint64 (Seeds.derive seed [ 0 ]))
    use random = new torch.Generator(uint64 (Seeds.derive seed [ idCode id; 1 ]))
    use evaluationRandom = new torch.Generator(uint64 (Seeds.derive seed [ idCode id; 2 ]))
    use fixedRandom = new torch.Generator(uint64 (Seeds.derive seed [ 3 ]))
    use critic = new Mlp(deepSpec settings.Critic scale.Width 2 1, networkRandom)
    use generatorNetwork = new Mlp(deepSpec settings.Generator scale.Width settings.NoiseDimension 2, networkRandom)
    critic.``to``(device) |> ignore
    generatorNetwork.``to``(device) |> ignore
    let spec = optimizerSpec settings optimizerName lr
    use criticOptimizer = Optimizer.create spec (critic.parameters())
    use generatorOptimizer = Optimizer.create spec (generatorNetwork.parameters())
    use fixedReal = (ToyData.sample settings.Dataset scale.EarthMoverSamples fixedRandom).``to``(device)
    use fixedNoise = noise settings.NoiseDimension scale.EarthMoverSamples device fixedRandom
    let fixedEstimate () =
        use _ = torch.NewDisposeScope()
        use _ = torch.no_grad()
        let onReal = (critic.call fixedReal).mean()
        (Scalars.subtractTensors onReal ((critic.call (generatorNetwork.call fixedNoise)).mean())).ReadDouble()
    let criticStep () =
        use _ = torch.NewDisposeScope()
        let real = (ToyData.sample settings.Dataset scale.BatchSize random).``to``(device)
        let fake = generate generatorNetwork settings.NoiseDimension scale.BatchSize device random
        criticStepWithCosine critic criticOptimizer settings.ClipBound real fake
    let generatorStep () =
        use _ = torch.NewDisposeScope()
        let z = noise settings.NoiseDimension scale.BatchSize device random
        (GeneratorStep.wassersteinStep generatorNetwork generatorOptimizer critic z).Loss
    let iteration k =
        let steps = Array.init settings.NCritic (fun _ -> criticStep ())
        let generatorLoss = generatorStep ()
        let estimate = snd steps[steps.Length - 1]
        let diverged =
            Experiment.divergence "critic EM estimate" k estimate
            |> Option.orElse (Experiment.divergence "generator loss" k generatorLoss)
        match diverged with
        | Some d -> Error d
        | None -> Ok(Some(Array.append [| float k; estimate; fixedEstimate () |] (Array.map fst steps)))
    let objects: TrainingLoop.LoopObjects =
        { Networks = [ critic; generatorNetwork ]
          Optimizers = [ criticOptimizer; generatorOptimizer ]
          Generators = [ random ] }
    let rows, diverged =
        TrainingLoop.run checkpoints manifest.CheckpointEvery[run.Scale] objects scale.GeneratorIterations iteration
    let finalEarthMover =
        if diverged.IsSome then nan
        else
            use _ = torch.NewDisposeScope()
            let fake = generate generatorNetwork settings.NoiseDimension scale.EarthMoverSamples device evaluationRandom
            let real = ToyData.sample settings.Dataset scale.EarthMoverSamples evaluationRandom
            EarthMover.earthMover (toRows fake) (toRows real)
    { Cosines = rows |> Array.collect (fun r -> r[3..])
      Estimates = rows |> Array.map (fun r -> r[1])
      FixedEstimates = rows |> Array.map (fun r -> r[2])
      FinalEarthMover = finalEarthMover
      Diverged = diverged }

/// The units of a run: one per seed and training run (optimiser and learning rate).
let units (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) : UnitOfWork<Measured> list =
    [ for seed in run.Seeds do
          for id, o, lr in runs manifest.Settings ->
              { Key = key seed id
                Description = $"seed {seed}, {o} lr {plainNumber lr.Value}"
                Run = fun checkpoints -> trainAndMeasure manifest run checkpoints seed o lr } ]
