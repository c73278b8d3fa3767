/// WGAN Figures 3-4 on toy data with ground truth (meaningful-loss-curves): the smoke-scale snapshot, the partial rank
/// correlation beyond the clock, the controls judged on unit results built by hand, and resuming from checkpoints.
module Wgan.Tests.MeaningfulLossTests

open System
open Xunit
open Snapshooter.Xunit
open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.MeaningfulLoss.Settings
open Wgan.Experiments.MeaningfulLoss.Unit
open Wgan.Experiments.MeaningfulLoss.Tracking

[<Fact>]
let ``meaningful-loss-curves smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (TestSupport.runSmoke Id))

[<Fact>]
let ``partialSpearman matches the closed form on a hand-computed case`` () =
    // No ties, n = 5: Spearman = 1 - 6 sum d^2 / (n (n^2 - 1)) = 1 - sum d^2 / 20.
    // x = [1,3,2,4,5], z = [1..5]: sum d^2 = 2, r_xz = 0.9; y = [2,1,3,5,4]: sum d^2 = 4, r_yz = 0.8;
    // x vs y: d = [-1,2,-1,-1,1], sum 8, r_xy = 0.6. Partial correlation (Pearson's formula on these):
    // (0.6 - 0.9 * 0.8) / sqrt((1 - 0.81) (1 - 0.64)) = -0.12 / sqrt 0.0684.
    let x, y, z = [| 1.0; 3.0; 2.0; 4.0; 5.0 |], [| 2.0; 1.0; 3.0; 5.0; 4.0 |], [| 1.0; 2.0; 3.0; 4.0; 5.0 |]
    Assert.Equal(-0.12 / sqrt 0.0684, partialSpearman x y z, 12)

[<Fact>]
let ``partialSpearman of any monotone clock given the iteration is 0, not NaN`` () =
    let iterations = Array.init 20 (fun i -> float (20 * (i + 1)))
    let w1 = iterations |> Array.map (fun k -> 1.0 + cos (k / 50.0))
    let clocks = [ Array.map (fun k -> -k); Array.map (fun k -> 1.0 / k); Array.map log ]
    for clock in clocks |> List.map (fun f -> f iterations) do
        Assert.Equal(0.0, partialSpearman clock w1 iterations)
    // A constant series has nothing beyond the iteration either.
    Assert.Equal(0.0, partialSpearman (Array.create 20 3.0) w1 iterations)

let private manifest =
    lazy
        use document = Text.Json.JsonDocument.Parse(TestSupport.manifestText Id)
        match Envelope.decoder reading "$" (document.RootElement.Clone()) with
        | Ok m -> m
        | Error errors -> failwithf "%s does not decode: %A" Id errors

/// Ten seeds at the quick scale (400 iterations, exact W1 every 20); `w1 k` is the exact W1 after iteration k and
/// `estimate trainer k` the trainer's loss-based estimate.
let private assembled (w1: float -> float) (estimate: string -> float -> float) =
    let m = manifest.Force()
    let scale = m.Scales[Quick]
    let iterations = scale.Training.GeneratorIterations
    let logged = [| for k in 1 .. iterations do if k % scale.LogEvery = 0 then k |]
    let run =
        { Scale = Quick; Seeds = Experiment.seedsFor m.Seed 0 10; Device = TorchSharp.torch.CPU
          Resources = NoResources()
          UnitSeconds = readOnlyDict [] }
    let measurements =
        [ for seed in run.Seeds do
              for t in m.Settings.Training.Trainers do
                  for d in m.Settings.Training.Datasets ->
                      TrainerUnits.key seed t d,
                      { Estimates = Array.init iterations (fun i -> estimate t.Id (float (i + 1)))
                        LoggedIterations = logged
                        EarthMover = logged |> Array.map (float >> w1)
                        Diverged = None } ]
    MeaningfulLoss.Assembly.assemble m run measurements

let private verdicts (result: Findings) = result.Claims |> List.map (fun c -> c.Spec.Id, c.Verdict.Name) |> Map.ofList

[<Fact>]
let ``when W1 falls steadily the clock passes too and the tracking claims are uninformative`` () =
    // Both fall monotonically: the estimate tracks W1 perfectly, and so does the iteration counter.
    let w1 k = 1.0 + 1.0 / (1.0 + k / 50.0)
    let result = assembled w1 (fun id k -> if id = "gan" then 0.3 + 0.01 * sin k else 10.0 * w1 k)
    let v = verdicts result
    Assert.Equal("uninformative", v["clip-estimate-tracks-w1"])
    Assert.Equal("uninformative", v["gp-estimate-tracks-w1"])
    // Beyond the clock there is nothing: the estimate's partial correlation is 0 like the counter's.
    Assert.Equal("not-reproduced", v["clip-estimate-tracks-w1-beyond-clock"])
    Assert.All(result.Metrics, fun m -> Assert.Equal(0.0, m.Values["wgan-clip.clockMeanPartialSpearman"]))

[<Fact>]
let ``an estimate that follows W1 up and down beats the clock`` () =
    // W1 falls, rises and falls again (one and a half cosine periods over the run); the WGAN estimates follow it, the
    // GAN's JS estimate moves against it.
    let w1 k = 1.5 + 0.5 * cos (3.0 * Math.PI * k / 400.0)
    let result = assembled w1 (fun id k -> if id = "gan" then -w1 k else 10.0 * w1 k)
    let v = verdicts result
    for id in [ "clip-estimate-tracks-w1"; "gp-estimate-tracks-w1"; "gan-js-does-not-track-w1"
                "clip-estimate-tracks-w1-beyond-clock"; "gp-estimate-tracks-w1-beyond-clock" ] do
        Assert.True((v[id] = "reproduced"), $"{id}: {v[id]}")
    // The counter's partial correlation is 0 by definition: a clear failure, not NaN (which would leave the claim
    // inconclusive).
    let beyond = TestSupport.claim result.Claims "gp-estimate-tracks-w1-beyond-clock"
    Assert.Equal(NotReproduced, beyond.Control.Value.Verdict)
    Assert.Equal(Some(0.0, 0.0), beyond.Control.Value.Interval)

[<Fact>]
let ``units killed after each checkpoint and resumed give the uninterrupted results`` () =
    // Saves after iterations 2, 4 and 6 of the smoke scale's 8: three kills. The exact W1's random-number generator
    // draws during training, so it is saved too; unit 0 is WGAN-clip under the official critic schedule, the last
    // unit a GAN.
    TestSupport.assertResumesExactly Id 2 [ 0; 8 ] 3
