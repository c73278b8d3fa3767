/// The mnist-loss-vs-quality experiment: at smoke scale on the committed slice, the snapshot, determinism (including
/// a classifier loaded from the cache), resumption and the files a run writes; the change correlation on
/// hand-computed series, and the claims against their clock controls.
[<Xunit.Collection(Wgan.Tests.MnistTestData.Collection)>]
module Wgan.Tests.LossVsQualityTests

open System
open System.IO
open System.Text.Json.Nodes
open Xunit
open Snapshooter.Xunit
open Wgan.Experiments
open Wgan.Experiments.LossVsQuality
open Wgan.Tests.CliTests
open Wgan.Tests.MnistTestData

let manifestPath = manifestPathOf "mnist-loss-vs-quality"

/// A smoke run with `seeds` seeds (0: the manifest's).
let private runSmokeSeeds (seeds: int) (resources: IResources) = smokeRunOf manifestPath seeds resources

let private runSmokeWith (resources: IResources) = runSmokeSeeds 0 resources

let private everything = everythingOf manifestPath

[<Fact>]
let ``the repository manifest is valid`` () =
    let reading = Harness.ReadManifest(File.ReadAllText manifestPath)
    Assert.True(reading.IsValid, String.concat "; " reading.Errors)
    Assert.Equal<string[]>([| "mnist" |], reading.Experiment.ImageSets)

/// A smoke run with its own empty cache, computed once.
let private reference = lazy (runSmokeWith (sliceResources ()))

[<Fact>]
let ``smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText reference.Value)

/// Resources over the slice that count the classifier's cache traffic; with `keep = false` the cache never
/// holds anything, so that every unit trains the classifier itself.
type private CountingResources(keep: bool) =
    let inner = sliceResources ()
    member val Loaded = 0 with get, set
    member val Stored = 0 with get, set
    member _.CacheRoot = inner.Loader.CacheRoot
    interface IResources with
        member _.Mnist() = inner.Mnist()
        member _.FashionMnist() = inner.FashionMnist()
        member this.TryLoad key =
            let bytes = if keep then inner.TryLoad key else null
            if not (isNull bytes) then this.Loaded <- this.Loaded + 1
            bytes
        member this.Store(key, contents) =
            if keep then
                this.Stored <- this.Stored + 1
                inner.Store(key, contents)

[<Fact>]
let ``a classifier from the cache gives the same results as one trained in the run`` () =
    let resources = CountingResources(true)
    let trained = runSmokeWith resources
    // Smoke: the classifier unit trains and stores the classifier; the 4 GAN units load it.
    Assert.Equal((1, 4), (resources.Stored, resources.Loaded))
    let cached = runSmokeWith resources
    Assert.Equal((1, 9), (resources.Stored, resources.Loaded))
    Assert.Equal<string list>(everything trained, everything cached)

[<Fact>]
let ``units run in any order, in separate groups with separate caches, assemble to the same result`` () =
    let expected = everything reference.Value
    let experiment = (Harness.ReadManifest(File.ReadAllText manifestPath)).Experiment
    // Two "machines" running alternate units in reverse order: the first has an empty cache, so a GAN unit
    // trains the classifier (and caches it) before the classifier unit loads it; the second has a cache that
    // never keeps anything, so each of its units trains the classifier itself.
    let machines = [| CountingResources(true); CountingResources(false) |]
    let runs = machines |> Array.map (fun resources -> experiment.Plan("smoke", 0, "cpu", resources))
    let count = runs[0].UnitKeys.Length
    let results = [ for i in count - 1 .. -1 .. 0 -> TestSupport.runStraight runs[i % 2] i ]
    Assert.Equal<string list>(expected, everything (runs[0].Assemble(results, readOnlyDict [])))
    Assert.Equal((1, 2), (machines[0].Stored, machines[0].Loaded))
    Assert.Equal((0, 0), (machines[1].Stored, machines[1].Loaded))

