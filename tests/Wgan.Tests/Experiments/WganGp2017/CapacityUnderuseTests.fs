/// capacity-underuse (WGAN-GP Figure 1a): the smoke-scale snapshot of its claims and metrics, its surfaces, manifest
/// validation, the radial control's closed forms, its structure-free controls, the fixed 25-Gaussian training set and
/// the plateau rule, and resuming its units.
module Wgan.Tests.CapacityUnderuseTests

open System
open System.IO
open System.Text.Json.Nodes
open Xunit
open Snapshooter.Xunit
open Wgan.Core
open Wgan.Experiments

let private manifestText () = TestSupport.manifestText "capacity-underuse"

let private plan (text: string) =
    let reading = Harness.ReadManifest text
    Assert.True(reading.IsValid, String.Join("\n", reading.Errors))
    reading.Experiment

let private runSmoke (text: string) (seeds: int) = TestSupport.runSmokeText text seeds

let private errorsOf (text: string) = (Harness.ReadManifest text).Errors |> List.ofArray

let private values (result: ExperimentResult) (metric: string) = result.Metrics |> List.map (fun m -> m.Values[metric])

[<Fact>]
let ``smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (runSmoke (manifestText ()) 0))

[<Fact>]
let ``draws a value surface with real and generated samples per data set and critic`` () =
    let result = runSmoke (manifestText ()) 1
    let expected =
        [ for d in [ "8gaussians"; "25gaussians"; "swissroll" ] do
              for k in [ "optimal"; "clip"; "gp" ] -> $"surface-{d}-{k}" ]
    Assert.Equal<string list>(expected, result.Figures |> List.map (fun f -> f.Name))
    for f in result.Figures do
        let surface = Assert.Single(f.Surfaces)
        // smoke scale of experiments/capacity-underuse.json: a 24 x 24 grid over [-3, 3]^2, 128 plotted samples.
        Assert.Equal(24, Array2D.length1 surface.Values)
        Assert.Equal(24, Array2D.length2 surface.Values)
        Assert.Equal((-3.0, 3.0), (surface.XMin, surface.XMax))
        let labels = f.Points |> List.map (fun p -> p.Label)
        Assert.Equal<string list>([ "real (Pr)"; "generated (Pr + N(0, 1^2 I))" ], labels)
        for p in f.Points do Assert.Equal(128, p.X.Length)

[<Fact>]
let ``a manifest whose clipped critic uses a penalty is rejected at its path`` () =
    let text =
        (manifestText ()).Replace(
            "\"kind\": \"weight-clipping\", \"bound\": 0.01, \"timing\": \"after-step\"",
            "\"kind\": \"gradient-penalty\", \"lambda\": 10, \"sides\": \"two-sided\"")
    Assert.Contains("$.clippedCritic.constraint: must be a weight-clipping constraint", errorsOf text)

[<Fact>]
let ``a claim on a metric of a data set the manifest does not list is rejected`` () =
    let withoutTwentyFive =
        (manifestText ()).Replace(
            "\"datasets\": [\"8gaussians\", \"25gaussians\", \"swissroll\"]",
            "\"datasets\": [\"8gaussians\", \"swissroll\"]")
    // The training set of the data set no longer listed is an unknown field (and the claims are read only once the
    // settings are valid).
    Assert.Equal<string list>([ "$.trainingSet.25gaussians: is not a known field" ], errorsOf withoutTwentyFive)
    let fixedSet = "\"25gaussians\": {\"kind\": \"fixed\", \"points\": 100000}, "
    Assert.Contains(fixedSet, withoutTwentyFive)
    let errors = errorsOf (withoutTwentyFive.Replace(fixedSet, ""))
    let rejected (path: string) =
        Assert.Contains(errors, fun e -> e.StartsWith $"{path}: must be a metric this experiment measures")
    rejected "$.claims[1].metric"
    rejected "$.claims[4].metric"
    // Their controls (25gaussians.radial.capturedFraction, 25gaussians.radialGap) are rejected likewise.
    rejected "$.claims[1].control.metric"
    rejected "$.claims[4].control.metric"
    // So are the 25 Gaussians' structure claims (7 and 10) and their controls.
    for i in [ 7; 10 ] do
        rejected $"$.claims[{i}].metric"
        rejected $"$.claims[{i}].control.metric"
    // And their unit criteria (the penalty critics' dual estimates: one for claims 1 and 7, gp and gp2 for 4 and 10).
    for i, criteria in [ 1, 1; 4, 2; 7, 1; 10, 2 ] do
        for k in 0 .. criteria - 1 do
            rejected $"$.claims[{i}].unitCriteria[{k}].metric"
    Assert.Equal(14, errors.Length)

