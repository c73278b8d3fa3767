/// WGAN-GP Figure 5b, detecting overfitting: WGAN-GP and WGAN-clip trained on a random 1000-digit subset of
/// MNIST; the negative critic loss measured at regular intervals on training batches and on held-out
/// validation batches. The paper reports that with the gradient penalty the training curve rises while the
/// validation curve falls: the gap between them reveals that the critic overfits its training set.
module Wgan.Experiments.OverfittingExperiment

open System.Collections.Generic
open TorchSharp
open Wgan.Core
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.MnistWgan

[<Literal>]
let Id = "overfitting-detection"

[<Literal>]
let private Title = "Detecting overfitting of the critic on 1000 MNIST digits"

[<Literal>]
let private Source = "WGAN-GP (Gulrajani et al. 2017), Figure 5b"

/// The work a scale does.
type ScaleSettings =
    { Seeds: int
      /// gan_mnist.py's DIM.
      Dim: int
      GeneratorIterations: int
      EvaluateEvery: int
      /// Batches of each set (and of fakes) per measurement.
      EvaluationBatches: int
      /// The random training subset (1000 in the paper).
      TrainingDigits: int
      /// Held-out digits, split in two halves: the validation curve's and a second held-out set's (the control).
      ValidationDigits: int
      /// Rows of the generated-digit grids (snapshots over training).
      GridRows: int
      /// Training state is saved every so many generator iterations (0: never), so a killed unit resumes there.
      CheckpointEvery: int
      /// What is known about this scale's outcome (e.g. why a claim does not reproduce here), for the notes.
      Note: string option }

type Settings =
    { Seed: int
      VerifyTolerance: float
      Gan: GanSetup
      /// Slopes are fitted over generator iterations >= TrendFrom x total.
      TrendFrom: float
      /// The final gap is averaged over generator iterations >= (1 - GapOver) x total.
      GapOver: float
      Scales: Map<Scale, ScaleSettings>
      Claims: ClaimSpec list }

/// The two variants, their metric prefixes and file names.
let private variants (s: Settings) = variantTable s.Gan

let private perVariantMetrics (prefix: string) (name: string) =
    [ $"{prefix}.finalGap", $"{name}: negative critic loss on training minus validation batches, averaged over the last gapOver of training"
      $"{prefix}.finalEmGap", $"{name}: the same gap for the EM estimate E f(real) - E f(fake) (without the penalty term)"
      $"{prefix}.trainSlope", $"{name}: least-squares slope of the training negative critic loss per 1000 generator iterations, from trendFrom of training on"
      $"{prefix}.validationSlope", $"{name}: the same slope on validation batches"
      $"{prefix}.slopeDifference", $"{name}: trainSlope - validationSlope"
      $"{prefix}.heldOutSlope", $"{name}: the same slope on the second held-out set (a control: digits the critic never saw, like the validation set)"
      $"{prefix}.gapSlope", $"{name}: least-squares slope of the gap (training minus validation negative critic loss) per 1000 generator iterations, from trendFrom on: > 0 when the gap widens"
      $"{prefix}.heldOutGapSlope", $"{name}: the same slope of the gap between the second held-out set and the validation set (a control: no overfitting is possible between two held-out sets)"
      $"{prefix}.relativeGap", $"{name}: E f(training) - E f(validation) over E f(validation) - E f(fake), averaged over the last gapOver of training: the training digits' lead over held-out ones as a share of the held-out digits' lead over generated ones (the gap on the critic's own scale)"
      $"{prefix}.heldOutRelativeGap", $"{name}: the same with the second held-out set in place of the training digits (a control: must be about 0)" ]

let metrics = perVariantMetrics "gp" "WGAN-GP" @ perVariantMetrics "clip" "WGAN-clip"

