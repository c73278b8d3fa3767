/// The WGAN and GAN-loss claim experiments (issue 4) at smoke scale: snapshots of their claims and rounded
/// metrics.
module Wgan.Tests.WganClaimsTests

open System
open System.IO
open Xunit
open Snapshooter.Xunit
open Wgan.Experiments

let private runSmoke (id: string) = TestSupport.runSmoke id

[<Fact>]
let ``vanishing-gradients smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (runSmoke "vanishing-gradients"))

[<Fact>]
let ``discriminator-vs-critic smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (runSmoke "discriminator-vs-critic"))

[<Fact>]
let ``momentum-instability smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (runSmoke "momentum-instability"))

[<Fact>]
let ``penalty-variants smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (runSmoke "penalty-variants"))
