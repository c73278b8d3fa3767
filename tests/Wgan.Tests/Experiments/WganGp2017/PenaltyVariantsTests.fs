/// penalty-variants (WGAN-GP section 4 and Appendix C): the smoke-scale snapshot of its claims and metrics, the
/// relative area under a W1 curve by hand, its untrained control and equivalence claim, and resuming its units.
module Wgan.Tests.PenaltyVariantsTests

open System
open Xunit
open Snapshooter.Xunit
open Wgan.Experiments
open Wgan.Experiments.PenaltyVariants

let private manifest () = TestSupport.manifestText Settings.Id

/// The smoke run, computed once for all the tests that read it.
let private smokeRun = lazy (TestSupport.runSmoke Settings.Id)

[<Fact>]
let ``smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (smokeRun.Force()))

[<Fact>]
let ``the relative area under a W1 curve, by hand`` () =
    // W1 2.0 untrained, then 1.0, 0.5 and 0.5: the mean of 1.0/2, 0.5/2, 0.5/2 = (0.5 + 0.25 + 0.25) / 3 = 1/3.
    let curve = [| [| 0.0; 2.0 |]; [| 100.0; 1.0 |]; [| 200.0; 0.5 |]; [| 400.0; 0.5 |] |]
    Assert.Equal(1.0 / 3.0, Unit.relativeArea curve, 12)
    // A generator that never moves has area 1; one that moves only at the end has more area than one that moves
    // early.
    Assert.Equal(1.0, Unit.relativeArea [| [| 0.0; 2.0 |]; [| 100.0; 2.0 |]; [| 200.0; 2.0 |] |], 12)
    let late = Unit.relativeArea [| [| 0.0; 2.0 |]; [| 100.0; 2.0 |]; [| 200.0; 0.5 |] |]
    let early = Unit.relativeArea [| [| 0.0; 2.0 |]; [| 100.0; 0.5 |]; [| 200.0; 0.5 |] |]
    Assert.True(late > early, $"late {late}, early {early}")

[<Fact>]
let ``the untrained control is the W1 of the generator before training, in the same units`` () =
    Assert.DoesNotContain("UNCONVERTED", manifest ())
    let result = smokeRun.Force()
    for m in result.Metrics do
        let v (name: string) = m.Values[name]
        let untrained = (v "untrained.8gaussians.earthMover" + v "untrained.swissroll.earthMover") / 2.0
        Assert.Equal(untrained, v "untrained.meanEarthMover", 12)
        Assert.True(untrained > 0.0)
        for variant in [ "two-sided"; "one-sided"; "layer-norm"; "batch-norm" ] do
            Assert.Equal(log (v $"{variant}.meanEarthMover" / untrained), v $"{variant}.untrainedLogRatio", 12)
            Assert.Equal(abs (v $"{variant}.untrainedLogRatio"), v $"{variant}.untrainedAbsLogRatio", 12)
    // 'About the same' is an equivalence test of the two arms, paired by seed, and needs the reference to have trained.
    let sameness = TestSupport.claim result.Claims "one-sided-about-same"
    Assert.Equal("two-sided.meanEarthMover", sameness.Control.Value.Metric)
    Assert.Equal(Paired, sameness.Spec.Design)
    Assert.Equal("two-sided.untrainedLogRatio", (List.exactlyOne sameness.Spec.Preconditions).Metric)
    // Ten generator iterations: where the reference did not come closer to the data on every seed, no comparison.
    let referenceTrained = result.Metrics |> List.forall (fun m -> m.Values["two-sided.untrainedLogRatio"] <= 0.0)
    if not referenceTrained then Assert.Equal(PreconditionFailed, sameness.Verdict)
    let batchNorm = TestSupport.claim result.Claims "batch-norm-hurts"
    Assert.Equal("layer-norm-vs-none.earthMoverRatio", batchNorm.Control.Value.Metric)

[<Fact>]
let ``'about the same' is decided by equivalence, and only against a reference that trained`` () =
    let decoded = TestSupport.manifestOf Settings.reading Settings.Id
    let spec = decoded.Claims |> List.find (fun c -> c.Id = "one-sided-about-same")
    let twoSided = [| 0.50; 0.60; 0.55; 0.45; 0.52 |]
    let trained = Array.create 5 -0.3
    let judge (oneSided: float[]) (reference: float[]) =
        let columns =
            [ "one-sided.meanEarthMover", oneSided
              "two-sided.meanEarthMover", twoSided
              "two-sided.untrainedLogRatio", reference ]
        let metrics =
            [ for i in 0 .. 4 ->
                  { Seed = int64 (i + 1); Values = readOnlyDict [ for name, values in columns -> name, values[i] ] } ]
        Claims.evaluate metrics spec
    // Within 2% of each other on every seed (log ratios -0.02 to 0.02): the 90% interval is well inside ln 1.25.
    let close = twoSided |> Array.mapi (fun i w -> w * exp (0.01 * float (i - 2)))
    Assert.Equal(Reproduced, (judge close trained).Verdict)
    // One-sided 50% worse everywhere (ln 1.5 = 0.405 > 0.223): outside the margin.
    Assert.Equal(NotReproduced, (judge (twoSided |> Array.map ((*) 1.5)) trained).Verdict)
    // The same close arms, but the reference ended farther from the data than it started on one seed.
    Assert.Equal(PreconditionFailed, (judge close [| -0.3; -0.3; 0.1; -0.3; -0.3 |]).Verdict)

[<Fact>]
let ``units killed after each checkpoint and resumed give the uninterrupted results`` () =
    // The smoke scale of experiments/penalty-variants.json with a checkpoint every 3 of its 10 generator iterations:
    // after 3, 6 and 9. Units 0 and 6: the two-sided and the batch-norm critic on the 8 Gaussians.
    TestSupport.unitsResumeExactly (TestSupport.manifestCheckpointingEvery Settings.Id 3) [ 0; 6 ] 3

[<Fact>]
let ``the last horizon must be the end of training`` () =
    let text = manifest ()
    let early = text.Replace("\"horizons\": [5, 10]", "\"horizons\": [5, 9]")
    Assert.NotEqual<string>(text, early)
    let errors = (Harness.ReadManifest early).Errors |> List.ofArray
    Assert.Contains("$.scales.smoke.horizons: the last horizon must be generatorIterations", errors)
