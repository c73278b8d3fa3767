/// rejudge: published claims judged again from result.json's per-seed values, without training, and --check.
module Wgan.Tests.RejudgeTests

open System
open System.IO
open System.Text.Json.Nodes
open Xunit
open Wgan.Experiments
open Wgan.Tests.CliTests
open Wgan.Tests.IntegrityTests

let private repositoryRoot =
    Path.GetDirectoryName(Path.GetDirectoryName Wgan.Tests.ManifestTests.manifestPath)

/// A copy of the parallel-lines manifest with its claims changed by `change`, in a folder of its own.
let private editedManifest (change: JsonArray -> unit) =
    let root = JsonNode.Parse(File.ReadAllText Wgan.Tests.ManifestTests.manifestPath)
    change (root["claims"].AsArray())
    let path = Path.Combine(tempFolder (), "parallel-lines.json")
    File.WriteAllText(path, root.ToJsonString())
    path

/// The first claim of a result folder's result.json.
let private firstClaim (folder: string) : JsonNode =
    let root = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "result.json")))
    root["claims"][0]

let private text (node: JsonNode) = node.GetValue<string>()

let private files (folder: string) =
    [ for name in [ "result.json"; "report.md" ] -> File.ReadAllText(Path.Combine(folder, name)) ]

[<Fact>]
let ``every published result is what the current rules and manifests give (rejudge results --check)`` () =
    // The registration test: a claim whose definition, rule or wording changed without re-judging fails here.
    let r = cli [ "rejudge"; Path.Combine(repositoryRoot, "results"); "--check" ]
    Assert.True(r.Exit = 0, $"exit {r.Exit}:\n{r.Out}{r.Err}")
    Assert.Contains("every verdict, result.json and report.md is what the current rules give", r.Out)

[<Fact>]
let ``a fresh result checks clean; a tampered verdict is found by --check and mended by rejudge`` () =
    let folder = copyOfPublished ()
    let clean = cli [ "rejudge"; folder; "--check" ]
    Assert.True(clean.Exit = 0, clean.Out + clean.Err)
    Assert.Contains("as published; no verdict changes", clean.Out)
    let original = files folder
    editResult folder (fun root ->
        let claim = root["claims"][0]
        claim["verdict"] <- JsonValue.Create "not-reproduced")
    let id = text (firstClaim folder).["id"]
    let check = cli [ "rejudge"; folder; "--check" ]
    Assert.True(check.Exit = Wgan.Runner.RejudgeResults.Differs, check.Out + check.Err)
    Assert.Contains($"{id}: not-reproduced -> ", check.Out)
    Assert.Contains("result.json: line", check.Out)
    let mended = cli [ "rejudge"; folder ]
    Assert.True(mended.Exit = 0, mended.Out + mended.Err)
    // The mended files are the run's own, but for the re-judging commit the environment records.
    // (and the report's word that its notes were written by the run, before the claims were re-judged).
    let strip (text: string) =
        Text.RegularExpressions.Regex.Replace(text, "The notes were written by the run;[^\n]*\n\n", "").Split('\n')
        |> Array.filter (fun l -> not (l.Contains "\"judgedBy\"" || l.StartsWith "- Harness "))
        |> String.concat "\n"
    Assert.Equal<string list>(original |> List.map strip, files folder |> List.map strip)
    Assert.Equal(0, (cli [ "rejudge"; folder; "--check" ]).Exit)

