/// The WGAN-GP Figure 1 experiment gradient-norms at smoke scale:
/// snapshots of their claims and rounded metrics, determinism, their figures, and manifest validation.
module Wgan.Tests.WganGpFigure1Tests

open System
open System.IO
open Xunit
open Snapshooter.Xunit
open Wgan.Experiments

let private manifestText (id: string) = TestSupport.manifestText id

let private plan (text: string) =
    let reading = Harness.ReadManifest text
    Assert.True(reading.IsValid, String.Join("\n", reading.Errors))
    reading.Experiment

let private runSmoke (id: string) (seeds: int) = TestSupport.runSmokeText (manifestText id) seeds

[<Fact>]
let ``gradient-norms smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (runSmoke "gradient-norms" 0))

[<Fact>]
let ``gradient-norms draws one curve per setting over the 12 layers`` () =
    let result = runSmoke "gradient-norms" 1
    let figure = result.Figures.Head
    Assert.Equal<string list>(
        [ "weight clipping c = 0.1"; "weight clipping c = 0.01"; "weight clipping c = 0.001"; "gradient penalty lambda = 10" ],
        figure.Lines |> List.map (fun l -> l.Label))
    for l in figure.Lines do
        Assert.Equal<float[]>(Array.init 12 (fun k -> float (k + 1)), l.X)
        Assert.True(l.Y |> Array.forall Double.IsFinite, $"{l.Label}: {l.Y}")

let private errorsOf (text: string) = (Harness.ReadManifest text).Errors |> List.ofArray

[<Fact>]
let ``gradient-norms setting ids must be unique`` () =
    let text = (manifestText "gradient-norms").Replace("\"id\": \"clip-0.01\"", "\"id\": \"clip-0.1\"")
    Assert.Contains("$.settings: setting ids must be unique", errorsOf text)

[<Fact>]
let ``gradient-norms is in the catalogue`` () =
    Assert.Contains("gradient-norms", Catalogue.all |> List.map (fun d -> d.Id))

/// Runs every unit of a smoke run (one seed) of a repository manifest killed after each checkpoint save and
/// resumed, and checks that each gives, bit for bit, the result of the same unit run straight through.
let private resumesExactly (id: string) (units: int list) (expectedKills: int) =
    TestSupport.pinThreads ()
    let run = (plan (manifestText id)).Plan("smoke", 1, "cpu", NoResources())
    for index in units do
        let resumed, kills = TestSupport.runKilledAfterEverySave run index
        Assert.Equal(expectedKills, kills)
        Assert.Equal(UnitStore.toJson (TestSupport.runStraight run index), UnitStore.toJson resumed)

[<Fact>]
let ``gradient-norms units killed after each checkpoint and resumed give the uninterrupted results`` () =
    // Smoke scale of experiments/gradient-norms.json: 5 generator iterations, a checkpoint after 2 and 4.
    resumesExactly "gradient-norms" [ 0 .. 3 ] 2
