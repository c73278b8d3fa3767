/// Manifest decoding: a valid manifest decodes; every kind of problem is reported at its JSON path.
module Wgan.Tests.ManifestTests

open System.IO
open System.Text.Json.Nodes
open Xunit
open Wgan.Experiments

/// The repository's parallel-lines manifest, the base that the bad cases below mutate.
let manifestPath =
    let rec up (dir: DirectoryInfo) =
        let candidate = Path.Combine(dir.FullName, "experiments", "parallel-lines.json")
        if File.Exists candidate then candidate
        elif isNull dir.Parent then failwith "experiments/parallel-lines.json not found above the test folder"
        else up dir.Parent
    up (DirectoryInfo(System.AppContext.BaseDirectory))

let goodManifest () = File.ReadAllText manifestPath

/// The good manifest with one change applied to its JSON tree.
let mutate (change: JsonObject -> unit) =
    let root = JsonNode.Parse(goodManifest ()).AsObject()
    change root
    root.ToJsonString()

let errorsOf (text: string) =
    let reading = Harness.ReadManifest text
    Assert.False(reading.IsValid, "the manifest should be rejected")
    reading.Errors

let assertRejectedAt (path: string) (messagePart: string) (text: string) =
    let errors = errorsOf text
    let expected = $"{path}: "
    Assert.True(
        errors |> Array.exists (fun e -> e.StartsWith expected && e.Contains messagePart),
        $"""expected an error at {path} containing "{messagePart}", got: {String.concat " | " errors}""")

[<Fact>]
let ``every manifest in the repository is valid and its published result, if any, records it`` () =
    // experiments/*.json are the main suite, experiments/longer/*.json the longer runs; each published result
    // folder must have been produced from the manifest text now in the repository.
    let experiments = Path.GetDirectoryName manifestPath
    let root = Path.GetDirectoryName experiments
    let files = Directory.GetFiles(experiments, "*.json", SearchOption.AllDirectories)
    Assert.True(files.Length >= 13, $"found only {files.Length} manifests")
    for file in files do
        let text = File.ReadAllText file
        let reading = Harness.ReadManifest text
        Assert.True(reading.IsValid, $"{file}: " + String.concat " | " reading.Errors)
        let relative = Path.GetRelativePath(experiments, Path.GetDirectoryName file)
        let folder = if relative = "." then "" else relative
        let published = Path.Combine(root, "results", folder, reading.Experiment.Id, "result.json")
        if File.Exists published then
            let recorded = JsonNode.Parse(File.ReadAllText published).["manifest"].ToJsonString()
            let current = JsonNode.Parse(text).ToJsonString()
            Assert.True((current = recorded), $"{published} was not produced from {file} as it is now")

[<Fact>]
let ``the repository manifest is valid`` () =
    let reading = Harness.ReadManifest(goodManifest ())
    Assert.True(reading.IsValid, String.concat " | " reading.Errors)
    Assert.Equal("parallel-lines", reading.Experiment.Id)
    // experiments/parallel-lines.json: seed 1, quick scale 10 seeds; --seeds overrides the count.
    Assert.Equal<int64[]>([| 1L .. 10L |], reading.Experiment.SeedsAt("quick", 0))
    Assert.Equal<int64[]>([| 1L; 2L; 3L |], reading.Experiment.SeedsAt("quick", 3))

[<Fact>]
let ``an unknown field is reported with its path`` () =
    mutate (fun m -> m.["critic"].["dropout"] <- JsonValue.Create 0.5)
    |> assertRejectedAt "$.critic.dropout" "not a known field"

[<Fact>]
let ``a wrong type is reported with its path`` () =
    mutate (fun m -> m.["scales"].["quick"].["criticSteps"] <- JsonValue.Create "many")
    |> assertRejectedAt "$.scales.quick.criticSteps" "expected an integer"

[<Fact>]
let ``an out-of-range value is reported with its path`` () =
    mutate (fun m -> m.["scales"].["smoke"].["batchSize"] <- JsonValue.Create -64)
    |> assertRejectedAt "$.scales.smoke.batchSize" "must be an integer in"

