/// The skeleton both MNIST experiments share: one unit per seed and variant, each training the variant for the seed
/// (MnistTrainer) while the experiment measures it at evaluation points and snapshots of generated digits are taken;
/// and the parts of their assembly that read those runs: per-seed metrics, mean curves, sample grids, notes.
module Wgan.Experiments.MnistRun

open TorchSharp
open Wgan.Experiments
open Wgan.Experiments.Json
open Wgan.Experiments.MnistVariant
open Wgan.Experiments.MnistWgan

/// What every scale of an MNIST experiment sets for its training runs.
type RunScale =
    { /// gan_mnist.py's DIM: the width of both networks.
      Dim: int
      GeneratorIterations: int
      /// A measurement is taken before training, every so many generator iterations, and at the end.
      EvaluateEvery: int
      /// Rows of the generated-digit grids: snapshots spread evenly over training.
      GridRows: int
      /// What is known about this scale's outcome (e.g. why a claim does not reproduce here), for the notes.
      Note: string option }

/// A scale's "dim", "generatorIterations", "evaluateEvery", "gridRows" and optional "note".
let runScale: Fields<RunScale> =
    fields {
        let! dim = required "dim" (Decode.intInRange 1 1024)
        and! iterations = Manifest.CommonFields.generatorIterations
        and! evaluateEvery = required "evaluateEvery" (Decode.intInRange 1 10_000_000)
        and! gridRows = required "gridRows" (Decode.intInRange 1 100)
        and! note = optional "note" Decode.nonEmptyString
        return
            { Dim = dim
              GeneratorIterations = iterations
              EvaluateEvery = evaluateEvery
              GridRows = gridRows
              Note = note } }

/// One unit's training run: a variant trained for a seed at a scale.
type UnitRun =
    { Setup: GanSetup
      Scale: RunScale
      Variant: VariantEntry
      Seed: int64
      /// The state is saved every so many generator iterations (0: never).
      CheckpointEvery: int
      Device: torch.Device }

    /// How the trainer trains it.
    member this.Configuration: MnistTrainer.Configuration =
        { Variant = this.Variant.Variant
          Dim = this.Scale.Dim
          Latent = this.Setup.Latent
          BatchSize = this.Setup.BatchSize
          Iterations = this.Scale.GeneratorIterations
          CheckpointEvery = this.CheckpointEvery
          Device = this.Device }

/// Generated digits from the run's fixed grid noise after `Iteration` generator iterations: one grid row.
type Snapshot = { Iteration: int; Pixels: float[] }

/// What one training run recorded: the experiment's measurements `'M` at the evaluation points, the snapshots, and
/// why training stopped early, if it did.
type RunRecord<'M> =
    { Measurements: 'M[]
      Snapshots: Snapshot list
      Diverged: Divergence option }

/// What one generator iteration's last critic step and generator step measured.
type IterationLog =
    { Iteration: int
      /// E f(real) - E f(fake) on the last critic step's batches, before its update.
      EarthMover: float
      /// -E f(G(z)) before the generator's update.
      GeneratorLoss: float }

/// How an experiment measures its runs.
type Measuring<'M> =
    { /// Given the training state and the measurement random-number generator (role 4, saved with the state), the
      /// measurement after generator iteration t.
      Measure: MnistTrainer.State -> torch.Generator -> int -> 'M
      /// A measurement as numbers, for the training log a checkpoint keeps, and back (with its iteration).
      ToNumbers: 'M -> float[]
      OfNumbers: int -> float[] -> 'M
      /// Whether every iteration's EM estimate and generator loss are kept too.
      KeepIterations: bool }

/// The kinds of rows a run logs: [| kind; t; numbers |].
type private RowKind =
    | Evaluation = 0
    | Snapshot = 1
    | Iteration = 2

let private row (kind: RowKind) (t: int) (numbers: float[]) = Array.append [| float (int kind); float t |] numbers

let private rowsOf (kind: RowKind) (rows: float[][]) =
    rows |> Array.filter (fun r -> r[0] = float (int kind)) |> Array.map (fun r -> int r[1], r[2..])

