/// The run's progress display in its plain form (standard error redirected: CI, Slurm logs).
module Wgan.Tests.RunProgressTests

open System
open System.IO
open Xunit
open Wgan.Runner

[<Fact>]
let ``plain progress names the run's size at once and gives the whole run's totals on every line`` () =
    use writer = new StringWriter()
    (use progress = new RunProgress([| struct ("a", 2); struct ("b", 3) |], [| 0; 1 |], writer)
     progress.Report(0, 1, "seed 1", 1)
     progress.Report(0, 2, "seed 2", 1)
     progress.Report(1, 3, "seed 3", 1))
    let lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
    // 2 + 3 units, 1 of b's already done (a resumed run).
    Assert.Equal("[run] 2 experiment(s), 5 units, 1 already done", lines[0])
    // Lines come at most once a second except the last, which always says the run is complete.
    Assert.StartsWith("[b] 3/3 seed 3; run 5/5 units (100%), ", lines[lines.Length - 1])
    Assert.EndsWith("~0 s left", lines[lines.Length - 1])

[<Fact>]
let ``durations read as seconds, minutes or hours`` () =
    Assert.Equal("42 s", RunProgress.Duration(TimeSpan.FromSeconds 42.0))
    Assert.Equal("3 min 5 s", RunProgress.Duration(TimeSpan.FromSeconds 185.0))
    Assert.Equal("1 h 2 min", RunProgress.Duration(TimeSpan.FromMinutes 62.0))

[<Fact>]
let ``a string writer is never taken for a terminal`` () =
    Assert.False(RunProgress.IsTerminal(new StringWriter()))

[<Fact>]
let ``the time left comes from the work done here, finished units and fractions of running ones alike`` () =
    // 4 units, none finished, half of one done in 60 s: 3.5 units' worth left at 120 s a unit.
    Assert.Equal(
        "run 0/4 units (12%), 1 min 0 s elapsed, ~7 min 0 s left",
        RunProgress.Summary(TimeSpan.FromSeconds 60.0, 4, 0, 0.5, 0.5))
    // Nothing done here yet (a unit resumed at half-way has not moved): the estimate is unknown, not optimistic.
    Assert.Equal(
        "run 0/4 units (12%), 10 s elapsed, ~unknown left",
        RunProgress.Summary(TimeSpan.FromSeconds 10.0, 4, 0, 0.5, 0.0))
    Assert.Equal(
        "run 4/4 units (100%), 10 s elapsed, ~0 s left", RunProgress.Summary(TimeSpan.FromSeconds 10.0, 4, 4, 0.0, 4.0))

[<Fact>]
let ``a running unit's fraction counts from the first one heard, so resumed work is not taken as done here`` () =
    use writer = new StringWriter()
    (use progress = new RunProgress([| struct ("a", 4) |], [| 0 |], writer)
     // The first line of a worker run: a unit resumed from a checkpoint at half-way.
     progress.ReportRun([| 0 |], [| struct ("a/seed-1", 0.5) |]))
    let lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
    Assert.StartsWith("[run] run 0/4 units (12%), ", lines[1])
    Assert.EndsWith("~unknown left", lines[1])

[<Fact>]
let ``a unit's progress is passed on at once and then at most once per interval`` () =
    let passed = ResizeArray<float>()
    let report = Wgan.Runner.RunExperiments.Throttled(Action<float>(passed.Add), TimeSpan.FromHours 1.0)
    for f in [ 0.1; 0.2; 0.3 ] do report.Invoke f
    Assert.Equal<float list>([ 0.1 ], List.ofSeq passed)
    let every = Wgan.Runner.RunExperiments.Throttled(Action<float>(passed.Add), TimeSpan.Zero)
    for f in [ 0.4; 0.5 ] do every.Invoke f
    Assert.Equal<float list>([ 0.1; 0.4; 0.5 ], List.ofSeq passed)

[<Fact>]
let ``a unit's progress file reads back clamped, and as 0 when missing or unreadable; a finished unit drops it`` () =
    let folder = Path.Combine(Path.GetTempPath(), $"wgan-progress-{Guid.NewGuid():N}")
    try
        let work = WorkFolder.For(folder, "e")
        Directory.CreateDirectory(work.Path) |> ignore
        Assert.Equal(0.0, work.ReadProgress 3)
        work.WriteProgress(3, 0.25)
        Assert.Equal(0.25, work.ReadProgress 3)
        work.WriteProgress(3, 7.0)
        Assert.Equal(1.0, work.ReadProgress 3)
        File.WriteAllText(Path.Combine(work.Path, "unit-000003.progress"), "not a number")
        Assert.Equal(0.0, work.ReadProgress 3)
        work.WriteProgress(3, 0.5)
        work.WriteUnit(3, ({ Key = "k"; Measured = "{}" }: Wgan.Experiments.UnitResult), 1.0)
        Assert.False(File.Exists(Path.Combine(work.Path, "unit-000003.progress")))
        Assert.Equal(0.0, work.ReadProgress 3)
    finally
        if Directory.Exists folder then Directory.Delete(folder, true)

