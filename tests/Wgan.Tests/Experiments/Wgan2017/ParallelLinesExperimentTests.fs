/// The parallel-lines experiment (WGAN Example 1): at smoke scale, the snapshot of claims and rounded metrics and the
/// files a run writes (FinalizerStressTests checks that runs are reproducible); and the claims' controls: the
/// experiment's own manifest and assembly, fed with unit measurements built by hand, give `reproduced` only when
/// training produced the effect.
module Wgan.Tests.ParallelLinesExperimentTests

open System.IO
open System.Text.Json
open Xunit
open Snapshooter.Xunit
open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.ParallelLines
open Wgan.Experiments.ParallelLines.Unit
open Wgan.Tests.ManifestTests
open Wgan.Tests.CliTests

let private runSmoke () = TestSupport.runSmokeText (goodManifest ()) 0

[<Fact>]
let ``smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (runSmoke ()))


[<Fact>]
let ``run writes the result folder with report, data, figures and claims`` () =
    let out = Path.Combine(tempFolder (), "results")
    let r = cli [ "run"; manifestPath; "--scale"; "smoke"; "--seeds"; "2"; "--out"; out ]
    Assert.True(r.Exit = 0, r.Err)
    let folder = Path.Combine(out, "parallel-lines")
    let files =
        [ "result.json"; "report.md"; "estimates.csv"; "closed-forms.csv"; "figures/earth-mover.png"
          "figures/jensen-shannon.png" ]
    for file in files do
        Assert.True(File.Exists(Path.Combine(folder, file)), $"missing {file}")
    use json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "result.json")))
    let root = json.RootElement
    Assert.Equal("smoke", root.GetProperty("scale").GetString())
    Assert.Equal(2, root.GetProperty("seeds").GetArrayLength())
    Assert.Equal("parallel-lines", root.GetProperty("manifest").GetProperty("experiment").GetString())
    let claims = root.GetProperty("claims").EnumerateArray() |> List.ofSeq
    Assert.Equal(6, claims.Length)
    for c in claims do
        let verdicts = [ "reproduced"; "not-reproduced"; "inconclusive"; "uninformative"; "precondition-failed" ]
        Assert.Contains(c.GetProperty("verdict").GetString(), verdicts)
        Assert.Equal(2, c.GetProperty("measured").GetProperty("perSeed").GetArrayLength())
        // Every claim records its rule and its control (a measured block, or why there is none).
        Assert.False(System.String.IsNullOrEmpty(c.GetProperty("rule").GetProperty("name").GetString()))
        let control = c.GetProperty("control")
        let mutable none = Unchecked.defaultof<JsonElement>
        let measuredSeeds () = control.GetProperty("measured").GetProperty("perSeed").GetArrayLength()
        Assert.True(control.TryGetProperty("none", &none) || measuredSeeds () = 2)
    // 5 thetas x 2 seeds + header (smoke scale of experiments/parallel-lines.json).
    Assert.Equal(11, File.ReadAllLines(Path.Combine(folder, "estimates.csv")).Length)
    let png = File.ReadAllBytes(Path.Combine(folder, "figures/earth-mover.png"))
    Assert.Equal<byte[]>([| 0x89uy; byte 'P'; byte 'N'; byte 'G' |], png[0..3])
    Assert.Empty(Directory.GetFiles(out, ".*", SearchOption.AllDirectories))
    // The suite index lists every claim with its verdict and links to the report.
    let index = File.ReadAllText(Path.Combine(out, "README.md"))
    Assert.Contains("| [`parallel-lines`](parallel-lines/report.md) | smoke | `em-tracks-theta`: ", index)
    Assert.Contains("`em.rankCorrelation` >= 0.95", index)

let private manifest = lazy (TestSupport.manifestOf Settings.reading Settings.Id)

let private verdicts = TestSupport.verdicts

/// The quick scale's 10 seeds and theta grid; `earthMover` and `untrained` give each unit's critic estimates, the
/// discriminator is log 2 off 0 when trained and 0 (D = 1/2) when untrained.
let private run (earthMover: int64 -> float -> float) (untrainedEarthMover: int64 -> float -> float) =
    let m = manifest.Force()
    let seeds = Experiment.seedsFor m.Seed m.SeedCounts[Quick] 0
    let thetas = Settings.thetaGrid m.Settings.ThetaMax m.Scales[Quick].Thetas
    let measurements =
        [ for seed in seeds do
              for k in 0 .. thetas.Length - 1 ->
                  let t = thetas[k]
                  key seed k,
                  { EarthMover = earthMover seed t
                    JensenShannon = (if t = 0.0 then 0.0 else log 2.0)
                    SampleEarthMover = abs t
                    UntrainedEarthMover = untrainedEarthMover seed t
                    UntrainedJensenShannon = 0.0
                    CriticDiverged = None
                    DiscriminatorDiverged = None } ]
    Assembly.assemble m (TestSupport.cpuRun Quick seeds) measurements

[<Fact>]
let ``trained networks at the closed forms against untrained ones reproduce every claim`` () =
    // Trained critic: |theta| (WGAN Example 1); untrained: a small odd function of theta, what a random network's
    // E f(P0) - E f(P_theta) looks like to first order.
    let result = run (fun _ t -> abs t) (fun _ t -> -0.3 * t)
    let v = verdicts result
    let claims =
        [ "em-tracks-theta"; "em-matches-closed-form"; "em-has-gradient"; "js-saturated"; "js-has-no-gradient"
          "sample-w1-matches-closed-form" ]
    for id in claims do
        Assert.True((v[id] = "reproduced"), $"{id}: {v[id]}")
    // Every claim but the transport check has a measured control, and every one fails its claim's test.
    for c in result.Claims do
        match c.Control with
        | Some control ->
            let message = $"{c.Spec.Id}: control {control.Metric} is {control.Verdict.Name}"
            Assert.True((control.Verdict = NotReproduced), message)
        | None -> Assert.Equal("sample-w1-matches-closed-form", c.Spec.Id)
    // The control of js-has-no-gradient is the critic's absolute slope: 1 for |theta| (closed form).
    Assert.All(result.Metrics, fun m -> Assert.Equal(1.0, m.Values["em.absSlope"], 9))
    let allPositive = "Every trained critic (200 at theta <> 0) gave a positive EM estimate"
    Assert.Contains(result.Notes, fun n -> n.StartsWith allPositive)

[<Fact>]
let ``a critic as good untrained makes the EM claims uninformative`` () =
    let v = verdicts (run (fun _ t -> abs t) (fun _ t -> abs t))
    for id in [ "em-tracks-theta"; "em-matches-closed-form"; "em-has-gradient" ] do
        Assert.Equal("uninformative", v[id])
    Assert.Equal("reproduced", v["js-saturated"])

[<Fact>]
let ``a critic that failed to train is named by seed and theta in the notes`` () =
    // The published run's failed critic (issue 14): seed 4, theta = +0.6, estimate -0.145.
    let result = run (fun seed t -> if seed = 4L && abs (t - 0.6) < 1e-9 then -0.145 else abs t) (fun _ t -> -0.3 * t)
    Assert.Contains(result.Notes, fun n -> n.Contains "1 of 200: seed 4 at theta = 0.60 (estimate -0.145)")
    // One failed seed of 10 counts against the claim, and the sign test still decides (9 of 10: p = 11/1024).
    let tracks = TestSupport.claim result.Claims "em-tracks-theta"
    Assert.Equal(9, tracks.SeedsAgreeing)
    Assert.Equal(Reproduced, tracks.Verdict)
