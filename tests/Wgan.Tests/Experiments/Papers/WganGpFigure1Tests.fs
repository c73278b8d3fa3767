/// The WGAN-GP Figure 1 experiments (capacity-underuse, gradient-norms, weight-histograms) at smoke scale:
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
let ``capacity-underuse smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (runSmoke "capacity-underuse" 0))

[<Fact>]
let ``gradient-norms smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (runSmoke "gradient-norms" 0))

[<Fact>]
let ``weight-histograms smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (runSmoke "weight-histograms" 0))

[<Fact>]
let ``capacity-underuse draws a value surface with real and generated samples per data set and critic`` () =
    let result = runSmoke "capacity-underuse" 1
    Assert.Equal<string list>(
        [ for d in [ "8gaussians"; "25gaussians"; "swissroll" ] do for k in [ "optimal"; "clip"; "gp" ] -> $"surface-{d}-{k}" ],
        result.Figures |> List.map (fun f -> f.Name))
    for f in result.Figures do
        let surface = Assert.Single(f.Surfaces)
        // smoke scale of experiments/capacity-underuse.json: a 24 x 24 grid over [-3, 3]^2, 128 plotted samples.
        Assert.Equal(24, Array2D.length1 surface.Values)
        Assert.Equal(24, Array2D.length2 surface.Values)
        Assert.Equal((-3.0, 3.0), (surface.XMin, surface.XMax))
        Assert.Equal<string list>([ "real (Pr)"; "generated (Pr + N(0, 1^2 I))" ], f.Points |> List.map (fun p -> p.Label))
        for p in f.Points do Assert.Equal(128, p.X.Length)

[<Fact>]
let ``weight-histograms draws one histogram per constraint`` () =
    let result = runSmoke "weight-histograms" 1
    Assert.Equal<string list>([ "weights-clipping"; "weights-gradient-penalty" ], result.Figures |> List.map (fun f -> f.Name))
    for f in result.Figures do
        let h = Assert.Single(f.Histograms)
        // smoke scale: a 12-layer critic of width 16, 2 -> 16 -> ... -> 16 -> 1: 2*16 + 11*16*16 + 16 = 2864
        // weights; histogramBins = 80 in the manifest.
        Assert.Equal(80, h.Counts.Length)
        Assert.Equal(2864.0, Array.sum h.Counts)

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
let ``a capacity-underuse manifest whose clipped critic uses a penalty is rejected at its path`` () =
    let text = (manifestText "capacity-underuse").Replace("\"kind\": \"weight-clipping\", \"bound\": 0.01, \"timing\": \"after-step\"", "\"kind\": \"gradient-penalty\", \"lambda\": 10, \"sides\": \"two-sided\"")
    Assert.Contains("$.clippedCritic.constraint: must be a weight-clipping constraint", errorsOf text)

[<Fact>]
let ``a claim on a metric of a data set the manifest does not list is rejected`` () =
    let text = (manifestText "capacity-underuse").Replace("\"datasets\": [\"8gaussians\", \"25gaussians\", \"swissroll\"]", "\"datasets\": [\"8gaussians\", \"swissroll\"]")
    let errors = errorsOf text
    Assert.Contains(errors, fun e -> e.StartsWith "$.claims[1].metric: must be a metric this experiment measures")
    Assert.Contains(errors, fun e -> e.StartsWith "$.claims[4].metric: must be a metric this experiment measures")
    // Their controls (25gaussians.radial.capturedFraction, 25gaussians.radialGap) are rejected likewise.
    Assert.Contains(errors, fun e -> e.StartsWith "$.claims[1].control.metric: must be a metric this experiment measures")
    Assert.Contains(errors, fun e -> e.StartsWith "$.claims[4].control.metric: must be a metric this experiment measures")
    // So are the 25 Gaussians' structure claims (7 and 10) and their controls.
    for i in [ 7; 10 ] do
        Assert.Contains(errors, fun e -> e.StartsWith $"$.claims[{i}].metric: must be a metric this experiment measures")
        Assert.Contains(errors, fun e -> e.StartsWith $"$.claims[{i}].control.metric: must be a metric this experiment measures")
    Assert.Equal(8, errors.Length)

[<Fact>]
let ``gradient-norms setting ids must be unique`` () =
    let text = (manifestText "gradient-norms").Replace("\"id\": \"clip-0.01\"", "\"id\": \"clip-0.1\"")
    Assert.Contains("$.settings: setting ids must be unique", errorsOf text)

[<Fact>]
let ``the three experiments are in the catalogue`` () =
    let ids = Catalogue.all |> List.map (fun d -> d.Id)
    for id in [ "capacity-underuse"; "gradient-norms"; "weight-histograms" ] do
        Assert.Contains(id, ids)

/// Runs every unit of a smoke run (one seed) killed after each checkpoint save and resumed, and checks that
/// each gives, bit for bit, the result of the same unit run straight through.
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

[<Fact>]
let ``a capacity-underuse unit killed after each checkpoint and resumed gives the uninterrupted result`` () =
    // Smoke scale of experiments/capacity-underuse.json: 3 x 40 critic steps (clipped, penalised, replicate), a
    // checkpoint every 20 before the last step: after steps 20, 40, 60, 80 and 100.
    resumesExactly "capacity-underuse" [ 0 ] 5
