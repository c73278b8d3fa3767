/// The architectures experiment (WGAN-GP Figures 2 and 3, WGAN section 4.3): at smoke scale on the committed MNIST
/// and Fashion-MNIST slices, the snapshot and checkpoint-resume exactness; the manifest's checks; the measures
/// (class entropy, the gap score, the iterations to quality) and gan_64x64.py's least-squares and halved
/// cross-entropy losses on hand-computed values.
[<Xunit.Collection(Wgan.Tests.MnistTestData.Collection)>]
module Wgan.Tests.ArchitecturesTests

open System
open System.IO
open System.Text.Json.Nodes
open TorchSharp
open Xunit
open Snapshooter.Xunit
open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.Architectures
open Wgan.Tests.MnistTestData

/// The manifest, in its own folder: it runs by its own command, not with the main one.
let manifestPath = findUp (Path.Combine("experiments", "architectures", "architectures.json"))

[<Fact>]
let ``the repository manifest is valid and reads MNIST and Fashion-MNIST`` () =
    let reading = Harness.ReadManifest(File.ReadAllText manifestPath)
    Assert.True(reading.IsValid, String.concat "; " reading.Errors)
    Assert.Equal<string[]>([| "mnist"; "fashion-mnist" |], reading.Experiment.ImageSets)

/// The manifest's text with `change` applied to its JSON.
let private mutated (change: JsonNode -> unit) =
    let root = JsonNode.Parse(File.ReadAllText manifestPath)
    change root
    root.ToJsonString()

let private assertRejectedAt (path: string) (messagePart: string) (text: string) =
    let reading = Harness.ReadManifest text
    Assert.False(reading.IsValid)
    let errors = reading.Errors |> List.ofSeq
    Assert.True(
        errors |> List.exists (fun e -> e.Contains path && e.Contains messagePart),
        $"""expected an error at {path} containing "{messagePart}", got: {String.concat " | " errors}""")

[<Fact>]
let ``a penalty critic with batch norm, an unknown architecture and a clipped GAN are refused with their paths`` () =
    // methods[3] is wgan-gp: gan_64x64.py's Normalize gives its critic layer norm (WGAN-GP section 4).
    mutated (fun m -> m.["methods"].[3].["criticNormalization"] <- JsonValue.Create "batch")
    |> assertRejectedAt "$.methods[3].criticNormalization" "must not use batch norm"
    mutated (fun m -> m.["architectures"].[1] <- JsonValue.Create "crippled")
    |> assertRejectedAt "$.architectures[1]" "unknown architecture"
    let clipping = """{"kind": "weight-clipping", "bound": 0.01, "timing": "after-step"}"""
    mutated (fun m -> m.["methods"].[0].["constraint"] <- JsonNode.Parse clipping)
    |> assertRejectedAt "$.methods[0].constraint.kind" "non-Wasserstein"
    mutated (fun m -> m.["dataSets"] <- JsonNode.Parse """["mnist", "mnist"]""")
    |> assertRejectedAt "$.dataSets" "twice"
    mutated (fun m -> m.["scales"].["smoke"].["referenceImages"] <- JsonValue.Create 41)
    |> assertRejectedAt "$.scales.smoke.referenceImages" "even"

[<Fact>]
let ``a method may run on listed architectures only, and names none that is not listed`` () =
    mutated (fun m ->
        m.["architectures"] <- JsonNode.Parse """["dcgan", "fc"]"""
        m.["claims"] <- JsonNode.Parse "[]"
        m.["methods"].[3].["architectures"] <- JsonNode.Parse """["dcgan", "resnet"]""")
    |> assertRejectedAt "$.methods[3].architectures" "\"resnet\" is not in \"architectures\""
    let text =
        mutated (fun m ->
            m.["architectures"] <- JsonNode.Parse """["dcgan", "fc"]"""
            m.["claims"] <- JsonNode.Parse "[]"
            m.["methods"].[3].["architectures"] <- JsonNode.Parse """["fc"]""")
    let reading = Harness.ReadManifest text
    Assert.True(reading.IsValid, String.concat "; " reading.Errors)
    let keys = reading.Experiment.Plan("smoke", 1, "cpu", sliceResources ()).UnitKeys
    // Per image set (two): a reference unit; dcgan, lsgan and wgan on both architectures, wgan-gp on fc only.
    Assert.Equal(2 * (1 + 3 * 2 + 1), keys.Length)
    Assert.Contains("seed-1/mnist/fc/wgan-gp", keys)
    Assert.DoesNotContain("seed-1/mnist/dcgan/wgan-gp", keys)