[<Fact>]
let ``a missing field is reported with its path`` () =
    mutate (fun m -> m.["critic"].AsObject().Remove "constraint" |> ignore)
    |> assertRejectedAt "$.critic.constraint" "required"

[<Fact>]
let ``a claim on a metric the experiment does not measure is rejected`` () =
    mutate (fun m -> m.["claims"].[0].["metric"] <- JsonValue.Create "em.accuracy")
    |> assertRejectedAt "$.claims[0].metric" "em.rankCorrelation"

[<Fact>]
let ``an unknown experiment is rejected and the known ones are listed`` () =
    mutate (fun m -> m.["experiment"] <- JsonValue.Create "parallel-planes")
    |> assertRejectedAt "$.experiment" "parallel-lines"

[<Fact>]
let ``a number too large for a double is not finite`` () =
    goodManifest().Replace("\"thetaMax\": 1.0", "\"thetaMax\": 1e999")
    |> assertRejectedAt "$.thetaMax" "not a finite number"

[<Fact>]
let ``several problems are all reported at once`` () =
    // The common fields and the experiment's own settings are read independently: every failure among them.
    let errors =
        mutate (fun m ->
            m.["seed"] <- JsonValue.Create "one"
            m.["critic"].["constraint"].["lambda"] <- JsonValue.Create -10.0)
        |> errorsOf
    Assert.Contains(errors, fun e -> e.StartsWith "$.seed: ")
    Assert.Contains(errors, fun e -> e.StartsWith "$.critic.constraint.lambda: ")
    // The scales and claims, read once the settings decode (see Envelope.decoder): every failure among them.
    let errors =
        mutate (fun m ->
            m.["scales"].["smoke"].["batchSize"] <- JsonValue.Create 0
            m.["claims"].[1].["comparison"] <- JsonValue.Create "==")
        |> errorsOf
    Assert.Contains(errors, fun e -> e.StartsWith "$.scales.smoke.batchSize: ")
    Assert.Contains(errors, fun e -> e.StartsWith "$.claims[1].comparison: ")

[<Fact>]
let ``syntax errors give a line number`` () =
    let text = goodManifest ()
    text.Substring(0, text.Length / 2) |> assertRejectedAt "$" "not valid JSON (line"

// ---- claim options: paired control, equivalence rule, preconditions ----

/// The first claim of parallel-lines (em-tracks-theta, control untrainedEm.rankCorrelation) with a change.
let private mutateClaim (change: JsonObject -> unit) = mutate (fun m -> change (m.["claims"].[0].AsObject()))

/// A claim decoded alone, against parallel-lines' metrics.
let private decodeClaim (text: string) =
    let metrics = [ "em.rankCorrelation"; "untrainedEm.rankCorrelation"; "em.slope" ]
    Json.Decode.document (ClaimDecoding.claim metrics) text

let private claimJson (extra: string) (rule: string) (control: string) =
    $"""{{ "id": "c", "source": "s", "statement": "t", "metric": "em.rankCorrelation", {extra}
          "thresholdSource": "why", "rule": {rule}, "control": {control} }}"""

let private sided = "\"comparison\": \">=\", \"threshold\": 0.9,"
let private pairedControl = """{ "metric": "untrainedEm.rankCorrelation", "description": "d", "design": "paired" }"""

[<Fact>]
let ``a claim without the new options decodes as before: independent, no preconditions`` () =
    let control = """{ "metric": "em.slope", "description": "d" }"""
    match decodeClaim (claimJson sided """{ "kind": "t-interval" }""" control) with
    | Ok c ->
        Assert.Equal(Independent, c.Design)
        Assert.Empty(c.Preconditions)
        Assert.Equal(StudentTInterval, c.Rule)
    | Error e -> failwith $"%A{e}"

