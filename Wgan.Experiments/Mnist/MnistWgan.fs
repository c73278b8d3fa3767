/// What the two MNIST experiments share: the WGAN variants as a manifest states them (gan_mnist.py's WGAN-GP
/// and WGAN-clip modes), the digits as tensors on the run's device, shuffled-epoch batches, one training run
/// with its own random generators, and grids of generated digits.
module Wgan.Experiments.MnistWgan

open System
open TorchSharp
open Wgan.Core
open Wgan.Experiments.Json

/// Extra critic iterations at some generator iterations.
type Warmup =
    /// n_critic at every generator iteration (gan_mnist.py, WGAN-GP Algorithm 1).
    | NoWarmup
    /// The official WGAN code's hidden schedule: `criticSteps` critic iterations for the first
    /// `firstIterations` generator iterations and at every `every`-th one (100, 25 and 500 there).
    | OfficialWarmup of criticSteps: int * firstIterations: int * every: int

/// One WGAN variant: its networks' normalisation, optimisers, the critic's Lipschitz constraint and the
/// critic schedule.
type Variant =
    { CriticNormalization: Normalization
      CriticOptimizer: OptimizerSpec
      Constraint: LipschitzConstraint
      GeneratorNormalization: Normalization
      GeneratorOptimizer: OptimizerSpec
      NCritic: int
      Warmup: Warmup
      /// Where the manifest's choices for this variant come from (e.g. "gan_mnist.py at fa66c57: ..."), for
      /// the report; absent in manifests that predate the field.
      Source: string option }

/// Which constraint a variant's manifest entry must have.
type VariantKind =
    | GradientPenaltyVariant
    | WeightClippingVariant

/// Critic iterations before generator iteration `t` (0-based; the official WGAN code counts the same way).
let criticIterations (variant: Variant) (t: int) =
    match variant.Warmup with
    | OfficialWarmup (steps, first, every) when t < first || t % every = 0 -> steps
    | _ -> variant.NCritic

let private warmup: Decoder<Warmup> =
    Decode.readObject (fun r ->
        match r.Required("kind", Decode.oneOf [ "none", "none"; "official-wgan", "official-wgan" ]) with
        | "official-wgan" ->
            OfficialWarmup(
                r.Required("criticSteps", Decode.intInRange 1 100_000),
                r.Required("firstGeneratorIterations", Decode.intInRange 0 10_000_000),
                r.Required("every", Decode.intInRange 1 10_000_000))
        | _ -> NoWarmup)

/// {"critic": {"normalization", "optimizer", "constraint"}, "generator": {"normalization", "optimizer"},
/// "nCritic", "warmup", optionally "source"}. A gradient-penalty variant must have a gradient-penalty constraint and no batch norm
/// in its critic (WGAN-GP section 4); a weight-clipping variant must clip.
let variant (kind: VariantKind) : Decoder<Variant> =
    let decoder =
        Decode.readObject (fun r ->
            let normalization, criticOptimizer, constraintSpec =
                r.Required(
                    "critic",
                    Decode.readObject (fun c ->
                        c.Required("normalization", Manifest.normalization),
                        c.Required("optimizer", Manifest.optimizer),
                        c.Required("constraint", Manifest.lipschitzConstraint)))
            let generatorNormalization, generatorOptimizer =
                r.Required(
                    "generator",
                    Decode.readObject (fun g -> g.Required("normalization", Manifest.normalization), g.Required("optimizer", Manifest.optimizer)))
            { CriticNormalization = normalization
              CriticOptimizer = criticOptimizer
              Constraint = constraintSpec
              GeneratorNormalization = generatorNormalization
              GeneratorOptimizer = generatorOptimizer
              NCritic = r.Required("nCritic", Decode.intInRange 1 1000)
              Warmup = r.Required("warmup", warmup)
              Source = r.Optional("source", Decode.nonEmptyString) })
    fun path e ->
        match decoder path e with
        | Ok v ->
            match kind, v.Constraint, v.CriticNormalization with
            | GradientPenaltyVariant, GradientPenalty _, BatchNorm ->
                Error [ { Path = $"{path}.critic.normalization"
                          Message = "batch norm couples the samples of a batch, so a gradient-penalty critic must not use it (WGAN-GP section 4): use \"none\" or \"layer\"" } ]
            | GradientPenaltyVariant, GradientPenalty _, _
            | WeightClippingVariant, WeightClipping _, _ -> Ok v
            | GradientPenaltyVariant, _, _ -> Error [ { Path = $"{path}.critic.constraint.kind"; Message = "must be \"gradient-penalty\" for this variant" } ]
            | WeightClippingVariant, _, _ -> Error [ { Path = $"{path}.critic.constraint.kind"; Message = "must be \"weight-clipping\" for this variant" } ]
        | r -> r

