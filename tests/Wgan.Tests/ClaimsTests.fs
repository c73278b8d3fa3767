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
