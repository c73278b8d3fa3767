/// What the units of mnist-loss-vs-quality measure: the classifier unit obtains the digit classifier (trained, or
/// loaded from the runner's cache) and records the run-wide facts; each GAN unit trains one variant for one seed and
/// measures its samples' quality along the way.
module Wgan.Experiments.LossVsQuality.Unit

open TorchSharp
open Wgan.Experiments
open Wgan.Experiments.MnistVariant
open Wgan.Experiments.MnistWgan
open Wgan.Experiments.MnistRun
open Wgan.Experiments.LossVsQuality.Settings

/// One measurement after `Iteration` generator iterations.
type Measurement =
    { Iteration: int
      /// Median of the iterations' EM estimates over the interval since the previous measurement (NaN at 0).
      EarthMover: float
      /// Mean generator loss -E f(G(z)) over the interval (NaN at 0).
      GeneratorLoss: float
      Quality: SampleQuality.Quality }

/// What the classifier unit records for the whole run.
type ClassifierFacts =
    { /// Accuracy on the held-out reference digits.
      TestAccuracy: float
      /// The first 2 x GridColumns reference digits, as two grid rows of pixels.
      RealDigits: float[][] }

/// What one unit measured: the digits it ran on, and the classifier's facts (the classifier unit) or a GAN's run (a
/// GAN unit).
type Measured =
    { Data: DataIdentity
      Classifier: ClassifierFacts option
      Run: RunRecord<Measurement> option }

/// The key of the classifier unit.
[<Literal>]
let ClassifierKey = "classifier"

/// The reference digits (held out from the GANs and the classifier) and the training digits: one split for the whole
/// run (DataSeed), the same in every unit; the run's digits are checked to suffice for the scale.
let private data (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) =
    let scale = manifest.Scales[run.Scale]
    let source = run.Resources.Mnist()
    let needed = scale.ReferenceDigits + scale.TrainingDigits
    requireDigits source run.Scale needed "referenceDigits + trainingDigits"
    let order =
        use splitRandom = new torch.Generator(uint64 (Seeds.derive (int64 manifest.Settings.DataSeed) [ -1 ]))
        permutation source.Digits.Count splitRandom
    let reference = source.Digits.Subset order[.. scale.ReferenceDigits - 1]
    source, reference, source.Digits.Subset order[scale.ReferenceDigits .. needed - 1]

/// The classifier unit: obtains the classifier (where the GAN units then find it in the runner's cache) and records
/// its test accuracy and two grid rows of reference digits.
let classifierUnit (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) : Measured =
    use _ = torch.NewDisposeScope()
    let source, reference, training = data manifest run
    let classifier = SampleQuality.obtain manifest.Settings.Classifier run.Resources training reference run.Device
    use _ = classifier.Network
    let columns = manifest.Settings.Gan.GridColumns
    let size = reference.ImageSize
    let gridRow row =
        let count = min columns (reference.Count - row * columns)
        Array.init (columns * size) (fun p ->
            let k = p / size
            if k < count then float reference.Pixels[(row * columns + k) * size + p % size] / 255.0 else 0.0)
    { Data = dataIdentity source
      Classifier = Some { TestAccuracy = classifier.TestAccuracy; RealDigits = [| gridRow 0; gridRow 1 |] }
      Run = None }

/// A quality measurement and its generator iteration, as the training log keeps it.
type private QualityAt = { At: int; Quality: SampleQuality.Quality }

/// Each quality measurement with the median EM estimate and the mean generator loss of the iterations since the
/// previous one.
let private summarise (qualities: QualityAt[]) (iterations: IterationLog[]) : Measurement[] =
    qualities
    |> Array.mapi (fun k q ->
        let since = if k = 0 then -1 else qualities[k - 1].At
        let interval = iterations |> Array.filter (fun i -> i.Iteration > since && i.Iteration <= q.At)
        { Iteration = q.At
          EarthMover = Statistics.median (interval |> Array.map (fun i -> i.EarthMover))
          GeneratorLoss = (if interval.Length = 0 then nan else interval |> Array.averageBy (fun i -> i.GeneratorLoss))
          Quality = q.Quality })

/// A GAN unit: one seed x one variant, measured with the classifier (from the runner's cache, or trained here exactly
/// as the classifier unit trains it), in a dispose scope that outlives every tensor it makes (see MnistWgan.scoped).
let ganUnit (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (checkpoints: UnitCheckpoints)
    (unit: UnitRun) : Measured =
    use _ = torch.NewDisposeScope()
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let source, referenceDigits, trainingDigits = data manifest run
    let classifier = SampleQuality.obtain settings.Classifier run.Resources trainingDigits referenceDigits run.Device
    use _ = classifier.Network
    let reference =
        use _ = torch.NewDisposeScope()
        let images = imagesTensor referenceDigits (Array.init referenceDigits.Count id) run.Device
        let mu, covariance =
            Wgan.Core.FrechetDistance.meanAndCovariance (SampleQuality.features classifier.Network images)
        mu.MoveToOuterDisposeScope(), covariance.MoveToOuterDisposeScope()
    let trainImages = imagesTensor trainingDigits (Array.init trainingDigits.Count id) run.Device
    let measure (state: MnistTrainer.State) (random: torch.Generator) =
        let qualityNoise = noise settings.Gan.Latent scale.QualitySamples random run.Device
        fun t ->
            use _ = torch.NewDisposeScope()
            let generated = MnistTrainer.sample state qualityNoise
            { At = t
              Quality = SampleQuality.measure classifier.Network reference settings.CoverageMinShare generated }
    let measuring: Measuring<QualityAt> =
        { Measure = measure
          ToNumbers = fun q -> Array.append [| q.Quality.FrechetDistance; q.Quality.Coverage |] q.Quality.ClassShares
          OfNumbers = fun t v -> { At = t; Quality = { FrechetDistance = v[0]; Coverage = v[1]; ClassShares = v[2..] } }
          KeepIterations = true }
    let record, iterations = MnistRun.run unit trainImages checkpoints measuring
    { Data = dataIdentity source
      Classifier = None
      Run =
        Some
            { Measurements = summarise record.Measurements iterations
              Snapshots = record.Snapshots
              Diverged = record.Diverged } }

/// The units of a run: the classifier, then one per seed and variant (WGAN-GP, then WGAN-clip).
let units (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) : UnitOfWork<Measured> list =
    { Key = ClassifierKey
      Description = "digit classifier (trained once and cached) and reference digits"
      Run = fun _ -> classifierUnit manifest run }
    :: MnistRun.units run manifest.Settings.Gan manifest.Scales[run.Scale].Run manifest.CheckpointEvery[run.Scale]
        (ganUnit manifest run)
