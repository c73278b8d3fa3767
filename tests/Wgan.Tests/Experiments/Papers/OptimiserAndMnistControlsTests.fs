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

// ---- overfitting-detection ----

let private measurement (t: int) (train: float) (validation: float) (heldOut: float) : OverfittingExperiment.Measurement =
    // Penalty 0, so each negative loss equals its EM estimate.
    { Iteration = t
      TrainNegativeLoss = train
      ValidationNegativeLoss = validation
      TrainEarthMover = train
      ValidationEarthMover = validation
      TrainPenalty = 0.0
      ValidationPenalty = 0.0
      HeldOutNegativeLoss = heldOut
      HeldOutEarthMover = heldOut
      HeldOutPenalty = 0.0 }

[<Fact>]
let ``overfitting-detection: gap slopes and relative gaps of a hand-computed run`` () =
    noUnconverted "overfitting-detection"
    // 1000 iterations, trend from 0.5 (iterations 500 and 1000), gap over the last 0.25 (iteration 1000 only).
    let ms = [| measurement 0 10.0 10.0 10.0; measurement 500 12.0 10.0 10.1; measurement 1000 14.0 9.0 9.1 |]
    let values = OverfittingExperiment.variantMetrics "gp" 0.5 0.25 1000 ms |> dict
    // Gap (train - validation) 2 at 500 and 5 at 1000: slope (5 - 2) / (1.0 - 0.5) = 6 per 1000 iterations.
    Assert.Equal(6.0, values["gp.gapSlope"], 9)
    // Held-out gap 0.1 at both: slope 0.
    Assert.Equal(0.0, values["gp.heldOutGapSlope"], 9)
    // Relative gap at 1000: (14 - 9) / 9; held-out: (9.1 - 9) / 9.
    Assert.Equal(5.0 / 9.0, values["gp.relativeGap"], 9)
    Assert.Equal(0.1 / 9.0, values["gp.heldOutRelativeGap"], 9)
    // Held-out curve 10.1 -> 9.1: slope -2 per 1000.
    Assert.Equal(-2.0, values["gp.heldOutSlope"], 9)

[<Fact>]
let ``overfitting-detection: both curves falling makes validation-falls uninformative`` () =
    let spec = specOf OverfittingExperiment.decodeSettings (fun s -> s.Claims) "overfitting-detection" "gp-validation-falls"
    // Quick scale as published before the controls (results/overfitting-detection, seeds 1-5, rounded): both
    // curves fall at about the same rate.
    let validation = [| -10.43; -10.66; -7.19; -19.63; -5.99 |]
    let training = [| -11.07; -8.83; -7.00; -20.30; -5.38 |]
    let r = Claims.evaluate (seedMetrics [ "gp.validationSlope", validation; "gp.trainSlope", training ]) spec
    Assert.Equal(Reproduced, r.Measured.Verdict)
    Assert.Equal(Uninformative, r.Verdict)

[<Fact>]
let ``overfitting-detection: the gap claim evaluated on its held-out control is not reproduced`` () =
    let spec = specOf OverfittingExperiment.decodeSettings (fun s -> s.Claims) "overfitting-detection" "gp-gap-signals-overfitting"
    // Two held-out sets differ by chance only: relative gaps within +-1% (the published quick-scale raw gaps,
    // -0.13 to 0.14 against an EM estimate of about 11).
    let heldOut = [| 0.010; -0.008; 0.004; -0.012; 0.006 |]
    let r = Claims.evaluate (seedMetrics [ "gp.relativeGap", heldOut; "gp.heldOutRelativeGap", heldOut ]) spec
    Assert.Equal(NotReproduced, r.Verdict)
    Assert.Equal(NotReproduced, r.Control.Value.Verdict)

// ---- mnist-loss-vs-quality ----

[<Fact>]
let ``mnist-loss-vs-quality: change rank correlation of hand-computed series, and the clock's is 0`` () =
    noUnconverted "mnist-loss-vs-quality"
    Assert.DoesNotContain("UNCONVERTED", File.ReadAllText(Path.Combine(TestSupport.experimentsFolder.Force(), "longer", "mnist-loss-vs-quality.json")))
    // Changes of [1; 3; 2; 5] are [2; -1; 3], of [0; 1; 0; 2] are [1; -1; 2]: the same order, rho = 1.
    Assert.Equal(1.0, LossVsQualityExperiment.changeRankCorrelation [| 1.0; 3.0; 2.0; 5.0 |] [| 0.0; 1.0; 0.0; 2.0 |], 12)
    // Reversed order of changes ([-1; 1; -2]): rho = -1.
    Assert.Equal(-1.0, LossVsQualityExperiment.changeRankCorrelation [| 1.0; 3.0; 2.0; 5.0 |] [| 0.0; -1.0; 0.0; -2.0 |], 12)
    // The clock (-iteration at even spacing) has equal changes: no information, 0 by definition, even against a
    // Frechet distance that falls in step with it.
    Assert.Equal(0.0, LossVsQualityExperiment.changeRankCorrelation [| -20.0; -40.0; -60.0; -80.0 |] [| 90.0; 80.0; 70.0; 60.0 |])
    // Fewer than two changes: undefined.
    Assert.True(Double.IsNaN(LossVsQualityExperiment.changeRankCorrelation [| 1.0; 2.0 |] [| 1.0; 2.0 |]))

[<Fact>]
let ``mnist-loss-vs-quality: an estimate that tracks quality only as well as the clock is uninformative`` () =
    for manifest in [ "mnist-loss-vs-quality"; Path.Combine("longer", "mnist-loss-vs-quality") ] do
        let spec = specOf LossVsQualityExperiment.decodeSettings (fun s -> s.Claims) manifest "gp-em-tracks-quality"
        Assert.Equal("gp.clockRankCorrelationFd", (match spec.Control with ControlMetric (m, _) -> m | NoControl why -> why))
        // results/longer (issue 17): per-seed correlations of the estimate 0.72 to 0.99, of the clock 0.72 to 0.97.
        let estimate = [| 0.99; 0.95; 0.97; 0.92; 0.98 |]
        let clock = [| 0.97; 0.94; 0.96; 0.93; 0.95 |]
        let r = Claims.evaluate (seedMetrics [ "gp.rankCorrelationFd", estimate; "gp.clockRankCorrelationFd", clock ]) spec
        Assert.Equal(Uninformative, r.Verdict)
        // The change claim's control is the clock's change correlation, 0 at every seed: it fails.
        let change = specOf LossVsQualityExperiment.decodeSettings (fun s -> s.Claims) manifest "gp-em-changes-track-quality"
        let c = Claims.evaluate (seedMetrics [ "gp.changeRankCorrelationFd", [| 0.6; 0.5; 0.7; 0.55; 0.65 |]; "gp.clockChangeRankCorrelationFd", Array.zeroCreate 5 ]) change
        Assert.Equal(NotReproduced, c.Control.Value.Verdict)
        Assert.Equal(Reproduced, c.Verdict)
