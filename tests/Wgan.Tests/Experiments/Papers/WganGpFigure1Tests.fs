/// The WGAN-GP Figure 1 experiments (capacity-underuse, gradient-norms) at smoke scale:
/// snapshots of their claims and rounded metrics, determinism, their figures, and manifest validation.
module Wgan.Tests.WganGpFigure1Tests

open System
open System.IO
open Xunit
open Snapshooter.Xunit
open Wgan.Experiments

let private manifestText (id: string) = TestSupport.manifestText id

let private plan (text: string) =
    let reading = Harness.ReadManifest text
    Assert.True(reading.IsValid, String.Join("\n", reading.Errors))
    reading.Experiment

let private runSmoke (id: string) (seeds: int) = TestSupport.runSmokeText (manifestText id) seeds

[<Fact>]
let ``capacity-underuse smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (runSmoke "capacity-underuse" 0))

[<Fact>]
let ``gradient-norms smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (runSmoke "gradient-norms" 0))

[<Fact>]
let ``capacity-underuse draws a value surface with real and generated samples per data set and critic`` () =
    let result = runSmoke "capacity-underuse" 1
    Assert.Equal<string list>(
        [ for d in [ "8gaussians"; "25gaussians"; "swissroll" ] do for k in [ "optimal"; "clip"; "gp" ] -> $"surface-{d}-{k}" ],
        result.Figures |> List.map (fun f -> f.Name))
    for f in result.Figures do
        let surface = Assert.Single(f.Surfaces)
        // smoke scale of experiments/capacity-underuse.json: a 24 x 24 grid over [-3, 3]^2, 128 plotted samples.
        Assert.Equal(24, Array2D.length1 surface.Values)
        Assert.Equal(24, Array2D.length2 surface.Values)
        Assert.Equal((-3.0, 3.0), (surface.XMin, surface.XMax))
        Assert.Equal<string list>([ "real (Pr)"; "generated (Pr + N(0, 1^2 I))" ], f.Points |> List.map (fun p -> p.Label))
        for p in f.Points do Assert.Equal(128, p.X.Length)

[<Fact>]
let ``gradient-norms draws one curve per setting over the 12 layers`` () =
    let result = runSmoke "gradient-norms" 1
    let figure = result.Figures.Head
    Assert.Equal<string list>(
        [ "weight clipping c = 0.1"; "weight clipping c = 0.01"; "weight clipping c = 0.001"; "gradient penalty lambda = 10" ],
        figure.Lines |> List.map (fun l -> l.Label))
    for l in figure.Lines do
        Assert.Equal<float[]>(Array.init 12 (fun k -> float (k + 1)), l.X)
        Assert.True(l.Y |> Array.forall Double.IsFinite, $"{l.Label}: {l.Y}")

let private errorsOf (text: string) = (Harness.ReadManifest text).Errors |> List.ofArray

[<Fact>]
let ``a capacity-underuse manifest whose clipped critic uses a penalty is rejected at its path`` () =
    let text = (manifestText "capacity-underuse").Replace("\"kind\": \"weight-clipping\", \"bound\": 0.01, \"timing\": \"after-step\"", "\"kind\": \"gradient-penalty\", \"lambda\": 10, \"sides\": \"two-sided\"")
    Assert.Contains("$.clippedCritic.constraint: must be a weight-clipping constraint", errorsOf text)

[<Fact>]
let ``a claim on a metric of a data set the manifest does not list is rejected`` () =
    let text = (manifestText "capacity-underuse").Replace("\"datasets\": [\"8gaussians\", \"25gaussians\", \"swissroll\"]", "\"datasets\": [\"8gaussians\", \"swissroll\"]")
    let errors = errorsOf text
    Assert.Contains(errors, fun e -> e.StartsWith "$.claims[1].metric: must be a metric this experiment measures")
    Assert.Contains(errors, fun e -> e.StartsWith "$.claims[4].metric: must be a metric this experiment measures")
    // Their controls (25gaussians.radial.capturedFraction, 25gaussians.radialGap) are rejected likewise.
    Assert.Contains(errors, fun e -> e.StartsWith "$.claims[1].control.metric: must be a metric this experiment measures")
    Assert.Contains(errors, fun e -> e.StartsWith "$.claims[4].control.metric: must be a metric this experiment measures")
    // So are the 25 Gaussians' structure claims (7 and 10) and their controls.
    for i in [ 7; 10 ] do
        Assert.Contains(errors, fun e -> e.StartsWith $"$.claims[{i}].metric: must be a metric this experiment measures")
        Assert.Contains(errors, fun e -> e.StartsWith $"$.claims[{i}].control.metric: must be a metric this experiment measures")
    // And their unit criteria (the penalty critics' dual estimates: one for claims 1 and 7, gp and gp2 for 4 and 10).
    for i, criteria in [ 1, 1; 4, 2; 7, 1; 10, 2 ] do
        for k in 0 .. criteria - 1 do
            let prefix = $"$.claims[{i}].unitCriteria[{k}].metric: must be a metric this experiment measures"
            Assert.Contains(errors, fun e -> e.StartsWith prefix)
    // And the training set of the data set no longer listed.
    Assert.Contains("$.trainingSet.25gaussians: is not a known field", errors)
    Assert.Equal(15, errors.Length)

