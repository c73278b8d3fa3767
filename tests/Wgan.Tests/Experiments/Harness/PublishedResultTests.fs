/// PublishedResult: a published result.json read back into typed records, every field checked, and `verify` taking
/// the manifest from result.json (report.md's manifest must hold the same JSON, in any layout).
module Wgan.Tests.PublishedResultTests

open System
open System.IO
open System.Text.Json
open System.Text.Json.Nodes
open Xunit
open Wgan.Experiments
open Wgan.Experiments.PublishedResult
open Wgan.Tests.CliTests
open Wgan.Tests.IntegrityTests

let private publishedJson () = File.ReadAllText(Path.Combine(published.Value, "result.json"))

/// `publishedJson` with `change` applied.
let private edited (change: JsonNode -> unit) =
    let root = JsonNode.Parse(publishedJson ())
    change root
    root.ToJsonString()

/// The problem `read` names for `json`.
let private problemOf (json: string) =
    let e = Assert.Throws<RecordJson.UnreadableResultException>(fun () -> read json None |> ignore)
    e.Message

[<Fact>]
let ``a published result reads back as it was written`` () =
    let json = publishedJson ()
    let p = read json None
    let root = JsonNode.Parse json
    Assert.Equal("parallel-lines", p.Result.ExperimentId)
    Assert.Equal("smoke", p.Result.Scale)
    Assert.Equal<int64[]>(root["seeds"].AsArray() |> Seq.map (fun s -> s.GetValue<int64>()) |> Array.ofSeq, p.Seeds)
    Assert.Equal(root["claims"].AsArray().Count, p.Claims.Length)
    let first = root["claims"][0]
    let str (n: JsonNode) = n.GetValue<string>()
    let id, verdict = str (first["id"]), str (first["verdict"])
    Assert.Equal(id, p.Claims[0].Id)
    Assert.Equal(verdict, p.Claims[0].Verdict)
    let measured = first["measured"]
    let perSeed = measured["perSeed"].AsArray().Count
    let seeds = measured["seeds"].GetValue<int>()
    Assert.Equal(perSeed, p.Claims[0].Measured.PerSeed.Length)
    Assert.Equal(seeds, p.Claims[0].Measured.Seeds)
    let command = str (root["environment"]["command"])
    Assert.Equal(command, p.Environment.CommandLine)
    // The manifest is the recorded one, as JSON.
    Assert.True(JsonNode.DeepEquals(root["manifest"], JsonNode.Parse p.Manifest))
    // Every seed's metrics, by seed.
    Assert.Equal(p.Seeds.Length, p.MetricsBySeed.Count)

[<Fact>]
let ``a damaged field is named by its JSON path, in the record reader's words`` () =
    Assert.Equal(
        "$.environment.threads: must be an integer in [1, 256] (found 0)",
        problemOf (edited (fun r -> r.["environment"].["threads"] <- JsonValue.Create 0)))
    Assert.Equal(
        "$.environment: is required but missing",
        problemOf (edited (fun r -> r.AsObject().Remove "environment" |> ignore)))
    Assert.Equal("$.scale: expected a string, found null", problemOf (edited (fun r -> r["scale"] <- null)))
    Assert.Equal(
        "$.seeds: holds a seed more than once", problemOf (edited (fun r -> r["seeds"] <- JsonNode.Parse "[1, 1]")))
    Assert.StartsWith(
        "$.claims[0].verdict: \"maybe\" is not one of",
        problemOf (edited (fun r -> r.["claims"].[0].["verdict"] <- JsonValue.Create "maybe")))
    Assert.Equal(
        "$.claims[1].id: the claim id 'em-tracks-theta' appears more than once",
        problemOf (edited (fun r -> r.["claims"].[1].["id"] <- JsonValue.Create "em-tracks-theta")))
    Assert.Equal(
        "$.claims[0].measured.mean: expected a number or null, found a string",
        problemOf (edited (fun r -> r.["claims"].[0].["measured"].["mean"] <- JsonValue.Create "high")))
    Assert.ThrowsAny<JsonException>(fun () -> read "{" None |> ignore) |> ignore

[<Fact>]
let ``a caption is read from an old report's image line, its cell escape undone`` () =
    let report = "# t\n\n![A | B title](figures/x.png)\n\n![Other](figures/y.png)\n"
    Assert.Equal(Some "A | B title", captionInReport (report.Replace("A | B", "A \\| B")) "figures/x.png")
    Assert.Equal(Some "Other", captionInReport report "figures/y.png")
    Assert.Equal(None, captionInReport report "figures/z.png")

/// report.md's manifest block (after its "```json" line, before the closing fence) rewritten by `change`.
let private editReportManifest (folder: string) (change: string -> string) =
    let path = Path.Combine(folder, "report.md")
    let text = File.ReadAllText path
    let start = text.LastIndexOf("```json\n", StringComparison.Ordinal) + "```json\n".Length
    let stop = text.LastIndexOf("\n```", StringComparison.Ordinal)
    let manifest = text.Substring(start, stop - start)
    File.WriteAllText(path, text.Substring(0, start) + change manifest + text.Substring stop)

[<Fact>]
let ``verify takes the manifest from result.json: report.md's must be the same JSON, in any layout`` () =
    // The same manifest laid out on one line: the report shows the recorded manifest, so it verifies.
    let relaid = copyOfPublished ()
    editReportManifest relaid (fun m -> JsonNode.Parse(m).ToJsonString())
    let ok = cli [ "verify"; relaid ]
    Assert.True(ok.Exit = 0, ok.Out + ok.Err)
    // Another manifest in the report: a structural difference, though result.json's manifest reruns fine.
    let other = copyOfPublished ()
    editReportManifest other (fun m ->
        let node = JsonNode.Parse m
        node["seed"] <- JsonValue.Create(node["seed"].GetValue<int>() + 1)
        node.ToJsonString())
    verifyMismatch other [ "report.md: its manifest differs from result.json's" ]

[<Fact>]
let ``a report with a line more above its manifest is a line difference, not another manifest`` () =
    // A published verdict that changed on a re-run adds or removes report lines above the manifest; the manifest is
    // found from the report's end, so the difference is named as lines and the manifest still agrees.
    let folder = copyOfPublished ()
    let path = Path.Combine(folder, "report.md")
    let text = File.ReadAllText path
    let at = text.LastIndexOf("\nManifest:\n", StringComparison.Ordinal)
    File.WriteAllText(path, text.Substring(0, at) + "\nA line the re-run does not write.\n" + text.Substring at)
    let r = cli [ "verify"; folder ]
    Assert.True(r.Exit = Wgan.Runner.Verify.Mismatch, $"exit {r.Exit}: {r.Out}{r.Err}")
    Assert.Contains("report.md: published", r.Out)
    Assert.DoesNotContain("its manifest differs", r.Out)

[<Fact>]
let ``the manifest shown is read from the report's end, and a report ending otherwise shows none`` () =
    let report = "# t\n\nManifest:\n\n```json\n{ \"a\": 1 }\n```\n\nManifest:\n\n```json\n{\n  \"b\": 2\n}\n```\n"
    Assert.Equal(Some "{\n  \"b\": 2\n}", ReportMarkdown.manifestShown report)
    Assert.Equal(None, ReportMarkdown.manifestShown "# t\n\nManifest:\n\n```json\n{}\n```\nmore\n")
    Assert.Equal(None, ReportMarkdown.manifestShown "```\n")
