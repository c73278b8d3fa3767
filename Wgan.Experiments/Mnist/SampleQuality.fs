/// An objective measure of generated digits, computed by the harness itself: a small classifier
/// (DigitClassifier) trained deterministically on real digits and cached through the runner, whose feature
/// layer gives a Frechet distance between generated and held-out real digits (as FID does with Inception
/// features), and whose predictions give the class coverage of the generated digits.
module Wgan.Experiments.SampleQuality

open System
open System.IO
open System.Security.Cryptography
open System.Text
open TorchSharp
open Wgan.Core
open Wgan.Experiments.Json

/// How the classifier is built and trained.
type ClassifierSettings =
    { Seed: int
      Channels: int
      Features: int
      Optimizer: OptimizerSpec
      BatchSize: int
      Epochs: int }

/// {"seed", "channels", "features", "optimizer", "batchSize", "epochs"}.
let classifierSettings: Decoder<ClassifierSettings> =
    Decode.object (fields {
        let! seed = required "seed" Manifest.seed
        and! channels = required "channels" (Decode.intInRange 1 1024)
        and! features = required "features" (Decode.intInRange 2 4096)
        and! optimizer = required "optimizer" Manifest.optimizer
        and! batchSize = required "batchSize" (Decode.intInRange 1 100_000)
        and! epochs = required "epochs" (Decode.intInRange 1 1000)
        return
            { Seed = seed
              Channels = channels
              Features = features
              Optimizer = optimizer
              BatchSize = batchSize
              Epochs = epochs } })

/// The digit classifier as the memory estimate sees it (Footprint): 5x5 convolutions 1 -> C -> 2 C (28 -> 14 -> 7
/// pixels a side), a dense layer to the features and one to 10 logits.
let classifierFootprint (settings: ClassifierSettings) : Footprint.Network =
    let c, f = float settings.Channels, float settings.Features
    { Name = $"digit classifier, {settings.Channels} channels, {settings.Features} features"
      Parameters = 50.0 * c * c + 28.0 * c + 98.0 * c * f + 11.0 * f + 10.0
      ValuesPerSample = 794.0 + 294.0 * c + f }

/// A classifier ready to measure, with its accuracy on held-out real digits.
type TrainedClassifier =
    { Network: DigitClassifier
      TestAccuracy: float
      /// Whether the weights came from the runner's cache (else they were trained in this run).
      FromCache: bool }

/// Runs `f` over `data` in chunks of `chunk` rows, without gradients, and concatenates the results.
let private chunked (chunk: int) (f: torch.Tensor -> torch.Tensor) (data: torch.Tensor) : torch.Tensor =
    use _ = torch.no_grad()
    let n = data.shape[0]
    let parts =
        [| for start in 0L .. int64 chunk .. n - 1L -> f (data.narrow(0L, start, min (int64 chunk) (n - start))) |]
    torch.cat(parts, 0L)

/// The fraction of `images` whose predicted class is `labels`.
let accuracy (classifier: DigitClassifier) (images: torch.Tensor) (labels: torch.Tensor) : float =
    use _ = torch.NewDisposeScope()
    let predicted = chunked 500 (fun x -> classifier.call(x).argmax(1L)) images
    predicted.eq(labels).to_type(torch.float64).mean().ReadDouble()

/// Trains a fresh classifier: initialisation from Seeds.derive(seed, [0]), shuffled epochs from
/// Seeds.derive(seed, [1]), cross-entropy loss.
let train (settings: ClassifierSettings) (images: torch.Tensor) (labels: torch.Tensor) (device: torch.Device)
    : DigitClassifier =
    use initialisation = new torch.Generator(uint64 (Seeds.derive (int64 settings.Seed) [ 0 ]))
    use order = new torch.Generator(uint64 (Seeds.derive (int64 settings.Seed) [ 1 ]))
    let network = new DigitClassifier({ Channels = settings.Channels; Features = settings.Features }, initialisation)
    network.``to``(device) |> ignore
    use optimizer = Optimizer.create settings.Optimizer (network.parameters())
    let n = int images.shape[0]
    let batch = min settings.BatchSize n
    let sampler = MnistWgan.EpochSampler(n, batch, order)
    for _ in 1 .. settings.Epochs do
        for _ in 1 .. n / batch do
            use _ = torch.NewDisposeScope()
            let indices = sampler.Next()
            let batchImages, batchLabels = MnistWgan.select images indices, MnistWgan.select labels indices
            MnistTraining.classifierStep network optimizer batchImages batchLabels |> ignore
    network

