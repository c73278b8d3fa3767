/// A meaningful loss on real images (WGAN Figures 3-4, carried to MNIST and to WGAN-GP): while a WGAN trains,
/// its critic's Earth-Mover estimate should fall as the samples get better. The harness measures sample
/// quality itself, with a classifier it trains and caches (SampleQuality): the Frechet distance between
/// generated and held-out real digits in the classifier's feature space, and the class coverage of the
/// generated digits. The claim is a rank correlation over training between the EM estimate and the distance.
module Wgan.Experiments.LossVsQualityExperiment

open TorchSharp
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.MnistWgan

[<Literal>]
let Id = "mnist-loss-vs-quality"

[<Literal>]
let private Title = "MNIST: the critic's Earth-Mover estimate vs sample quality"

[<Literal>]
let private Source = "WGAN (Arjovsky et al. 2017), Figures 3-4 (meaningful loss), on MNIST with WGAN-clip and WGAN-GP"

/// The work a scale does.
type ScaleSettings =
    { Seeds: int
      /// gan_mnist.py's DIM.
      Dim: int
      GeneratorIterations: int
      EvaluateEvery: int
      /// Held-out real digits: the Frechet distance's reference and the classifier's test set.
      ReferenceDigits: int
      /// Digits the GANs and the classifier train on.
      TrainingDigits: int
      /// Generated digits per quality measurement (fixed noise, the same at every measurement).
      QualitySamples: int
      GridRows: int
      /// What is known about this scale's outcome (e.g. why a claim does not reproduce here), for the notes.
      Note: string option }

type Settings =
    { Seed: int
      VerifyTolerance: float
      /// Fixes the reference/training split, so that every seed (and the cached classifier) shares it.
      DataSeed: int
      BatchSize: int
      Latent: int
      WganGp: Variant
      WganClip: Variant
      Classifier: SampleQuality.ClassifierSettings
      /// A class is covered when it receives at least this share of the generated digits.
      CoverageMinShare: float
      GridColumns: int
      Scales: Map<Scale, ScaleSettings>
      Claims: ClaimSpec list }

let private variants (s: Settings) = [ "gp", "wgan-gp", "WGAN-GP", s.WganGp; "clip", "wgan-clip", "WGAN-clip", s.WganClip ]

let private perVariantMetrics (prefix: string) (name: string) =
    [ $"{prefix}.rankCorrelationFd", $"{name}: Spearman correlation over training between the EM estimate (median over each evaluation interval) and the Frechet distance"
      $"{prefix}.rankCorrelationCoverage", $"{name}: Spearman correlation between the EM estimate and the class coverage of generated digits"
      $"{prefix}.initialFd", $"{name}: Frechet distance before training"
      $"{prefix}.finalFd", $"{name}: Frechet distance at the end of training"
      $"{prefix}.finalCoverage", $"{name}: class coverage at the end of training"
      $"{prefix}.finalEm", $"{name}: EM estimate over the last evaluation interval" ]

let metrics =
    perVariantMetrics "gp" "WGAN-GP"
    @ perVariantMetrics "clip" "WGAN-clip"
    @ [ "classifier.testAccuracy", "accuracy of the harness's digit classifier on the held-out reference digits" ]

let private scaleSettings: Decoder<ScaleSettings> =
    Decode.object (fun r ->
        { Seeds = r.Required("seeds", Decode.intInRange 1 1000)
          Dim = r.Required("dim", Decode.intInRange 1 1024)
          GeneratorIterations = r.Required("generatorIterations", Decode.intInRange 1 10_000_000)
          EvaluateEvery = r.Required("evaluateEvery", Decode.intInRange 1 10_000_000)
          ReferenceDigits = r.Required("referenceDigits", Decode.intInRange 2 10_000_000)
          TrainingDigits = r.Required("trainingDigits", Decode.intInRange 1 10_000_000)
          QualitySamples = r.Required("qualitySamples", Decode.intInRange 2 1_000_000)
          GridRows = r.Required("gridRows", Decode.intInRange 1 100)
          Note = r.Optional("note", Decode.nonEmptyString) })