let private scaleSettings: Decoder<ScaleSettings> =
    Decode.readObject (fun r ->
        { Seeds = r.Required("seeds", Decode.intInRange 1 1000)
          Dim = r.Required("dim", Decode.intInRange 1 1024)
          GeneratorIterations = r.Required("generatorIterations", Decode.intInRange 1 10_000_000)
          EvaluateEvery = r.Required("evaluateEvery", Decode.intInRange 1 10_000_000)
          EvaluationBatches = r.Required("evaluationBatches", Decode.intInRange 1 100_000)
          TrainingDigits = r.Required("trainingDigits", Decode.intInRange 1 10_000_000)
          ValidationDigits = r.Required("validationDigits", Decode.intInRange 1 10_000_000)
          GridRows = r.Required("gridRows", Decode.intInRange 1 100)
          CheckpointEvery = r.Required("checkpointEvery", Decode.intInRange 0 10_000_000)
          Note = r.Optional("note", Decode.nonEmptyString) })

let decodeSettings: Decoder<Settings> =
    let names = List.map fst metrics
    let decoder =
        Decode.readObject (fun r ->
            r.Required("experiment", Decode.string) |> ignore
            let trendFrom, gapOver =
                r.Required(
                    "analysis",
                    Decode.readObject (fun a ->
                        a.Required("trendFrom", Decode.floatInRange 0.0 0.95),
                        a.Required("gapOver", Decode.float |> Decode.check (fun v -> v > 0.0 && v <= 1.0) "must be a number in (0, 1]")))
            { Seed = r.Required("seed", seed)
              VerifyTolerance = r.Required("verifyTolerance", verifyTolerance)
              Gan = ganSetup r
              TrendFrom = trendFrom
              GapOver = gapOver
              Scales = r.Required("scales", scaleTable scaleSettings)
              Claims = r.Required("claims", claims names) })
    fun path e ->
        match decoder path e with
        | Ok s ->
            let problems =
                [ for KeyValue (scale, x) in s.Scales do
                      if x.TrainingDigits < s.Gan.BatchSize || x.ValidationDigits / 2 < s.Gan.BatchSize then
                          yield { Path = $"{path}.scales.{scale.Name}"; Message = $"trainingDigits and each half of validationDigits must hold at least one batch ({s.Gan.BatchSize})" } ]
            if problems.IsEmpty then Ok s else Error problems
        | r -> r

/// One measurement: the critic's loss on training and on validation batches (paired with the same fakes).
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

/// One (seed, variant) run: its measurements and the generated-digit snapshots.
type RunRecord =
    { Measurements: Measurement[]
      Snapshots: (int * float[]) list
      /// Empty, or why training stopped early (MnistWgan.divergence).
      Diverged: string }

/// Measures the critic on `batches` training, validation and second held-out batches, each triple against one
/// fresh fake batch.
let measure
    (training: Training)
    (shape: RunShape)
    (trainImages: torch.Tensor)
    (validationImages: torch.Tensor)
    (heldOutImages: torch.Tensor)
    (batches: int)
    (generator: torch.Generator)
    (device: torch.Device)
    (iteration: int)
    : Measurement =
    let draw (images: torch.Tensor) =
        let n = int images.shape[0]
        let order = permutation n generator
        Array.init shape.BatchSize (fun k -> int64 order[k])
    let pair () =
        use _ = torch.NewDisposeScope()
        let fake = training.Sample(noise shape.Latent shape.BatchSize generator device)
        let onTrain = MnistTraining.criticLoss training.Critic training.Variant.Constraint (select trainImages (draw trainImages)) fake generator
        let onValidation = MnistTraining.criticLoss training.Critic training.Variant.Constraint (select validationImages (draw validationImages)) fake generator
        let onHeldOut = MnistTraining.criticLoss training.Critic training.Variant.Constraint (select heldOutImages (draw heldOutImages)) fake generator
        onTrain, onValidation, onHeldOut
    let results = Array.init batches (fun _ -> pair ())
    let mean f = results |> Array.averageBy f
    { Iteration = iteration
      TrainNegativeLoss = mean (fun (t, _, _) -> -t.Loss)
      ValidationNegativeLoss = mean (fun (_, v, _) -> -v.Loss)
      TrainEarthMover = mean (fun (t, _, _) -> t.EarthMoverEstimate)
      ValidationEarthMover = mean (fun (_, v, _) -> v.EarthMoverEstimate)
      TrainPenalty = mean (fun (t, _, _) -> t.Penalty)
      ValidationPenalty = mean (fun (_, v, _) -> v.Penalty)
      HeldOutNegativeLoss = mean (fun (_, _, h) -> -h.Loss)
      HeldOutEarthMover = mean (fun (_, _, h) -> h.EarthMoverEstimate)
      HeldOutPenalty = mean (fun (_, _, h) -> h.Penalty) }