/// The cache key of a classifier: what determines its weights (settings, training data, thread count).
let cacheKey (settings: ClassifierSettings) (trainingFingerprint: string) : string =
    let text = $"digit-classifier v1 | {settings} | data {trainingFingerprint} | threads {torch.get_num_threads ()}"
    "digit-classifier-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes text)).ToLowerInvariant()[.. 31]

/// The classifier for `training` digits: loaded from the runner's cache when it has one for the same
/// settings, data and thread count, else trained and stored. Accuracy is measured on `test`.
let obtain
    (settings: ClassifierSettings)
    (resources: IResources)
    (training: Digits)
    (test: Digits)
    (device: torch.Device)
    : TrainedClassifier =
    let all (d: Digits) = Array.init d.Count id
    let key = cacheKey settings (MnistFormats.fingerprint training)
    let network, fromCache =
        match resources.TryLoad key with
        | null ->
            // (imagesTensor and labelsTensor return tensors outside any scope, owned by these bindings; the
            // network is built outside any scope, so its parameters belong to it alone.)
            use images = MnistWgan.imagesTensor training (all training) device
            use labels = MnistWgan.labelsTensor training (all training) device
            let network = train settings images labels device
            network.cpu() |> ignore
            use stream = new MemoryStream()
            network.save(stream) |> ignore
            resources.Store(key, stream.ToArray())
            network.``to``(device) |> ignore
            network, false
        | bytes ->
            use unused = new torch.Generator(0UL)
            let network = new DigitClassifier({ Channels = settings.Channels; Features = settings.Features }, unused)
            use stream = new MemoryStream(bytes)
            network.load(stream) |> ignore
            network.``to``(device) |> ignore
            network, true
    let testAccuracy =
        use _ = torch.NewDisposeScope()
        accuracy network (MnistWgan.imagesTensor test (all test) device) (MnistWgan.labelsTensor test (all test) device)
    { Network = network; TestAccuracy = testAccuracy; FromCache = fromCache }

/// The classifier's features of `images`, [n, Features], float64 on the CPU.
let features (classifier: DigitClassifier) (images: torch.Tensor) : torch.Tensor =
    use _ = torch.NewDisposeScope()
    (chunked 500 classifier.Features images).cpu().to_type(torch.float64).MoveToOuterDisposeScope()

/// Sample quality of generated digits.
type Quality =
    { /// Squared Frechet distance between Gaussians fitted to the features of generated and real digits.
      FrechetDistance: float
      /// Fraction of the 10 classes that receive at least `minShare` of the generated digits.
      Coverage: float
      /// Share of generated digits predicted as each class.
      ClassShares: float[] }

/// The quality of `generated` images against the reference features' Gaussian (mean, covariance).
let measure (classifier: DigitClassifier) (reference: torch.Tensor * torch.Tensor) (minShare: float)
    (generated: torch.Tensor) : Quality =
    use _ = torch.NewDisposeScope()
    let f = features classifier generated
    let fd = FrechetDistance.ofGaussians (FrechetDistance.meanAndCovariance f) reference
    let predicted = (chunked 500 (fun x -> classifier.call(x).argmax(1L)) generated).cpu().data<int64>().ToArray()
    let count c = predicted |> Array.filter (fun p -> p = int64 c) |> Array.length
    let shares = Array.init 10 (fun c -> float (count c) / float predicted.Length)
    { FrechetDistance = fd
      Coverage = float (shares |> Array.filter (fun s -> s >= minShare) |> Array.length) / 10.0
      ClassShares = shares }
