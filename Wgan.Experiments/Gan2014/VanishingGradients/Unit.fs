/// What one unit of vanishing-gradients measures: one seed's learner trained against the seed's frozen generator, and
/// at each measuring step the norm of the generator's gradient under the losses the learner gives it.
module Wgan.Experiments.VanishingGradients.Unit

open TorchSharp
open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.Learners
open Wgan.Experiments.VanishingGradients.Settings

/// A generator loss's gradient norms at the measuring steps.
type Curve = { Loss: string; Norms: float[] }

/// What one learner's unit measured, one value per step of `MeasureAt` (NaN after a divergence).
type Measured =
    { /// One curve per loss of `lossesOf`, in that order.
      Curves: Curve list
      /// The mean of D(G(z)) (a probability) or of f(G(z)) on the fixed batch of z.
      MeanFakeOutput: float[]
      Diverged: Divergence option }

    /// The gradient norms under `loss`.
    member this.Norms(loss: string) = (this.Curves |> List.find (fun c -> c.Loss = loss)).Norms

/// The norm of the gradient of `loss (learner (G(z)))` over every generator parameter, without touching any
/// parameter's stored gradient.
let generatorGradientNorm (loss: torch.Tensor -> torch.Tensor) (generatorNetwork: Mlp) (learner: Mlp) (z: torch.Tensor)
    : float =
    use _ = torch.NewDisposeScope()
    let value = loss (learner.call (generatorNetwork.call z))
    let parameters = generatorNetwork.parameters() |> Seq.map (fun p -> p :> torch.Tensor) |> Array.ofSeq
    let gradients = torch.autograd.grad([| value |], parameters)
    gradients |> Seq.sumBy (fun g -> (Scalars.pow g 2.0).sum().ReadDouble()) |> sqrt

let private generatorLoss (name: string) : torch.Tensor -> torch.Tensor =
    match name with
    | "minimax" -> Losses.minimaxGeneratorLoss
    | "non-saturating" -> Losses.nonSaturatingGeneratorLoss
    | _ -> Losses.wassersteinGeneratorLoss

/// Trains `learner` against the frozen generator of `seed` (the same generator and measurement batch for every learner
/// of a seed), measuring after every step count of `MeasureAt`. The networks, the measurement batch and the training
/// batches draw from random-number generators derived from the seed (and the learner id, role). Training checkpoints
/// every `checkpointEvery` steps and resumes from the last save.
let trainAndMeasure (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (checkpoints: UnitCheckpoints) (seed: int64) (learner: Learner) : Measured =
    let settings, scale, device = manifest.Settings, manifest.Scales[run.Scale], run.Device
    use generatorRandom = new torch.Generator(uint64 (Seeds.derive seed [ 0 ]))
    use measurementRandom = new torch.Generator(uint64 (Seeds.derive seed [ 1 ]))
    use networkRandom = new torch.Generator(uint64 (Seeds.derive seed [ idCode learner.Id; 2 ]))
    use random = new torch.Generator(uint64 (Seeds.derive seed [ idCode learner.Id; 3 ]))
    use generatorNetwork = new Mlp(deepSpec settings.Generator scale.Width settings.NoiseDimension 2, generatorRandom)
    use network = new Mlp(deepSpec settings.Learner scale.Width 2 1, networkRandom)
    generatorNetwork.``to``(device) |> ignore
    network.``to``(device) |> ignore
    use z =
        (ToyTraining.noise settings.NoiseDimension scale.MeasurementBatch device measurementRandom)
            .DetachFromDisposeScope()
    let losses = lossesOf learner
    let measureAt = set scale.MeasureAt
    let batches () =
        let real = (ToyData.sample settings.Dataset scale.BatchSize random).``to``(device)
        real, ToyTraining.generate generatorNetwork settings.NoiseDimension scale.BatchSize device random
    let measure k =
        if not (measureAt.Contains k) then None
        else
            let norms = losses |> List.map (fun l -> generatorGradientNorm (generatorLoss l) generatorNetwork network z)
            let meanOutput =
                use _ = torch.no_grad()
                use _ = torch.NewDisposeScope()
                let out = network.call (generatorNetwork.call z)
                (match learner.Kind with Discriminator -> out.sigmoid() | Critic _ -> out).mean().ReadDouble()
            Some(Array.ofList (float k :: norms @ [ meanOutput ]))
    let rows, diverged =
        Learners.train learner network [ generatorNetwork ] random checkpoints manifest.CheckpointEvery[run.Scale]
            (List.last scale.MeasureAt) batches measure
    let column c = Array.init scale.MeasureAt.Length (fun i -> if i < rows.Length then rows[i][c] else nan)
    { Curves = losses |> List.mapi (fun i l -> { Loss = l; Norms = column (i + 1) })
      MeanFakeOutput = column (losses.Length + 1)
      Diverged = diverged }

/// The units of a run: one per seed and learner.
let units (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) : UnitOfWork<Measured> list =
    Learners.units manifest.Settings.Learners run (trainAndMeasure manifest run)
