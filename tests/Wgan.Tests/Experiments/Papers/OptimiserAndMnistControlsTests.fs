/// The controls of momentum-instability, penalty-variants, overfitting-detection and mnist-loss-vs-quality
/// (issue 14): each control metric checked against a hand-computed case, and each claim shown to come out
/// other than reproduced when its control passes or when it is evaluated on its control.
module Wgan.Tests.OptimiserAndMnistControlsTests

open System
open System.IO
open Xunit
open Wgan.Experiments

/// The repository's manifest `id` (a path under experiments/, without ".json").
let private manifestText (id: string) =
    File.ReadAllText(Path.Combine(TestSupport.experimentsFolder.Force(), id + ".json"))

/// Smoke runs of the toy experiments, each computed once for all the tests that read it.
let private smokeRuns =
    dict [ for id in [ "momentum-instability"; "penalty-variants" ] ->
               id,
               lazy
                   (TestSupport.pinThreads ()
                    let experiment = (Harness.ReadManifest(manifestText id)).Experiment
                    experiment.Run("smoke", 0, "cpu", Action<Progress>(ignore))) ]

let private runSmoke (id: string) = smokeRuns[id].Force()

let private claim (result: ExperimentResult) (id: string) = result.Claims |> List.find (fun c -> c.Spec.Id = id)

/// Per-seed metrics from (name, values) columns, seeds 1, 2, ...
let private seedMetrics (columns: (string * float[]) list) : SeedMetrics list =
    let n = (snd columns.Head).Length
    [ for i in 0 .. n - 1 -> { Seed = int64 (i + 1); Values = readOnlyDict [ for name, values in columns -> name, values[i] ] } ]

/// A claim spec of the repository's manifest for `id`, read through the experiment's own decoder.
let private specOf (decode: Json.Decoder<'Settings>) (claimsOf: 'Settings -> ClaimSpec list) (experiment: string) (claimId: string) =
    let element = System.Text.Json.JsonDocument.Parse(manifestText experiment).RootElement
    match decode "$" element with
    | Ok settings -> claimsOf settings |> List.find (fun c -> c.Id = claimId)
    | Error problems -> failwithf "%A" problems

let private noUnconverted (experiment: string) =
    Assert.DoesNotContain("UNCONVERTED", manifestText experiment)

// ---- penalty-variants ----

[<Fact>]
let ``penalty-variants: the relative area under a W1 curve, by hand`` () =
    // W1 2.0 untrained, then 1.0, 0.5 and 0.5: the mean of 1.0/2, 0.5/2, 0.5/2 = (0.5 + 0.25 + 0.25) / 3 = 1/3.
    let curve = [| [| 0.0; 2.0 |]; [| 100.0; 1.0 |]; [| 200.0; 0.5 |]; [| 400.0; 0.5 |] |]
    Assert.Equal(1.0 / 3.0, PenaltyVariantsExperiment.relativeArea curve, 12)
    // A generator that never moves has area 1; one that moves only at the end has more area than one that moves early.
    Assert.Equal(1.0, PenaltyVariantsExperiment.relativeArea [| [| 0.0; 2.0 |]; [| 100.0; 2.0 |]; [| 200.0; 2.0 |] |], 12)
    let late = PenaltyVariantsExperiment.relativeArea [| [| 0.0; 2.0 |]; [| 100.0; 2.0 |]; [| 200.0; 0.5 |] |]
    let early = PenaltyVariantsExperiment.relativeArea [| [| 0.0; 2.0 |]; [| 100.0; 0.5 |]; [| 200.0; 0.5 |] |]
    Assert.True(late > early, $"late {late}, early {early}")

[<Fact>]
let ``penalty-variants: the untrained control is the W1 of the generator before training, in the same units`` () =
    noUnconverted "penalty-variants"
    let result = runSmoke "penalty-variants"
    for m in result.Metrics do
        let v (name: string) = m.Values[name]
        let untrained = (v "untrained.8gaussians.earthMover" + v "untrained.swissroll.earthMover") / 2.0
        Assert.Equal(untrained, v "untrained.meanEarthMover", 12)
        Assert.True(untrained > 0.0)
        for variant in [ "two-sided"; "one-sided"; "layer-norm"; "batch-norm" ] do
            Assert.Equal(log (v $"{variant}.meanEarthMover" / untrained), v $"{variant}.untrainedLogRatio", 12)
            Assert.Equal(abs (v $"{variant}.untrainedLogRatio"), v $"{variant}.untrainedAbsLogRatio", 12)
    // 'About the same' is an equivalence test of the two arms, paired by seed, and needs the reference to have trained.
    let sameness = claim result "one-sided-about-same"
    Assert.Equal("two-sided.meanEarthMover", sameness.Control.Value.Metric)
    Assert.Equal(Paired, sameness.Spec.Design)
    Assert.Equal("two-sided.untrainedLogRatio", (List.exactlyOne sameness.Spec.Preconditions).Metric)
    // Ten generator iterations: where the reference did not come closer to the data on every seed, no comparison.
    let referenceTrained = result.Metrics |> List.forall (fun m -> m.Values["two-sided.untrainedLogRatio"] <= 0.0)
    if not referenceTrained then Assert.Equal(PreconditionFailed, sameness.Verdict)
    Assert.Equal("layer-norm-vs-none.earthMoverRatio", (claim result "batch-norm-hurts").Control.Value.Metric)

[<Fact>]
let ``penalty-variants: 'about the same' is decided by equivalence, and only against a reference that trained`` () =
    let spec = specOf PenaltyVariantsExperiment.decodeSettings (fun s -> s.Claims) "penalty-variants" "one-sided-about-same"
    let twoSided = [| 0.50; 0.60; 0.55; 0.45; 0.52 |]
    let trained = Array.create 5 -0.3
    let judge (oneSided: float[]) (reference: float[]) =
        let columns =
            [ "one-sided.meanEarthMover", oneSided
              "two-sided.meanEarthMover", twoSided
              "two-sided.untrainedLogRatio", reference ]
        Claims.evaluate (seedMetrics columns) spec
    // Within 2% of each other on every seed (log ratios -0.02 to 0.02): the 90% interval is well inside ln 1.25.
    let close = twoSided |> Array.mapi (fun i w -> w * exp (0.01 * float (i - 2)))
    Assert.Equal(Reproduced, (judge close trained).Verdict)
    // One-sided 50% worse everywhere (ln 1.5 = 0.405 > 0.223): outside the margin.
    Assert.Equal(NotReproduced, (judge (twoSided |> Array.map ((*) 1.5)) trained).Verdict)
    // The same close arms, but the reference ended farther from the data than it started on one seed.
    Assert.Equal(PreconditionFailed, (judge close [| -0.3; -0.3; 0.1; -0.3; -0.3 |]).Verdict)
