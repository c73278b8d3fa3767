/// The mnist-loss-vs-quality experiment at smoke scale on the committed slice: snapshot, determinism
/// (including a classifier loaded from the cache), and the files a run writes.
[<Xunit.Collection(Wgan.Tests.MnistTestData.Collection)>]
module Wgan.Tests.LossVsQualityExperimentTests

open System.IO
open Xunit
open Snapshooter.Xunit
open Wgan.Experiments
open Wgan.Tests.CliTests
open Wgan.Tests.MnistTestData

let manifestPath = manifestPathOf "mnist-loss-vs-quality"

let private fixedEnvironment: Render.RunEnvironment =
    { HarnessVersion = "test"; TorchSharpVersion = "test"; DotnetVersion = "test"; OperatingSystem = "test"
      Device = "cpu"; Threads = 1; CommandLine = "test"; ComputeSeconds = 0.0 }

let private runSmokeWith (resources: IResources) =
    TestSupport.pinThreads ()
    let experiment = (Harness.ReadManifest(File.ReadAllText manifestPath)).Experiment
    experiment.Run("smoke", 0, "cpu", resources, System.Action<Progress>(ignore))

let private everything (result: ExperimentResult) =
    Render.resultJson result fixedEnvironment (File.ReadAllText manifestPath)
    :: (result.Series |> List.map Render.csv)
    @ (result.ImageGrids |> List.map (fun g -> g.Pixels |> Array.map Render.number |> String.concat ","))

[<Fact>]
let ``the repository manifest is valid`` () =
    let reading = Harness.ReadManifest(File.ReadAllText manifestPath)
    Assert.True(reading.IsValid, String.concat "; " reading.Errors)
    Assert.True(reading.Experiment.UsesMnist)

[<Fact>]
let ``smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (runSmokeWith (sliceResources ())))

[<Fact>]
let ``a classifier from the cache gives the same results as one trained in the run`` () =
    let resources = sliceResources ()
    let trained = runSmokeWith resources
    let cached = runSmokeWith resources
    Assert.Contains(trained.Notes, fun n -> n.Contains "trained in this run and cached")
    Assert.Contains(cached.Notes, fun n -> n.Contains "loaded from the cache")
    let withoutNotes r = everything { r with Notes = [] }
    Assert.Equal<string list>(withoutNotes trained, withoutNotes cached)
    // And an independent run with its own empty cache agrees too.
    Assert.Equal<string list>(withoutNotes trained, withoutNotes (runSmokeWith (sliceResources ())))

[<Fact>]
let ``repeated runs in one process give identical results`` () =
    // Regression: before RmsPropOptimizer and the critic's unfolded convolution, 4 of 10 such repetitions in
    // one process hit NaNs (freed native memory read back by TorchSharp's RMSProp and libtorch's conv kernels).
    let runs = [ for _ in 1 .. 5 -> everything { runSmokeWith (sliceResources ()) with Notes = [] } ]
    for r in runs.Tail do Assert.Equal<string list>(runs.Head, r)

[<Fact>]
let ``a damaged cached classifier is rebuilt`` () =
    let resources = sliceResources ()
    let trained = runSmokeWith resources
    let artefacts = Path.Combine(resources.Loader.CacheRoot, "artefacts")
    let file = Directory.GetFiles(artefacts) |> Array.exactlyOne
    let bytes = File.ReadAllBytes file
    bytes[100] <- bytes[100] ^^^ 0xffuy
    File.WriteAllBytes(file, bytes)
    let rebuilt = runSmokeWith resources
    Assert.Contains(rebuilt.Notes, fun n -> n.Contains "trained in this run and cached")
    Assert.Equal<string list>(everything { trained with Notes = [] }, everything { rebuilt with Notes = [] })

[<Fact>]
let ``run writes quality series, figures, grids and claims`` () =
    let dir = tempFolder ()
    let out = Path.Combine(dir, "results")
    let r = cli [ "run"; manifestPath; "--scale"; "smoke"; "--out"; out; "--mnist-file"; slicePath; "--cache"; Path.Combine(dir, "cache") ]
    Assert.True(r.Exit = 0, r.Err)
    let folder = Path.Combine(out, "mnist-loss-vs-quality")
    for file in [ "report.md"; "result.json"; "wgan-gp-quality.csv"; "wgan-clip-quality.csv"; "figures/real-digits.png"; "figures/wgan-gp-samples.png"
                  "figures/wgan-gp-em-estimate.png"; "figures/wgan-gp-frechet-distance.png"; "figures/wgan-gp-em-vs-fd.png"; "figures/wgan-clip-samples.png" ] do
        Assert.True(File.Exists(Path.Combine(folder, file)), $"missing {file}")
    // Smoke: 2 seeds x measurements at 0, 2, 4, 6 + header; 6 columns + 10 class shares.
    let lines = File.ReadAllLines(Path.Combine(folder, "wgan-gp-quality.csv"))
    Assert.Equal(9, lines.Length)
    Assert.Equal(16, lines[0].Split(',').Length)
    // The classifier was cached under --cache, never in the user's cache folder.
    Assert.Single(Directory.GetFiles(Path.Combine(dir, "cache", "artefacts"))) |> ignore
