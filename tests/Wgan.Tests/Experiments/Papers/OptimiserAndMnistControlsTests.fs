/// The controls of momentum-instability, overfitting-detection and mnist-loss-vs-quality
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
    dict [ for id in [ "momentum-instability" ] ->
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

// ---- momentum-instability ----

[<Fact>]
let ``momentum-instability: RMSProp's negative-cosine share is 0 at every seed, so the cosine claims' control fails`` () =
    noUnconverted "momentum-instability"
    let result = runSmoke "momentum-instability"
    for lr in [ "paper"; "high" ] do
        let c = claim result $"adam-cosine-negative-{lr}-lr"
        let control = c.Control.Value
        Assert.Equal($"rmsprop.{lr}.negativeCosineShare", control.Metric)
        // RMSProp's update is -gradient scaled by a positive diagonal: cos(update, -gradient) > 0 at every step.
        Assert.All(control.PerSeed, fun v -> Assert.Equal(0.0, v))
        Assert.Equal(NotReproduced, control.Verdict)
        Assert.NotEqual(Reproduced, c.Verdict)

[<Fact>]
let ``momentum-instability: the roughness claims use the fixed-batch log ratio and a replicate RMSProp run as control`` () =
    let result = runSmoke "momentum-instability"
    for lr in [ "paper"; "high" ] do
        let c = claim result $"adam-less-stable-{lr}-lr"
        Assert.Equal($"{lr}.replicateLogRoughnessRatio", c.Control.Value.Metric)
        for m in result.Metrics do
            let v (name: string) = m.Values[name]
            // The metric is the log of the ratio of the two fixed-batch roughnesses it names.
            Assert.Equal(log (v $"adam.{lr}.fixedRoughness" / v $"rmsprop.{lr}.fixedRoughness"), v $"{lr}.logRoughnessRatio", 12)
            Assert.Equal(log (v $"rmsprop-replicate.{lr}.fixedRoughness" / v $"rmsprop.{lr}.fixedRoughness"), v $"{lr}.replicateLogRoughnessRatio", 12)
            // A different minibatch stream: the replicate is a different run, not a copy.
            Assert.NotEqual(v $"rmsprop.{lr}.emRoughness", v $"rmsprop-replicate.{lr}.emRoughness")

[<Fact>]
let ``momentum-instability: roughness of a hand-computed curve`` () =
    // [1; 2; 4]: mean |change| = (1 + 2) / 2 = 1.5, mean |e| = 7 / 3, roughness = 1.5 / (7 / 3) = 9 / 14.
    Assert.Equal(9.0 / 14.0, MomentumInstabilityExperiment.roughness [| 1.0; 2.0; 4.0 |], 12)
    // A constant curve does not move: roughness 0.
    Assert.Equal(0.0, MomentumInstabilityExperiment.roughness [| 3.0; 3.0; 3.0 |])

[<Fact>]
let ``momentum-instability: blow-up episodes and the negative-cosine shares inside and outside them, by hand`` () =
    // Changes of [1; 1.1; 1.0; 3.0; 1.1; 1.2]: 0.1, 0.1, 2.0, 1.9, 0.1; median 0.1. With jump 5 an iteration is in an
    // episode when its change exceeds 0.5: iterations 3 (to 3.0) and 4 (back to 1.1); the first never is.
    let estimates = [| 1.0; 1.1; 1.0; 3.0; 1.1; 1.2 |]
    Assert.Equal<bool[]>([| false; false; false; true; true; false |], MomentumInstabilityExperiment.episodes 5.0 estimates)
    // A run whose estimate never moves has no episode (its median change is 0).
    Assert.Equal<bool[]>([| false; false; false |], MomentumInstabilityExperiment.episodes 5.0 [| 2.0; 2.0; 2.0 |])
    // Two critic steps per iteration, cosines of iterations 0..2: (0.9, 0.8), (-0.1, 0.5), (-0.2, -0.3).
    let cosines = [| 0.9; 0.8; -0.1; 0.5; -0.2; -0.3 |]
    let inEpisode i = i = 2
    // In the episode (iteration 2): 2 of 2 negative; outside (iterations 0 and 1): 1 of 4.
    Assert.Equal(1.0, MomentumInstabilityExperiment.negativeShareWhere 2 inEpisode cosines)
    Assert.Equal(0.25, MomentumInstabilityExperiment.negativeShareWhere 2 (inEpisode >> not) cosines)
    // No episode: no share (NaN), not 0.
    Assert.True(Double.IsNaN(MomentumInstabilityExperiment.negativeShareWhere 2 (fun _ -> false) cosines))

[<Fact>]
let ``momentum-instability: a null pair inside the 25 percent margin fails the roughness claim's test`` () =
    let spec = specOf MomentumInstabilityExperiment.decodeSettings (fun s -> s.Claims) "momentum-instability" "adam-less-stable-high-lr"
    // Adam a third rougher at every seed (ln 1.33 ~ 0.29, spread 0.02) and a replicate within 5% (ln ratios +-0.05).
    let adam = [| 0.28; 0.30; 0.29; 0.31; 0.27; 0.29; 0.30; 0.28; 0.29; 0.30 |]
    let replicate = [| 0.05; -0.04; 0.02; -0.03; 0.01; -0.05; 0.04; 0.00; -0.02; 0.03 |]
    let r = Claims.evaluate (seedMetrics [ "high.logRoughnessRatio", adam; "high.replicateLogRoughnessRatio", replicate ]) spec
    Assert.Equal(NotReproduced, r.Control.Value.Verdict)
    Assert.Equal(Reproduced, r.Verdict)
    // The claim evaluated on its control's values is not reproduced.
    let onControl = Claims.evaluate (seedMetrics [ "high.logRoughnessRatio", replicate; "high.replicateLogRoughnessRatio", replicate ]) spec
    Assert.NotEqual(Reproduced, onControl.Verdict)

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