[<Fact>]
let ``a unit's time to its saved state is kept with the state and dropped with it`` () =
    let folder = Path.Combine(Path.GetTempPath(), $"wgan-elapsed-{Guid.NewGuid():N}")
    try
        let work = WorkFolder.For(folder, "e")
        Directory.CreateDirectory(work.Path) |> ignore
        Assert.Equal(0.0, work.ElapsedBefore 2)
        work.WriteState(2, "k", [| 1uy; 2uy |], 125.5)
        Assert.Equal(125.5, work.ElapsedBefore 2)
        // A later save replaces it; a time without its state (the state deleted to recompute) does not count.
        work.WriteState(2, "k", [| 3uy |], 250.0)
        Assert.Equal(250.0, work.ElapsedBefore 2)
        File.Delete(work.StateFileOf 2)
        Assert.Equal(0.0, work.ElapsedBefore 2)
        work.WriteState(2, "k", [| 3uy |], 260.0)
        work.WriteUnit(2, ({ Key = "k"; Measured = "{}" }: Wgan.Experiments.UnitResult), 300.0)
        Assert.Empty(Directory.GetFiles(work.Path, "unit-000002.elapsed"))
        Assert.Equal(0.0, work.ElapsedBefore 2)
        Assert.Equal(300.0, work.UnitSeconds 2)
    finally
        if Directory.Exists folder then Directory.Delete(folder, true)

[<Fact>]
let ``a resumed run pools the earlier sittings' time per unit with this process's`` () =
    // 15 units, 8 finished earlier in 4400 s of wall time (550 s a unit), nothing measured here yet: 7 units left.
    Assert.Equal(
        "run 8/15 units (53%), 10 s elapsed, ~1 h 4 min left",
        RunProgress.Summary(TimeSpan.FromSeconds 10.0, 15, 8, 0.0, 0.0, 8.0, 4400.0))
    // Here a unit took 1000 s: (4400 + 1000) s over 9 units is 600 s a unit, for the 6 left.
    Assert.Equal(
        "run 9/15 units (60%), 16 min 40 s elapsed, ~1 h 0 min left",
        RunProgress.Summary(TimeSpan.FromSeconds 1000.0, 15, 9, 0.0, 1.0, 8.0, 4400.0))
    // A run with no earlier sitting is estimated as before.
    Assert.Equal(
        RunProgress.Summary(TimeSpan.FromSeconds 60.0, 4, 0, 0.5, 0.5),
        RunProgress.Summary(TimeSpan.FromSeconds 60.0, 4, 0, 0.5, 0.5, 0.0, 0.0))

[<Fact>]
let ``earlier work counts finished units with a recorded time, over the workers that ran side by side`` () =
    let folder = Path.Combine(Path.GetTempPath(), $"wgan-earlier-{Guid.NewGuid():N}")
    try
        let work = WorkFolder.For(folder, "e")
        Directory.CreateDirectory(work.Path) |> ignore
        let unit = ({ Key = "k"; Measured = "{}" }: Wgan.Experiments.UnitResult)
        work.WriteUnit(0, unit, 300.0)
        work.WriteUnit(2, unit, 500.0)
        // A unit without a recorded time (its seconds file lost) is not counted; unit 1 is not finished.
        work.WriteUnit(3, unit, 700.0)
        File.Delete(Path.Combine(work.Path, "unit-000003.seconds"))
        work.WriteProgress(1, 0.5)
        let struct (units, seconds) = RunExperiments.EarlierWork([ struct (work, [| 0; 1; 2; 3 |]) ], 2)
        Assert.Equal(2.0, units)
        Assert.Equal(400.0, seconds)
        // Only the units asked about (a shard's own) count.
        let struct (units, seconds) = RunExperiments.EarlierWork([ struct (work, [| 2 |]) ], 1)
        Assert.Equal(1.0, units)
        Assert.Equal(500.0, seconds)
    finally
        if Directory.Exists folder then Directory.Delete(folder, true)