[<Fact>]
let ``a paired control, an equivalence rule and preconditions decode`` () =
    match decodeClaim (claimJson sided """{ "kind": "t-interval" }""" pairedControl) with
    | Ok c -> Assert.Equal(Paired, c.Design)
    | Error e -> failwith $"%A{e}"
    let equivalence = """{ "kind": "equivalence", "margin": 0.2231, "scale": "log-ratio" }"""
    let control = """{ "metric": "untrainedEm.rankCorrelation", "description": "d" }"""
    match decodeClaim (claimJson "" equivalence control) with
    | Ok c ->
        Assert.Equal(Equivalence(0.2231, LogRatioScale), c.Rule)
        Assert.Equal(Paired, c.Design)
        Assert.Equal("within +-0.2231 of the control (log-ratio)", c.Expected)
    | Error e -> failwith $"%A{e}"
    let withPreconditions =
        mutateClaim (fun c ->
            c.["preconditions"] <-
                JsonNode.Parse """[{ "metric": "em.slope", "comparison": ">=", "threshold": 0, "why": "trained" }]""")
    let reading = Harness.ReadManifest withPreconditions
    Assert.True(reading.IsValid, String.concat " | " reading.Errors)

[<Fact>]
let ``bad claim options are rejected at their paths`` () =
    mutateClaim (fun c -> c.["control"].["design"] <- JsonValue.Create "crossed")
    |> assertRejectedAt "$.claims[0].control.design" "is not one of"
    let rule (json: string) = mutateClaim (fun c -> c.["rule"] <- JsonNode.Parse json)
    rule """{ "kind": "equivalence", "margin": -1, "scale": "difference" }"""
    |> assertRejectedAt "$.claims[0].rule.margin" "positive"
    rule """{ "kind": "equivalence", "margin": 1, "scale": "ratio" }"""
    |> assertRejectedAt "$.claims[0].rule.scale" "is not one of"
    // An equivalence rule states its margin instead of a comparison and threshold, and needs a paired control metric.
    rule """{ "kind": "equivalence", "margin": 1, "scale": "difference" }"""
    |> assertRejectedAt "$.claims[0].threshold" "not used by an equivalence rule"
    let equivalenceWith (control: string) =
        mutateClaim (fun c ->
            c.Remove "comparison" |> ignore
            c.Remove "threshold" |> ignore
            c.["rule"] <- JsonNode.Parse """{ "kind": "equivalence", "margin": 1, "scale": "difference" }"""
            c.["control"] <- JsonNode.Parse control)
    equivalenceWith """{ "none": "closed form" }"""
    |> assertRejectedAt "$.claims[0].control.none" "needs a control metric"
    equivalenceWith """{ "metric": "em.slope", "description": "d", "design": "independent" }"""
    |> assertRejectedAt "$.claims[0].control.design" "must be \"paired\""
    Assert.True((Harness.ReadManifest(equivalenceWith """{ "metric": "em.slope", "description": "d" }""")).IsValid)
    // Without an equivalence rule, the comparison stays required.
    mutateClaim (fun c -> c.Remove "comparison" |> ignore) |> assertRejectedAt "$.claims[0].comparison" "required"
    // A closed-form claim's control has no design.
    mutate (fun m -> m.["claims"].[5].["control"].["design"] <- JsonValue.Create "paired")
    |> assertRejectedAt "$.claims[5].control.design" "not a known field"
    let precondition (json: string) = mutateClaim (fun c -> c.["preconditions"] <- JsonNode.Parse json)
    precondition """[{ "metric": "em.nothing", "comparison": ">=", "threshold": 0, "why": "w" }]"""
    |> assertRejectedAt "$.claims[0].preconditions[0].metric" "must be a metric"
    precondition """[{ "metric": "em.slope", "comparison": ">", "threshold": 0, "why": "w" }]"""
    |> assertRejectedAt "$.claims[0].preconditions[0].comparison" "is not one of"
    precondition """[{ "metric": "em.slope", "comparison": ">=", "threshold": 0 }]"""
    |> assertRejectedAt "$.claims[0].preconditions[0].why" "required"
    precondition "[]" |> assertRejectedAt "$.claims[0].preconditions" "must not be empty"
// ---- What a manifest may ask of memory (Footprint) and of depth. ----

[<Fact>]
let ``the memory estimate counts an MLP's parameters, optimiser state and a pass's values`` () =
    // 2 -> 3 -> 1 by hand: 2*3 + 3 + 3*1 + 1 = 13 parameters; 2 + 3 + 1 = 6 values a sample.
    let network = Footprint.mlp "critic" [ 2; 3; 1 ]
    Assert.Equal(13.0, network.Parameters)
    Assert.Equal(6.0, network.ValuesPerSample)
    // 4 bytes x (5 values a parameter + 4 values a sample's value x 10 samples) = 4 x (65 + 240).
    Assert.Equal(1220.0, Footprint.bytes { Path = "critic.hidden"; Networks = [ network ]; Samples = 10 })

