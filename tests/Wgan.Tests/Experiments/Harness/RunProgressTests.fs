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
