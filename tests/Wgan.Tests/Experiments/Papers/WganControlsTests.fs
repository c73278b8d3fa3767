/// The controls of the WGAN experiments parallel-lines, discriminator-vs-critic, vanishing-gradients and
/// meaningful-loss-curves (issue 14): each experiment's own manifest and `assemble`, fed with unit results
/// built by hand, must give `reproduced` when the treatment shows the effect and the control does not, and
/// must not when the control shows it too; and the new control metrics agree with hand-computed values.
module Wgan.Tests.WganControlsTests

open System
open System.IO
open System.Text.Json
open Xunit
open Wgan.Experiments
open Wgan.Experiments.Manifest

let private manifest (id: string) =
    File.ReadAllText(Path.Combine(TestSupport.experimentsFolder.Force(), id + ".json"))

let private decode (decoder: Json.Decoder<'S>) (id: string) : 'S =
    use document = JsonDocument.Parse(manifest id)
    match decoder "$" (document.RootElement.Clone()) with
    | Ok settings -> settings
    | Error errors -> failwithf "%s does not decode: %A" id errors

/// The run the template would hand an experiment: `count` seeds from the manifest's `seed`, on the CPU.
let private context (seed: int) (scale: Scale) (count: int) : RunContext =
    { Scale = scale; Seeds = Experiment.seedsFor seed 0 count; Device = TorchSharp.torch.CPU; Resources = NoResources() }

let private verdicts (result: Findings) =
    result.Claims |> List.map (fun c -> c.Spec.Id, c.Verdict.Name) |> Map.ofList

let private unitResult (key: string) (scalars: (string * float) list) (vectors: (string * float[]) list) : MeasurementBag =
    { Key = key; Scalars = readOnlyDict scalars; Vectors = readOnlyDict vectors; Texts = readOnlyDict []; Diverged = "" }

// ---------------------------------------------------------------- meaningful-loss-curves

[<Fact>]
let ``partialSpearman matches the closed form on a hand-computed case`` () =
    // No ties, n = 5: Spearman = 1 - 6 sum d^2 / (n (n^2 - 1)) = 1 - sum d^2 / 20.
    // x = [1,3,2,4,5], z = [1..5]: sum d^2 = 2, r_xz = 0.9; y = [2,1,3,5,4]: sum d^2 = 4, r_yz = 0.8;
    // x vs y: d = [-1,2,-1,-1,1], sum 8, r_xy = 0.6. Partial correlation (Pearson's formula on these):
    // (0.6 - 0.9 * 0.8) / sqrt((1 - 0.81) (1 - 0.64)) = -0.12 / sqrt 0.0684.
    let x, y, z = [| 1.0; 3.0; 2.0; 4.0; 5.0 |], [| 2.0; 1.0; 3.0; 5.0; 4.0 |], [| 1.0; 2.0; 3.0; 4.0; 5.0 |]
    Assert.Equal(-0.12 / sqrt 0.0684, MeaningfulLossExperiment.partialSpearman x y z, 12)

[<Fact>]
let ``partialSpearman of any monotone clock given the iteration is 0, not NaN`` () =
    let iterations = Array.init 20 (fun i -> float (20 * (i + 1)))
    let w1 = iterations |> Array.map (fun k -> 1.0 + cos (k / 50.0))
    for clock in [ Array.map (fun k -> -k) iterations; Array.map (fun k -> 1.0 / k) iterations; Array.map log iterations ] do
        Assert.Equal(0.0, MeaningfulLossExperiment.partialSpearman clock w1 iterations)
    // A constant series has nothing beyond the iteration either.
    Assert.Equal(0.0, MeaningfulLossExperiment.partialSpearman (Array.create 20 3.0) w1 iterations)

module private MeaningfulLoss =
    open Wgan.Experiments.MeaningfulLossExperiment

    let settings = lazy (decode decodeSettings "meaningful-loss-curves")

    /// Ten seeds at the quick scale (400 iterations, exact W1 every 20); `w1 k` is the exact W1 after
    /// iteration k and `estimate trainer k` the trainer's loss-based estimate.
    let run (w1: float -> float) (estimate: string -> float -> float) =
        let s = settings.Force()
        let scale = s.Scales[Quick]
        let logged = [| for k in 1 .. scale.GeneratorIterations do if k % scale.LogEvery = 0 then float k |]
        let measurements =
            [ for seed in Experiment.seedsFor s.Seed scale.Seeds 10 do
                  for t in s.Trainers do
                      for d in s.Datasets ->
                          unitResult (unitKey seed t d) []
                              [ "estimate", Array.init scale.GeneratorIterations (fun i -> estimate t.Id (float (i + 1)))
                                "loggedIterations", logged
                                "earthMover", logged |> Array.map w1 ] ]
        assemble s (context s.Seed Quick 10) measurements

[<Fact>]
let ``meaningful-loss-curves: when W1 falls steadily the clock passes too and the tracking claims are uninformative`` () =
    // Both fall monotonically: the estimate tracks W1 perfectly, and so does the iteration counter.
    let w1 k = 1.0 + 1.0 / (1.0 + k / 50.0)
    let result = MeaningfulLoss.run w1 (fun id k -> if id = "gan" then 0.3 + 0.01 * sin k else 10.0 * w1 k)
    let v = verdicts result
    Assert.Equal("uninformative", v["clip-estimate-tracks-w1"])
    Assert.Equal("uninformative", v["gp-estimate-tracks-w1"])
    // Beyond the clock there is nothing: the estimate's partial correlation is 0 like the counter's.
    Assert.Equal("not-reproduced", v["clip-estimate-tracks-w1-beyond-clock"])
    Assert.All(result.Metrics, fun m -> Assert.Equal(0.0, m.Values["wgan-clip.clockMeanPartialSpearman"]))

[<Fact>]
let ``meaningful-loss-curves: an estimate that follows W1 up and down beats the clock`` () =
    // W1 falls, rises and falls again (one and a half cosine periods over the run); the WGAN estimates
    // follow it, the GAN's JS estimate moves against it.
    let w1 k = 1.5 + 0.5 * cos (3.0 * Math.PI * k / 400.0)
    let result = MeaningfulLoss.run w1 (fun id k -> if id = "gan" then -w1 k else 10.0 * w1 k)
    let v = verdicts result
    for id in [ "clip-estimate-tracks-w1"; "gp-estimate-tracks-w1"; "gan-js-does-not-track-w1"; "clip-estimate-tracks-w1-beyond-clock"; "gp-estimate-tracks-w1-beyond-clock" ] do
        Assert.True((v[id] = "reproduced"), $"{id}: {v[id]}")
    // The counter's partial correlation is 0 by definition: a clear failure, not NaN (which would leave
    // the claim inconclusive).
    let beyond = result.Claims |> List.find (fun c -> c.Spec.Id = "gp-estimate-tracks-w1-beyond-clock")
    Assert.Equal(NotReproduced, beyond.Control.Value.Verdict)
    Assert.Equal(Some(0.0, 0.0), beyond.Control.Value.Interval)