[<Fact>]
let ``hidden layers that would need more memory than the limit are refused at their JSON path`` () =
    let text = mutate (fun m -> m.["critic"].["hidden"] <- JsonNode.Parse "[65536, 65536]")
    // 2*65536 + 65536 + 65536*65536 + 65536 + 65536 + 1 parameters (2 -> 65536 -> 65536 -> 1).
    text |> assertRejectedAt "$.critic.hidden" "critic 2 -> 65536 -> 65536 -> 1: 4,295,294,977 parameters"
    text |> assertRejectedAt "$.critic.hidden" "more than the 4 GiB a manifest may ask for"
    text |> assertRejectedAt "$.critic.hidden" "(scales over it: smoke, quick, paper)"
    // The discriminator is bounded by the same rule, and a width that fits passes.
    mutate (fun m -> m.["discriminator"].["hidden"] <- JsonNode.Parse "[30000, 30000]")
    |> assertRejectedAt "$.discriminator.hidden" "GB of memory"
    let fits = Harness.ReadManifest(mutate (fun m -> m.["critic"].["hidden"] <- JsonNode.Parse "[512, 512, 512]"))
    Assert.True(fits.IsValid, String.concat " | " fits.Errors)

[<Fact>]
let ``a hundred thousand hidden layers are refused at once by the layer cap`` () =
    let clock = System.Diagnostics.Stopwatch.StartNew()
    let layers = [| for _ in 1 .. 100_000 -> JsonValue.Create 4 :> JsonNode |]
    mutate (fun m -> m.["critic"].["hidden"] <- JsonArray(layers))
    |> assertRejectedAt "$.critic.hidden" "has 100000 hidden layers; a network may have at most 64"
    Assert.True(clock.Elapsed.TotalSeconds < 30.0, $"validation took {clock.Elapsed}")

/// The text of experiments/<id>.json with one change applied to its JSON tree.
let mutateManifest (id: string) (change: JsonObject -> unit) =
    let root = JsonNode.Parse(TestSupport.manifestText id).AsObject()
    change root
    root.ToJsonString()

[<Fact>]
let ``mode-coverage's baseline must name one of its trainers, and a trainer's stream must not be negative`` () =
    mutateManifest "mode-coverage" (fun m -> m.["baseline"] <- JsonValue.Create "gan-unknown")
    |> assertRejectedAt "$.baseline" "must name a trainer (gan-ns, gan-ns-replicate"
    mutateManifest "mode-coverage" (fun m -> m.["trainers"].[0].["stream"] <- JsonValue.Create -1)
    |> assertRejectedAt "$.trainers[0].stream" ""

[<Fact>]
let ``a scale's width, an MNIST DIM and a search space are bounded the same way, at the scale that asks too much`` () =
    mutateManifest "mode-coverage" (fun m -> m.["scales"].["paper"].["width"] <- JsonValue.Create 65536)
    |> assertRejectedAt "$.scales.paper.width" "at scale paper"
    mutateManifest "gradient-norms" (fun m -> m.["scales"].["quick"].["width"] <- JsonValue.Create 16384)
    |> assertRejectedAt "$.scales.quick.width" "(scales over it: quick)"
    mutateManifest "overfitting-detection" (fun m -> m.["scales"].["paper"].["dim"] <- JsonValue.Create 1024)
    |> assertRejectedAt "$.scales.paper.dim" "MNIST critic, DIM 1024"
    mutateManifest "penalty-sides" (fun m ->
        m.["space"].["depth"] <- JsonNode.Parse "[16]"
        m.["space"].["width"] <- JsonNode.Parse "[4096]")
    |> assertRejectedAt "$.space" "critic 2 -> 4096"
    mutateManifest "capacity-underuse" (fun m -> m.["scales"].["quick"].["gridResolution"] <- JsonValue.Create 1024)
    |> assertRejectedAt "$.scales.quick.criticHidden" "passes of 1048576 samples"
