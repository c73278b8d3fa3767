/// Exact resume after SIGKILL, sharding and merge, locks, overwrite guards, verification and divergence.
module Wgan.Tests.ReliabilityTests

open System
open System.Diagnostics
open System.IO
open System.Text.Json.Nodes
open Xunit
open Wgan.Tests.ManifestTests
open Wgan.Tests.CliTests

/// result.json without the two fields that legitimately differ between runs with identical results:
/// the compute time and the command line.
let comparable (folder: string) =
    let root = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "result.json"))).AsObject()
    let environment = root["environment"].AsObject()
    environment.Remove "computeSeconds" |> ignore
    environment.Remove "command" |> ignore
    root.ToJsonString()

let smokeRun (out: string) (extra: string list) =
    let r = cli ([ "run"; manifestPath; "--scale"; "smoke"; "--out"; out ] @ extra)
    Assert.True(r.Exit = 0, $"exit {r.Exit}: {r.Err}")
    r

/// The uninterrupted smoke run every other run is compared with (computed once).
let reference =
    lazy
        let out = Path.Combine(tempFolder (), "reference")
        smokeRun out [] |> ignore
        comparable (Path.Combine(out, "parallel-lines"))

[<Fact>]
let ``a run killed with SIGKILL at random moments and resumed gives the uninterrupted result`` () =
    let out = Path.Combine(tempFolder (), "killed")
    let wgan = Path.Combine(AppContext.BaseDirectory, "wgan.dll")
    // Fixed seed: the kill moments are random but the test is repeatable.
    let random = Random(20170126)
    let mutable kills = 0
    for _ in 1 .. 3 do
        if not (Directory.Exists(Path.Combine(out, "parallel-lines"))) then
            let args = [ "exec"; wgan; "run"; manifestPath; "--scale"; "smoke"; "--out"; out; "--resume" ]
            let start = ProcessStartInfo("dotnet", args, RedirectStandardError = true, RedirectStandardOutput = true)
            use p = Process.Start start
            p.BeginErrorReadLine()
            p.BeginOutputReadLine()
            if not (p.WaitForExit(random.Next(600, 2600))) then
                p.Kill() // SIGKILL on Linux
                p.WaitForExit()
                kills <- kills + 1
    Assert.True(kills > 0, "no run was killed; the kill moments are too late for this machine")
    if not (Directory.Exists(Path.Combine(out, "parallel-lines"))) then
        smokeRun out [ "--resume" ] |> ignore
    Assert.Equal(reference.Value, comparable (Path.Combine(out, "parallel-lines")))
    Assert.False(Directory.Exists(Path.Combine(out, ".work")), "checkpoints are removed once the result is published")

[<Fact>]
let ``three shards merged give exactly the unsharded result`` () =
    let out = Path.Combine(tempFolder (), "sharded")
    for i in 0 .. 2 do
        let r = smokeRun out [ "--shard"; $"{i}/3" ]
        Assert.Contains($"shard {i}/3 done", r.Out)
    Assert.False(Directory.Exists(Path.Combine(out, "parallel-lines")), "shards do not publish")
    let merged = cli [ "merge"; "--out"; out ]
    Assert.True(merged.Exit = 0, merged.Err)
    Assert.Equal(reference.Value, comparable (Path.Combine(out, "parallel-lines")))

[<Fact>]
let ``two worker processes give exactly the single-process result`` () =
    let out = Path.Combine(tempFolder (), "jobs")
    let r = smokeRun out [ "--jobs"; "2" ]
    Assert.Contains("2 worker processes", r.Err)
    // Both workers took units (each names the units it finished to the parent, which counts them).
    let counts =
        r.Err.Split('\n') |> Array.find (fun l -> l.StartsWith "[run] units finished by each worker: ")
        |> fun l -> l.Substring(l.IndexOf(": ") + 2).Split(", ") |> Array.map int
    Assert.Equal(2, counts.Length)
    Assert.True(Array.forall (fun c -> c > 0) counts, $"units per worker: {counts}")
    // smoke: 2 seeds x 5 thetas (experiments/parallel-lines.json).
    Assert.Equal(10, Array.sum counts)
    // The workers print no progress of their own: every line with the time left is the parent's whole-run line.
    for line in r.Err.Split('\n') |> Array.filter (fun l -> l.Contains " left") do
        Assert.StartsWith("[run] ", line)
        Assert.Contains("run ", line.Substring 6)
    Assert.DoesNotContain(" w0]", r.Err)
    Assert.DoesNotContain(" w1]", r.Err)
    Assert.Equal(reference.Value, comparable (Path.Combine(out, "parallel-lines")))
    Assert.False(Directory.Exists(Path.Combine(out, ".work")), "checkpoints are removed once the result is published")

