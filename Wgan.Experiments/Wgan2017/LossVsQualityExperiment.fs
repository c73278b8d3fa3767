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
      /// Training state is saved every so many generator iterations (0: never), so a killed unit resumes there.
      CheckpointEvery: int
      /// What is known about this scale's outcome (e.g. why a claim does not reproduce here), for the notes.
      Note: string option }

type Settings =
    { Seed: int
      VerifyTolerance: float
      /// Fixes the reference/training split, so that every seed (and the cached classifier) shares it.
      DataSeed: int
      Gan: GanSetup
      Classifier: SampleQuality.ClassifierSettings
      /// A class is covered when it receives at least this share of the generated digits.
      CoverageMinShare: float
      Scales: Map<Scale, ScaleSettings>
      Claims: ClaimSpec list }

let private variants (s: Settings) = variantTable s.Gan

let private perVariantMetrics (prefix: string) (name: string) =
    [ $"{prefix}.rankCorrelationFd", $"{name}: Spearman correlation over training between the EM estimate (median over each evaluation interval) and the Frechet distance"
      $"{prefix}.clockRankCorrelationFd", $"{name}: the control: Spearman correlation over the same measurements between -iteration (the clock) and the Frechet distance"
      $"{prefix}.changeRankCorrelationFd", $"{name}: Spearman correlation between consecutive changes of the EM estimate and of the Frechet distance (does the estimate move with quality from one measurement to the next?)"
      $"{prefix}.clockChangeRankCorrelationFd", $"{name}: the control: the same for the clock's changes, which are all equal; a constant series carries no information, so its correlation is 0 by definition"
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
    Decode.readObject (fun r ->
        { Seeds = r.Required("seeds", Decode.intInRange 1 1000)
          Dim = r.Required("dim", Decode.intInRange 1 1024)
          GeneratorIterations = r.Required("generatorIterations", Decode.intInRange 1 10_000_000)
          EvaluateEvery = r.Required("evaluateEvery", Decode.intInRange 1 10_000_000)
          ReferenceDigits = r.Required("referenceDigits", Decode.intInRange 2 10_000_000)
          TrainingDigits = r.Required("trainingDigits", Decode.intInRange 1 10_000_000)
          QualitySamples = r.Required("qualitySamples", Decode.intInRange 2 1_000_000)
          GridRows = r.Required("gridRows", Decode.intInRange 1 100)
          CheckpointEvery = r.Required("checkpointEvery", Decode.intInRange 0 10_000_000)
          Note = r.Optional("note", Decode.nonEmptyString) })

let decodeSettings: Decoder<Settings> =
    let names = List.map fst metrics
    let decoder =
        Decode.readObject (fun r ->
            r.Required("experiment", Decode.string) |> ignore
            { Seed = r.Required("seed", seed)
              VerifyTolerance = r.Required("verifyTolerance", verifyTolerance)
              DataSeed = r.Required("dataSeed", seed)
              Gan = ganSetup r
              Classifier = r.Required("classifier", SampleQuality.classifierSettings)
              CoverageMinShare = r.Required("coverageMinShare", Decode.float |> Decode.check (fun v -> v > 0.0 && v <= 0.1) "must be a number in (0, 0.1]")
              Scales = r.Required("scales", scaleTable scaleSettings)
              Claims = r.Required("claims", claims names) })
    fun path e ->
        match decoder path e with
        | Ok s ->
            let problems =
                [ for KeyValue (scale, x) in s.Scales do
                      if x.TrainingDigits < s.Gan.BatchSize || x.TrainingDigits < s.Classifier.BatchSize then
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

type RunRecord =
    { Measurements: Measurement[]
      Snapshots: (int * float[]) list
      /// Empty, or why training stopped early (MnistWgan.divergence).
      Diverged: string }

/// Rows the training loop logs (and a checkpoint keeps): every generator iteration [| 0; t; EM estimate;
/// generator loss |], every quality measurement [| 1; t; Frechet distance; coverage; 10 class shares |], every
/// snapshot [| 2; t; pixels |].
[<Literal>]
let private IterationRow = 0.0

[<Literal>]
let private QualityRow = 1.0

[<Literal>]
let private SnapshotRow = 2.0

/// Trains one variant for one seed and measures quality along the way, saving the training state every
/// `scale.CheckpointEvery` generator iterations to `checkpoints` and resuming from the last one saved.
let runOne
    (settings: Settings)
    (scale: ScaleSettings)
    (device: torch.Device)
    (trainImages: torch.Tensor)
    (classifier: SampleQuality.TrainedClassifier)
    (reference: torch.Tensor * torch.Tensor)
    (checkpoints: UnitCheckpoints)
    (seed: int64)
    (variantIndex: int)
    (v: Variant)
    : RunRecord =
    let shape = { Dim = scale.Dim; Latent = settings.Gan.Latent; BatchSize = settings.Gan.BatchSize }
    use training = new Training(v, shape, device, trainImages, seed, variantIndex)
    use qualityGenerator = training.MeasurementGenerator 4
    use gridGenerator = training.MeasurementGenerator 5
    use qualityNoise = noise settings.Gan.Latent scale.QualitySamples qualityGenerator device
    use gridNoise = noise settings.Gan.Latent settings.Gan.GridColumns gridGenerator device
    let evaluations = set (evaluationPoints scale.GeneratorIterations scale.EvaluateEvery)
    let snapshots = set (snapshotPoints scale.GeneratorIterations scale.GridRows)
    let observe t =
        [ if evaluations.Contains t then
              let quality =
                  use _ = torch.NewDisposeScope()
                  SampleQuality.measure classifier.Network reference settings.CoverageMinShare (training.Sample qualityNoise)
              yield Array.append [| QualityRow; float t; quality.FrechetDistance; quality.Coverage |] quality.ClassShares
          if snapshots.Contains t then
              use images = training.Sample gridNoise
              yield Array.append [| SnapshotRow; float t |] (pixelsOf images) ]
    let rows, stopped =
        TrainingLoop.runWith checkpoints scale.CheckpointEvery (training.LoopObjects []) training.SamplerCounters
            scale.GeneratorIterations (fun () -> observe 0) (fun t ->
                let stats = training.Step(t - 1)
                match divergence t stats with
                | Some reason -> Error reason
                | None -> Ok([| IterationRow; float t; stats.Critic.EarthMoverEstimate; stats.GeneratorLoss |] :: observe t))
    // Each measurement summarises the iterations since the previous one.
    let measurements = ResizeArray()
    let estimates = ResizeArray<float>()
    let generatorLosses = ResizeArray<float>()
    for r in rows do
        if r[0] = IterationRow then
            estimates.Add r[2]
            generatorLosses.Add r[3]
        elif r[0] = QualityRow then
            measurements.Add
                { Iteration = int r[1]
                  EarthMover = Statistics.median (estimates.ToArray())
                  GeneratorLoss = (if generatorLosses.Count = 0 then nan else Seq.average generatorLosses)
                  Quality = { FrechetDistance = r[2]; Coverage = r[3]; ClassShares = r[4..] } }
            estimates.Clear()
            generatorLosses.Clear()
    { Measurements = measurements.ToArray()
      Snapshots = [ for r in rows do if r[0] = SnapshotRow then int r[1], r[2..] ]
      Diverged = defaultArg stopped "" }

/// Spearman correlation between the consecutive changes of `xs` and of `ys` (x_(k+1) - x_k against
/// y_(k+1) - y_k): a statistic that a quantity merely trending with time cannot pass. When either series of
/// changes is constant (the clock's, whose steps are all equal) it carries no information about the other, and
/// the correlation is 0; NaN for fewer than two changes or a non-finite value.
let changeRankCorrelation (xs: float[]) (ys: float[]) : float =
    let changes (v: float[]) = v |> Array.pairwise |> Array.map (fun (a, b) -> b - a)
    let dx, dy = changes xs, changes ys
    if dx.Length < 2 || Array.append dx dy |> Array.exists (fun v -> not (System.Double.IsFinite v)) then nan
    elif Array.distinct dx |> Array.length = 1 || Array.distinct dy |> Array.length = 1 then 0.0
    else Statistics.spearman dx dy

/// The per-variant metrics of one seed's measurements; correlations use the measurements after training began.
let variantMetrics (prefix: string) (ms: Measurement[]) : (string * float) list =
    let trained = ms |> Array.filter (fun m -> m.Iteration > 0)
    let em = trained |> Array.map (fun m -> m.EarthMover)
    let correlation (pick: Measurement -> float) =
        if trained.Length < 2 then nan else Statistics.spearman em (trained |> Array.map pick)
    let fd = trained |> Array.map (fun m -> m.Quality.FrechetDistance)
    let clock = trained |> Array.map (fun m -> -(float m.Iteration))
    let last = ms[ms.Length - 1]
    [ $"{prefix}.rankCorrelationFd", correlation (fun m -> m.Quality.FrechetDistance)
      $"{prefix}.clockRankCorrelationFd", (if trained.Length < 2 then nan else Statistics.spearman clock fd)
      $"{prefix}.changeRankCorrelationFd", changeRankCorrelation em fd
      $"{prefix}.clockChangeRankCorrelationFd", changeRankCorrelation clock fd
      $"{prefix}.rankCorrelationCoverage", correlation (fun m -> m.Quality.Coverage)
      $"{prefix}.initialFd", ms[0].Quality.FrechetDistance
      $"{prefix}.finalFd", last.Quality.FrechetDistance
      $"{prefix}.finalCoverage", last.Quality.Coverage
      $"{prefix}.finalEm", last.EarthMover ]


/// The reference digits (held out from the GANs and the classifier) and the training digits: one split for the
/// whole run (DataSeed), the same in every unit.
let private split (settings: Settings) (scale: ScaleSettings) (digits: Digits) : Digits * Digits =
    let order =
        use splitGenerator = new torch.Generator(uint64 (Seeds.derive (int64 settings.DataSeed) [ -1 ]))
        permutation digits.Count splitGenerator
    digits.Subset order[.. scale.ReferenceDigits - 1], digits.Subset order[scale.ReferenceDigits .. scale.ReferenceDigits + scale.TrainingDigits - 1]

/// The run's digits, checked to suffice for the scale, split into reference and training digits.
let private data (settings: Settings) (run: RunContext) : MnistSource * Digits * Digits =
    let scale = settings.Scales[run.Scale]
    let source = run.Resources.Mnist()
    requireDigits source run.Scale (scale.ReferenceDigits + scale.TrainingDigits) "referenceDigits + trainingDigits"
    let reference, training = split settings scale source.Digits
    source, reference, training

[<Literal>]
let ClassifierKey = "classifier"

/// The classifier unit: obtains the classifier (trained, or loaded from the runner's cache, where the GAN
/// units then find it) and records the run-wide facts: its test accuracy ("testAccuracy"), the first
/// 2 x GridColumns reference digits ("realDigits", two grid rows) and the data.
let classifierUnit (settings: Settings) (run: RunContext) : MeasurementBag =
    use _ = torch.NewDisposeScope()
    let source, referenceDigits, trainingDigits = data settings run
    let classifier = SampleQuality.obtain settings.Classifier run.Resources trainingDigits referenceDigits run.Device
    use _ = classifier.Network
    let columns = settings.Gan.GridColumns
    let size = referenceDigits.ImageSize
    let realDigits =
        [| for row in 0 .. 1 do
               let count = min columns (referenceDigits.Count - row * columns)
               yield! Array.init (columns * size) (fun p ->
                   let k = p / size
                   if k < count then float referenceDigits.Pixels[(row * columns + k) * size + p % size] / 255.0 else 0.0) |]
    { Key = ClassifierKey
      Scalars = readOnlyDict [ "testAccuracy", classifier.TestAccuracy ]
      Vectors = readOnlyDict [ "realDigits", realDigits ]
      Texts = readOnlyDict (dataTexts source)
      Diverged = "" }

/// A GAN unit: one seed x one variant, measured with the classifier (from the runner's cache, or trained
/// here exactly as the classifier unit trains it). In its own dispose scope that outlives every tensor it
/// makes, so that no tensor is ever left to the garbage collector's finalizer (see MnistWgan.scoped).
let ganUnit (settings: Settings) (run: RunContext) (checkpoints: UnitCheckpoints) (seed: int64) (variantIndex: int) (file: string) (v: Variant) : MeasurementBag =
    use _ = torch.NewDisposeScope()
    let scale = settings.Scales[run.Scale]
    let source, referenceDigits, trainingDigits = data settings run
    let classifier = SampleQuality.obtain settings.Classifier run.Resources trainingDigits referenceDigits run.Device
    use _ = classifier.Network
    let reference =
        use _ = torch.NewDisposeScope()
        let referenceImages = imagesTensor referenceDigits (Array.init referenceDigits.Count id) run.Device
        let mu, covariance = Wgan.Core.FrechetDistance.meanAndCovariance (SampleQuality.features classifier.Network referenceImages)
        mu.MoveToOuterDisposeScope(), covariance.MoveToOuterDisposeScope()
    use _ = fst reference
    use _ = snd reference
    use trainImages = imagesTensor trainingDigits (Array.init trainingDigits.Count id) run.Device
    let record = runOne settings scale run.Device trainImages classifier reference checkpoints seed variantIndex v
    let column (pick: Measurement -> float) = record.Measurements |> Array.map pick
    { Key = unitKey seed file
      Scalars = readOnlyDict []
      Vectors =
        readOnlyDict
            [ "iteration", column (fun m -> float m.Iteration)
              "earthMover", column (fun m -> m.EarthMover)
              "generatorLoss", column (fun m -> m.GeneratorLoss)
              "frechetDistance", column (fun m -> m.Quality.FrechetDistance)
              "coverage", column (fun m -> m.Quality.Coverage)
              "classShares", record.Measurements |> Array.collect (fun m -> m.Quality.ClassShares)
              yield! snapshotVectors record.Snapshots ]
      Texts = readOnlyDict (dataTexts source)
      Diverged = record.Diverged }

/// The run record a GAN unit's vectors hold.
let private recordOf (r: MeasurementBag) : RunRecord =
    let v (name: string) = r.Vectors[name]
    { Measurements =
        v "iteration"
        |> Array.mapi (fun i t ->
            { Iteration = int t
              EarthMover = (v "earthMover")[i]
              GeneratorLoss = (v "generatorLoss")[i]
              Quality = { FrechetDistance = (v "frechetDistance")[i]; Coverage = (v "coverage")[i]; ClassShares = (v "classShares")[i * 10 .. i * 10 + 9] } })
      Snapshots = snapshotsOf r
      Diverged = r.Diverged }

/// The units of a run: the classifier, then one per seed and variant (WGAN-GP, then WGAN-clip).
let units (settings: Settings) (run: RunContext) : WorkUnitOf list =
    { Key = ClassifierKey
      Description = "digit classifier (trained once and cached) and reference digits"
      Run = fun _ -> classifierUnit settings run }
    :: seedVariantUnits run.Seeds (variants settings) (ganUnit settings run)

/// The experiment's result from its units' results.
let assemble (settings: Settings) (run: RunContext) (results: MeasurementBag list) : Findings =
    let scale = settings.Scales[run.Scale]
    let seeds = run.Seeds
    let found = results |> List.map (fun r -> r.Key, r) |> Map
    let dataDescription = commonData results
    let classifier = found[ClassifierKey]
    let testAccuracy = classifier.Scalars["testAccuracy"]
    let vs = variants settings
    let records = [ for seed in seeds -> seed, Map [ for _, file, _, _ in vs -> file, recordOf found[unitKey seed file] ] ]
    let metrics =
        records
        |> List.map (fun (seed, byVariant) ->
            let values =
                [ for prefix, file, _, _ in vs do
                      let record = byVariant[file]
                      yield! unlessDiverged record.Diverged (variantMetrics prefix record.Measurements)
                  yield "classifier.testAccuracy", testAccuracy ]
            { Seed = seed; Values = readOnlyDict values })
    let first = snd records.Head
    let firstSeed = fst records.Head
    let runsOf (file: string) = records |> List.map (fun (_, r) -> r[file].Measurements)
    let meanCurve (file: string) (pick: Measurement -> float) = meanOverRuns (runsOf file) pick
    let iterationsOf (file: string) = evaluationIterations (runsOf file) (fun m -> m.Iteration)
    let trainedOnly (file: string) (xs: float[]) = Array.zip (iterationsOf file) xs |> Array.filter (fun (i, _) -> i > 0.0)
    let realDigits = classifier.Vectors["realDigits"]
    let rowLength = realDigits.Length / 2
    { Metrics = metrics
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
              imageGrid "real-digits" $"Real reference digits (held out), the first {settings.Gan.GridColumns * 2}" settings.Gan.GridColumns
                  [ realDigits[.. rowLength - 1]; realDigits[rowLength ..] ]
          for _, file, name, _ in vs ->
              let snaps = first[file].Snapshots
              let at = snaps |> List.map (fst >> string) |> String.concat ", "
              imageGrid
                  $"{file}-samples"
                  $"{name}, seed {firstSeed}: generated digits from {settings.Gan.GridColumns} fixed noise vectors (columns) after {at} generator iterations (rows)"
                  settings.Gan.GridColumns
                  (snaps |> List.map snd) ]
      Notes =
        [ $"Data: {dataDescription}. {scale.ReferenceDigits} digits (split by dataSeed {settings.DataSeed}) are held out as the quality reference and the classifier's test set; the GANs and the classifier train on {scale.TrainingDigits} others."
          $"Classifier: DigitClassifier with {settings.Classifier.Channels} and {2 * settings.Classifier.Channels} channels and {settings.Classifier.Features} features, {settings.Classifier.Epochs} epochs of batch {settings.Classifier.BatchSize} with {settings.Classifier.Optimizer}, seed {settings.Classifier.Seed}; test accuracy {testAccuracy:F4}. Its training is deterministic (settings, data and thread count); the runner caches its weights under a key of all three, so every unit measures with the same classifier whether it trained it or loaded it."
          $"Quality: squared Frechet distance between Gaussians fitted to the classifier's {settings.Classifier.Features}-d features of {scale.QualitySamples} generated digits (fixed noise) and of the {scale.ReferenceDigits} reference digits; class coverage = share of the 10 classes predicted for at least {settings.CoverageMinShare * 100.0:F1}%% of the generated digits."
          "Sign convention: the EM estimate is E f(real) - E f(fake) on training batches, the negated critic loss without the penalty term (the official WGAN code's -Loss_D); at each measurement it is the median over the interval since the previous one (the WGAN README median-filters it)."
          $"Networks: gan_mnist.py's convolutional critic and generator with DIM = {scale.Dim}, latent size {settings.Gan.Latent}, batch {settings.Gan.BatchSize}, {scale.GeneratorIterations} generator iterations, measured every {scale.EvaluateEvery}; PyTorch's default initialisation (not tflib's)."
          $"WGAN-GP: {describe settings.Gan.WganGp}."
          $"WGAN-clip: {describe settings.Gan.WganClip}.{rmsPropCaveat settings.Gan.WganClip}"
          "The correlations use the measurements after training began (the EM estimate has no interval before the first iteration); the Frechet distance falls as quality improves, so the claim expects a positive correlation, and a negative one with coverage."
          "Controls (issue 17): the iteration counter. Anything that trends with training time correlates with a Frechet distance that trends too, so each claim is tested again, with the same rule and threshold, on -iteration in place of the EM estimate (`clockRankCorrelationFd`); when the clock passes as well, the verdict is *uninformative*: the level correlation cannot tell an estimate that tracks quality from a clock. The change claims correlate consecutive changes of the estimate with those of the Frechet distance (`changeRankCorrelationFd`), which a clock cannot pass: its changes are all equal, so its change correlation is 0 by definition (`clockChangeRankCorrelationFd`, the control that shows the statistic is free of the clock)." ]
        @ Experiment.bagDivergenceNotes results
        @ Option.toList scale.Note }

/// The networks a unit holds at once, at a scale (see Footprint): gan_mnist.py's critic and generator and the digit
/// classifier, through the larger of the batch and the quality samples (generated in one pass).
let footprint (settings: Settings) (scale: Scale) : Footprint.Demand list =
    let s = settings.Scales[scale]
    [ { Path = $"scales.{scale.Name}.dim"
        Networks =
          [ MnistWgan.criticFootprint s.Dim
            MnistWgan.generatorFootprint s.Dim settings.Gan.Latent
            SampleQuality.classifierFootprint settings.Classifier ]
        Samples = List.max [ settings.Gan.BatchSize; settings.Classifier.BatchSize; s.QualitySamples ] } ]

let definition: ExperimentDefinition =
    Experiment.standard Id Title Source metrics decodeSettings
        Experiment.commonOf
        footprint units assemble
