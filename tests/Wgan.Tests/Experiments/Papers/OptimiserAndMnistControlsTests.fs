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
