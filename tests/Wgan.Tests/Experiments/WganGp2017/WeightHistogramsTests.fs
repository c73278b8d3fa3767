/// weight-histograms (WGAN-GP Figure 1b, right): the smoke-scale snapshot of its claims and metrics, its histograms,
/// the weight statistics on hand-computed values, its controls, and resuming its units.
module Wgan.Tests.WeightHistogramsTests

open Xunit
open Snapshooter.Xunit
open Wgan.Experiments
open Wgan.Experiments.WeightHistograms.WeightStatistics

let private manifest () = TestSupport.manifestText "weight-histograms"

let private values (result: ExperimentResult) (metric: string) = result.Metrics |> List.map (fun m -> m.Values[metric])

[<Fact>]
let ``smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (TestSupport.runSmoke "weight-histograms"))

[<Fact>]
let ``draws one histogram per constraint`` () =
    let result = TestSupport.runSmokeText (manifest ()) 1
    let names = result.Figures |> List.map (fun f -> f.Name)
    Assert.Equal<string list>([ "weights-clipping"; "weights-gradient-penalty" ], names)
    for f in result.Figures do
        let h = Assert.Single(f.Histograms)
        // smoke scale: a 12-layer critic of width 16, 2 -> 16 -> ... -> 16 -> 1: 2*16 + 11*16*16 + 16 = 2864
        // weights; histogramBins = 80 in the manifest.
        Assert.Equal(80, h.Counts.Length)
        Assert.Equal(2864.0, Array.sum h.Counts)

[<Fact>]
let ``excess kurtosis matches hand-computed values and is averaged per layer`` () =
    // Two values +-1: m2 = 1, m4 = 1, so 1 / 1 - 3 = -2 (the two spikes of clipped weights).
    Assert.Equal(-2.0, excessKurtosis [| -1.0; 1.0 |], 12)
    // -2 .. 2: mean 0, m2 = (4 + 1 + 0 + 1 + 4) / 5 = 2, m4 = (16 + 1 + 0 + 1 + 16) / 5 = 6.8; 6.8 / 4 - 3 = -1.3.
    Assert.Equal(-1.3, excessKurtosis [| -2.0; -1.0; 0.0; 1.0; 2.0 |], 12)
    // Weighted by layer size: (2 * -2 + 5 * -1.3) / 7 = -1.5.
    Assert.Equal(-1.5, layerExcessKurtosis [| [| -1.0; 1.0 |]; [| -2.0; -1.0; 0.0; 1.0; 2.0 |] |], 12)
    // Per layer, not pooled: two layers uniform on different scales are each -1.2 (the closed form of a
    // uniform distribution, approached by an even grid), although their pooled mixture is heavy-tailed.
    let grid (scale: float) = Array.init 2001 (fun k -> scale * (float k / 1000.0 - 1.0))
    let layers = [| grid 1.0; grid 0.05 |]
    Assert.Equal(-1.2, layerExcessKurtosis layers, 2)
    Assert.True(excessKurtosis (Array.concat layers) > 0.0)

[<Fact>]
let ``the control after one iteration is the start of the training it stands for`` () =
    // With one generator iteration of training, the trained critic and its one-iteration replay are the
    // same critic: the control's metric must equal the treatment's bit for bit.
    let original = manifest ()
    let text =
        original.Replace(
            "\"generatorIterations\": 5, \"checkpointEvery\": 2", "\"generatorIterations\": 1, \"checkpointEvery\": 0")
    Assert.NotEqual<string>(original, text)
    let result = TestSupport.runSmokeText text 1
    let control = values result "clip.firstIteration.fractionAtBounds"
    Assert.Equal<float list>(values result "clip.fractionAtBounds", control)

[<Fact>]
let ``the bell-shape claim's controls fail at smoke scale: the clipped weights' two spikes, uniform initial ones`` () =
    let result = TestSupport.runSmoke "weight-histograms"
    let c = TestSupport.claim result.Claims "gp-weights-bell-shaped"
    let control = c.Control.Value
    Assert.Equal(NotReproduced, control.Verdict)
    // The control is the clipped critic: nearly every weight at +-c, two spikes, excess kurtosis near -2.
    for v in control.PerSeed do Assert.InRange(v, -2.0, -1.8)
    // PyTorch's init is uniform per layer: excess kurtosis -1.2 (closed form), up to sampling noise.
    for m in result.Metrics do Assert.InRange(m.Values["gp.initial.excessKurtosis"], -1.35, -1.05)

[<Fact>]
let ``units killed after each checkpoint and resumed give the uninterrupted results`` () =
    // Smoke scale of experiments/weight-histograms.json: 5 generator iterations, a checkpoint after 2 and 4.
    TestSupport.unitsResumeExactly (manifest ()) [ 0; 1 ] 2

[<Fact>]
let ``is in the catalogue`` () =
    Assert.Contains("weight-histograms", Catalogue.all |> List.map (fun d -> d.Id))