[<Fact>]
let ``a method's warm-up adds discriminator steps where it says, and "none" changes nothing`` () =
    TestSupport.pinThreads ()
    // methods[2] is wgan; unit 4 is seed 1's wgan on dcgan (see the resume test below).
    let unitWith (warmup: string option) =
        let text =
            mutated (fun m ->
                warmup |> Option.iter (fun w -> m.["methods"].[2].["warmup"] <- JsonNode.Parse w))
        let reading = Harness.ReadManifest text
        Assert.True(reading.IsValid, String.concat "; " reading.Errors)
        let run = reading.Experiment.Plan("smoke", 1, "cpu", sliceResources ())
        Assert.Equal("seed-1/mnist/dcgan/wgan", run.UnitKeys[4])
        UnitStore.toJson (TestSupport.runStraight run 4)
    let plain = unitWith None
    Assert.Equal(plain, unitWith (Some """{"kind": "none"}"""))
    // The WGAN paper's main.py schedule, shortened: 3 critic steps before generator iteration 0 (of the smoke
    // scale's 2), 5 after; the first measurement after training differs.
    let official = """{"kind": "official-wgan", "criticSteps": 3, "firstGeneratorIterations": 1, "every": 500}"""
    Assert.NotEqual<string>(plain, unitWith (Some official))
    // The schedule itself: main.py's 100 steps for the first 25 generator iterations and every 500th.
    let schedule = MnistVariant.OfficialWarmup(100, 25, 500)
    Assert.Equal<int list>(
        [ 100; 100; 5; 5; 100; 5 ],
        [ 0; 24; 25; 499; 500; 501 ] |> List.map (MnistVariant.criticStepsAt schedule 5))
    let none = official.Replace("\"criticSteps\": 3", "\"criticSteps\": 0")
    mutated (fun m -> m.["methods"].[2].["warmup"] <- JsonNode.Parse none)
    |> assertRejectedAt "$.methods[2].warmup.criticSteps" ""

/// The publication manifests, one per image set.
let private publication (set: string) =
    findUp (Path.Combine("experiments", $"architectures-{set}", "architectures.json"))

[<Fact>]
let ``each publication manifest reads its one image set and runs the cells its claims need`` () =
    for set in [ "mnist"; "fashion-mnist" ] do
        let reading = Harness.ReadManifest(File.ReadAllText(publication set))
        Assert.True(reading.IsValid, String.concat "; " reading.Errors)
        Assert.Equal<string[]>([| set |], reading.Experiment.ImageSets)
        let keys = reading.Experiment.Plan("smoke", 1, "cpu", sliceResources ()).UnitKeys
        let seed = reading.Experiment.SeedsAt("smoke", 1)[0]
        let expected =
            [| $"reference/{set}"
               for arch in [ "dcgan"; "wgan-paper-crippled-dcgan"; "fc" ] do
                   for m in [ "dcgan"; "wgan"; "wgan-gp" ] do
                       if m <> "wgan-gp" || arch = "dcgan" then $"seed-{seed}/{set}/{arch}/{m}" |]
        Assert.Equal<string[]>(expected, keys)

[<Fact>]
let ``Figure 3 against time puts each measurement at iteration x median seconds per iteration``
    ()
    =
    let experiment = (Harness.ReadManifest(File.ReadAllText(publication "mnist"))).Experiment
    let run = experiment.Plan("smoke", 1, "cpu", sliceResources ())
    let results = [| for i in 0 .. run.UnitKeys.Length - 1 -> TestSupport.runStraight run i |]
    // Smoke: 2 generator iterations. wgan's unit took 10 s (5 s per iteration); wgan-gp's time is unknown.
    let seconds = readOnlyDict [ for key in run.UnitKeys do if key.EndsWith "/dcgan/wgan" then key, 10.0 ]
    let timed = run.Assemble(results, seconds)
    let figure = timed.Figures |> List.find (fun f -> f.Name = "mnist-dcgan-quality-wall-clock")
    let wgan = figure.Lines |> List.find (fun l -> l.Label = "wgan")
    Assert.Equal<float[]>([| 0.0; 5.0; 10.0 |], wgan.X)
    // A method whose time is unknown is not drawn against time; every other result is the same without times.
    Assert.DoesNotContain(figure.Lines, fun l -> l.Label = "wgan-gp")
    let untimed = run.Assemble(results, readOnlyDict [])
    Assert.Equal(Render.snapshotText untimed, Render.snapshotText timed)
    Assert.Equal<string list>(untimed.Notes, timed.Notes)
    Assert.Equal<float[] list>(
        untimed.Series |> List.collect (fun s -> s.Rows), timed.Series |> List.collect (fun s -> s.Rows))

/// The smoke run on the slices, computed once.
let private reference = lazy (smokeRunOf manifestPath 0 (sliceResources ()))

[<Fact>]
let ``smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText reference.Value)

