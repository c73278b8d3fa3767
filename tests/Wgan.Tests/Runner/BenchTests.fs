/// The benchmark's analytic FLOP counts and its command (speed itself is measured by `wgan bench`, not here).
module Wgan.Tests.BenchTests

open System.IO
open Xunit
open Wgan.Experiments
open Wgan.Tests.CliTests

[<Fact>]
let ``the toy WGAN-GP iteration needs about 16.2 GFLOP`` () =
    // Issue 7's figure for gan_toy.py (2 -> 3 x 512 -> 2/1, batch 256, 5 critic steps): about 16.2 GFLOP per
    // generator iteration, the ReLU second-derivative path of the double backward being zero.
    let gflop = Benchmarks.wganFlopsPerIteration [ 2; 512; 512; 512; 2 ] [ 2; 512; 512; 512; 1 ] 256 5 true / 1e9
    Assert.InRange(gflop, 16.1, 16.25)

[<Fact>]
let ``multiply-adds of an MLP sum its layers`` () =
    // 2*3 + 3*4 + 4*1 = 22 by hand.
    Assert.Equal(22.0, Benchmarks.multiplyAdds [ 2; 3; 4; 1 ])

[<Fact>]
let ``bench writes its table`` () =
    TestSupport.pinThreads ()
    let out = Path.Combine(tempFolder (), "benchmarks.md")
    let r = cli [ "bench"; "--iterations"; "1"; "--threads"; "1"; "--only"; "toy-wgan-clip"; "--out"; out ]
    Assert.True(r.Exit = 0, r.Err)
    let table = File.ReadAllText out
    Assert.Contains("| toy-wgan-clip | 1 |", table)
    Assert.Contains("gen it/s", table)
    Assert.Contains("page faults/it", table)
    Assert.Equal(2, (cli [ "bench"; "--only"; "no-such-configuration" ]).Exit)

[<Fact>]
let ``bench repeats report their run count and the ratio's range`` () =
    TestSupport.pinThreads ()
    let out = Path.Combine(tempFolder (), "benchmarks.md")
    let r =
        cli [ "bench"; "--iterations"; "1"; "--threads"; "1"; "--only"; "toy-wgan-clip"; "--repeat"; "2"; "--out"; out ]
    Assert.True(r.Exit = 0, r.Err)
    // configuration | threads | iterations | runs | ...
    Assert.Contains("| toy-wgan-clip | 1 | 1 | 2 |", File.ReadAllText out)
    Assert.Contains("round 2 of 2", r.Err)
    let bad = cli [ "bench"; "--repeat"; "0" ]
    Assert.Equal(2, bad.Exit)
    Assert.Contains("--repeat must be at least 1", bad.Err)

[<Fact>]
let ``a row takes medians, pairs each ratio with its own round's peak and keeps the worst memory figures`` () =
    let timing (rate: float) (gflops: float) (peak: float) (memory: float) =
        Wgan.Runner.Bench.Timing(rate, gflops, peak, memory, memory / 100.0, memory / 10.0)
    // Ratios 0.5, 0.8 and 0.7: median 0.7, although median GFLOP/s over median peak is 80 / 100 = 0.8.
    let timings = [| timing 5.0 50.0 100.0 300.0; timing 6.0 80.0 100.0 500.0; timing 7.0 84.0 120.0 400.0 |]
    let row = Wgan.Runner.Bench.Row.Of("c", 2, 10, 16.0, timings)
    Assert.Equal(3, row.Runs)
    Assert.Equal(6.0, row.IterationsPerSecond)
    Assert.Equal(80.0, row.Gflops)
    Assert.Equal(100.0, row.PeakGflops)
    Assert.Equal(0.7, row.Ratio, 12)
    Assert.Equal(0.5, row.RatioLow, 12)
    Assert.Equal(0.8, row.RatioHigh, 12)
    Assert.Equal("50-80 %", row.RatioRange)
    Assert.Equal(500.0, row.PeakMemoryMiB)
    Assert.Equal(5.0, row.MemoryGrowthMiB)
    Assert.Equal(50.0, row.PageFaultsPerIteration)

[<Fact>]
let ``bench refuses --memory-of without --memory-steps, and an unknown configuration for it`` () =
    // --only no-such-configuration: were the options accepted, nothing would be measured either.
    for name in [ "toy-wgan-gp"; "nosuch" ] do
        let alone = cli [ "bench"; "--memory-of"; name; "--only"; "no-such-configuration" ]
        Assert.Equal(2, alone.Exit)
        Assert.Contains("--memory-of names the configuration of the memory run", alone.Err)
    let out = Path.Combine(tempFolder (), "b.md")
    let unknown = cli [ "bench"; "--memory-of"; "nosuch"; "--memory-steps"; "10"; "--out"; out ]
    Assert.Equal(2, unknown.Exit)
    Assert.Contains("unknown configuration(s) nosuch", unknown.Err)
