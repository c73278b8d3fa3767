/// WGAN-GP Appendix C as a paired design (penalty-sides): random architectures drawn from the manifest's
/// space, three arms per architecture from the same weights and data, and the claim's control.
module Wgan.Tests.PenaltySidesExperimentTests

open System
open System.IO
open Xunit
open Snapshooter.Xunit
open Wgan.Core
open Wgan.Experiments

let private runSmoke () = TestSupport.runSmoke PenaltySidesExperiment.Id

[<Fact>]
let ``penalty-sides smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (runSmoke ()))

[<Fact>]
let ``the three arms of an architecture start from the same network and are measured on the same batch`` () =
    let result = runSmoke ()
    // The untrained W1 is measured once per arm before training: equal arms mean equal initial generators and
    // evaluation batches (the smoke scale of experiments/penalty-sides.json has 3 seeds).
    Assert.Equal(3, result.Metrics.Length)
    let series = result.Series |> List.find (fun s -> s.Name = "earth-mover-curves")
    for seed in result.Seeds do
        let untrained = series.Rows |> List.filter (fun r -> r[0] = float seed && r[2] = 0.0) |> List.map (fun r -> r[3])
        Assert.Equal(3, untrained.Length)
        Assert.True(untrained |> List.forall (fun w -> w = untrained.Head), $"seed {seed}: untrained W1 {untrained}")
    // The equivalence claim carries its other arm, the two-sided critic, paired by architecture.
    let claim = result.Claims |> List.exactlyOne
    Assert.Equal("two-sided.finalEarthMover", claim.Control.Value.Metric)

[<Fact>]
let ``architectures are drawn from the manifest's space, deterministically per seed`` () =
    let space: PenaltySidesExperiment.Space =
        { Depths = [ 1; 2 ]; Widths = [ 8; 16 ]; Activations = [ ReLU; Tanh ]; LearningRate = 1e-4, 1e-3; Lambdas = [ 0.1; 10.0 ] }
    let drawn = [ for seed in 1L .. 40L -> PenaltySidesExperiment.architecture space seed ]
    for a in drawn do
        Assert.Contains(a.Depth, space.Depths)
        Assert.Contains(a.Width, space.Widths)
        Assert.Contains(a.Activation, space.Activations)
        Assert.InRange(a.LearningRate, 1e-4, 1e-3)
        Assert.Contains(a.Lambda, space.Lambdas)
    // 40 draws of each two-way choice: both values appear (the chance that one never does is 2^-39).
    Assert.Equal(2, drawn |> List.map (fun a -> a.Depth) |> List.distinct |> List.length)
    Assert.Equal(2, drawn |> List.map (fun a -> a.Lambda) |> List.distinct |> List.length)
    Assert.Equal<PenaltySidesExperiment.Architecture list>(drawn, [ for seed in 1L .. 40L -> PenaltySidesExperiment.architecture space seed ])