// ---- The estimate seeded from the previous publication's time per unit. ----

/// An experiment's share of a run: units, finished, in progress, done here, published wall seconds per unit.
let share units finished inProgress here prior = RunProgress.Share(units, finished, inProgress, here, prior)

[<Fact>]
let ``with published times per unit the estimate is right before anything is measured`` () =
    // a: 10 units at 30 s each, b: 5 units at 120 s each: 10 * 30 + 5 * 120 = 900 s at the start.
    let start = [| share 10 0 0.0 0.0 30.0; share 5 0 0.0 0.0 120.0 |]
    Assert.True(RunProgress.FromPublication start)
    Assert.Equal(Nullable 900.0, RunProgress.SecondsLeft(TimeSpan.Zero, start))
    Assert.Equal("run 0/15 units (0%), 0 s elapsed, ~15 min 0 s left", RunProgress.Summary(TimeSpan.Zero, start))
    // Without them the same run's estimate is unknown until some work is measured.
    Assert.Equal("run 0/15 units (0%), 0 s elapsed, ~unknown left", RunProgress.Summary(TimeSpan.Zero, 15, 0, 0.0, 0.0))

[<Fact>]
let ``the published estimate is scaled by this run's pace, the publication weighing as a minute of work`` () =
    // 4 units of a (4 * 30 = 120 published seconds) in 120 s: the publication's pace, factor (120 + 60) / (120 + 60)
    // = 1; left 6 * 30 + 5 * 120 = 780 s.
    let samePace = [| share 10 4 0.0 4.0 30.0; share 5 0 0.0 0.0 120.0 |]
    Assert.Equal(Nullable 780.0, RunProgress.SecondsLeft(TimeSpan.FromSeconds 120.0, samePace))
    // 2 units of a (60 published seconds) in 120 s, half the publication's pace: factor (120 + 60) / (60 + 60) = 1.5;
    // left 8 * 30 + 5 * 120 = 840 s, times 1.5 = 1260 s.
    let halfPace = [| share 10 2 0.0 2.0 30.0; share 5 0 0.0 0.0 120.0 |]
    Assert.Equal(Nullable 1260.0, RunProgress.SecondsLeft(TimeSpan.FromSeconds 120.0, halfPace))
    Assert.Equal(
        "run 2/15 units (13%), 2 min 0 s elapsed, ~21 min 0 s left",
        RunProgress.Summary(TimeSpan.FromSeconds 120.0, halfPace))
    // Much later the measurement dominates: 20 units of a's worth (600 published s) in 1200 s: factor 1260 / 660.
    let later = [| share 40 20 0.0 20.0 30.0 |]
    Assert.Equal(20.0 * 30.0 * 1260.0 / 660.0, RunProgress.SecondsLeft(TimeSpan.FromSeconds 1200.0, later).Value, 9)

[<Fact>]
let ``units in progress and units finished before count in the published estimate by their fraction`` () =
    // b: 1 of 5 finished by an earlier sitting, one at half-way (0.25 of it done here): left 3.5 * 120 = 420 s;
    // done here 0.25 * 120 = 30 published s in 30 s, factor (30 + 60) / (30 + 60) = 1.
    let resumed = [| share 5 1 0.5 0.25 120.0 |]
    Assert.Equal(Nullable 420.0, RunProgress.SecondsLeft(TimeSpan.FromSeconds 30.0, resumed))

[<Fact>]
let ``an experiment with units left and no published time makes the estimate the measured one`` () =
    // b has no publication: the estimate is the rate of this run's own work, 60 s for half a unit, over 14.5 units.
    let mixed = [| share 10 0 0.5 0.5 30.0; share 5 0 0.0 0.0 0.0 |]
    Assert.False(RunProgress.FromPublication mixed)
    Assert.Equal(Nullable(60.0 / 0.5 * 14.5), RunProgress.SecondsLeft(TimeSpan.FromSeconds 60.0, mixed))
    // Once b is finished, the units left all have a published time again: 10 - 0.5 = 9.5 units at 30 s, factor
    // (60 + 60) / (0.5 * 30 + 60) = 1.6.
    let bDone = [| share 10 0 0.5 0.5 30.0; share 5 5 0.0 5.0 0.0 |]
    Assert.True(RunProgress.FromPublication bDone)
    Assert.Equal(9.5 * 30.0 * 1.6, RunProgress.SecondsLeft(TimeSpan.FromSeconds 60.0, bDone).Value, 9)

