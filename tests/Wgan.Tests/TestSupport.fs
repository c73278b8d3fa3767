/// Shared set-up for tests that run tensors.
module Wgan.Tests.TestSupport

open TorchSharp

/// Test classes run one after another: libtorch's thread pool must not be reconfigured (set_num_threads)
/// while another thread runs tensor code, and the runner itself is single-threaded.
[<assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)>]
do ()

/// The repository's experiments/ folder, found from the test assembly's folder upwards.
let experimentsFolder =
    lazy
        let rec up (dir: System.IO.DirectoryInfo) =
            if isNull dir then failwith "no experiments/ folder above the test assembly"
            else
                let experiments = System.IO.Path.Combine(dir.FullName, "experiments")
                if System.IO.File.Exists(System.IO.Path.Combine(experiments, "capacity-underuse.json")) then experiments
                else up dir.Parent
        up (System.IO.DirectoryInfo System.AppContext.BaseDirectory)

/// The text of the manifest experiments/<id>.json.
let manifestText (id: string) =
    System.IO.File.ReadAllText(System.IO.Path.Combine(experimentsFolder.Force(), id + ".json"))

let private pinned =
    lazy (torch.set_num_threads 1)

/// One intra-op thread, so results are bit-reproducible and comparable with the runner's default.
/// Call at the start of every test that uses TorchSharp.
let pinThreads () = pinned.Force()

/// A tensor's values as float64, detached and on the CPU, in row-major order.
let values (t: torch.Tensor) : float[] =
    t.detach().cpu().to_type(torch.float64).contiguous().data<float>().ToArray()

/// The rows of an n x 2 tensor of points, as float64.
let rows (t: torch.Tensor) : float[][] = values t |> Array.chunkBySize 2

/// A parameter's gradient as float64, or zeros where libtorch left it undefined (a parameter the loss does not
/// reach).
let gradientOrZeros (p: torch.Tensor) : float[] =
    if isNull p.grad then Array.zeroCreate (int (p.numel())) else values p.grad

/// The spec of an MLP without normalisation, as most tests' critics and generators are.
let plainMlp (inputs: int) (hidden: int list) (outputs: int) (activation: Wgan.Core.Activation) : Wgan.Core.MlpSpec =
    { Inputs = inputs
      Hidden = hidden
      Outputs = outputs
      Activation = activation
      Normalization = Wgan.Core.Normalization.NoNormalization }

/// float32 results against float64 closed forms, bounds or the same quantity in float64: each float32 operation rounds
/// by a few 2^-24 (~6e-8) relative, a handful of them, or a float32 mean of scores <= 20, err by ~1e-6, and the
/// gradient penalty's NormEpsilon shifts a zero norm to 1e-6. 1e-5 (relative above 1) covers these with a margin.
let Float32Tolerance = 1e-5

/// float64 rounding of a mean or sum of at most 64 terms of magnitude at most 20, or of one such quantity computed
/// two ways: a few ulps of 20 per term, far below 1e-12.
let Float64Rounding = 1e-12

/// Central differences with step FiniteDifferenceStep in float64 err by O(h^2) ~ 1e-12 (truncation, the functions are
/// smooth) plus O(ulp / h) ~ 1e-10 (cancellation); an analytic gradient must match them within
/// FiniteDifferenceTolerance (absolute + relative).
let FiniteDifferenceStep = 1e-6
let FiniteDifferenceTolerance = 1e-6