[<Fact>]
let ``a unit killed after each checkpoint and resumed gives the uninterrupted unit result`` () =
    TestSupport.pinThreads ()
    // A checkpoint after every generator iteration, so that most resumptions fall inside an evaluation
    // interval, whose EM estimates the measurement at its end summarises.
    let root = JsonNode.Parse(File.ReadAllText manifestPath)
    root.["scales"].["smoke"].["checkpointEvery"] <- JsonValue.Create 1
    let run = (Harness.ReadManifest(root.ToJsonString())).Experiment.Plan("smoke", 1, "cpu", sliceResources ())
    Assert.Equal<string[]>([| "classifier"; "seed-1/wgan-gp"; "seed-1/wgan-clip" |], run.UnitKeys)
    for index in 1 .. 2 do
        let resumed, kills = TestSupport.runKilledAfterEverySave run index
        // Smoke: 6 generator iterations, a checkpoint after each of the first 5.
        Assert.Equal(5, kills)
        Assert.Equal(UnitStore.toJson (TestSupport.runStraight run index), UnitStore.toJson resumed)

[<Fact>]
let ``repeated runs in one process give identical results, also under garbage pressure`` () =
    // Regression: 4 of 10 such repetitions in one process once hit NaNs, from Scalars that the garbage
    // collector freed during libtorch calls (see Wgan.Core.Scalars); under garbage pressure they show at once.
    // One seed: a run under garbage pressure (see FinalizerStressTests) takes several times longer.
    let run () = everything { runSmokeSeeds 1 (sliceResources ()) with Notes = [] }
    let quiet = run ()
    Assert.Equal<string list>(quiet, run ())
    Assert.Equal<string list>(quiet, TestSupport.underGarbagePressure run)

[<Fact>]
let ``a damaged cached classifier is rebuilt`` () =
    let resources = CountingResources(true)
    let trained = runSmokeWith resources
    let artefacts = Path.Combine(resources.CacheRoot, "artefacts")
    let file = Directory.GetFiles(artefacts) |> Array.exactlyOne
    let bytes = File.ReadAllBytes file
    bytes[100] <- bytes[100] ^^^ 0xffuy
    File.WriteAllBytes(file, bytes)
    let rebuilt = runSmokeWith resources
    // The classifier unit finds the damaged file, trains the classifier again and stores it; the GAN units load it.
    Assert.Equal((2, 8), (resources.Stored, resources.Loaded))
    Assert.Equal<string list>(everything trained, everything rebuilt)

[<Fact>]
let ``run writes quality series, figures, grids and claims`` () =
    let dir = tempFolder ()
    let out = Path.Combine(dir, "results")
    let cache = Path.Combine(dir, "cache")
    let r = cli [ "run"; manifestPath; "--scale"; "smoke"; "--out"; out; "--mnist-file"; slicePath; "--cache"; cache ]
    Assert.True(r.Exit = 0, r.Err)
    let folder = Path.Combine(out, "mnist-loss-vs-quality")
    let files =
        [ "report.md"; "result.json"; "wgan-gp-quality.csv"; "wgan-clip-quality.csv"
          "figures/real-digits.png"; "figures/wgan-gp-samples.png"; "figures/wgan-gp-em-estimate.png"
          "figures/wgan-gp-frechet-distance.png"; "figures/wgan-gp-em-vs-fd.png"; "figures/wgan-clip-samples.png" ]
    for file in files do
        Assert.True(File.Exists(Path.Combine(folder, file)), $"missing {file}")
    // Smoke: 2 seeds x measurements at 0, 2, 4, 6 + header; 6 columns + 10 class shares.
    let lines = File.ReadAllLines(Path.Combine(folder, "wgan-gp-quality.csv"))
    Assert.Equal(9, lines.Length)
    Assert.Equal(16, lines[0].Split(',').Length)
    // The classifier was cached under --cache, never in the user's cache folder.
    Assert.Single(Directory.GetFiles(Path.Combine(dir, "cache", "artefacts"))) |> ignore

