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