/// The per-variant metrics of one seed's measurements.
let variantMetrics (prefix: string) (trendFrom: float) (gapOver: float) (iterations: int) (ms: Measurement[]) : (string * float) list =
    let tail = ms |> Array.filter (fun m -> float m.Iteration >= (1.0 - gapOver) * float iterations)
    let trend = ms |> Array.filter (fun m -> float m.Iteration >= trendFrom * float iterations)
    let slope (pick: Measurement -> float) =
        if trend.Length < 2 then nan
        else Statistics.slope (trend |> Array.map (fun m -> float m.Iteration / 1000.0)) (trend |> Array.map pick)
    let gap (pick: Measurement -> float * float) =
        if tail.Length = 0 then nan else tail |> Array.averageBy (fun m -> let a, b = pick m in a - b)
    let trainSlope = slope (fun m -> m.TrainNegativeLoss)
    let validationSlope = slope (fun m -> m.ValidationNegativeLoss)
    // The critic's own scale: how far it puts held-out digits above generated ones at the end of training.
    let scale = if tail.Length = 0 then nan else tail |> Array.averageBy (fun m -> m.ValidationEarthMover)
    [ $"{prefix}.finalGap", gap (fun m -> m.TrainNegativeLoss, m.ValidationNegativeLoss)
      $"{prefix}.finalEmGap", gap (fun m -> m.TrainEarthMover, m.ValidationEarthMover)
      $"{prefix}.trainSlope", trainSlope
      $"{prefix}.validationSlope", validationSlope
      $"{prefix}.slopeDifference", trainSlope - validationSlope
      $"{prefix}.heldOutSlope", slope (fun m -> m.HeldOutNegativeLoss)
      $"{prefix}.gapSlope", slope (fun m -> m.TrainNegativeLoss - m.ValidationNegativeLoss)
      $"{prefix}.heldOutGapSlope", slope (fun m -> m.HeldOutNegativeLoss - m.ValidationNegativeLoss)
      $"{prefix}.relativeGap", gap (fun m -> m.TrainEarthMover, m.ValidationEarthMover) / scale
      $"{prefix}.heldOutRelativeGap", gap (fun m -> m.HeldOutEarthMover, m.ValidationEarthMover) / scale ]

/// Rows the training loop logs (and a checkpoint keeps): a measurement [| 0; t; the nine values |] or a
/// snapshot [| 1; t; pixels |].
[<Literal>]
let private MeasurementRow = 0.0

[<Literal>]
let private SnapshotRow = 1.0

