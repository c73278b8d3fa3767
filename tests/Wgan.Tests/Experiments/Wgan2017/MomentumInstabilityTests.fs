/// momentum-instability (WGAN section 4.2): the smoke-scale snapshot and checkpoint resume, the controls of its claims
/// on the smoke run, and its roughness, episode and negative-share measures against hand-computed cases.
module Wgan.Tests.MomentumInstabilityTests

open System
open Xunit
open Snapshooter.Xunit
open Wgan.Experiments
open Wgan.Experiments.MomentumInstability
open Wgan.Experiments.MomentumInstability.Assembly

/// The smoke run of the repository's manifest, computed once for the tests that read it.
let private smokeRun = lazy (TestSupport.runSmoke Settings.Id)

[<Fact>]
let ``smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (smokeRun.Force()))

[<Fact>]
let ``units killed after each checkpoint and resumed give the uninterrupted results`` () =
    // Smoke scale of experiments/momentum-instability.json: 10 generator iterations; saved every 3, after iterations
    // 3, 6 and 9. Every run of seed 1 at the first learning rate (rmsprop, adam, rmsprop-replicate).
    TestSupport.unitsResumeExactly (TestSupport.manifestCheckpointingEvery Settings.Id 3) [ 0 .. 2 ] 3

[<Fact>]
let ``RMSProp's negative-cosine share is 0 at every seed, so the cosine claims' control fails`` () =
    Assert.DoesNotContain("UNCONVERTED", TestSupport.manifestText Settings.Id)
    let result = smokeRun.Force()
    for lr in [ "paper"; "high" ] do
        let c = TestSupport.claim result.Claims $"adam-cosine-negative-{lr}-lr"
        let control = c.Control.Value
        Assert.Equal($"rmsprop.{lr}.negativeCosineShare", control.Metric)
        // RMSProp's update is -gradient scaled by a positive diagonal: cos(update, -gradient) > 0 at every step.
        Assert.All(control.PerSeed, fun v -> Assert.Equal(0.0, v))
        Assert.Equal(NotReproduced, control.Verdict)
        Assert.NotEqual(Reproduced, c.Verdict)

[<Fact>]
let ``the roughness claims use the fixed-batch log ratio and a replicate RMSProp run as control`` () =
    let result = smokeRun.Force()
    for lr in [ "paper"; "high" ] do
        let c = TestSupport.claim result.Claims $"adam-less-stable-{lr}-lr"
        Assert.Equal($"{lr}.replicateLogRoughnessRatio", c.Control.Value.Metric)
        for m in result.Metrics do
            let v (name: string) = m.Values[name]
            let fixedRoughness (o: string) = v $"{o}.{lr}.fixedRoughness"
            // The metric is the log of the ratio of the two fixed-batch roughnesses it names.
            Assert.Equal(log (fixedRoughness "adam" / fixedRoughness "rmsprop"), v $"{lr}.logRoughnessRatio", 12)
            let replicate = log (fixedRoughness "rmsprop-replicate" / fixedRoughness "rmsprop")
            Assert.Equal(replicate, v $"{lr}.replicateLogRoughnessRatio", 12)
            // A different minibatch stream: the replicate is a different run, not a copy.
            Assert.NotEqual(v $"rmsprop.{lr}.emRoughness", v $"rmsprop-replicate.{lr}.emRoughness")

[<Fact>]
let ``roughness of a hand-computed curve`` () =
    // [1; 2; 4]: mean |change| = (1 + 2) / 2 = 1.5, mean |e| = 7 / 3, roughness = 1.5 / (7 / 3) = 9 / 14.
    Assert.Equal(9.0 / 14.0, roughness [| 1.0; 2.0; 4.0 |], 12)
    // A constant curve does not move: roughness 0.
    Assert.Equal(0.0, roughness [| 3.0; 3.0; 3.0 |])

[<Fact>]
let ``blow-up episodes and the negative-cosine shares inside and outside them, by hand`` () =
    // Changes of [1; 1.1; 1.0; 3.0; 1.1; 1.2]: 0.1, 0.1, 2.0, 1.9, 0.1; median 0.1. With jump 5 an iteration is in an
    // episode when its change exceeds 0.5: iterations 3 (to 3.0) and 4 (back to 1.1); the first never is.
    let estimates = [| 1.0; 1.1; 1.0; 3.0; 1.1; 1.2 |]
    Assert.Equal<bool[]>([| false; false; false; true; true; false |], episodes 5.0 estimates)
    // A run whose estimate never moves has no episode (its median change is 0).
    Assert.Equal<bool[]>([| false; false; false |], episodes 5.0 [| 2.0; 2.0; 2.0 |])
    // Two critic steps per iteration, cosines of iterations 0..2: (0.9, 0.8), (-0.1, 0.5), (-0.2, -0.3).
    let cosines = [| 0.9; 0.8; -0.1; 0.5; -0.2; -0.3 |]
    let inEpisode i = i = 2
    // In the episode (iteration 2): 2 of 2 negative; outside (iterations 0 and 1): 1 of 4.
    Assert.Equal(1.0, negativeShareWhere 2 inEpisode cosines)
    Assert.Equal(0.25, negativeShareWhere 2 (inEpisode >> not) cosines)
    // No episode: no share (NaN), not 0.
    Assert.True(Double.IsNaN(negativeShareWhere 2 (fun _ -> false) cosines))

/// Per-seed metrics from (name, values) columns, seeds 1, 2, ...
let private seedMetrics (columns: (string * float[]) list) : SeedMetrics list =
    let n = (snd columns.Head).Length
    [ for i in 0 .. n - 1 ->
          { Seed = int64 (i + 1); Values = readOnlyDict [ for name, values in columns -> name, values[i] ] } ]

[<Fact>]
let ``a null pair inside the 25 percent margin fails the roughness claim's test`` () =
    let manifest = TestSupport.manifestOf Settings.reading Settings.Id
    let spec = manifest.Claims |> List.find (fun c -> c.Id = "adam-less-stable-high-lr")
    // Adam a third rougher at every seed (ln 1.33 ~ 0.29, spread 0.02) and a replicate within 5% (ln ratios +-0.05).
    let adam = [| 0.28; 0.30; 0.29; 0.31; 0.27; 0.29; 0.30; 0.28; 0.29; 0.30 |]
    let replicate = [| 0.05; -0.04; 0.02; -0.03; 0.01; -0.05; 0.04; 0.00; -0.02; 0.03 |]
    let judge treatment =
        let columns = [ "high.logRoughnessRatio", treatment; "high.replicateLogRoughnessRatio", replicate ]
        Claims.evaluate (seedMetrics columns) spec
    let r = judge adam
    Assert.Equal(NotReproduced, r.Control.Value.Verdict)
    Assert.Equal(Reproduced, r.Verdict)
    // The claim evaluated on its control's values is not reproduced.
    Assert.NotEqual(Reproduced, (judge replicate).Verdict)