[<Fact>]
let ``a changed claim definition needs a dated change naming the published definition`` () =
    let folder = copyOfPublished ()
    let published = firstClaim folder
    let id = text published.["id"]
    let hash = text published.["definitionSha256"]
    let before = files folder
    let raise' (claims: JsonArray) =
        let claim = claims |> Seq.find (fun c -> c["id"].GetValue<string>() = id)
        claim["threshold"] <- JsonValue.Create(claim["threshold"].GetValue<float>() + 0.125)
        claim
    let undeclared = cli [ "rejudge"; folder; "--manifest"; editedManifest (raise' >> ignore) ]
    Assert.True(undeclared.Exit = 2, undeclared.Out + undeclared.Err)
    Assert.Contains(
        $"claim \"{id}\": its definition differs from the published one ({hash.Substring(0, 12)})", undeclared.Err)
    Assert.Equal<string list>(before, files folder)
    let declared =
        editedManifest (fun claims ->
            let claim = raise' claims
            let change = JsonObject()
            change["date"] <- JsonValue.Create "2026-12-07"
            change["previous"] <- JsonValue.Create(hash.Substring(0, 12))
            change["what"] <- JsonValue.Create "threshold raised by 0.125"
            change["why"] <- JsonValue.Create "a test of the registry"
            claim["changes"] <- JsonArray(change))
    let r = cli [ "rejudge"; folder; "--manifest"; declared ]
    Assert.True(r.Exit = 0, r.Out + r.Err)
    let report = File.ReadAllText(Path.Combine(folder, "report.md"))
    Assert.Contains(
        $"Definition changed 2026-12-07 (replacing {hash.Substring(0, 12)}): threshold raised by 0.125", report)
    let rejudged = firstClaim folder
    Assert.NotEqual<string>(hash, text rejudged.["definitionSha256"])
    Assert.Equal("2026-12-07", text rejudged.["changes"].[0].["date"])
    // The changed result is what `verify` re-derives from the manifest it now records.
    Assert.Equal(0, (cli [ "rejudge"; folder; "--check"; "--manifest"; declared ]).Exit)

[<Fact>]
let ``a manifest whose settings changed is refused, and nothing is written`` () =
    let folder = copyOfPublished ()
    let before = files folder
    let root = JsonNode.Parse(File.ReadAllText Wgan.Tests.ManifestTests.manifestPath)
    root["seed"] <- JsonValue.Create(root["seed"].GetValue<int>() + 1)
    let path = Path.Combine(tempFolder (), "parallel-lines.json")
    File.WriteAllText(path, root.ToJsonString())
    let r = cli [ "rejudge"; folder; "--manifest"; path ]
    Assert.True(r.Exit = 2, r.Out + r.Err)
    Assert.Contains("the manifest's settings differ from those the result was computed with (seed)", r.Err)
    Assert.Equal<string list>(before, files folder)

[<Fact>]
let ``bad input is named: no results, a damaged result.json, --manifest with many results`` () =
    let empty = tempFolder ()
    let none = cli [ "rejudge"; empty ]
    Assert.Equal(2, none.Exit)
    Assert.Contains("no published result", none.Err)
    let damaged = copyOfPublished ()
    File.WriteAllText(Path.Combine(damaged, "result.json"), "{\"experiment\": \"parallel-lines\"}")
    let broken = cli [ "rejudge"; damaged; "--check" ]
    Assert.Equal(2, broken.Exit)
    Assert.Contains("result.json: $.environment: is required but missing", broken.Err)
    let many =
        cli [ "rejudge"; Path.Combine(repositoryRoot, "results")
              "--manifest"; Wgan.Tests.ManifestTests.manifestPath ]
    Assert.Equal(2, many.Exit)
    Assert.Contains("--manifest names one manifest", many.Err)

[<Fact>]
let ``the verdict-built scale note gives its reason back, in its present and its earlier words, and nothing else does``
    () =
    let spec = Wgan.Tests.ClaimsTests.spec AtLeast 0.5
    let claim id verdict =
        let c = Claims.evaluate [ { Seed = 1L; Values = readOnlyDict [ "m", 1.0 ] } ] { spec with Id = id }
        { c with Verdict = verdict }
    let claims = [ claim "a" Inconclusive; claim "b-c" NotReproduced; claim "d" Reproduced ]
    let why = "The networks here are 64 wide (paper scale: 512). A second sentence."
    let note = Wgan.Experiments.ToyWgan.scaleNote Manifest.Quick claims why |> List.exactlyOne
    Assert.StartsWith(
        "At quick scale 2 of 3 claims have a verdict other than reproduced: a (inconclusive), b-c (not-reproduced). ",
        note)
    Assert.Equal(Some why, Wgan.Experiments.ToyWgan.scaleNoteReason note)
    let earlier = note.Replace("claims have a verdict other than reproduced:", "claims did not reproduce:")
    Assert.Equal(Some why, Wgan.Experiments.ToyWgan.scaleNoteReason earlier)
    Assert.Equal(None, Wgan.Experiments.ToyWgan.scaleNoteReason "Diverged (seed 3): the loss became NaN.")
    Assert.Empty(Wgan.Experiments.ToyWgan.scaleNote Manifest.Quick [ claim "d" Reproduced ] why)
    Assert.Empty(Wgan.Experiments.ToyWgan.scaleNote Manifest.Paper claims why)

[<Fact>]
let ``the index counts a claim once: exact copies and seeds a sequential run continued point to the row that counts``
    () =
    let index = File.ReadAllText(Path.Combine(repositoryRoot, "results", "README.md"))
    let rows (folder: string) =
        // The claims table's rows (the runs table's rows give the seed count where these give a claim).
        index.Split('\n')
        |> Array.filter (fun l -> l.StartsWith($"| [`{folder}`]", StringComparison.Ordinal) && l.Contains "quick | `")
    // ablation-25gaussians-fresh changes only the 25 Gaussians' training set: its 8 other rows repeat
    // capacity-underuse's (whose seeds the sequential run continued, so they point to it), its 4 25-Gaussian rows
    // are its own.
    let fresh = rows "ablation-25gaussians-fresh/capacity-underuse"
    Assert.Equal(12, fresh.Length)
    let own, repeated = fresh |> Array.partition (fun l -> l.Contains "25gaussians`")
    Assert.Equal(8, repeated.Length)
    Assert.All(repeated, fun l ->
        Assert.Contains("its seeds continued in `until-decided/capacity-underuse` (15 seeds)", l))
    Assert.All(own, fun l -> Assert.Contains(", exploratory |", l))
    Assert.All(rows "parallel-lines", fun l ->
        Assert.Contains("its seeds continued in `until-decided/parallel-lines` (20 seeds)", l))
    Assert.All(rows "until-decided/snapshot-ranking", fun l -> Assert.Contains("copy of `snapshot-ranking`", l))
    Assert.All(rows "ablation-init-pytorch/capacity-underuse", fun l -> Assert.Contains(", exploratory |", l))
