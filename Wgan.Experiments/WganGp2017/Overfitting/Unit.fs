/// What one unit of overfitting-detection measures: one seed's run of one variant on a random training subset, its
/// critic evaluated at regular intervals on training, validation and second held-out batches.
module Wgan.Experiments.Overfitting.Unit

open TorchSharp
open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.MnistVariant
open Wgan.Experiments.MnistWgan
open Wgan.Experiments.MnistRun
open Wgan.Experiments.Overfitting.Settings

/// One measurement: the critic's loss on training, validation and second held-out batches (paired with the same
/// fakes).
type Measurement =
    { Iteration: int
      /// -(critic loss), penalty included (gan_mnist.py's -disc_cost), averaged over the batches.
      TrainNegativeLoss: float
      ValidationNegativeLoss: float
      /// E f(real) - E f(fake) without the penalty.
      TrainEarthMover: float
      ValidationEarthMover: float
      TrainPenalty: float
      ValidationPenalty: float
      /// The same three on the second held-out set (the control: digits the critic never trained on).
      HeldOutNegativeLoss: float
      HeldOutEarthMover: float
      HeldOutPenalty: float }

/// What one unit measured: its run and the digits it ran on.
type Measured =
    { Data: DataIdentity
      Run: RunRecord<Measurement> }

let private toNumbers (m: Measurement) =
    [| m.TrainNegativeLoss; m.ValidationNegativeLoss; m.TrainEarthMover; m.ValidationEarthMover; m.TrainPenalty
       m.ValidationPenalty; m.HeldOutNegativeLoss; m.HeldOutEarthMover; m.HeldOutPenalty |]

let private ofNumbers (t: int) (v: float[]) =
    { Iteration = t
      TrainNegativeLoss = v[0]
      ValidationNegativeLoss = v[1]
      TrainEarthMover = v[2]
      ValidationEarthMover = v[3]
      TrainPenalty = v[4]
      ValidationPenalty = v[5]
      HeldOutNegativeLoss = v[6]
      HeldOutEarthMover = v[7]
      HeldOutPenalty = v[8] }

/// The training, validation and second held-out images of a seed's split.
type private Sets = { Training: torch.Tensor; Validation: torch.Tensor; HeldOut: torch.Tensor }

/// Evaluates the critic on `batches` training, validation and second held-out batches, each triple against one
/// fresh fake batch, drawing batches and noise from `random`.
let private evaluate (config: MnistTrainer.Configuration) (sets: Sets) (batches: int) (state: MnistTrainer.State)
    (random: torch.Generator) (t: int) : Measurement =
    let draw (images: torch.Tensor) =
        let order = permutation (int images.shape[0]) random
        select images (Array.init config.BatchSize (fun k -> int64 order[k]))
    let loss (images: torch.Tensor) fake =
        MnistTraining.criticLoss state.Critic config.Variant.Constraint (draw images) fake random
    let triple () =
        use _ = torch.NewDisposeScope()
        let fake = MnistTrainer.sample state (noise config.Latent config.BatchSize random config.Device)
        let onTrain = loss sets.Training fake
        let onValidation = loss sets.Validation fake
        onTrain, onValidation, loss sets.HeldOut fake
    let results = Array.init batches (fun _ -> triple ())
    let mean f = results |> Array.averageBy f
    { Iteration = t
      TrainNegativeLoss = mean (fun (tr, _, _) -> -tr.Loss)
      ValidationNegativeLoss = mean (fun (_, v, _) -> -v.Loss)
      TrainEarthMover = mean (fun (tr, _, _) -> tr.EarthMoverEstimate)
      ValidationEarthMover = mean (fun (_, v, _) -> v.EarthMoverEstimate)
      TrainPenalty = mean (fun (tr, _, _) -> tr.Penalty)
      ValidationPenalty = mean (fun (_, v, _) -> v.Penalty)
      HeldOutNegativeLoss = mean (fun (_, _, h) -> -h.Loss)
      HeldOutEarthMover = mean (fun (_, _, h) -> h.EarthMoverEstimate)
      HeldOutPenalty = mean (fun (_, _, h) -> h.Penalty) }

/// Trains the unit's variant for its seed on a random training subset and evaluates its critic along the way, in a
/// dispose scope that outlives every tensor it makes (see MnistWgan.scoped). The split depends on the seed only, so
/// both variants of a seed see the same training subset.
let train (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (checkpoints: UnitCheckpoints)
    (unit: UnitRun) : Measured =
    use _ = torch.NewDisposeScope()
    let scale = manifest.Scales[run.Scale]
    let source = run.Resources.Mnist()
    let needed = scale.TrainingDigits + scale.ValidationDigits
    requireDigits source run.Scale needed "trainingDigits + validationDigits"
    let order =
        use splitRandom = new torch.Generator(uint64 (Seeds.derive unit.Seed [ -1 ]))
        permutation source.Digits.Count splitRandom
    let images (first: int) (count: int) = imagesTensor source.Digits order[first .. first + count - 1] run.Device
    let half = scale.ValidationDigits / 2
    let sets =
        { Training = images 0 scale.TrainingDigits
          Validation = images scale.TrainingDigits half
          HeldOut = images (scale.TrainingDigits + half) half }
    let measuring: Measuring<Measurement> =
        { Measure = evaluate unit.Configuration sets scale.EvaluationBatches
          ToNumbers = toNumbers
          OfNumbers = ofNumbers
          KeepIterations = false }
    let record, _ = MnistRun.run unit sets.Training checkpoints measuring
    { Data = dataIdentity source; Run = record }

/// The units of a run: one per seed and variant (WGAN-GP, then WGAN-clip).
let units (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) : UnitOfWork<Measured> list =
    let scale = manifest.Scales[run.Scale]
    MnistRun.units run manifest.Settings.Gan scale.Run manifest.CheckpointEvery[run.Scale] (train manifest run)