/// The GAN setup both MNIST experiments' manifests state at their top level: gan_mnist.py's BATCH_SIZE, the
/// latent size, the two variants and the columns of the sample grids.
type GanSetup =
    { BatchSize: int
      Latent: int
      WganGp: Variant
      WganClip: Variant
      GridColumns: int }

/// Reads the GAN setup's fields ("batchSize", "latentDimension", "wganGp", "wganClip", "gridColumns") from the
/// manifest object being decoded.
let ganSetup (r: ObjectReader) : GanSetup =
    { BatchSize = r.Required("batchSize", Decode.intInRange 1 100_000)
      Latent = r.Required("latentDimension", Decode.intInRange 1 100_000)
      WganGp = r.Required("wganGp", variant GradientPenaltyVariant)
      WganClip = r.Required("wganClip", variant WeightClippingVariant)
      GridColumns = r.Required("gridColumns", Decode.intInRange 1 100) }

/// A readable one-line description of a variant, for the report's notes.
let describe (v: Variant) =
    let warmupText =
        match v.Warmup with
        | NoWarmup -> "no warm-up"
        | OfficialWarmup (k, first, every) -> $"{k} critic iterations for the first {first} generator iterations and every {every}th"
    let sourceText = v.Source |> Option.map (fun s -> $" (source: {s})") |> Option.defaultValue ""
    $"critic normalisation {Manifest.normalizationText v.CriticNormalization}, {Manifest.optimizerText v.CriticOptimizer}, {Manifest.constraintText v.Constraint}; generator normalisation {Manifest.normalizationText v.GeneratorNormalization}, {Manifest.optimizerText v.GeneratorOptimizer}; n_critic = {v.NCritic}, {warmupText}{sourceText}"

/// What the report says after a WGAN-clip variant's description when its critic's RMSProp is PyTorch's,
/// where gan_mnist.py ran TensorFlow 1's (a manifest can choose either: "rmsprop" or "tf-rmsprop").
let rmsPropCaveat (v: Variant) =
    match v.CriticOptimizer with
    | RmsProp _ -> " RMSProp is PyTorch's (alpha 0.99, eps 1e-8; the harness's own Optimizer), not TensorFlow's (decay 0.9, eps 1e-10) that gan_mnist.py ran."
    | _ -> ""

/// Runs `f` in its own dispose scope and moves its result out of it. Every tensor temporary then belongs to a
/// scope: none is left to the garbage collector, whose finalizer could free a native tensor while a call that
/// was handed its handle still runs (seen here as NaNs appearing at random after long runs).
let scoped (f: unit -> torch.Tensor) : torch.Tensor =
    use _ = torch.NewDisposeScope()
    (f ()).MoveToOuterDisposeScope()

/// Images [n, 1, 28, 28] (float32 in [0, 1], grey level / 255) of the digits at `indices`, on `device`.
let imagesTensor (digits: Digits) (indices: int[]) (device: torch.Device) : torch.Tensor =
    let size = digits.ImageSize
    let values = Array.zeroCreate<float32> (indices.Length * size)
    indices |> Array.iteri (fun k i ->
        for p in 0 .. size - 1 do values[k * size + p] <- float32 digits.Pixels[i * size + p] / 255.0f)
    scoped (fun () -> torch.tensor(values).reshape(int64 indices.Length, 1L, int64 digits.Rows, int64 digits.Columns).``to``(device).contiguous())

/// Labels [n] (int64) of the digits at `indices`, on `device`.
let labelsTensor (digits: Digits) (indices: int[]) (device: torch.Device) : torch.Tensor =
    scoped (fun () -> torch.tensor(indices |> Array.map (fun i -> int64 digits.Labels[i])).``to``(device))

/// A permutation of 0 .. n-1 drawn from `generator` (on the CPU).
let permutation (n: int) (generator: torch.Generator) : int[] =
    use _ = torch.NewDisposeScope()
    let p = torch.randperm(int64 n, generator = generator)
    p.data<int64>().ToArray() |> Array.map int

