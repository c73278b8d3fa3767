module Wgan.Tests.ClaimsTests

open Xunit
open Wgan.Experiments

let private spec comparison threshold =
    { Id = "c"; Source = "test"; Statement = "s"; Metric = "m"; Comparison = comparison; Threshold = threshold }

let private seeds (values: float list) =
    values |> List.mapi (fun i v -> { Seed = int64 i; Values = readOnlyDict [ "m", v ] })

[<Fact>]
let ``interval entirely above an at-least threshold is reproduced`` () =
    let r = Claims.evaluate (seeds [ 0.97; 0.98; 0.99 ]) (spec AtLeast 0.9)
    Assert.Equal(Reproduced, r.Verdict)
    Assert.Equal(3, r.SeedsAgreeing)

[<Fact>]
let ``interval entirely on the wrong side is not reproduced`` () =
    let r = Claims.evaluate (seeds [ 0.5; 0.52; 0.51 ]) (spec AtLeast 0.9)
    Assert.Equal(NotReproduced, r.Verdict)
    Assert.Equal(0, r.SeedsAgreeing)

[<Fact>]
let ``interval straddling the threshold is inconclusive even when the mean passes`` () =
    let r = Claims.evaluate (seeds [ 0.2; 1.5; 1.0 ]) (spec AtLeast 0.8)
    Assert.True(r.Mean >= 0.8)
    Assert.Equal(Inconclusive, r.Verdict)
    Assert.Equal(2, r.SeedsAgreeing)

[<Fact>]
let ``one seed is inconclusive and a missing metric is NaN`` () =
    Assert.Equal(Inconclusive, (Claims.evaluate (seeds [ 1.0 ]) (spec AtLeast 0.5)).Verdict)
    let missing = Claims.evaluate (seeds [ 1.0; 1.0 ]) { spec AtMost 0.5 with Metric = "absent" }
    Assert.Equal(Inconclusive, missing.Verdict)
    Assert.True(System.Double.IsNaN missing.Mean)

[<Fact>]
let ``at-most claims compare downwards`` () =
    Assert.Equal(Reproduced, (Claims.evaluate (seeds [ 0.01; 0.02; 0.015 ]) (spec AtMost 0.1)).Verdict)

[<Fact>]
let ``the seeds needed to decide follow the Student-t interval`` () =
    // Mean 1, sample sd 1, threshold 0: t(n-1) / sqrt n < 1 first holds at n = 7 (2.447 / 2.646 = 0.925;
    // at n = 6, 2.571 / 2.449 = 1.05).
    let xs = [| 0.0; 1.0; 2.0; 0.0; 1.0; 2.0 |] |> fun a -> let m = Array.average a in a |> Array.map (fun x -> x - m + 1.0)
    let sd = Statistics.standardDeviation xs
    let scaled = xs |> Array.map (fun x -> 1.0 + (x - 1.0) / sd)
    Assert.Equal(Some 7, Statistics.valuesToExclude 200 0.0 scaled)
    Assert.Equal(None, Statistics.valuesToExclude 5 0.0 scaled)
    Assert.Equal(None, Statistics.valuesToExclude 200 0.0 [| 1.0 |])

[<Fact>]
let ``a report says what would settle each claim that did not reproduce`` () =
    Assert.Equal(None, Claims.whatWouldSettle "quick" (Claims.evaluate (seeds [ 0.97; 0.98; 0.99 ]) (spec AtLeast 0.9)))
    let notReproduced = Claims.whatWouldSettle "quick" (Claims.evaluate (seeds [ 0.5; 0.52; 0.51 ]) (spec AtLeast 0.9))
    Assert.Contains("more seeds will not change the verdict", notReproduced.Value)
    Assert.Contains("--scale paper", notReproduced.Value)
    // Mean on the claimed side, wide interval: more seeds would decide.
    let wide = Claims.whatWouldSettle "quick" (Claims.evaluate (seeds [ 0.2; 1.5; 1.0 ]) (spec AtLeast 0.8))
    Assert.Contains("on the claimed side", wide.Value)
    Assert.Contains("--seeds", wide.Value)
    let diverged = Claims.whatWouldSettle "quick" (Claims.evaluate (seeds [ nan; 1.5; 1.0 ]) (spec AtLeast 0.8))
    Assert.Contains("1 of 3 seeds gave no value", diverged.Value)
