/// What the units of the architecture experiment measure: a reference unit per image set obtains that set's
/// classifier (trained, or loaded from the runner's cache) and measures the real-data reference distance; each
/// training unit trains one method on one architecture for one seed and image set, measuring its samples' quality.
module Wgan.Experiments.Architectures.Unit

open TorchSharp
open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.MnistWgan
open Wgan.Experiments.Architectures.Settings

/// One quality measurement after `Iteration` generator iterations.
type Measurement =
    { Iteration: int
      /// Squared Frechet distance to the first half of the held-out real images.
      Fd: float
      /// Share of the samples predicted as each class.
      ClassShares: float[] }

/// What a reference unit records for its image set.
type ReferenceFacts =
    { /// The classifier's accuracy on the held-out real images.
      TestAccuracy: float
      /// Frechet distance of the second half of the held-out real images to the first.
      RealHalvesFd: float
      /// The first GridCell^2 held-out real images (pixels in [0, 1]).
      RealImages: float[] }

/// What a training unit records.
type TrainingRun =
    { Measurements: Measurement[]
      /// The first GridCell^2 samples of the last measurement (pixels in [0, 1]; 0 where not finite).
      FinalImages: float[]
      Diverged: Divergence option }

/// What one unit measured: the images it ran on, and its reference facts or its training run.
type Measured =
    { Data: DataIdentity
      Reference: ReferenceFacts option
      Run: TrainingRun option }

/// The key of an image set's reference unit.
let referenceKey (dataSet: ImageDataSet) = $"reference/{ImageDataSet.name dataSet}"

/// The key of a training unit.
let trainingKey (seed: int64) (dataSet: ImageDataSet) (a: Architecture) (m: Method) =
    $"seed-{seed}/{ImageDataSet.name dataSet}/{Architecture.name a}/{m.Name}"