/// Batches of indices into a data set of `count` items in shuffled epochs, as gan_mnist.py's iterator:
/// a fresh permutation from `generator` at each epoch; an epoch's last incomplete batch is dropped.
type EpochSampler(count: int, batchSize: int, generator: torch.Generator) =
    do if batchSize < 1 || count < batchSize then invalidArg (nameof count) $"needs at least one full batch ({count} items, batch {batchSize})"
    let mutable order: int[] = [||]
    let mutable position = 0

    /// The next batch of indices.
    member _.Next() : int64[] =
        if position + batchSize > order.Length then
            order <- permutation count generator
            position <- 0
        let batch = order[position .. position + batchSize - 1] |> Array.map int64
        position <- position + batchSize
        batch

    /// The sampler's state besides its generator: the position in the current epoch, then the epoch's order
    /// (empty before the first batch).
    member _.State: int64[] = Array.append [| int64 position |] (order |> Array.map int64)

    /// Restores a state read from `State` (the generator's state is restored separately).
    member _.Restore(state: int64[]) =
        if state.Length = 0 || (state.Length > 1 && state.Length - 1 <> count) then
            invalidArg (nameof state) $"not the state of a sampler over {count} items"
        position <- int state[0]
        order <- state[1..] |> Array.map int

/// The rows of `data` at `indices`, on the data's device.
let select (data: torch.Tensor) (indices: int64[]) : torch.Tensor =
    scoped (fun () -> data.index_select(0L, torch.tensor(indices).``to``(data.device)))

/// `n` latent vectors z ~ N(0, I) drawn on the CPU from `generator`, moved to `device`.
let noise (latent: int) (n: int) (generator: torch.Generator) (device: torch.Device) : torch.Tensor =
    scoped (fun () -> torch.randn([| int64 n; int64 latent |], generator = generator).``to``(device))