[<Fact>]
let ``is in the catalogue`` () =
    Assert.Contains("capacity-underuse", Catalogue.all |> List.map (fun d -> d.Id))

[<Fact>]
let ``a unit killed after each checkpoint and resumed gives the uninterrupted result`` () =
    // Smoke scale of experiments/capacity-underuse.json: 3 x 40 critic steps (clipped, penalised, replicate), a
    // checkpoint every 20 before the last step: after steps 20, 40, 60, 80 and 100.
    TestSupport.unitsResumeExactly (manifestText ()) [ 0 ] 5

// ---- the radial control ----

[<Fact>]
let ``the radial critic's distance is the 1-D W1 of the radii`` () =
    // Radii 1, 2 against 3, 4: sorted pairs (1, 3) and (2, 4), W1 = (2 + 2) / 2 = 2 (the sorted-CDF closed form).
    let real, fake = [| [| 1.0; 0.0 |]; [| 0.0; 2.0 |] |], [| [| 0.0; 3.0 |]; [| -4.0; 0.0 |] |]
    Assert.Equal(2.0, KantorovichPotential.radialEarthMover real fake, 12)
    // Rotating a sample changes the 2-D W1 but not the radial one: here the radii are equal, so 0.
    Assert.Equal(0.0, KantorovichPotential.radialEarthMover [| [| 1.0; 0.0 |] |] [| [| 0.0; -1.0 |] |], 12)

[<Fact>]
let ``the radial critic never captures more than the exact W1 (weak duality)`` () =
    let random = Random(16)
    for trial in 1 .. 20 do
        let cloud n shift =
            Array.init n (fun _ -> [| random.NextDouble() * 4.0 - 2.0 + shift; random.NextDouble() * 4.0 - 2.0 |])
        let real, fake = cloud 30 0.0, cloud 30 (float trial / 10.0)
        let radial = KantorovichPotential.radialEarthMover real fake
        let exact = EarthMover.earthMover real fake
        // The exact solver's tolerance: the largest distance (under 8 here) / EarthMover.CostResolution.
        let tolerance = 8.0 / EarthMover.CostResolution
        Assert.True(radial <= exact + tolerance, $"trial {trial}: radial {radial} > exact {exact}")

[<Fact>]
let ``the Lipschitz quantile interpolates between order statistics`` () =
    // Linear interpolation: the median of 1, 2, 3, 4 is 2.5; the 0.99 quantile of 0 .. 100 is 99.
    Assert.Equal(2.5, Statistics.quantile 0.5 [| 4.0; 1.0; 3.0; 2.0 |], 12)
    Assert.Equal(99.0, Statistics.quantile 0.99 (Array.init 101 float), 12)
    Assert.Equal(100.0, Statistics.quantile 1.0 (Array.init 101 float), 12)