let decodeSettings: Decoder<Settings> =
    let names = List.map fst metrics
    let decoder =
        Decode.object (fun r ->
            r.Required("experiment", Decode.string) |> ignore
            { Seed = r.Required("seed", seed)
              VerifyTolerance = r.Required("verifyTolerance", verifyTolerance)
              DataSeed = r.Required("dataSeed", seed)
              BatchSize = r.Required("batchSize", Decode.intInRange 1 100_000)
              Latent = r.Required("latentDimension", Decode.intInRange 1 100_000)
              WganGp = r.Required("wganGp", variant GradientPenaltyVariant)
              WganClip = r.Required("wganClip", variant WeightClippingVariant)
              Classifier = r.Required("classifier", SampleQuality.classifierSettings)
              CoverageMinShare = r.Required("coverageMinShare", Decode.float |> Decode.check (fun v -> v > 0.0 && v <= 0.1) "must be a number in (0, 0.1]")
              GridColumns = r.Required("gridColumns", Decode.intInRange 1 100)
              Scales = r.Required("scales", scaleTable scaleSettings)
              Claims = r.Required("claims", claims names) })
    fun path e ->
        match decoder path e with
        | Ok s ->
            let problems =
                [ for KeyValue (scale, x) in s.Scales do
                      if x.TrainingDigits < s.BatchSize || x.TrainingDigits < s.Classifier.BatchSize then
                          yield { Path = $"{path}.scales.{scale.Name}.trainingDigits"; Message = "must hold at least one batch of the GANs and of the classifier" }
                      if x.EvaluateEvery > x.GeneratorIterations then
                          yield { Path = $"{path}.scales.{scale.Name}.evaluateEvery"; Message = "must not exceed generatorIterations (the EM estimate is summarised per evaluation interval)" } ]
            if problems.IsEmpty then Ok s else Error problems
        | r -> r

/// One measurement after `Iteration` generator iterations.
type Measurement =
    { Iteration: int
      /// Median of the iterations' EM estimates over the interval since the previous measurement (NaN at 0).
      EarthMover: float
      /// Mean generator loss -E f(G(z)) over the interval (NaN at 0).
      GeneratorLoss: float
      Quality: SampleQuality.Quality }

type RunRecord = { Measurements: Measurement[]; Snapshots: (int * float[]) list }

let private median (xs: float[]) =
    if xs.Length = 0 then nan
    else
        let s = Array.sort xs
        if s.Length % 2 = 1 then s[s.Length / 2] else 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2])

/// Trains one variant for one seed and measures quality along the way.
let runOne
    (settings: Settings)
    (scale: ScaleSettings)
    (device: torch.Device)
    (trainImages: torch.Tensor)
    (classifier: SampleQuality.TrainedClassifier)
    (reference: torch.Tensor * torch.Tensor)
    (seed: int64)
    (variantIndex: int)
    (v: Variant)
    (progress: int -> unit)
    : RunRecord =
    let shape = { Dim = scale.Dim; Latent = settings.Latent; BatchSize = settings.BatchSize }
    use training = new Training(v, shape, device, trainImages, seed, variantIndex)
    use qualityGenerator = training.MeasurementGenerator 4
    use gridGenerator = training.MeasurementGenerator 5
    use qualityNoise = noise settings.Latent scale.QualitySamples qualityGenerator device
    use gridNoise = noise settings.Latent settings.GridColumns gridGenerator device
    let evaluations = set (evaluationPoints scale.GeneratorIterations scale.EvaluateEvery)
    let snapshots = set (snapshotPoints scale.GeneratorIterations scale.GridRows)
    let measurements = ResizeArray()
    let pictures = ResizeArray()
    let estimates = ResizeArray<float>()
    let generatorLosses = ResizeArray<float>()
    let observe t =
        if evaluations.Contains t then
            let quality =
                use _ = torch.NewDisposeScope()
                SampleQuality.measure classifier.Network reference settings.CoverageMinShare (training.Sample qualityNoise)
            measurements.Add
                { Iteration = t
                  EarthMover = median (estimates.ToArray())
                  GeneratorLoss = (if generatorLosses.Count = 0 then nan else Seq.average generatorLosses)
                  Quality = quality }
            estimates.Clear()
            generatorLosses.Clear()
            progress t
        if snapshots.Contains t then
            use images = training.Sample gridNoise
            pictures.Add(t, pixelsOf images)
    observe 0
    for t in 1 .. scale.GeneratorIterations do
        let stats = training.Step(t - 1)
        estimates.Add stats.Critic.EarthMoverEstimate
        generatorLosses.Add stats.GeneratorLoss
        observe t
    { Measurements = measurements.ToArray(); Snapshots = List.ofSeq pictures }

/// The per-variant metrics of one seed's measurements; correlations use the measurements after training began.
let variantMetrics (prefix: string) (ms: Measurement[]) : (string * float) list =
    let trained = ms |> Array.filter (fun m -> m.Iteration > 0)
    let em = trained |> Array.map (fun m -> m.EarthMover)
    let correlation (pick: Measurement -> float) =
        if trained.Length < 2 then nan else Statistics.spearman em (trained |> Array.map pick)
    let last = ms[ms.Length - 1]
    [ $"{prefix}.rankCorrelationFd", correlation (fun m -> m.Quality.FrechetDistance)
      $"{prefix}.rankCorrelationCoverage", correlation (fun m -> m.Quality.Coverage)
      $"{prefix}.initialFd", ms[0].Quality.FrechetDistance
      $"{prefix}.finalFd", last.Quality.FrechetDistance
      $"{prefix}.finalCoverage", last.Quality.Coverage
      $"{prefix}.finalEm", last.EarthMover ]