/// Trains one variant for one seed on a random training subset and measures it along the way, saving the
/// training and measurement state every `scale.CheckpointEvery` generator iterations to `checkpoints` and
/// resuming from the last one saved.
let runOne
    (settings: Settings)
    (scale: ScaleSettings)
    (device: torch.Device)
    (digits: Digits)
    (checkpoints: UnitCheckpoints)
    (seed: int64)
    (variantIndex: int)
    (v: Variant)
    : RunRecord =
    // The split depends on the seed only, so both variants of a seed see the same training subset.
    use splitGenerator = new torch.Generator(uint64 (Seeds.derive seed [ -1 ]))
    let order = permutation digits.Count splitGenerator
    use trainImages = imagesTensor digits order[.. scale.TrainingDigits - 1] device
    // The held-out digits split in two halves: the validation set and a second held-out set (the control).
    let half = scale.ValidationDigits / 2
    use validationImages = imagesTensor digits order[scale.TrainingDigits .. scale.TrainingDigits + half - 1] device
    use heldOutImages = imagesTensor digits order[scale.TrainingDigits + half .. scale.TrainingDigits + 2 * half - 1] device
    let shape = { Dim = scale.Dim; Latent = settings.Gan.Latent; BatchSize = settings.Gan.BatchSize }
    use training = new Training(v, shape, device, trainImages, seed, variantIndex)
    use measurementGenerator = training.MeasurementGenerator 4
    use gridGenerator = training.MeasurementGenerator 5
    use gridNoise = noise settings.Gan.Latent settings.Gan.GridColumns gridGenerator device
    let evaluations = set (evaluationPoints scale.GeneratorIterations scale.EvaluateEvery)
    let snapshots = set (snapshotPoints scale.GeneratorIterations scale.GridRows)
    let observe t =
        [ if evaluations.Contains t then
              let m = measure training shape trainImages validationImages heldOutImages scale.EvaluationBatches measurementGenerator device t
              yield
                  [| MeasurementRow; float t; m.TrainNegativeLoss; m.ValidationNegativeLoss; m.TrainEarthMover; m.ValidationEarthMover; m.TrainPenalty; m.ValidationPenalty
                     m.HeldOutNegativeLoss; m.HeldOutEarthMover; m.HeldOutPenalty |]
          if snapshots.Contains t then
              use images = training.Sample gridNoise
              yield Array.append [| SnapshotRow; float t |] (pixelsOf images) ]
    let rows, stopped =
        TrainingLoop.runWith checkpoints scale.CheckpointEvery (training.LoopObjects [ measurementGenerator ]) training.SamplerCounters
            scale.GeneratorIterations (fun () -> observe 0) (fun t ->
                match divergence t (training.Step(t - 1)) with
                | Some reason -> Error reason
                | None -> Ok(observe t))
    { Measurements =
        [| for r in rows do
               if r[0] = MeasurementRow then
                   { Iteration = int r[1]
                     TrainNegativeLoss = r[2]
                     ValidationNegativeLoss = r[3]
                     TrainEarthMover = r[4]
                     ValidationEarthMover = r[5]
                     TrainPenalty = r[6]
                     ValidationPenalty = r[7]
                     HeldOutNegativeLoss = r[8]
                     HeldOutEarthMover = r[9]
                     HeldOutPenalty = r[10] } |]
      Snapshots = [ for r in rows do if r[0] = SnapshotRow then int r[1], r[2..] ]
      Diverged = defaultArg stopped "" }

/// A run record as a unit's result: the measurements' columns and the snapshots as vectors, the data as texts.
let private toUnit (key: string) (source: MnistSource) (r: RunRecord) : MeasurementBag =
    let column (pick: Measurement -> float) = r.Measurements |> Array.map pick
    { Key = key
      Scalars = readOnlyDict []
      Vectors =
        readOnlyDict
            [ "iteration", column (fun m -> float m.Iteration)
              "trainNegativeLoss", column (fun m -> m.TrainNegativeLoss)
              "validationNegativeLoss", column (fun m -> m.ValidationNegativeLoss)
              "trainEarthMover", column (fun m -> m.TrainEarthMover)
              "validationEarthMover", column (fun m -> m.ValidationEarthMover)
              "trainPenalty", column (fun m -> m.TrainPenalty)
              "validationPenalty", column (fun m -> m.ValidationPenalty)
              "heldOutNegativeLoss", column (fun m -> m.HeldOutNegativeLoss)
              "heldOutEarthMover", column (fun m -> m.HeldOutEarthMover)
              "heldOutPenalty", column (fun m -> m.HeldOutPenalty)
              yield! snapshotVectors r.Snapshots ]
      Texts = readOnlyDict (dataTexts source)
      Diverged = r.Diverged }

/// The run record a unit's vectors hold (`toUnit` read back).
let private ofUnit (r: MeasurementBag) : RunRecord =
    let v (name: string) = r.Vectors[name]
    { Measurements =
        v "iteration"
        |> Array.mapi (fun i t ->
            { Iteration = int t
              TrainNegativeLoss = (v "trainNegativeLoss")[i]
              ValidationNegativeLoss = (v "validationNegativeLoss")[i]
              TrainEarthMover = (v "trainEarthMover")[i]
              ValidationEarthMover = (v "validationEarthMover")[i]
              TrainPenalty = (v "trainPenalty")[i]
              ValidationPenalty = (v "validationPenalty")[i]
              HeldOutNegativeLoss = (v "heldOutNegativeLoss")[i]
              HeldOutEarthMover = (v "heldOutEarthMover")[i]
              HeldOutPenalty = (v "heldOutPenalty")[i] })
      Snapshots = snapshotsOf r
      Diverged = r.Diverged }