[<Fact>]
let ``the structure-free controls fail the structure test at smoke scale`` () =
    // Four seeds of the smoke scale (40 critic steps each). The radial critic is a function of the radius alone:
    // its structure score is about 0 (KantorovichPotentialTests), far below the claims' 0.5, so its control
    // verdict is not-reproduced; and it is exact and 1-Lipschitz, so its captured fraction lies in [0, 1].
    let result = runSmoke (manifestText ()) 4
    for d in [ "8gaussians"; "25gaussians"; "swissroll" ] do
        let c = TestSupport.claim result.Claims $"gp-reproduces-structure-{d}"
        let control = c.Control.Value
        Assert.True((control.Verdict = NotReproduced), sprintf "%s %A" d control.PerSeed)
        for v in values result $"{d}.radial.structure" do Assert.InRange(v, -0.3, 0.3)
        for v in values result $"{d}.radial.capturedFraction" do Assert.InRange(v, 0.0, 1.0 + 1e-6)

// ---- the fixed 25-Gaussian training set and the plateau rule ----

/// The smoke scale's fixed 40 critic steps of experiments/capacity-underuse.json.
let private smokeSteps = "\"criticSteps\": 40, \"evaluationSamples\": 128"

/// capacity-underuse with its smoke scale trained under the plateau rule: at least 10 and at most 60 steps,
/// evaluated every 5 steps, windows of 2 evaluations, 5% tolerance, a plateau batch of 64 per distribution.
let private plateauManifest () =
    let text = manifestText ()
    Assert.Contains(smokeSteps, text)
    text.Replace(
        smokeSteps,
        "\"criticSteps\": {\"kind\": \"until-plateau\", \"minSteps\": 10, \"maxSteps\": 60, \"evaluateEvery\": 5, "
        + "\"window\": 2, \"tolerance\": 0.05, \"evaluationSamples\": 64}, \"evaluationSamples\": 128")

[<Fact>]
let ``the plateau rule stops each critic where its logged evaluations first plateau`` () =
    TestSupport.pinThreads ()
    let result = (plan (plateauManifest ())).Run("smoke", 1, "cpu", Action<Progress>(ignore))
    let plateau = result.Series |> List.find (fun s -> s.Name = "plateau")
    let rule: Plateau.Rule = { EvaluateEvery = 5; Window = 2; Tolerance = 0.05 }
    let values = (Assert.Single result.Metrics).Values
    for d, code in [ "8gaussians", 0.0; "25gaussians", 1.0; "swissroll", 2.0 ] do
        for prefix, critic in [ "clip", 0.0; "gp", 1.0; "gp2", 3.0 ] do
            let trace = plateau.Rows |> List.filter (fun r -> r[1] = code && r[2] = critic) |> Array.ofList
            let stoppedAt = values[$"{d}.{prefix}.stoppedAt"]
            // Evaluated after steps 5, 10, ... up to where it stopped; the stop is the first evaluation at or
            // after step 10 whose trace so far plateaus under the rule, or the cap of 60.
            let evaluatedAt = [| for k in 1 .. int stoppedAt / 5 -> float (5 * k) |]
            Assert.Equal<float[]>(evaluatedAt, trace |> Array.map (fun r -> r[3]))
            let estimates = trace |> Array.map (fun r -> r[4])
            let expected =
                [ 1 .. estimates.Length ]
                |> List.tryFind (fun k -> 5 * k >= 10 && Plateau.reached rule estimates[.. k - 1])
                |> Option.map (fun k -> float (5 * k))
                |> Option.defaultValue 60.0
            Assert.Equal(expected, stoppedAt)
    // The rule stopped some critic before the cap at this tolerance (so the test reads a stop, not only the cap).
    let stops = values |> Seq.filter (fun kv -> kv.Key.EndsWith ".stoppedAt") |> Seq.map (fun kv -> kv.Value)
    Assert.Contains(stops, fun v -> v < 60.0)

[<Fact>]
let ``units under the plateau rule, fresh and fixed training sets, resume bit for bit`` () =
    // Units 0 (8 Gaussians, fresh batches) and 1 (25 Gaussians, gan_toy.py's fixed set, cycled) of the plateau
    // manifest: 3 x 60 loop iterations, a checkpoint every 20 before the last: after 20, 40, ..., 160 (the
    // iterations of a critic the rule has stopped pass without work and still save).
    TestSupport.unitsResumeExactly (plateauManifest ()) [ 0; 1 ] 8

