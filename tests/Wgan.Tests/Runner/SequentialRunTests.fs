/// `run --until-decided` end to end: the command line's rules, the looks in result.json, units reused across looks
/// and after a kill.
module Wgan.Tests.SequentialRunTests

open System
open System.Diagnostics
open System.IO
open System.Text.Json.Nodes
open Xunit
open Wgan.Tests.ManifestTests
open Wgan.Tests.CliTests

[<Fact>]
let ``--until-decided rejects what it cannot combine with`` () =
    for extra, expected in
        [ [ "--until-decided"; "--shard"; "0/2" ], "--until-decided and --shard do not combine"
          [ "--until-decided"; "--jobs"; "2" ], "--jobs is not supported with it"
          [ "--max-seeds"; "10" ], "--max-seeds goes with --until-decided"
          [ "--until-decided"; "--max-seeds"; "1" ], "--max-seeds must be at least 2 and at most 1000 (found 1)"
          [ "--until-decided"; "--seeds"; "8"; "--max-seeds"; "6" ],
          "--seeds 8 (the first look of --until-decided) exceeds --max-seeds 6" ] do
        let out = tempFolder ()
        let r = cli ([ "run"; manifestPath; "--scale"; "smoke"; "--out"; out ] @ extra)
        Assert.True(r.Exit = 2, $"exit {r.Exit} for {extra}: {r.Err}")
        Assert.Contains(expected, r.Err)
        Assert.Empty(Directory.EnumerateFileSystemEntries out)
    // The first look (the smoke scale's 2 seeds) must fit under --max-seeds: found only when the manifest is read.
    let r =
        cli [ "run"; manifestPath; "--scale"; "quick"; "--out"; tempFolder (); "--until-decided"; "--max-seeds"; "4" ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("--max-seeds 4 is below the first look's 10 seeds", r.Err)

let private sequentialArgs (out: string) =
    [ "run"; manifestPath; "--scale"; "smoke"; "--out"; out; "--until-decided"; "--max-seeds"; "6" ]

/// The uninterrupted sequential smoke run of parallel-lines (looks at 2, 4, 6 seeds), computed once.
let private reference =
    lazy
        let out = Path.Combine(tempFolder (), "sequential")
        let r = cli (sequentialArgs out)
        Assert.True(r.Exit = 0, $"exit {r.Exit}: {r.Err}")
        out, r

[<Fact>]
let ``a sequential run records its looks and judges each look on the units of its seeds`` () =
    let out, r = reference.Value
    let root = JsonNode.Parse(File.ReadAllText(Path.Combine(out, "parallel-lines", "result.json"))).AsObject()
    let sequential = root["sequential"].AsObject()
    Assert.Equal("[2,4,6]", sequential["plannedLooks"].ToJsonString())
    let looks = sequential["looks"].AsArray()
    let seeds = root["seeds"].AsArray().Count
    let lastLook = looks[looks.Count - 1]
    Assert.Equal(seeds, lastLook["seeds"].GetValue<int>())
    Assert.Equal(seeds, sequential["seeds"].GetValue<int>())
    let stopped = sequential["stopped"].GetValue<string>()
    Assert.True(List.contains stopped [ "all-decided"; "futility"; "maximum-seeds" ], stopped)
    for i, look in Seq.indexed looks do
        Assert.Equal(2 * (i + 1), look["seeds"].GetValue<int>())
        Assert.Equal(6, look["claims"].AsArray().Count) // experiments/parallel-lines.json has 6 claims
    // Each look ran only the units it added: 5 thetas per seed at the smoke scale.
    Assert.Contains("look 1 of at most 3: 2 seeds (0 of 10 units done)", r.Err)
    if looks.Count > 1 then Assert.Contains("look 2 of at most 3: 4 seeds (10 of 20 units done)", r.Err)
    let report = File.ReadAllText(Path.Combine(out, "parallel-lines", "report.md"))
    Assert.Contains("## Sequential looks", report)
    Assert.Contains("- Look 1, 2 seeds, 33.33% of the error rate: ", report)
    // The stopping look's metrics are those of a run judged once with as many seeds.
    let plain = tempFolder ()
    let once = cli [ "run"; manifestPath; "--scale"; "smoke"; "--out"; plain; "--seeds"; string seeds ]
    Assert.True(once.Exit = 0, once.Err)
    let plainRoot = JsonNode.Parse(File.ReadAllText(Path.Combine(plain, "parallel-lines", "result.json"))).AsObject()
    Assert.Equal(plainRoot["metrics"].ToJsonString(), root["metrics"].ToJsonString())
    Assert.Null(plainRoot["sequential"])
    Assert.False(Directory.Exists(Path.Combine(out, ".work")), "checkpoints are removed once the result is published")

[<Fact>]
let ``a sequential result is re-judged and verified look by look, as its run judged it`` () =
    let out, _ = reference.Value
    let folder = Path.Combine(tempFolder (), "parallel-lines")
    Wgan.Tests.IntegrityTests.copyTree (Path.Combine(out, "parallel-lines")) folder
    let check = cli [ "rejudge"; folder; "--check" ]
    Assert.True(check.Exit = 0, check.Out + check.Err)
    Assert.Contains("as published; no verdict changes", check.Out)
    let verify = cli [ "verify"; folder ]
    Assert.True(verify.Exit = 0, verify.Out + verify.Err)
    Assert.Contains("verified", verify.Out)

[<Fact>]
let ``a sequential run killed during its second look resumes with its finished seeds`` () =
    let refOut, _ = reference.Value
    let out = Path.Combine(tempFolder (), "killed")
    let wgan = Path.Combine(AppContext.BaseDirectory, "wgan.dll")
    let arguments = [ "exec"; wgan ] @ sequentialArgs out
    let start = ProcessStartInfo("dotnet", arguments, RedirectStandardError = true, RedirectStandardOutput = true)
    use p = Process.Start start
    p.BeginOutputReadLine()
    // Killed (SIGKILL) as soon as it says that the second look starts: the first look's units are all done.
    let mutable killed = false
    p.ErrorDataReceived.Add(fun e ->
        if not (isNull e.Data) && e.Data.Contains "look 2 of at most 3: 4 seeds" && not p.HasExited then
            p.Kill()
            killed <- true)
    p.BeginErrorReadLine()
    p.WaitForExit()
    Assert.True(killed, "the run ended before its second look, or stopped after its first")
    Assert.False(Directory.Exists(Path.Combine(out, "parallel-lines")), "a killed run publishes nothing")
    let resumed = cli (sequentialArgs out @ [ "--resume" ])
    Assert.True(resumed.Exit = 0, resumed.Err)
    Assert.Contains("look 1 of at most 3: 2 seeds (10 of 10 units done)", resumed.Err)
    Assert.Contains("(from checkpoint)", resumed.Err)
    Assert.Equal(
        Wgan.Tests.ReliabilityTests.comparable (Path.Combine(refOut, "parallel-lines")),
        Wgan.Tests.ReliabilityTests.comparable (Path.Combine(out, "parallel-lines")))
