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
    Assert.Equal("run 0/4 units (12%), 1 min 0 s elapsed, ~7 min 0 s left", RunProgress.Summary(TimeSpan.FromSeconds 60.0, 4, 0, 0.5, 0.5))
    // Nothing done here yet (a unit resumed at half-way has not moved): the estimate is unknown, not optimistic.
    Assert.Equal("run 0/4 units (12%), 10 s elapsed, ~unknown left", RunProgress.Summary(TimeSpan.FromSeconds 10.0, 4, 0, 0.5, 0.0))
    Assert.Equal("run 4/4 units (100%), 10 s elapsed, ~0 s left", RunProgress.Summary(TimeSpan.FromSeconds 10.0, 4, 4, 0.0, 4.0))

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
        work.WriteUnit(3, Wgan.Experiments.Experiment.scalarsOnly "k" [ "x", 1.0 ], 1.0)
        Assert.False(File.Exists(Path.Combine(work.Path, "unit-000003.progress")))
        Assert.Equal(0.0, work.ReadProgress 3)
    finally
        if Directory.Exists folder then Directory.Delete(folder, true)

[<Fact>]
let ``a resumed run pools the earlier sittings' time per unit with this process's`` () =
    // 15 units, 8 finished earlier in 4400 s of wall time (550 s a unit), nothing measured here yet: 7 units left.
    Assert.Equal("run 8/15 units (53%), 10 s elapsed, ~1 h 4 min left", RunProgress.Summary(TimeSpan.FromSeconds 10.0, 15, 8, 0.0, 0.0, 8.0, 4400.0))
    // Here a unit took 1000 s: (4400 + 1000) s over 9 units is 600 s a unit, for the 6 left.
    Assert.Equal("run 9/15 units (60%), 16 min 40 s elapsed, ~1 h 0 min left", RunProgress.Summary(TimeSpan.FromSeconds 1000.0, 15, 9, 0.0, 1.0, 8.0, 4400.0))
    // A run with no earlier sitting is estimated as before.
    Assert.Equal(RunProgress.Summary(TimeSpan.FromSeconds 60.0, 4, 0, 0.5, 0.5), RunProgress.Summary(TimeSpan.FromSeconds 60.0, 4, 0, 0.5, 0.5, 0.0, 0.0))

[<Fact>]
let ``earlier work counts finished units with a recorded time, over the workers that ran side by side`` () =
    let folder = Path.Combine(Path.GetTempPath(), $"wgan-earlier-{Guid.NewGuid():N}")
    try
        let work = WorkFolder.For(folder, "e")
        Directory.CreateDirectory(work.Path) |> ignore
        let unit = Wgan.Experiments.Experiment.scalarsOnly "k" [ "x", 1.0 ]
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