/// One unit: one seed x one variant, in its own dispose scope that outlives every tensor it makes, so that no
/// tensor is ever left to the garbage collector's finalizer (see MnistWgan.scoped).
let runUnit (settings: Settings) (run: RunContext) (checkpoints: UnitCheckpoints) (seed: int64) (variantIndex: int) (file: string) (v: Variant) : MeasurementBag =
    use _ = torch.NewDisposeScope()
    let scale = settings.Scales[run.Scale]
    let source = run.Resources.Mnist()
    requireDigits source run.Scale (scale.TrainingDigits + scale.ValidationDigits) "trainingDigits + validationDigits"
    toUnit (unitKey seed file) source (runOne settings scale run.Device source.Digits checkpoints seed variantIndex v)

/// The units of a run: one per seed and variant (WGAN-GP, then WGAN-clip).
let units (settings: Settings) (run: RunContext) : WorkUnitOf list =
    seedVariantUnits run.Seeds (variants settings) (runUnit settings run)

/// The experiment's result from its units' results.
let assemble (settings: Settings) (run: RunContext) (results: MeasurementBag list) : Findings =
    let scale = settings.Scales[run.Scale]
    let seeds = run.Seeds
    let found = results |> List.map (fun r -> r.Key, r) |> Map
    let dataDescription = commonData results
    let vs = variants settings
    let records = [ for seed in seeds -> seed, Map [ for _, file, _, _ in vs -> file, ofUnit found[unitKey seed file] ] ]
    let metrics =
        records
        |> List.map (fun (seed, byVariant) ->
            let values =
                [ for prefix, file, _, _ in vs do
                      let record = byVariant[file]
                      yield! unlessDiverged record.Diverged (variantMetrics prefix settings.TrendFrom settings.GapOver scale.GeneratorIterations record.Measurements) ]
            { Seed = seed; Values = readOnlyDict values })
    let runsOf (file: string) = records |> List.map (fun (_, r) -> r[file].Measurements)
    let meanCurve (file: string) (pick: Measurement -> float) = meanOverRuns (runsOf file) pick
    let iterationsOf (file: string) = evaluationIterations (runsOf file) (fun m -> m.Iteration)
    let firstSeed = fst records.Head
    { Metrics = metrics
      Claims = settings.Claims |> List.map (Claims.evaluate metrics)
      Series =
        [ for _, file, _, _ in vs ->
              { Name = $"{file}-curves"
                Columns =
                  [ "seed"; "generator_iteration"; "train_negative_critic_loss"; "validation_negative_critic_loss"; "gap"
                    "train_em_estimate"; "validation_em_estimate"; "train_penalty"; "validation_penalty"
                    "held_out_negative_critic_loss"; "held_out_em_estimate"; "held_out_penalty" ]
                Rows =
                  [ for seed, r in records do
                        for m in r[file].Measurements ->
                            [| float seed; float m.Iteration; m.TrainNegativeLoss; m.ValidationNegativeLoss; m.TrainNegativeLoss - m.ValidationNegativeLoss
                               m.TrainEarthMover; m.ValidationEarthMover; m.TrainPenalty; m.ValidationPenalty
                               m.HeldOutNegativeLoss; m.HeldOutEarthMover; m.HeldOutPenalty |] ] } ]
      Figures =
        [ for _, file, name, _ in vs ->
              lineFigure
                  $"{file}-overfitting"
                  $"{name}: negative critic loss on training vs validation digits (mean over seeds)"
                  "generator iterations"
                  "negative critic loss"
                  [ { Label = "training (1000-digit subset)"; X = iterationsOf file; Y = meanCurve file (fun m -> m.TrainNegativeLoss); Markers = false }
                    { Label = "validation (held out)"; X = iterationsOf file; Y = meanCurve file (fun m -> m.ValidationNegativeLoss); Markers = false }
                    { Label = "second held-out set (control)"; X = iterationsOf file; Y = meanCurve file (fun m -> m.HeldOutNegativeLoss); Markers = false } ] ]
      ImageGrids =
        [ for _, file, name, _ in vs ->
              let snaps = (snd records.Head).[file].Snapshots
              let at = snaps |> List.map (fst >> string) |> String.concat ", "
              imageGrid
                  $"{file}-samples"
                  $"{name}, seed {firstSeed}: generated digits from {settings.Gan.GridColumns} fixed noise vectors (columns) after {at} generator iterations (rows)"
                  settings.Gan.GridColumns
                  (snaps |> List.map snd) ]
      Notes =
        [ $"Data: {dataDescription}. Each seed draws its own random subset of {scale.TrainingDigits} training digits and {scale.ValidationDigits} disjoint held-out digits, split into {scale.ValidationDigits / 2} validation digits and {scale.ValidationDigits / 2} digits of a second held-out set; both variants of a seed share the split."
          "Sign convention: the curves show the negative critic loss -(E f(fake) - E f(real) + lambda GP) = E f(real) - E f(fake) - lambda GP, as gan_mnist.py's disc_cost negated; for WGAN-clip there is no penalty term. The `finalEmGap` metrics drop the penalty term."
          $"Every {scale.EvaluateEvery} generator iterations the critic (not updated) is evaluated on {scale.EvaluationBatches} random batches of {settings.Gan.BatchSize} from each of the training, validation and second held-out sets, each triple against the same fresh fake batch."
          $"Networks: gan_mnist.py's convolutional critic and generator with DIM = {scale.Dim}, latent size {settings.Gan.Latent}, batch {settings.Gan.BatchSize}, {scale.GeneratorIterations} generator iterations; PyTorch's default initialisation (not tflib's), drawn from seeded generators."
          $"WGAN-GP: {describe settings.Gan.WganGp}."
          $"WGAN-clip: {describe settings.Gan.WganClip}.{rmsPropCaveat settings.Gan.WganClip}"
          $"Metrics: slopes are fitted from {settings.TrendFrom * 100.0:F0}%% of training on; the final gap averages the last {settings.GapOver * 100.0:F0}%% of training. Figure 5b of the paper shows one run; here the curves are means over seeds."
          "PAPERS.md states the overfitting claim for WGAN-GP only; the WGAN-clip claim checks whether clipping's critic shows the same training/validation gap."
          "Controls (issue 14). Overfitting means the critic scores its training digits above digits it never saw. The second held-out set is such a set too, so every claim is tested again on it: the training curve's rise must not appear on the second held-out curve (`heldOutSlope`); the validation curve's fall must not appear on the training curve (`trainSlope`: if both fall, the fall is the generator improving, not overfitting, and the claim is *uninformative*); and the gap between training and validation must exceed the gap between the two held-out sets (`heldOutRelativeGap`), which no overfitting can open. The gaps are tested on the critic's own scale (`relativeGap`: the EM gap over the held-out digits' lead over generated ones), because a clipped critic's raw gap is about 1e-4: a gap claim needs the training digits' lead to reach a twentieth of that scale." ]
        @ Experiment.bagDivergenceNotes results
        @ Option.toList scale.Note }

/// The networks a unit holds at once, at a scale (see Footprint): gan_mnist.py's critic and generator, through the
/// batch (every evaluation batch is one).
let footprint (settings: Settings) (scale: Scale) : Footprint.Demand list =
    let dim = settings.Scales[scale].Dim
    [ { Path = $"scales.{scale.Name}.dim"
        Networks = [ MnistWgan.criticFootprint dim; MnistWgan.generatorFootprint dim settings.Gan.Latent ]
        Samples = settings.Gan.BatchSize } ]

let definition: ExperimentDefinition =
    Experiment.standard Id Title Source metrics decodeSettings
        Experiment.commonOf
        footprint units assemble
