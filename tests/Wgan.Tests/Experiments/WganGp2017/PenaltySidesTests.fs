/// WGAN-GP Appendix C as a paired design (penalty-sides): random architectures drawn from the manifest's
/// space, three arms per architecture from the same weights and data, and the claim's control.
module Wgan.Tests.PenaltySidesTests

open System
open System.IO
open Xunit
open Snapshooter.Xunit
open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.PenaltySides.Architecture

let private runSmoke () = TestSupport.runSmoke PenaltySides.Settings.Id

[<Fact>]
let ``smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (runSmoke ()))

[<Fact>]
let ``the three arms of an architecture start from the same network and are measured on the same batch`` () =
    let result = runSmoke ()
    // The untrained W1 is measured once per arm before training: equal arms mean equal initial generators and
    // evaluation batches (the smoke scale of experiments/penalty-sides.json has 3 seeds).
    Assert.Equal(3, result.Metrics.Length)
    let series = result.Series |> List.find (fun s -> s.Name = "earth-mover-curves")
    for seed in result.Seeds do
        let untrained =
            series.Rows |> List.filter (fun r -> r[0] = float seed && r[2] = 0.0) |> List.map (fun r -> r[3])
        Assert.Equal(3, untrained.Length)
        Assert.True(untrained |> List.forall (fun w -> w = untrained.Head), $"seed {seed}: untrained W1 {untrained}")
    // The equivalence claim carries its other arm, the two-sided critic, paired by architecture.
    let claim = result.Claims |> List.exactlyOne
    Assert.Equal("two-sided.finalEarthMover", claim.Control.Value.Metric)

[<Fact>]
let ``architectures are drawn from the manifest's space, deterministically per seed`` () =
    let space: PenaltySides.Settings.Space =
        { Depths = [ 1; 2 ]
          Widths = [ 8; 16 ]
          Activations = [ ReLU; Tanh ]
          LearningRate = 1e-4, 1e-3
          Lambdas = [ 0.1; 10.0 ] }
    let drawn = [ for seed in 1L .. 40L -> architecture space seed ]
    for a in drawn do
        Assert.Contains(a.Depth, space.Depths)
        Assert.Contains(a.Width, space.Widths)
        Assert.Contains(a.Activation, space.Activations)
        Assert.InRange(a.LearningRate, 1e-4, 1e-3)
        Assert.Contains(a.Lambda, space.Lambdas)
    // 40 draws of each two-way choice: both values appear (the chance that one never does is 2^-39).
    Assert.Equal(2, drawn |> List.map (fun a -> a.Depth) |> List.distinct |> List.length)
    Assert.Equal(2, drawn |> List.map (fun a -> a.Lambda) |> List.distinct |> List.length)
    let again = [ for seed in 1L .. 40L -> architecture space seed ]
    Assert.Equal<Architecture list>(drawn, again)

[<Fact>]
let ``units killed after each checkpoint and resumed give the uninterrupted results`` () =
    // Smoke scale of experiments/penalty-sides.json: 4 generator iterations, a checkpoint after 2 (none after the
    // last); the W1 curve logged before the kill is kept in the checkpoint.
    TestSupport.unitsResumeExactly (TestSupport.manifestText PenaltySides.Settings.Id) [ 0; 1; 2 ] 1

[<Fact>]
let ``generatorIterations must be a multiple of evaluateEvery, at least twice it`` () =
    let text = TestSupport.manifestText PenaltySides.Settings.Id
    let odd = text.Replace("\"evaluateEvery\": 2,", "\"evaluateEvery\": 3,")
    Assert.NotEqual<string>(text, odd)
    let errors = (Harness.ReadManifest odd).Errors |> List.ofArray
    let expected = "$.scales.smoke.evaluateEvery: generatorIterations must be a multiple of evaluateEvery"
    Assert.Contains(errors, fun e -> e.StartsWith expected)
