/// gradient-field (WGAN-GP Proposition 1) at smoke scale: its snapshot, the exact critic's directions, resuming, and
/// its manifest's checks.
module Wgan.Tests.GradientFieldTests

open Xunit
open Snapshooter.Xunit
open Wgan.Experiments

[<Fact>]
let ``gradient-field smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (TestSupport.runSmoke "gradient-field"))

[<Fact>]
let ``the exact optimal critic's gradient points along every coupled segment with unit norm`` () =
    // Proposition 1 on the Kantorovich potential of the evaluation samples themselves: cosine 1 and norm ratio 1 (its
    // gradient is a unit vector wherever it has one), and on independent segments the cosine is lower.
    let result = TestSupport.runSmoke "gradient-field"
    for m in result.Metrics do
        for d in [ "8gaussians"; "25gaussians"; "swissroll" ] do
            Assert.Equal(1.0, m.Values[$"{d}.exact.coupledCosine"], 9)
            Assert.Equal(1.0, m.Values[$"{d}.exact.coupledNormRatio"], 9)
            let gap = m.Values[$"{d}.exact.alignmentGap"]
            Assert.True(gap > 0.2, $"{d}: gap {gap}")
    // Six figures per data set would be too many: the exact, penalty and clipped critics' fields are drawn.
    Assert.Equal(9, result.Figures.Length)

[<Fact>]
let ``gradient-field units killed after each checkpoint and resumed give the uninterrupted results`` () =
    // Smoke scale of experiments/gradient-field.json: 30 critic steps, a checkpoint after 10 and 20.
    TestSupport.unitsResumeExactly (TestSupport.manifestText "gradient-field") [ 0; 1; 2 ] 2

[<Fact>]
let ``a gradient-field critic of the wrong kind is refused with its path`` () =
    // The clipped critic given the penalty critic's constraint.
    let manifest = System.Text.Json.Nodes.JsonNode.Parse(TestSupport.manifestText("gradient-field"))
    let penalty = manifest.["penaltyCritic"].["constraint"].DeepClone()
    manifest.["clippedCritic"].["constraint"] <- penalty
    let text = manifest.ToJsonString()
    let reading = Harness.ReadManifest text
    Assert.False(reading.IsValid)
    let errors = String.concat "\n" reading.Errors
    Assert.Contains("$.clippedCritic.constraint: must be a weight-clipping constraint", errors)