[<Fact>]
let ``worker arguments drop --jobs and --force and resume`` () =
    let args =
        Wgan.Runner.RunExperiments.WorkerArguments [| "run"; "m.json"; "--jobs"; "4"; "--force"; "--threads"; "1" |]
    Assert.Equal<string seq>([ "run"; "m.json"; "--threads"; "1"; "--resume" ], args)
    Assert.Equal(2, (cli [ "run"; manifestPath; "--jobs"; "2"; "--shard"; "0/2" ]).Exit)
    Assert.Equal(2, (cli [ "run"; manifestPath; "--jobs"; "0" ]).Exit)

[<Fact>]
let ``merge names the missing units when a shard has not run`` () =
    let out = Path.Combine(tempFolder (), "partial")
    smokeRun out [ "--shard"; "0/2" ] |> ignore
    let r = cli [ "merge"; "--out"; out ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("5 of 10 units have no result yet", r.Err)

[<Fact>]
let ``shard indices come from Slurm and Kubernetes variables`` () =
    let env (pairs: (string * string) list) =
        fun name -> pairs |> List.tryFind (fst >> (=) name) |> Option.map snd |> Option.toObj
    let resolve spec count pairs = Wgan.Runner.Shards.Resolve(spec, count, env pairs)
    let slurm =
        resolve "auto" 0 [ "SLURM_ARRAY_TASK_ID", "7"; "SLURM_ARRAY_TASK_MIN", "5"; "SLURM_ARRAY_TASK_COUNT", "4" ]
    Assert.Equal((2, 4), (slurm.Index, slurm.Count))
    let k8s = resolve "auto" 3 [ "JOB_COMPLETION_INDEX", "1" ]
    Assert.Equal((1, 3), (k8s.Index, k8s.Count))
    let ex =
        Assert.Throws<Wgan.Runner.InputException>(fun () -> resolve "auto" 0 [ "JOB_COMPLETION_INDEX", "1" ] |> ignore)
    Assert.Contains("--shard-count", ex.Message)
    Assert.Throws<Wgan.Runner.InputException>(fun () -> resolve "3/3" 0 [] |> ignore) |> ignore
    // Round robin: shard 1 of 3 among 10 units.
    Assert.Equal<int seq>([ 1; 4; 7 ], Wgan.Runner.Shards.Units(Wgan.Experiments.ShardSpec(1, 3), 10))

[<Fact>]
let ``a published result is not overwritten without --force`` () =
    let out = Path.Combine(tempFolder (), "published")
    smokeRun out [ "--seeds"; "1" ] |> ignore
    let before = File.ReadAllText(Path.Combine(out, "parallel-lines", "result.json"))
    let again = cli [ "run"; manifestPath; "--scale"; "smoke"; "--seeds"; "1"; "--out"; out ]
    Assert.Equal(2, again.Exit)
    Assert.Contains("already holds a result; use --force", again.Err)
    Assert.Equal(before, File.ReadAllText(Path.Combine(out, "parallel-lines", "result.json")))
    smokeRun out [ "--seeds"; "1"; "--force" ] |> ignore

[<Fact>]
let ``an interrupted run is neither silently reused nor silently discarded`` () =
    let out = Path.Combine(tempFolder (), "interrupted")
    smokeRun out [ "--shard"; "0/2" ] |> ignore // leaves checkpoints, like an interrupted run
    let r = cli [ "run"; manifestPath; "--scale"; "smoke"; "--out"; out ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("use --resume to continue it or --force to start over", r.Err)
    let other = cli [ "run"; manifestPath; "--scale"; "smoke"; "--seeds"; "3"; "--out"; out; "--resume" ]
    Assert.Equal(2, other.Exit)
    Assert.Contains("--seeds 3 vs 0", other.Err)

[<Fact>]
let ``a second run on the same output waits for nobody: the lock refuses it`` () =
    let out = Path.Combine(tempFolder (), "locked")
    use _held = (Wgan.Runner.WorkFolder.For(out, "parallel-lines")).Lock("run")
    let r = cli [ "run"; manifestPath; "--scale"; "smoke"; "--out"; out; "--resume" ]
    Assert.Equal(2, r.Exit)
    Assert.Contains($"is being written by a run in progress (process {Environment.ProcessId})", r.Err)

[<Fact>]
let ``verify accepts a faithful result and reports a tampered metric`` () =
    let out = Path.Combine(tempFolder (), "verified")
    smokeRun out [] |> ignore
    let folder = Path.Combine(out, "parallel-lines")
    let ok = cli [ "verify"; folder ]
    Assert.True(ok.Exit = 0, ok.Out + ok.Err)
    Assert.Contains("verified", ok.Out)
    let path = Path.Combine(folder, "result.json")
    let root = JsonNode.Parse(File.ReadAllText path)
    root.["metrics"].[0].["values"].["em.slope"] <- JsonValue.Create 123.0
    File.WriteAllText(path, root.ToJsonString())
    let bad = cli [ "verify"; folder ]
    Assert.True(bad.Exit = 1, bad.Err)
    Assert.Contains("seed 1 em.slope: published 123", bad.Out)

[<Fact>]
let ``a diverging critic is a finding: the run completes and the report names the step`` () =
    let out = Path.Combine(tempFolder (), "diverged")
    let manifest =
        mutate (fun m ->
            // Unconstrained critic under SGD with learning rate 10: the loss E f(fake) - E f(real) is
            // unbounded below and the weights blow up within a few steps.
            m.["critic"].["constraint"] <- JsonNode.Parse """{"kind": "none"}"""
            m.["critic"].["optimizer"] <- JsonNode.Parse """{"kind": "sgd", "learningRate": 10}""")
    let path = writeFile (tempFolder ()) "diverging.json" manifest
    let r = cli [ "run"; path; "--scale"; "smoke"; "--seeds"; "2"; "--out"; out ]
    Assert.True(r.Exit = 0, r.Err)
    let report = File.ReadAllText(Path.Combine(out, "parallel-lines", "report.md"))
    Assert.Contains("Diverged (seed=1/theta=0): critic loss is NaN at step", report)
    Assert.Contains("inconclusive", r.Out)

[<Fact>]
let ``training curves go to TensorBoard event files`` () =
    let curve: Wgan.Experiments.Series =
        { Name = "training"
          Columns = [ "step"; "earth_mover"; "critic_loss" ]
          Rows = [ [| 0.0; 1.5; -1.5 |]; [| 10.0; 0.5; nan |] ] }
    let result: Wgan.Experiments.ExperimentResult =
        { ExperimentId = "e"; Title = "t"; Source = "s"; Scale = "smoke"; Seeds = [ 1L ]; Metrics = []; Claims = []
          Series = [ curve; { curve with Name = "not-a-curve"; Columns = [ "theta"; "x"; "y" ] } ]
          Figures = []
          ImageGrids = []
          Notes = [] }
    let folder = tempFolder ()
    // Three finite values in the step-indexed series; the NaN and the theta-indexed series are skipped.
    Assert.Equal(3, Wgan.Runner.TensorBoardExport.Write(result, folder))
    let events = Directory.GetFiles(folder, "events.out.tfevents.*", SearchOption.AllDirectories)
    Assert.Single(events) |> ignore
    let bytes = File.ReadAllText(events[0], Text.Encoding.Latin1)
    Assert.Contains("training/earth_mover", bytes)
    Assert.Contains("training/critic_loss", bytes)
    Assert.DoesNotContain("not-a-curve", bytes)

/// A unit record of the shape experiments measure, for the codec's tests.
type CodecSample =
    { Gap: float
      Missing: float
      PerLayer: float[]
      Data: string
      Diverged: Wgan.Experiments.Divergence option }

[<Fact>]
let ``unit results round-trip exactly through their checkpoint text`` () =
    let measured =
        { Gap = 0.1
          Missing = nan
          PerLayer = [| 1.0 / 3.0; infinity; -infinity; -0.0; 5e-324 |]
          Data = "file mnist-slice.bin, 200 digits \"quoted\""
          Diverged = Some { Quantity = "critic loss"; Value = nan; Step = 7 } }
    let r: Wgan.Experiments.UnitResult =
        { Key = "seed-1/wgan-gp"; Measured = Wgan.Experiments.UnitCodec.encode measured }
    let text = Wgan.Experiments.UnitStore.toJson r
    let read = Wgan.Experiments.UnitStore.ofJson text
    Assert.Equal("seed-1/wgan-gp", read.Key)
    Assert.Equal(text, Wgan.Experiments.UnitStore.toJson read)
    let back = Wgan.Experiments.UnitCodec.decode<CodecSample> read.Measured
    // Bit for bit, the sign of -0 and the smallest subnormal included.
    let bits = Array.map System.BitConverter.DoubleToInt64Bits
    Assert.Equal<int64[]>(bits measured.PerLayer, bits back.PerLayer)
    Assert.True(System.Double.IsNaN back.Missing)
    Assert.Equal(measured.Data, back.Data)
    Assert.Equal(7, back.Diverged.Value.Step)

[<Fact>]
let ``a unit record with a field missing, an unknown field or the wrong type is refused with its type named`` () =
    let good =
        Wgan.Experiments.UnitCodec.encode { Gap = 1.0; Missing = 2.0; PerLayer = [||]; Data = ""; Diverged = None }
    let refused (text: string) =
        let e =
            Assert.Throws<IO.InvalidDataException>(fun () ->
                Wgan.Experiments.UnitCodec.decode<CodecSample> text |> ignore)
        Assert.Contains("not a CodecSample unit result", e.Message)
        e.Message
    Assert.Contains("Gap", refused (good.Replace("\"Gap\":1,", "")))
    Assert.Contains("Extra", refused (good.Replace("{", "{\"Extra\":1,")))
    refused (good.Replace("\"Gap\":1", "\"Gap\":\"one\"")) |> ignore
    refused "null" |> ignore
    // The envelope itself: a key and an object.
    Assert.Throws<IO.InvalidDataException>(fun () -> Wgan.Experiments.UnitStore.ofJson """{"key":"k"}""" |> ignore)
    |> ignore