/// Trains the unit's variant on `images` ([N, 1, 28, 28] on the device), measuring as `measuring` says, and resuming
/// from the last checkpoint. Returns the run's record and, when kept, every iteration's log.
let run (unit: UnitRun) (images: torch.Tensor) (checkpoints: UnitCheckpoints) (measuring: Measuring<'M>)
    : RunRecord<'M> * IterationLog[] =
    let config = unit.Configuration
    let randomFor = MnistTrainer.random unit.Seed unit.Variant.Index
    use state = MnistTrainer.start config unit.Seed unit.Variant.Index (int images.shape[0])
    use measurementRandom = randomFor 4
    use gridRandom = randomFor 5
    use gridNoise = noise config.Latent unit.Setup.GridColumns gridRandom config.Device
    let measure = measuring.Measure state measurementRandom
    let evaluations = set (evaluationPoints config.Iterations unit.Scale.EvaluateEvery)
    let snapshots = set (snapshotPoints config.Iterations unit.Scale.GridRows)
    let observe t =
        [ if evaluations.Contains t then row RowKind.Evaluation t (measuring.ToNumbers(measure t))
          if snapshots.Contains t then
              use generated = MnistTrainer.sample state gridNoise
              row RowKind.Snapshot t (pixelsOf generated) ]
    let after t (stats: MnistTrainer.IterationStats) =
        [ if measuring.KeepIterations then
              row RowKind.Iteration t [| stats.Critic.EarthMoverEstimate; stats.GeneratorLoss |]
          yield! observe t ]
    let logging: MnistTrainer.Logging =
        { Before = (fun () -> observe 0); After = after; Random = [ measurementRandom ] }
    let outcome = MnistTrainer.train config images state checkpoints logging
    { Measurements = rowsOf RowKind.Evaluation outcome.Rows |> Array.map (fun (t, v) -> measuring.OfNumbers t v)
      Snapshots = [ for t, pixels in rowsOf RowKind.Snapshot outcome.Rows -> { Iteration = t; Pixels = pixels } ]
      Diverged = outcome.Diverged },
    [| for t, v in rowsOf RowKind.Iteration outcome.Rows ->
           { Iteration = t; EarthMover = v[0]; GeneratorLoss = v[1] } |]

/// The key of the unit that trains `variant` for `seed`.
let unitKey (seed: int64) (variant: VariantEntry) = $"seed-{seed}/{variant.File}"

/// One unit per seed of the run and variant, seed by seed, WGAN-GP then WGAN-clip, at `scale`; `train checkpoints
/// unit` is one.
let units (run: RunContext) (setup: GanSetup) (scale: RunScale) (checkpointEvery: int)
    (train: UnitCheckpoints -> UnitRun -> 'U) : UnitOfWork<'U> list =
    [ for seed in run.Seeds do
          for v in variantEntries setup ->
              let unit =
                  { Setup = setup; Scale = scale; Variant = v; Seed = seed; CheckpointEvery = checkpointEvery
                    Device = run.Device }
              { Key = unitKey seed v
                Description = $"seed {seed}, {v.Label}"
                Run = fun checkpoints -> train checkpoints unit } ]

/// One variant's runs, seed by seed.
type VariantRuns<'M> =
    { Variant: VariantEntry
      Runs: (int64 * RunRecord<'M>) list }

    /// Every seed's measurements.
    member this.Measurements = this.Runs |> List.map (fun (_, r) -> r.Measurements)

/// What an MNIST experiment's assembly reads from its units: the description of the digits every unit ran on, each
/// variant's runs, and the notes on the runs that diverged.
type Gathered<'M> =
    { Data: string
      Runs: VariantRuns<'M> list
      DivergenceNotes: string list }

/// Gathers the units' results (in unit order, with their keys: the digits each ran on and, for a training unit, its
/// run) for `seeds`; throws DataException when units ran on different digits.
let gather (setup: GanSetup) (seeds: int64 list) (units: (string * DataIdentity * RunRecord<'M> option) list) =
    let runs = dict [ for key, _, run in units do if run.IsSome then key, run.Value ]
    { Data = commonData [ for key, data, _ in units -> key, data ]
      Runs =
        [ for v in variantEntries setup -> { Variant = v; Runs = [ for seed in seeds -> seed, runs[unitKey seed v] ] } ]
      DivergenceNotes =
        Experiment.divergenceNotes [ for key, _, run in units do if run.IsSome then key, run.Value.Diverged ] }

/// Each seed's metrics: every variant's `metricsOf` its measurements (NaN when its run diverged, so that the claims
/// using them are inconclusive), then `shared`.
let seedMetrics (seeds: int64 list) (runs: VariantRuns<'M> list)
    (metricsOf: VariantEntry -> 'M[] -> (string * float) list) (shared: (string * float) list) : SeedMetrics list =
    [ for seed in seeds ->
          let values =
              [ for v in runs do
                    let record = v.Runs |> List.find (fst >> (=) seed) |> snd
                    let metrics = metricsOf v.Variant record.Measurements
                    if record.Diverged.IsNone then yield! metrics
                    else yield! metrics |> List.map (fun (name, _) -> name, nan)
                yield! shared ]
          { Seed = seed; Values = readOnlyDict values } ]

/// The iterations of the evaluation points of the longest of the seeds' runs: the points `meanOverRuns` averages at.
let evaluationIterations (runs: 'M[] list) (iteration: 'M -> int) : float[] =
    runs |> List.maxBy Array.length |> Array.map (iteration >> float)

/// The mean over seeds' runs of a quantity at each evaluation point of the longest run (a diverged run
/// contributes until it stopped).
let meanOverRuns (runs: 'M[] list) (pick: 'M -> float) : float[] =
    runs
    |> List.maxBy Array.length
    |> Array.mapi (fun i _ -> runs |> List.choose (fun r -> Array.tryItem i r |> Option.map pick) |> List.average)

/// The grid of the first seed's snapshots of a variant: one row per snapshot.
let sampleGrid (gridColumns: int) (runs: VariantRuns<'M>) : ImageGrid =
    let seed, first = runs.Runs.Head
    let at = first.Snapshots |> List.map (fun s -> string s.Iteration) |> String.concat ", "
    imageGrid $"{runs.Variant.File}-samples"
        ($"{runs.Variant.Label}, seed {seed}: generated digits from {gridColumns} fixed noise vectors (columns) after "
         + $"{at} generator iterations (rows)")
        gridColumns (first.Snapshots |> List.map (fun s -> s.Pixels))

/// The notes on the networks and the two variants (`schedule` follows the number of iterations).
let trainingNotes (setup: GanSetup) (scale: RunScale) (schedule: string) =
    [ $"Networks: gan_mnist.py's convolutional critic and generator with DIM = {scale.Dim}, latent size "
      + $"{setup.Latent}, batch {setup.BatchSize}, {scale.GeneratorIterations} generator iterations{schedule}; "
      + "PyTorch's default initialisation "
      + "(not tflib's), drawn from seeded generators."
      $"WGAN-GP: {describe setup.WganGp}."
      $"WGAN-clip: {describe setup.WganClip}.{rmsPropCaveat setup.WganClip}" ]