[<Fact>]
let ``a run whose losses become NaN stops, is marked diverged and keeps the other runs`` () =
    let result = divergingSmokeRun manifestPath
    Assert.Contains("Diverged (seed-1/wgan-gp)", String.concat "\n" result.Notes)
    let gp = TestSupport.claim result.Claims "gp-em-tracks-quality"
    Assert.Equal(Inconclusive, gp.Verdict)
    Assert.True(result.Metrics |> List.forall (fun m -> System.Double.IsNaN m.Values["gp.rankCorrelationFd"]))
    Assert.True(result.Metrics |> List.forall (fun m -> System.Double.IsFinite m.Values["clip.finalFd"]))
    // The figures still cover the evaluation points of the runs that finished.
    Assert.NotEmpty(result.Figures)

let private specOf = claimOf Settings.reading

let private seedMetrics = seedMetricsOf

let private longerManifestPath =
    Path.Combine(TestSupport.experimentsFolder.Force(), "longer", "mnist-loss-vs-quality.json")

[<Fact>]
let ``change rank correlation of hand-computed series, and the clock's is 0`` () =
    Assert.DoesNotContain("UNCONVERTED", File.ReadAllText manifestPath)
    Assert.DoesNotContain("UNCONVERTED", File.ReadAllText longerManifestPath)
    // Changes of [1; 3; 2; 5] are [2; -1; 3], of [0; 1; 0; 2] are [1; -1; 2]: the same order, rho = 1.
    Assert.Equal(1.0, Assembly.changeRankCorrelation [| 1.0; 3.0; 2.0; 5.0 |] [| 0.0; 1.0; 0.0; 2.0 |], 12)
    // Reversed order of changes ([-1; 1; -2]): rho = -1.
    Assert.Equal(-1.0, Assembly.changeRankCorrelation [| 1.0; 3.0; 2.0; 5.0 |] [| 0.0; -1.0; 0.0; -2.0 |], 12)
    // The clock (-iteration at even spacing) has equal changes: no information, 0 by definition, even against a
    // Frechet distance that falls in step with it.
    Assert.Equal(0.0, Assembly.changeRankCorrelation [| -20.0; -40.0; -60.0; -80.0 |] [| 90.0; 80.0; 70.0; 60.0 |])
    // Fewer than two changes: undefined.
    Assert.True(Double.IsNaN(Assembly.changeRankCorrelation [| 1.0; 2.0 |] [| 1.0; 2.0 |]))

[<Fact>]
let ``an estimate that tracks quality only as well as the clock is uninformative`` () =
    for path in [ manifestPath; longerManifestPath ] do
        let spec = specOf path "gp-em-tracks-quality"
        let control = match spec.Control with ControlMetric (m, _) -> m | NoControl why -> why
        Assert.Equal("gp.clockRankCorrelationFd", control)
        // results/longer: per-seed correlations of the estimate 0.72 to 0.99, of the clock 0.72 to 0.97.
        let estimate = [| 0.99; 0.95; 0.97; 0.92; 0.98 |]
        let clock = [| 0.97; 0.94; 0.96; 0.93; 0.95 |]
        let r =
            Claims.evaluate (seedMetrics [ "gp.rankCorrelationFd", estimate; "gp.clockRankCorrelationFd", clock ]) spec
        Assert.Equal(Uninformative, r.Verdict)
        // The change claim's control is the clock's change correlation, 0 at every seed: it fails.
        let change = specOf path "gp-em-changes-track-quality"
        let changes = [| 0.6; 0.5; 0.7; 0.55; 0.65 |]
        let clockChanges = Array.zeroCreate 5
        let c =
            Claims.evaluate
                (seedMetrics [ "gp.changeRankCorrelationFd", changes; "gp.clockChangeRankCorrelationFd", clockChanges ])
                change
        Assert.Equal(NotReproduced, c.Control.Value.Verdict)
        Assert.Equal(Reproduced, c.Verdict)