[<Fact>]
let ``plain progress states the published estimate on its first line`` () =
    use writer = new StringWriter()
    let experiments = [| struct ("a", 10); struct ("b", 5) |]
    (new RunProgress(experiments, [| 0; 0 |], writer, 0.0, 0.0, [| 30.0; 120.0 |])).Dispose()
    let first = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[0]
    // 10 * 30 + 5 * 120 = 900 s.
    Assert.Equal(
        "[run] 2 experiment(s), 15 units, 0 already done; ~15 min 0 s at the previous publication's time per unit",
        first)

[<Fact>]
let ``an absurd published time gives an absurd estimate, not a crash`` () =
    Assert.Equal(
        "run 0/1 units (0%), 0 s elapsed, ~more than 30 years left",
        RunProgress.Summary(TimeSpan.Zero, [| share 1 0 0.0 0.0 1e300 |]))

/// A result.json as `run` publishes it, reduced to what the estimate reads.
let publishedResult (folder: string) (scale: string) (seeds: string) (manifest: string) (computeSeconds: string) =
    let dir = Path.Combine(folder, "parallel-lines")
    Directory.CreateDirectory dir |> ignore
    File.WriteAllText(
        Path.Combine(dir, "result.json"),
        $"""{{"experiment": "parallel-lines", "scale": "{scale}", "seeds": {seeds}, "manifest": {manifest},
             "environment": {{"threads": 1, "computeSeconds": {computeSeconds}}}}}""")

[<Fact>]
let ``the published time per unit is read only from a result of the same manifest's work, scale and seeds`` () =
    let text = Wgan.Tests.ManifestTests.goodManifest ()
    let loaded = RunExperiments.LoadedManifest("m.json", text, Wgan.Experiments.Harness.ReadManifest(text).Experiment)
    let perUnit scale seeds manifest seconds =
        let folder = Path.Combine(Path.GetTempPath(), $"wgan-published-{Guid.NewGuid():N}")
        try
            publishedResult folder scale seeds manifest seconds
            PublishedCost.SecondsPerUnit(folder, loaded, "smoke", [| 1L; 2L |], 10)
        finally
            Directory.Delete(folder, true)
    // 300 s of compute over the run's 10 units.
    Assert.Equal(30.0, perUnit "smoke" "[1, 2]" text "300")
    Assert.Equal(0.0, perUnit "quick" "[1, 2]" text "300")
    Assert.Equal(0.0, perUnit "smoke" "[1, 2, 3]" text "300")
    Assert.Equal(0.0, perUnit "smoke" "[1, 2]" (text.Replace("\"thetaMax\": 1.0", "\"thetaMax\": 2.0")) "300")
    // Claims and the verify tolerance change no unit's work: a publication before a claim was redefined counts.
    let withoutClaims =
        let node = System.Text.Json.Nodes.JsonNode.Parse(text).AsObject()
        node.Remove "claims" |> ignore
        node.["verifyTolerance"] <- System.Text.Json.Nodes.JsonValue.Create 0.5
        node.ToJsonString()
    Assert.Equal(30.0, perUnit "smoke" "[1, 2]" withoutClaims "300")
    for bad in [ "0"; "-5"; "\"300\""; "null" ] do
        Assert.Equal(0.0, perUnit "smoke" "[1, 2]" text bad)
    // No result, or one that is not JSON: no published time, and no error (it is for display only).
    let empty = Path.Combine(Path.GetTempPath(), $"wgan-published-{Guid.NewGuid():N}")
    Assert.Equal(0.0, PublishedCost.SecondsPerUnit(empty, loaded, "smoke", [| 1L; 2L |], 10))
    Directory.CreateDirectory(Path.Combine(empty, "parallel-lines")) |> ignore
    File.WriteAllText(Path.Combine(empty, "parallel-lines", "result.json"), "{ not json")
    Assert.Equal(0.0, PublishedCost.SecondsPerUnit(empty, loaded, "smoke", [| 1L; 2L |], 10))
    Directory.Delete(empty, true)

[<Fact>]
let ``a run over a published result starts from its time per unit`` () =
    let out = Path.Combine(Wgan.Tests.CliTests.tempFolder (), "out")
    let first = Wgan.Tests.ReliabilityTests.smokeRun out [ "--seeds"; "1" ]
    Assert.DoesNotContain("previous publication", first.Err)
    let again = Wgan.Tests.ReliabilityTests.smokeRun out [ "--seeds"; "1"; "--force" ]
    Assert.Contains("already done; ~", again.Err)
    Assert.Contains("at the previous publication's time per unit", again.Err)
