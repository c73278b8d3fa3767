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
let ``meaningful-loss-curves smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (runSmoke "meaningful-loss-curves"))

[<Fact>]
let ``mode-coverage smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (runSmoke "mode-coverage"))