[<Fact>]
let ``gradient-norms setting ids must be unique`` () =
    let text = (manifestText "gradient-norms").Replace("\"id\": \"clip-0.01\"", "\"id\": \"clip-0.1\"")
    Assert.Contains("$.settings: setting ids must be unique", errorsOf text)

[<Fact>]
let ``the three experiments are in the catalogue`` () =
    let ids = Catalogue.all |> List.map (fun d -> d.Id)
    for id in [ "capacity-underuse"; "gradient-norms" ] do
        Assert.Contains(id, ids)

/// Runs every unit of a smoke run (one seed) of a manifest's text killed after each checkpoint save and
/// resumed, and checks that each gives, bit for bit, the result of the same unit run straight through.
let private textResumesExactly (text: string) (units: int list) (expectedKills: int) =
    TestSupport.pinThreads ()
    let run = (plan text).Plan("smoke", 1, "cpu", NoResources())
    for index in units do
        let resumed, kills = TestSupport.runKilledAfterEverySave run index
        Assert.Equal(expectedKills, kills)
        Assert.Equal(UnitStore.toJson (TestSupport.runStraight run index), UnitStore.toJson resumed)

/// The same for a manifest of the repository.
let private resumesExactly (id: string) (units: int list) (expectedKills: int) =
    TestSupport.pinThreads ()
    let run = (plan (manifestText id)).Plan("smoke", 1, "cpu", NoResources())
    for index in units do
        let resumed, kills = TestSupport.runKilledAfterEverySave run index
        Assert.Equal(expectedKills, kills)
        Assert.Equal(UnitStore.toJson (TestSupport.runStraight run index), UnitStore.toJson resumed)

[<Fact>]
let ``gradient-norms units killed after each checkpoint and resumed give the uninterrupted results`` () =
    // Smoke scale of experiments/gradient-norms.json: 5 generator iterations, a checkpoint after 2 and 4.
    resumesExactly "gradient-norms" [ 0 .. 3 ] 2

[<Fact>]
let ``a capacity-underuse unit killed after each checkpoint and resumed gives the uninterrupted result`` () =
    // Smoke scale of experiments/capacity-underuse.json: 3 x 40 critic steps (clipped, penalised, replicate), a
    // checkpoint every 20 before the last step: after steps 20, 40, 60, 80 and 100.
    resumesExactly "capacity-underuse" [ 0 ] 5

// ---- capacity-underuse: the fixed 25-Gaussian training set and the plateau rule ----

/// The smoke scale's fixed 40 critic steps of experiments/capacity-underuse.json.
let private smokeSteps = "\"criticSteps\": 40, \"evaluationSamples\": 128"

/// capacity-underuse with its smoke scale trained under the plateau rule: at least 10 and at most 60 steps,
/// evaluated every 5 steps, windows of 2 evaluations, 5% tolerance, a plateau batch of 64 per distribution.
let private plateauManifest () =
    let text = manifestText "capacity-underuse"
    Assert.Contains(smokeSteps, text)
    text.Replace(
        smokeSteps,
        "\"criticSteps\": {\"kind\": \"until-plateau\", \"minSteps\": 10, \"maxSteps\": 60, \"evaluateEvery\": 5, \"window\": 2, \"tolerance\": 0.05, \"evaluationSamples\": 64}, \"evaluationSamples\": 128")

[<Fact>]
let ``capacity-underuse's plateau rule stops each critic where its logged evaluations first plateau`` () =
    TestSupport.pinThreads ()
    let result = (plan (plateauManifest ())).Run("smoke", 1, "cpu", Action<Progress>(ignore))
    let plateau = result.Series |> List.find (fun s -> s.Name = "plateau")
    let rule: Wgan.Core.Plateau.Rule = { EvaluateEvery = 5; Window = 2; Tolerance = 0.05 }
    let values = (Assert.Single result.Metrics).Values
    for d, code in [ "8gaussians", 0.0; "25gaussians", 1.0; "swissroll", 2.0 ] do
        for prefix, critic in [ "clip", 0.0; "gp", 1.0; "gp2", 3.0 ] do
            let trace = plateau.Rows |> List.filter (fun r -> r[1] = code && r[2] = critic) |> Array.ofList
            let stoppedAt = values[$"{d}.{prefix}.stoppedAt"]
            // Evaluated after steps 5, 10, ... up to where it stopped; the stop is the first evaluation at or
            // after step 10 whose trace so far plateaus under the rule, or the cap of 60.
            Assert.Equal<float[]>([| for k in 1 .. int stoppedAt / 5 -> float (5 * k) |], trace |> Array.map (fun r -> r[3]))
            let estimates = trace |> Array.map (fun r -> r[4])
            let expected =
                [ 1 .. estimates.Length ]
                |> List.tryFind (fun k -> 5 * k >= 10 && Wgan.Core.Plateau.reached rule estimates[.. k - 1])
                |> Option.map (fun k -> float (5 * k))
                |> Option.defaultValue 60.0
            Assert.Equal(expected, stoppedAt)
    // The rule stopped some critic before the cap at this tolerance (so the test reads a stop, not only the cap).
    Assert.Contains(values |> Seq.filter (fun kv -> kv.Key.EndsWith ".stoppedAt") |> Seq.map (fun kv -> kv.Value), fun v -> v < 60.0)