/// The image set's images, its held-out reference images (two halves) and its training images: one split per set
/// (DataSeed), the same in every unit.
let private data (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (dataSet: ImageDataSet) =
    let scale = manifest.Scales[run.Scale]
    let source =
        match dataSet with
        | ImageDataSet.Mnist -> run.Resources.Mnist()
        | ImageDataSet.FashionMnist -> run.Resources.FashionMnist()
    let needed = scale.ReferenceImages + scale.TrainingImages
    if source.Digits.Count < needed then
        raise (
            DataException(
                $"scale {run.Scale.Name} needs {needed} {ImageDataSet.name dataSet} images (referenceImages + "
                + $"trainingImages) but the data has {source.Digits.Count} ({source.Description}); use the full data "
                + "set or a smaller scale"))
    let order =
        use splitRandom = new torch.Generator(uint64 (Seeds.derive (int64 manifest.Settings.DataSeed) [ -1 ]))
        permutation source.Digits.Count splitRandom
    let half = scale.ReferenceImages / 2
    source,
    source.Digits.Subset order[.. half - 1],
    source.Digits.Subset order[half .. scale.ReferenceImages - 1],
    source.Digits.Subset order[scale.ReferenceImages .. needed - 1]

let private all (d: Digits) = Array.init d.Count id

/// Both halves of the held-out images: the classifier's test set.
let private heldOut (first: Digits) (second: Digits) =
    { first with Labels = Array.append first.Labels second.Labels; Pixels = Array.append first.Pixels second.Pixels }

/// The classifier's Gaussian (mean, covariance) of the features of images in [0, 1].
let private gaussian (classifier: DigitClassifier) (images: torch.Tensor) =
    use _ = torch.NewDisposeScope()
    let mu, covariance = FrechetDistance.meanAndCovariance (SampleQuality.features classifier images)
    mu.MoveToOuterDisposeScope(), covariance.MoveToOuterDisposeScope()

/// A reference unit: obtains the set's classifier (where the training units then find it in the runner's cache),
/// its test accuracy on the held-out images, and the distance between the held-out halves.
let referenceUnit (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (dataSet: ImageDataSet) =
    use _ = torch.NewDisposeScope()
    let settings = manifest.Settings
    let source, first, second, training = data manifest run dataSet
    let classifier = SampleQuality.obtain settings.Classifier run.Resources training (heldOut first second) run.Device
    use _ = classifier.Network
    let a = gaussian classifier.Network (imagesTensor first (all first) run.Device)
    let b = gaussian classifier.Network (imagesTensor second (all second) run.Device)
    let k = settings.GridCell * settings.GridCell
    { Data = dataIdentity source
      Reference =
        Some
            { TestAccuracy = classifier.TestAccuracy
              RealHalvesFd = FrechetDistance.ofGaussians b a
              RealImages = pixelsOf (imagesTensor first (Array.init (min k first.Count) id) run.Device) }
      Run = None }

/// Where a unit sits in the settings' lists.
type UnitPlace =
    { Seed: int64
      DataSet: ImageDataSet
      DataSetIndex: int
      Architecture: Architecture
      ArchitectureIndex: int
      Method: Method }

let private evaluationRow (t: int) (fd: float) (shares: float[]) = Array.append [| float t; fd |] shares

/// A training unit: one method on one architecture for a seed and image set, measured with the set's classifier
/// (from the runner's cache, or trained here exactly as the reference unit trains it).
let trainingUnit (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (place: UnitPlace)
    (checkpoints: UnitCheckpoints) : Measured =
    use _ = torch.NewDisposeScope()
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let source, first, second, training = data manifest run place.DataSet
    let classifier = SampleQuality.obtain settings.Classifier run.Resources training (heldOut first second) run.Device
    use _ = classifier.Network
    let reference = gaussian classifier.Network (imagesTensor first (all first) run.Device)
    // gan_64x64.py's 2 * (x / 255 - 0.5): real images in [-1, 1].
    let images = scoped (fun () -> Scalars.sub (Scalars.mul (imagesTensor training (all training) run.Device) 2.0) 1.0)
    let config: Trainer.Configuration =
        { Method = place.Method
          Spec = spec settings scale place.Method place.Architecture
          BatchSize = settings.BatchSize
          Iterations = scale.GeneratorIterations
          CheckpointEvery = manifest.CheckpointEvery[run.Scale]
          Device = run.Device }
    use state = Trainer.start config place.Seed place.DataSetIndex place.ArchitectureIndex training.Count
    // The quality noise depends on the seed and image set alone: every architecture and method is shown the same z.
    let qualityNoise =
        use r = Trainer.random place.Seed place.DataSetIndex (-1) 4
        noise settings.Latent (scale.ReferenceImages / 2) r run.Device
    let generated () = scoped (fun () -> Scalars.mul (Scalars.add (Trainer.sample state qualityNoise) 1.0) 0.5)
    let measure t =
        use _ = torch.NewDisposeScope()
        let q = SampleQuality.measure classifier.Network reference settings.CoverageMinShare (generated ())
        evaluationRow t q.FrechetDistance q.ClassShares
    let evaluations = set (evaluationPoints scale.GeneratorIterations scale.EvaluateEvery)
    let after t = if evaluations.Contains t then [ measure t ] else []
    let rows, diverged = Trainer.train config images state checkpoints (fun () -> [ measure 0 ]) after
    let k = settings.GridCell * settings.GridCell
    let finalImages =
        use _ = torch.NewDisposeScope()
        (generated ()).narrow(0L, 0L, int64 k)
        |> pixelsOf
        |> Array.map (fun v -> if System.Double.IsFinite v then v else 0.0)
    { Data = dataIdentity source
      Reference = None
      Run =
        Some
            { Measurements = [| for r in rows -> { Iteration = int r[0]; Fd = r[1]; ClassShares = r[2..] } |]
              FinalImages = finalImages
              Diverged = diverged } }

/// The units of a run: each image set's reference unit, then per seed, image set, architecture and method that
/// trains it a training unit.
let units (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) : UnitOfWork<Measured> list =
    let s = manifest.Settings
    [ for d in s.DataSets ->
          { Key = referenceKey d
            Description = $"{ImageDataSet.name d}: classifier (trained once and cached) and real-data reference"
            Run = fun _ -> referenceUnit manifest run d } ]
    @ [ for seed in run.Seeds do
            for di, d in List.indexed s.DataSets do
                for ai, a in List.indexed s.Architectures do
                    for m in methodsOn s a ->
                        let place =
                            { Seed = seed; DataSet = d; DataSetIndex = di; Architecture = a; ArchitectureIndex = ai
                              Method = m }
                        { Key = trainingKey seed d a m
                          Description = $"seed {seed}, {ImageDataSet.name d}, {Architecture.name a}, {m.Name}"
                          Run = trainingUnit manifest run place } ]