/// Runs `f` while another thread collects the youngest generation and runs pending finalizers without pause.
/// A TorchSharp Scalar left to the garbage collector during a native call (see Wgan.Core.Scalars) is then
/// freed mid-call within seconds instead of once in many runs: results change, turn NaN, or libtorch throws
/// "Scalar.h toFloat". Code that keeps its Scalars alive gives exactly the quiet run's numbers. Runs take
/// several times longer under this pressure.
let underGarbagePressure (f: unit -> 'T) : 'T =
    use stop = new System.Threading.ManualResetEventSlim(false)
    let collector =
        System.Threading.Thread(
            (fun () ->
                while not stop.IsSet do
                    System.GC.Collect(0)
                    // Without pause: measured here, one collection every few microseconds frees a loose Scalar
                    // within a second of MNIST critic steps; one every millisecond did not in a minute.
                    System.GC.WaitForPendingFinalizers()),
            IsBackground = true)
    collector.Start()
    try f () finally
        stop.Set()
        collector.Join()

/// Everything of a run that reaches the result files, metrics at round-trip precision: metrics, series and
/// figure data.
let fingerprint (r: Wgan.Experiments.ExperimentResult) : string =
    let render = Wgan.Experiments.Render.number
    let series = r.Series |> List.map Wgan.Experiments.Render.csv |> String.concat "\n"
    let figures =
        r.Figures
        |> List.map (fun f ->
            let surfaces = f.Surfaces |> List.collect (fun s -> [ for v in Seq.cast<float> s.Values -> render v ])
            let points = f.Points |> List.collect (fun p -> Array.append p.X p.Y |> Array.map render |> List.ofArray)
            let bars = f.Histograms |> List.collect (fun h -> h.Counts |> Array.map render |> List.ofArray)
            let lines = f.Lines |> List.collect (fun l -> l.Y |> Array.map render |> List.ofArray)
            System.String.Join(",", surfaces @ points @ bars @ lines))
        |> String.concat "\n"
    let metrics =
        r.Metrics
        |> List.map (fun m ->
            m.Values
            |> Seq.sortBy (fun kv -> kv.Key)
            |> Seq.map (fun kv -> $"{kv.Key}={render kv.Value}")
            |> String.concat ";")
    String.concat "\n" (metrics @ [ series; figures ])

/// What a unit throws when the simulated kill strikes.
exception Killed

/// Runs unit `index` of `run` as a run that is killed right after each checkpoint save of the unit and resumed
/// from the last checkpoint each time, until the unit finishes; returns its result and how often it was
/// killed. The checkpoint lives in memory, as the runner's would on disk.
let runKilledAfterEverySave (run: Wgan.Experiments.ExperimentRun) (index: int) : Wgan.Experiments.UnitResult * int =
    let saved: byte[] ref = ref null
    let mutable kills = 0
    let rec attempt () =
        let killing = System.Action<byte[]>(fun bytes -> saved.Value <- bytes; raise Killed)
        let outcome =
            try Some(run.RunUnit(index, System.Func<byte[]>(fun () -> saved.Value), killing)) with Killed -> None
        match outcome with
        | Some result -> result
        | None ->
            kills <- kills + 1
            attempt ()
    let result = attempt ()
    result, kills

/// A unit of `run` run straight through, without checkpoints.
let runStraight (run: Wgan.Experiments.ExperimentRun) (index: int) : Wgan.Experiments.UnitResult =
    run.RunUnit(index, System.Func<byte[]>(fun () -> null), System.Action<byte[]>(ignore))

/// The text of experiments/<id>.json with its smoke scale saving training state every `every` steps.
let manifestCheckpointingEvery (id: string) (every: int) : string =
    let root = System.Text.Json.Nodes.JsonNode.Parse(manifestText id)
    let smoke = root["scales"].["smoke"]
    smoke["checkpointEvery"] <- System.Text.Json.Nodes.JsonValue.Create every
    root.ToJsonString()

/// experiments/<id>.json decoded as `reading` says: the common fields and the experiment's own.
let manifestOf (reading: Wgan.Experiments.Envelope.Reading<'S, 'Scale>) (id: string) =
    use document = System.Text.Json.JsonDocument.Parse(manifestText id)
    match Wgan.Experiments.Envelope.decoder reading "$" (document.RootElement.Clone()) with
    | Ok manifest -> manifest
    | Error errors -> failwithf "%s does not decode: %A" id errors

/// A run of `seeds` at `scale` on the CPU, as the experiment template hands it to an experiment's assembly.
let cpuRun (scale: Wgan.Experiments.Manifest.Scale) (seeds: int64 list) : Wgan.Experiments.RunContext =
    { Scale = scale; Seeds = seeds; Device = torch.CPU; Resources = Wgan.Experiments.NoResources()
      UnitSeconds = readOnlyDict [] }

/// The claim `id` among a result's claims.
let claim (claims: Wgan.Experiments.ClaimResult list) (id: string) : Wgan.Experiments.ClaimResult =
    claims |> List.find (fun c -> c.Spec.Id = id)

/// Each claim's verdict name by claim id.
let verdicts (result: Wgan.Experiments.Findings) =
    result.Claims |> List.map (fun c -> c.Spec.Id, c.Verdict.Name) |> Map.ofList

/// Runs units `units` of a one-seed smoke run of a manifest's text, each killed after every checkpoint save and
/// resumed, and checks that each is killed `expectedKills` times and gives, bit for bit, the result of the same unit
/// run straight through.
let unitsResumeExactly (text: string) (units: int list) (expectedKills: int) =
    pinThreads ()
    let reading = Wgan.Experiments.Harness.ReadManifest text
    Xunit.Assert.True(reading.IsValid, System.String.Join("\n", reading.Errors))
    let run = reading.Experiment.Plan("smoke", 1, "cpu", Wgan.Experiments.NoResources())
    for index in units do
        let resumed, kills = runKilledAfterEverySave run index
        Xunit.Assert.Equal(expectedKills, kills)
        let json = Wgan.Experiments.UnitStore.toJson
        Xunit.Assert.Equal(json (runStraight run index), json resumed)

/// Runs a manifest's text at the smoke scale on the CPU, after checking that it is valid; `seeds` 0 keeps the
/// manifest's seed count.
let runSmokeText (text: string) (seeds: int) : Wgan.Experiments.ExperimentResult =
    pinThreads ()
    let reading = Wgan.Experiments.Harness.ReadManifest text
    Xunit.Assert.True(reading.IsValid, System.String.Join("\n", reading.Errors))
    reading.Experiment.Run("smoke", seeds, "cpu", System.Action<Wgan.Experiments.Progress>(ignore))

/// Runs experiments/<id>.json at the smoke scale with the manifest's seed count.
let runSmoke (id: string) = runSmokeText (manifestText id) 0

/// Asserts that units `indices` of a one-seed smoke run of experiments/<id>.json saving its state every `every`
/// iterations, each killed after each checkpoint save and resumed (`kills` times), give, bit for bit, the results of
/// the same units run straight through.
let assertResumesExactly (id: string) (every: int) (indices: int list) (kills: int) =
    unitsResumeExactly (manifestCheckpointingEvery id every) indices kills

/// `count` seeds of a run of `manifest` at `scale`, as the experiment template derives them.
let seedsAt (manifest: Wgan.Experiments.Envelope.Envelope<'S, 'Scale>) (scale: Wgan.Experiments.Manifest.Scale)
    (count: int) =
    Wgan.Experiments.Experiment.seedsFor manifest.Seed manifest.SeedCounts[scale] count