[<Fact>]
let ``capacity-underuse units under the plateau rule, fresh and fixed training sets, resume bit for bit`` () =
    // Units 0 (8 Gaussians, fresh batches) and 1 (25 Gaussians, gan_toy.py's fixed set, cycled) of the plateau
    // manifest: 3 x 60 loop iterations, a checkpoint every 20 before the last: after 20, 40, ..., 160 (the
    // iterations of a critic the rule has stopped pass without work and still save).
    textResumesExactly (plateauManifest ()) [ 0; 1 ] 8

[<Fact>]
let ``capacity-underuse training-set and plateau options are checked at their paths`` () =
    let text = manifestText "capacity-underuse"
    let fixed8 = text.Replace("\"8gaussians\": {\"kind\": \"fresh\"}", "\"8gaussians\": {\"kind\": \"fixed\", \"points\": 100000}")
    Assert.Contains(errorsOf fixed8, fun e -> e.StartsWith "$.trainingSet.8gaussians.kind: must be \"fresh\": gan_toy.py builds a fixed set only for 25gaussians")
    let missing = text.Replace("\"swissroll\": {\"kind\": \"fresh\"}}", "}").Replace("{\"kind\": \"fixed\", \"points\": 100000},", "{\"kind\": \"fixed\", \"points\": 100000}")
    Assert.Contains("$.trainingSet.swissroll: is required but missing", errorsOf missing)
    let odd = text.Replace("\"points\": 100000", "\"points\": 1010")
    Assert.Contains(errorsOf odd, fun e -> e.StartsWith "$.trainingSet.25gaussians.points: must be a multiple of 25")
    let small = text.Replace("\"points\": 100000", "\"points\": 50")
    Assert.Contains(errorsOf small, fun e -> e.StartsWith "$.scales.smoke.batchSize: must not exceed the 50 points of the fixed training set")
    let inverted = (plateauManifest ()).Replace("\"maxSteps\": 60", "\"maxSteps\": 9")
    Assert.Contains("$.scales.smoke.criticSteps: minSteps must not exceed maxSteps", errorsOf inverted)

[<Fact>]
let ``the two publication manifests are the main capacity-underuse manifest at gan_toy.py's scale with lambda 10 and 0.1`` () =
    // experiments/paper-lambda-10 and experiments/paper-lambda-0.1 (issue 16): gan_toy.py's critic (DIM = 512,
    // three hidden layers, BATCH_SIZE = 256), at least 10,000 critic steps with the plateau rule, at least 5 seeds;
    // lambda 10 (the paper's text) and 0.1 (gan_toy.py's LAMBDA). Everything else is the main manifest's.
    let withoutNotes (node: System.Text.Json.Nodes.JsonNode) =
        node.["scales"].["paper"].AsObject().Remove "note" |> ignore
        node
    let main = withoutNotes (System.Text.Json.Nodes.JsonNode.Parse(manifestText "capacity-underuse"))
    for folder, lambda in [ "paper-lambda-10", 10.0; "paper-lambda-0.1", 0.1 ] do
        let text = File.ReadAllText(Path.Combine(TestSupport.experimentsFolder.Force(), folder, "capacity-underuse.json"))
        let reading = Harness.ReadManifest text
        Assert.True(reading.IsValid, String.Join("\n", reading.Errors))
        let node = System.Text.Json.Nodes.JsonNode.Parse text
        let paper = node.["scales"].["paper"]
        Assert.Equal<int list>([ 512; 512; 512 ], [ for w in paper.["criticHidden"].AsArray() -> w.GetValue<int>() ])
        Assert.Equal(256, paper.["batchSize"].GetValue<int>())
        Assert.True(paper.["seeds"].GetValue<int>() >= 5)
        Assert.Equal("until-plateau", paper.["criticSteps"].["kind"].GetValue<string>())
        Assert.True(paper.["criticSteps"].["minSteps"].GetValue<int>() >= 10000)
        Assert.Contains("--jobs 2", paper.["note"].GetValue<string>())
        Assert.Equal(lambda, node.["penaltyCritic"].["constraint"].["lambda"].GetValue<float>())
        node.["penaltyCritic"].["constraint"].["lambda"] <- System.Text.Json.Nodes.JsonValue.Create 10
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(main, withoutNotes node), $"{folder}: differs from experiments/capacity-underuse.json beyond lambda and the paper scale's note")