[<Fact>]
let ``the smoke run draws Figure 2 per image set and Figure 3 per architecture`` () =
    let r = reference.Value
    // 2 image sets x (7 architectures + the per-step figure of the first), and per set the samples and real grids.
    Assert.Equal(16, r.Figures.Length)
    let grid = r.ImageGrids |> List.find (fun g -> g.Name = "mnist-samples")
    // 4 methods x 7 architectures, 2 x 2 images per cell.
    Assert.Equal((8, 14), (grid.Rows, grid.Columns))
    // Every method of a seed starts from the same generator: the same untrained distance.
    let first = r.Metrics.Head.Values
    Assert.True(Double.IsFinite first["mnist.untrainedFd.dcgan"])
    Assert.Equal(1, r.Series |> List.filter (fun s -> s.Name = "mnist-quality") |> List.length)

[<Fact>]
let ``a unit killed after each checkpoint and resumed gives the uninterrupted unit result`` () =
    TestSupport.pinThreads ()
    let experiment = (Harness.ReadManifest(File.ReadAllText manifestPath)).Experiment
    let run = experiment.Plan("smoke", 1, "cpu", sliceResources ())
    // Units: the two reference units, then seed 1's mnist units, dcgan (dcgan, lsgan, wgan, wgan-gp), ...
    Assert.Equal("seed-1/mnist/dcgan/wgan", run.UnitKeys[4])
    for index in [ 2; 4; 5 ] do
        let resumed, kills = TestSupport.runKilledAfterEverySave run index
        // Smoke: 2 generator iterations, a checkpoint after the first.
        Assert.Equal(1, kills)
        Assert.Equal(UnitStore.toJson (TestSupport.runStraight run index), UnitStore.toJson resumed)

[<Fact>]
let ``class entropy of hand-made histograms`` () =
    // Uniform over 10 classes: log 10 / log 10 = 1; one class: 0.
    Assert.Equal(1.0, Architectures.Measures.classEntropy (Array.create 10 0.1), 12)
    Assert.Equal(0.0, Architectures.Measures.classEntropy (Array.init 10 (fun c -> if c = 3 then 1.0 else 0.0)), 12)
    // Two classes of ten at one half each: log 2 / log 10 = 0.30103 (closed form).
    let two = Array.init 10 (fun c -> if c < 2 then 0.5 else 0.0)
    Assert.Equal(log 2.0 / log 10.0, Architectures.Measures.classEntropy two, 12)

[<Fact>]
let ``the gap score and the iterations to quality`` () =
    // Untrained 1000, real 10: fd 100 is the geometric midpoint, log(10) / log(100) = 0.5; fd 10 gives 1, 1000 gives 0.
    Assert.Equal(0.5, Architectures.Measures.score 1000.0 10.0 100.0, 12)
    Assert.Equal(1.0, Architectures.Measures.score 1000.0 10.0 10.0, 12)
    Assert.Equal(0.0, Architectures.Measures.score 1000.0 10.0 1000.0, 12)
    // No gap to close (untrained no farther than real): undefined.
    Assert.True(Double.IsNaN(Architectures.Measures.score 5.0 10.0 7.0))
    // First reaching 0.5 at iteration 40 of 200: 0.2; never: 2.
    let scores = [ 0, 0.0; 20, 0.3; 40, 0.55; 60, 0.4 ]
    Assert.Equal(0.2, Architectures.Measures.fractionToQuality 0.5 200 scores, 12)
    Assert.Equal(2.0, Architectures.Measures.fractionToQuality 0.9 200 scores)

[<Fact>]
let ``gan_64x64.py's least-squares and halved cross-entropy losses on hand-computed values`` () =
    use _ = torch.NewDisposeScope()
    let real = torch.tensor([| 1.0; 3.0 |])
    let fake = torch.tensor([| 0.0; 2.0 |])
    // lsgan D: ((0^2 + 2^2) / 2 + (0^2 + 2^2) / 2) / 2 = 2; G: ((0 - 1)^2 + (2 - 1)^2) / 2 = 1.
    Assert.Equal(2.0, (AdversarialObjective.leastSquaresDiscriminatorLoss real fake).ReadDouble(), 12)
    Assert.Equal(1.0, (AdversarialObjective.leastSquaresGeneratorLoss fake).ReadDouble(), 12)
    // dcgan D: half of softplus(-real) mean + softplus(fake) mean (GAN 2014's loss on logits, halved as line 508).
    let sp (x: float) = log (1.0 + exp x)
    let expected = ((sp -1.0 + sp -3.0) / 2.0 + (sp 0.0 + sp 2.0) / 2.0) / 2.0
    Assert.Equal(expected, (AdversarialObjective.crossEntropyDiscriminatorLoss real fake).ReadDouble(), 12)