[<Fact>]
let ``training-set and plateau options are checked at their paths`` () =
    let text = manifestText ()
    let fixed8 =
        text.Replace(
            "\"8gaussians\": {\"kind\": \"fresh\"}", "\"8gaussians\": {\"kind\": \"fixed\", \"points\": 100000}")
    let onlyFresh =
        "$.trainingSet.8gaussians.kind: must be \"fresh\": gan_toy.py builds a fixed set only for 25gaussians"
    Assert.Contains(errorsOf fixed8, fun e -> e.StartsWith onlyFresh)
    let missing =
        text
            .Replace("\"swissroll\": {\"kind\": \"fresh\"}}", "}")
            .Replace("{\"kind\": \"fixed\", \"points\": 100000},", "{\"kind\": \"fixed\", \"points\": 100000}")
    Assert.Contains("$.trainingSet.swissroll: is required but missing", errorsOf missing)
    let odd = text.Replace("\"points\": 100000", "\"points\": 1010")
    Assert.Contains(errorsOf odd, fun e -> e.StartsWith "$.trainingSet.25gaussians.points: must be a multiple of 25")
    let small = text.Replace("\"points\": 100000", "\"points\": 50")
    let tooLarge = "$.scales.smoke.batchSize: must not exceed the 50 points of the fixed training set"
    Assert.Contains(errorsOf small, fun e -> e.StartsWith tooLarge)
    let inverted = (plateauManifest ()).Replace("\"maxSteps\": 60", "\"maxSteps\": 9")
    Assert.Contains("$.scales.smoke.criticSteps: minSteps must not exceed maxSteps", errorsOf inverted)

[<Fact>]
let ``the two publication manifests are the main manifest at gan_toy.py's scale with lambda 10 and 0.1`` () =
    // experiments/paper-lambda-10 and experiments/paper-lambda-0.1: gan_toy.py's critic (DIM = 512, three hidden
    // layers, BATCH_SIZE = 256), at least 10,000 critic steps with the plateau rule, at least 5 seeds; lambda 10 (the
    // paper's text) and 0.1 (gan_toy.py's LAMBDA). Everything else is the main manifest's.
    let withoutNotes (node: JsonNode) =
        node.["scales"].["paper"].AsObject().Remove "note" |> ignore
        node
    let main = withoutNotes (JsonNode.Parse(manifestText ()))
    for folder, lambda in [ "paper-lambda-10", 10.0; "paper-lambda-0.1", 0.1 ] do
        let path = Path.Combine(TestSupport.experimentsFolder.Force(), folder, "capacity-underuse.json")
        let text = File.ReadAllText path
        plan text |> ignore
        let node = JsonNode.Parse text
        let paper = node.["scales"].["paper"]
        Assert.Equal<int list>([ 512; 512; 512 ], [ for w in paper.["criticHidden"].AsArray() -> w.GetValue<int>() ])
        Assert.Equal(256, paper.["batchSize"].GetValue<int>())
        Assert.True(paper.["seeds"].GetValue<int>() >= 5)
        Assert.Equal("until-plateau", paper.["criticSteps"].["kind"].GetValue<string>())
        Assert.True(paper.["criticSteps"].["minSteps"].GetValue<int>() >= 10000)
        Assert.Contains("--jobs 2", paper.["note"].GetValue<string>())
        Assert.Equal(lambda, node.["penaltyCritic"].["constraint"].["lambda"].GetValue<float>())
        node.["penaltyCritic"].["constraint"].["lambda"] <- JsonValue.Create 10
        let same = JsonNode.DeepEquals(main, withoutNotes node)
        Assert.True(same, $"{folder}: differs from experiments/capacity-underuse.json beyond lambda and the paper note")