let private runInScope (settings: Settings) (options: RunOptions) (report: Progress -> unit) : ExperimentResult =
    let scale = settings.Scales[options.Scale]
    let seeds = Experiment.seedsFor settings.Seed scale.Seeds options.Seeds
    let device = Experiment.device options
    let source = options.Resources.Mnist()
    requireDigits source options.Scale (scale.ReferenceDigits + scale.TrainingDigits) "referenceDigits + trainingDigits"
    // One split for the whole run (DataSeed): the reference digits are held out from the GANs and the classifier.
    let order =
        use splitGenerator = new torch.Generator(uint64 (Seeds.derive (int64 settings.DataSeed) [ -1 ]))
        permutation source.Digits.Count splitGenerator
    let referenceDigits = source.Digits.Subset order[.. scale.ReferenceDigits - 1]
    let trainingDigits = source.Digits.Subset order[scale.ReferenceDigits .. scale.ReferenceDigits + scale.TrainingDigits - 1]
    let classifier = SampleQuality.obtain settings.Classifier options.Resources trainingDigits referenceDigits device
    use _ = classifier.Network
    let reference =
        use _ = torch.NewDisposeScope()
        let referenceImages = imagesTensor referenceDigits (Array.init referenceDigits.Count id) device
        let mu, covariance = Wgan.Core.FrechetDistance.meanAndCovariance (SampleQuality.features classifier.Network referenceImages)
        mu.MoveToOuterDisposeScope(), covariance.MoveToOuterDisposeScope()
    use _ = fst reference
    use _ = snd reference
    use trainImages = imagesTensor trainingDigits (Array.init trainingDigits.Count id) device
    let vs = variants settings
    let total = seeds.Length * vs.Length * scale.GeneratorIterations
    let records =
        [ for s, seed in List.indexed seeds ->
              seed,
              [ for k, (_, file, name, v) in List.indexed vs ->
                    let before = (s * vs.Length + k) * scale.GeneratorIterations
                    let progress t = report { Done = before + t; Total = total; Message = $"seed {seed}, {name}, generator iteration {t}" }
                    file, runOne settings scale device trainImages classifier reference seed k v progress ] |> Map ]
    let metrics =
        records
        |> List.map (fun (seed, byVariant) ->
            let values =
                [ for prefix, file, _, _ in vs do yield! variantMetrics prefix byVariant[file].Measurements
                  yield "classifier.testAccuracy", classifier.TestAccuracy ]
            { Seed = seed; Values = readOnlyDict values })
    let first = snd records.Head
    let firstSeed = fst records.Head
    let iterationsOf (file: string) = first[file].Measurements |> Array.map (fun m -> float m.Iteration)
    let meanCurve (file: string) (pick: Measurement -> float) =
        first[file].Measurements |> Array.mapi (fun i _ -> records |> List.averageBy (fun (_, r) -> pick r[file].Measurements[i]))
    let trainedOnly (file: string) (xs: float[]) = Array.zip (iterationsOf file) xs |> Array.filter (fun (i, _) -> i > 0.0)
    { ExperimentId = Id
      Title = Title
      Source = Source
      Scale = options.Scale.Name
      Seeds = seeds
      Metrics = metrics
      Claims = settings.Claims |> List.map (Claims.evaluate metrics)
      Series =
        [ for _, file, _, _ in vs ->
              { Name = $"{file}-quality"
                Columns =
                  [ "seed"; "generator_iteration"; "em_estimate_median"; "generator_loss_mean"; "frechet_distance"; "class_coverage" ]
                  @ [ for c in 0 .. 9 -> $"share_class_{c}" ]
                Rows =
                  [ for seed, r in records do
                        for m in r[file].Measurements ->
                            Array.append
                                [| float seed; float m.Iteration; m.EarthMover; m.GeneratorLoss; m.Quality.FrechetDistance; m.Quality.Coverage |]
                                m.Quality.ClassShares ] } ]
      Figures =
        [ for _, file, name, _ in vs do
              let em = trainedOnly file (meanCurve file (fun m -> m.EarthMover))
              yield
                  lineFigure $"{file}-em-estimate" $"{name}: the critic's EM estimate during training (median per interval, mean over seeds)" "generator iterations" "EM estimate E f(real) - E f(fake)"
                      [ { Label = "EM estimate"; X = Array.map fst em; Y = Array.map snd em; Markers = false } ]
              yield
                  lineFigure $"{file}-frechet-distance" $"{name}: Frechet distance to held-out digits (classifier features, mean over seeds)" "generator iterations" "squared Frechet distance"
                      [ { Label = "Frechet distance"; X = iterationsOf file; Y = meanCurve file (fun m -> m.Quality.FrechetDistance); Markers = false } ]
              yield
                  lineFigure $"{file}-em-vs-fd" $"{name}: EM estimate against Frechet distance (every measurement, every seed)" "squared Frechet distance" "EM estimate"
                      [ for seed, r in records ->
                            let ms = r[file].Measurements |> Array.filter (fun m -> m.Iteration > 0)
                            { Label = $"seed {seed}"; X = ms |> Array.map (fun m -> m.Quality.FrechetDistance); Y = ms |> Array.map (fun m -> m.EarthMover); Markers = true } ] ]
      ImageGrids =
        [ yield
              imageGrid "real-digits" $"Real reference digits (held out), the first {settings.GridColumns * 2}" settings.GridColumns
                  [ for row in 0 .. 1 ->
                        let count = min settings.GridColumns (referenceDigits.Count - row * settings.GridColumns)
                        let size = referenceDigits.ImageSize
                        Array.init (settings.GridColumns * size) (fun p ->
                            let k = p / size
                            if k < count then float referenceDigits.Pixels[(row * settings.GridColumns + k) * size + p % size] / 255.0 else 0.0) ]
          for _, file, name, _ in vs ->
              let snaps = first[file].Snapshots
              let at = snaps |> List.map (fst >> string) |> String.concat ", "
              imageGrid
                  $"{file}-samples"
                  $"{name}, seed {firstSeed}: generated digits from {settings.GridColumns} fixed noise vectors (columns) after {at} generator iterations (rows)"
                  settings.GridColumns
                  (snaps |> List.map snd) ]
      Notes =
        let provenance = if classifier.FromCache then "loaded from the cache" else "trained in this run and cached"
        [ $"Data: {source.Description}. {scale.ReferenceDigits} digits (split by dataSeed {settings.DataSeed}) are held out as the quality reference and the classifier's test set; the GANs and the classifier train on {scale.TrainingDigits} others."
          $"Classifier: DigitClassifier with {settings.Classifier.Channels} and {2 * settings.Classifier.Channels} channels and {settings.Classifier.Features} features, {settings.Classifier.Epochs} epochs of batch {settings.Classifier.BatchSize} with {settings.Classifier.Optimizer}, seed {settings.Classifier.Seed}; test accuracy {classifier.TestAccuracy:F4} ({provenance})."
          $"Quality: squared Frechet distance between Gaussians fitted to the classifier's {settings.Classifier.Features}-d features of {scale.QualitySamples} generated digits (fixed noise) and of the {scale.ReferenceDigits} reference digits; class coverage = share of the 10 classes predicted for at least {settings.CoverageMinShare * 100.0:F1}%% of the generated digits."
          "Sign convention: the EM estimate is E f(real) - E f(fake) on training batches, the negated critic loss without the penalty term (the official WGAN code's -Loss_D); at each measurement it is the median over the interval since the previous one (the WGAN README median-filters it)."
          $"Networks: gan_mnist.py's convolutional critic and generator with DIM = {scale.Dim}, latent size {settings.Latent}, batch {settings.BatchSize}, {scale.GeneratorIterations} generator iterations, measured every {scale.EvaluateEvery}; PyTorch's default initialisation (not tflib's)."
          $"WGAN-GP: {describe settings.WganGp}."
          $"WGAN-clip: {describe settings.WganClip}. RMSProp is PyTorch's (alpha 0.99, eps 1e-8; the harness's own Optimizer), not TensorFlow's (decay 0.9, eps 1e-10) that gan_mnist.py ran."
          "The correlations use the measurements after training began (the EM estimate has no interval before the first iteration); the Frechet distance falls as quality improves, so the claim expects a positive correlation, and a negative one with coverage." ]
        @ Option.toList scale.Note }

/// Runs the experiment inside one dispose scope that outlives every tensor it makes, so that no tensor is
/// ever left to the garbage collector's finalizer (see MnistWgan.scoped).
let run (settings: Settings) (options: RunOptions) (report: Progress -> unit) : ExperimentResult =
    use _ = torch.NewDisposeScope()
    runInScope settings options report

let definition: ExperimentDefinition =
    Experiment.define Id Title Source metrics decodeSettings (fun settings ->
        { Claims = settings.Claims
          SeedsAt = fun scale requested -> Experiment.seedsFor settings.Seed settings.Scales[scale].Seeds requested
          VerifyTolerance = settings.VerifyTolerance
          Plan = fun options -> Experiment.wholeRun $"{Id}: every seed and variant" (run settings options) })