let private noGrad (f: unit -> 'T) : 'T =
    use _ = torch.no_grad()
    f ()

/// What one generator iteration measured.
type IterationStats =
    { CriticIterations: int
      /// The last critic step of the iteration (its loss and EM estimate before its update).
      Critic: CriticStepResult
      /// The generator's loss -E f(G(z)) before its update.
      GeneratorLoss: float }

/// Why training must stop after generator iteration `t` (1-based), if a loss it measured is NaN or infinite
/// (a NaN weight or gradient shows up in the next loss): the quantity, its value and the iteration.
let divergence (t: int) (stats: IterationStats) : string option =
    [ "critic loss", stats.Critic.Loss
      "critic EM estimate", stats.Critic.EarthMoverEstimate
      "gradient penalty", stats.Critic.Penalty
      "generator loss", stats.GeneratorLoss ]
    |> List.tryFind (fun (_, v) -> not (Double.IsFinite v))
    |> Option.map (fun (name, v) ->
        let value = if Double.IsNaN v then "NaN" elif v > 0.0 then "+Infinity" else "-Infinity"
        $"{name} is {value} at generator iteration {t}")

/// A run's metrics, or NaN for each when the run diverged (`diverged` non-empty), so that the claims using
/// them are inconclusive.
let unlessDiverged (diverged: string) (metrics: (string * float) list) =
    if diverged = "" then metrics else metrics |> List.map (fun (name, _) -> name, nan)

/// The iterations of the evaluation points of the longest of the seeds' runs: the points `meanOverRuns` averages at.
let evaluationIterations (runs: 'M[] list) (iteration: 'M -> int) : float[] =
    runs |> List.maxBy Array.length |> Array.map (iteration >> float)

/// The mean over seeds' runs of a quantity at each evaluation point of the longest run (a diverged run
/// contributes until it stopped).
let meanOverRuns (runs: 'M[] list) (pick: 'M -> float) : float[] =
    runs
    |> List.maxBy Array.length
    |> Array.mapi (fun i _ -> runs |> List.choose (fun r -> Array.tryItem i r |> Option.map pick) |> List.average)

/// Sizes shared by a training run.
type RunShape = { Dim: int; Latent: int; BatchSize: int }

/// gan_mnist.py's critic of width `dim` as the memory estimate sees it (Footprint): three 5x5 convolutions 1 -> DIM ->
/// 2 DIM -> 4 DIM (28 -> 14 -> 7 -> 4 pixels a side) and a dense layer to 1.
let criticFootprint (dim: int) : Footprint.Network =
    let d = float dim
    { Name = $"MNIST critic, DIM {dim}"
      Parameters = 250.0 * d * d + 96.0 * d + 1.0
      ValuesPerSample = 785.0 + 358.0 * d }

/// gan_mnist.py's generator of width `dim` from `latent` inputs as the memory estimate sees it (Footprint): a dense
/// layer to 4 DIM x 4 x 4, 5x5 deconvolutions to 2 DIM x 8 x 8 (cropped to 7 x 7), DIM x 14 x 14 and 1 x 28 x 28.
let generatorFootprint (dim: int) (latent: int) : Footprint.Network =
    let d = float dim
    { Name = $"MNIST generator, DIM {dim}, latent {latent}"
      Parameters = 64.0 * d * float latent + 250.0 * d * d + 92.0 * d + 1.0
      ValuesPerSample = float latent + 486.0 * d + 784.0 }

/// One WGAN training run on `images` ([N, 1, 28, 28] on `device`). Every source of randomness has its own
/// generator derived from (seed, variantIndex, role): 0 initialisation, 1 data order, 2 noise, 3 penalty
/// interpolation; roles 4 and up are left to the experiment's measurements (`MeasurementGenerator role`).
type Training(variant: Variant, shape: RunShape, device: torch.Device, images: torch.Tensor, seed: int64, variantIndex: int) =
    let generatorFor (role: int) = new torch.Generator(uint64 (Seeds.derive seed [ variantIndex; role ]))
    let initialisation = generatorFor 0
    let dataOrder = generatorFor 1
    let noiseGenerator = generatorFor 2
    let penaltyGenerator = generatorFor 3
    let critic = new MnistCritic({ Dim = shape.Dim; Normalization = variant.CriticNormalization }, initialisation)
    let generator = new MnistGenerator({ Dim = shape.Dim; Latent = shape.Latent; Normalization = variant.GeneratorNormalization }, initialisation)
    do
        critic.``to``(device) |> ignore
        generator.``to``(device) |> ignore
    let criticOptimizer = Optimizer.create variant.CriticOptimizer (critic.parameters())
    let generatorOptimizer = Optimizer.create variant.GeneratorOptimizer (generator.parameters())
    let sampler = EpochSampler(int images.shape[0], shape.BatchSize, dataOrder)

    member _.Critic = critic
    member _.Generator = generator
    member _.Variant = variant

    /// A fresh generator for the experiment's own measurements (role >= 4).
    member _.MeasurementGenerator(role: int) =
        if role < 4 then invalidArg (nameof role) "roles 0-3 belong to training"
        generatorFor role

    /// The penalty's interpolation generator (for measuring the critic loss as training computes it).
    member _.PenaltyGenerator = penaltyGenerator

    /// What a checkpoint of this training must keep, with the experiment's own measurement generators.
    member _.LoopObjects(measurementGenerators: torch.Generator list) : TrainingLoop.LoopObjects =
        { Networks = [ critic; generator ]
          Optimizers = [ criticOptimizer; generatorOptimizer ]
          Generators = [ initialisation; dataOrder; noiseGenerator; penaltyGenerator ] @ measurementGenerators }

    /// The data sampler's state (its order and position), which a checkpoint keeps as counters.
    member _.SamplerCounters: TrainingLoop.LoopCounters = { Read = (fun () -> sampler.State); Write = sampler.Restore }

    /// Generator iteration `t` (0-based): the critic iterations it is due, then one generator step.
    member _.Step(t: int) : IterationStats =
        let k = criticIterations variant t
        let mutable last = Unchecked.defaultof<CriticStepResult>
        for _ in 1 .. k do
            use _ = torch.NewDisposeScope()
            let real = select images (sampler.Next())
            let fake = noGrad (fun () -> generator.call (noise shape.Latent shape.BatchSize noiseGenerator device))
            // (the step's scope owns every temporary above)
            last <- CriticStep.criticStep critic criticOptimizer variant.Constraint real fake penaltyGenerator
        let generatorLoss =
            use _ = torch.NewDisposeScope()
            (GeneratorStep.wassersteinStep generator generatorOptimizer critic (noise shape.Latent shape.BatchSize noiseGenerator device)).Loss
        { CriticIterations = k; Critic = last; GeneratorLoss = generatorLoss }

    /// Generated images for the given latent vectors, [n, 1, 28, 28], outside the autograd graph.
    member _.Sample(z: torch.Tensor) : torch.Tensor = scoped (fun () -> noGrad (fun () -> generator.call z))

    interface IDisposable with
        member _.Dispose() =
            (criticOptimizer :> IDisposable).Dispose()
            (generatorOptimizer :> IDisposable).Dispose()
            critic.Dispose()
            generator.Dispose()
            for g in [ initialisation; dataOrder; noiseGenerator; penaltyGenerator ] do g.Dispose()

/// Generator iterations after which a measurement is taken: 0 (before training), every `every`, and the last.
let evaluationPoints (iterations: int) (every: int) : int list =
    [ 0 .. every .. iterations ] @ (if iterations % every = 0 then [] else [ iterations ])

/// `count` snapshot points evenly spread over [0, iterations] (for image grids), without duplicates.
let snapshotPoints (iterations: int) (count: int) : int list =
    if count <= 1 then [ iterations ]
    else [ for k in 0 .. count - 1 -> int (Math.Round(float iterations * float k / float (count - 1))) ] |> List.distinct

/// The pixels of images [n, 1, H, W] as floats in [0, 1], image by image.
let pixelsOf (images: torch.Tensor) : float[] =
    use _ = torch.NewDisposeScope()
    images.detach().cpu().to_type(torch.float64).contiguous().data<float>().ToArray()

/// An image grid of 28x28 images whose rows are given as pixel arrays of `columns` images each.
let imageGrid (name: string) (title: string) (columns: int) (rows: float[] list) : ImageGrid =
    { Name = name
      Title = title
      Rows = rows.Length
      Columns = columns
      Height = MnistFormats.Side
      Width = MnistFormats.Side
      Pixels = Array.concat rows }

/// A figure of lines on linear axes (one place to adapt if the Figure type grows).
let lineFigure (name: string) (title: string) (xLabel: string) (yLabel: string) (lines: Line list) : Figure =
    Figure.ofLines name title xLabel yLabel false lines

/// Checks that the data has enough digits for a scale; the message names the source and the fix.
let requireDigits (source: MnistSource) (scale: Manifest.Scale) (needed: int) (what: string) =
    if source.Digits.Count < needed then
        raise (
            DataException(
                $"scale {scale.Name} needs {needed} MNIST digits ({what}) but the data has {source.Digits.Count} ({source.Description}); "
                + "use the full data set (without --mnist-file) or a smaller scale"))

/// What a unit records about its digits (texts "data" and "dataFingerprint"), so that the result can name its
/// data and a merge can check that every shard used the same digits.
let dataTexts (source: MnistSource) : (string * string) list =
    [ "data", source.Description; "dataFingerprint", MnistFormats.fingerprint source.Digits ]

/// The description of the digits every unit used (as `dataTexts` recorded it); throws DataException when
/// units ran on different digits (shards given different data).
let commonData (results: MeasurementBag list) : string =
    let first = results.Head
    match results |> List.tryFind (fun r -> r.Texts["dataFingerprint"] <> first.Texts["dataFingerprint"]) with
    | Some other ->
        let a, b = first.Texts["data"], other.Texts["data"]
        raise (DataException $"units {first.Key} and {other.Key} ran on different MNIST digits ({a} vs {b}); run every shard with the same data options")
    | None -> first.Texts["data"]

/// Image snapshots (generator iteration, pixels of a row of images) as a unit's vectors "snapshotIterations"
/// and "snapshotPixels" (the rows concatenated).
let snapshotVectors (snapshots: (int * float[]) list) : (string * float[]) list =
    [ "snapshotIterations", snapshots |> List.map (fst >> float) |> Array.ofList
      "snapshotPixels", snapshots |> List.map snd |> Array.concat ]

/// The snapshots that `snapshotVectors` put in a unit's result.
let snapshotsOf (r: MeasurementBag) : (int * float[]) list =
    let iterations = r.Vectors["snapshotIterations"]
    let pixels = r.Vectors["snapshotPixels"]
    let size = if iterations.Length = 0 then 0 else pixels.Length / iterations.Length
    iterations |> Array.mapi (fun i t -> int t, pixels[i * size .. (i + 1) * size - 1]) |> List.ofArray

/// The two variants each MNIST experiment trains, in unit order: metric prefix, file name, label, settings.
let variantTable (setup: GanSetup) : (string * string * string * Variant) list =
    [ "gp", "wgan-gp", "WGAN-GP", setup.WganGp; "clip", "wgan-clip", "WGAN-clip", setup.WganClip ]

/// The key of the unit that trains variant `file` (e.g. "wgan-gp") for `seed`.
let unitKey (seed: int64) (file: string) = $"seed-{seed}/{file}"

/// One unit per seed and variant, seed by seed in `variants`' order; `run checkpoints seed index file variant`
/// trains one.
let seedVariantUnits
    (seeds: int64 list)
    (variants: (string * string * string * Variant) list)
    (run: UnitCheckpoints -> int64 -> int -> string -> Variant -> MeasurementBag)
    : WorkUnitOf list =
    [ for seed in seeds do
          for k, (_, file, name, v) in List.indexed variants ->
              { Key = unitKey seed file
                Description = $"seed {seed}, {name}"
                Run = fun checkpoints -> run checkpoints seed k file v } ]
