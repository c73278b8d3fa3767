/// `verify <published> --against <re-run>`: a re-run that `wgan run` published elsewhere (with workers, checkpoints and
/// --resume) takes the place of verify's own re-run in the same comparison, once it is found to be a run of the same
/// experiment, manifest, scale, seeds, device and threads.
module Wgan.Tests.VerifyAgainstTests

open System.IO
open System.Text.Json.Nodes
open Xunit
open Wgan.Tests.ManifestTests
open Wgan.Tests.CliTests
open Wgan.Tests.IntegrityTests

/// `run parallel-lines --scale smoke` with `extra` options into a fresh --out; its result folder.
let private rerunWith (manifest: string) (extra: string list) =
    let out = Path.Combine(tempFolder (), "rerun")
    let r = cli ([ "run"; manifest; "--scale"; "smoke"; "--out"; out ] @ extra)
    Assert.True(r.Exit = 0, $"exit {r.Exit}: {r.Err}")
    Path.Combine(out, "parallel-lines")

/// A re-run of `published` as a long experiment would be re-run: by two worker processes (computed once; each test
/// that changes it changes a copy).
let private rerun = lazy (rerunWith manifestPath [ "--jobs"; "2" ])

let private copyOfRerun () =
    let target = Path.Combine(tempFolder (), "parallel-lines")
    copyTree rerun.Value target
    target

let private verifyAgainst (against: string) = cli [ "verify"; published.Value; "--against"; against ]

/// `verify --against` exits 2 with every part of `expected` in its message.
let private refused (r: CliRun) (expected: string list) =
    assertNoCrash r
    Assert.True(r.Exit = 2, $"exit {r.Exit}: {r.Out}{r.Err}")
    for e in expected do Assert.Contains(e, r.Err)

[<Fact>]
let ``verify --against a run into another folder verifies without re-running and names the folder`` () =
    let r = verifyAgainst rerun.Value
    Assert.True(r.Exit = 0, $"exit {r.Exit}: {r.Out}{r.Err}")
    Assert.Contains($"compared with the re-run in {rerun.Value}", r.Out)
    Assert.Contains("nothing was re-run here", r.Out)
    // The same checks as a re-run in process: at smoke scale, 2 seeds x 11 metrics, 6 claims and 2 CSV series
    // (experiments/parallel-lines.json).
    Assert.Contains("verified; 22 metrics, 6 claim(s), report.md and 2 CSV series agree", r.Out)
    Assert.DoesNotContain("re-running at scale", r.Err)

[<Fact>]
let ``verify --against a re-run with one metric changed beyond the tolerance exits 1 naming it`` () =
    let folder = copyOfRerun ()
    // 0.1 is 10^8 times experiments/parallel-lines.json's verifyTolerance (1e-9). `editResult` writes result.json
    // again without indentation: the recorded manifest in another layout is the same manifest, so this is compared.
    editResult folder (fun root ->
        let values = root.["metrics"].[0].["values"]
        values.["js.minSaturation"] <- JsonValue.Create(values.["js.minSaturation"].GetValue<float>() + 0.1))
    let r = verifyAgainst folder
    Assert.True(r.Exit = Wgan.Runner.Verify.Mismatch, $"exit {r.Exit}: {r.Out}{r.Err}")
    Assert.Contains("difference(s) from the published result", r.Out)
    Assert.Contains("seed 1 js.minSaturation: published ", r.Out)
    Assert.Contains("(|difference| 0.1 > tolerance 1E-09)", r.Out)

[<Fact>]
let ``verify --against refuses a run of other seeds, another scale, device or thread count, or another manifest`` () =
    // Other seeds: a real run with one seed of the two the smoke scale gives (experiments/parallel-lines.json).
    refused (verifyAgainst (rerunWith manifestPath [ "--seeds"; "1" ])) [ "seeds: published 2 (1, 2), re-run 1 (1)" ]
    // Another scale, device and thread count, as the re-run's result.json would record them.
    let edited = copyOfRerun ()
    editResult edited (fun root ->
        root.["scale"] <- JsonValue.Create "quick"
        root.["environment"].["device"] <- JsonValue.Create "cuda"
        root.["environment"].["threads"] <- JsonValue.Create 2)
    let r = verifyAgainst edited
    refused r [ $"{edited}: cannot be a re-run of {published.Value}"; "scale: published smoke, re-run quick"
                "device: published cpu, re-run cuda"; "threads: published 1, re-run 2" ]
    Assert.Equal("", r.Out)
    // Another manifest: a real run of the manifest with the critic's learning rate doubled.
    let dir = tempFolder ()
    let text = File.ReadAllText(manifestPath).Replace("\"learningRate\": 0.001, \"beta1\": 0.5, \"beta2\": 0.9 }",
                                                      "\"learningRate\": 0.002, \"beta1\": 0.5, \"beta2\": 0.9 }")
    Assert.NotEqual<string>(File.ReadAllText manifestPath, text)
    let other = rerunWith (writeFile dir "parallel-lines.json" text) []
    refused (verifyAgainst other) [ "manifest: the recorded manifests differ in $.critic" ]
    // A changed claim is named by its id.
    let claim = copyOfRerun ()
    editResult claim (fun root -> root.["manifest"].["claims"].[0].["threshold"] <- JsonValue.Create 0.9)
    refused (verifyAgainst claim) [ "manifest: the recorded manifests differ in $.claims (em-tracks-theta)" ]

[<Fact>]
let ``recorded manifests are compared by value, a changed claim named by its id`` () =
    let manifest = """{"experiment": "x", "seed": 1, "claims": [{"id": "a", "threshold": 1}, {"id": "b"}]}"""
    let reordered = """{"seed": 1, "claims": [{"threshold": 1, "id": "a"}, {"id": "b"}], "experiment": "x"}"""
    Assert.Empty(Wgan.Experiments.RerunIdentity.manifestDifferences manifest reordered)
    let changed = """{"experiment": "x", "seed": 2, "claims": [{"id": "a", "threshold": 2}, {"id": "c"}]}"""
    Assert.Equal<string list>(
        [ "$.claims (a, b, c)"; "$.seed" ], Wgan.Experiments.RerunIdentity.manifestDifferences manifest changed)

[<Fact>]
let ``verify --against a folder without result.json, or the published folder itself, exits 2`` () =
    let empty = tempFolder ()
    refused (verifyAgainst empty) [ Path.Combine(empty, "result.json") + ": no such file" ]
    // The --out folder rather than the experiment's folder in it.
    let out = Path.GetDirectoryName rerun.Value
    refused (verifyAgainst out) [ $"did you mean {rerun.Value}?" ]
    refused (verifyAgainst published.Value) [ "is the published folder itself" ]
    // A re-run whose result.json lists a CSV series that is not there.
    let damaged = copyOfRerun ()
    File.Delete(Path.Combine(damaged, "estimates.csv"))
    refused (verifyAgainst damaged) [ Path.Combine(damaged, "estimates.csv") + ": no such file" ]
    // A re-run's files are compared, so no data is loaded: the data options have no use with --against.
    refused (cli [ "verify"; published.Value; "--against"; rerun.Value; "--cache"; empty ]) [ "--against" ]
    refused (cli [ "verify"; published.Value; "--against"; "" ]) [ "--against needs the result folder of a re-run" ]

[<Fact>]
let ``verify --against a re-run on another platform judges it as a reproduction`` () =
    let onAnotherPlatform (change: JsonNode -> unit) =
        let folder = copyOfRerun ()
        editResult folder (fun root ->
            // Other library versions have other numerics in either mode (docs/reliability.md, "On another platform").
            root.["environment"].["platform"].["libraries"] <- JsonValue.Create "libtorch 0.0.1"
            change root)
        verifyAgainst folder
    let seed1 (root: JsonNode) = root.["metrics"].[0].["values"]
    // A difference of 1e-6, beyond the tolerance (1e-9) but moving no verdict.
    let moved =
        onAnotherPlatform (fun root ->
            let values = seed1 root
            values.["js.minSaturation"] <- JsonValue.Create(values.["js.minSaturation"].GetValue<float>() + 1e-6))
    Assert.True(moved.Exit = 0, $"exit {moved.Exit}: {moved.Out}{moved.Err}")
    Assert.Contains("re-run on another platform;", moved.Out)
    Assert.Contains("verified across platforms", moved.Out)
    Assert.Contains("libtorch 0.0.1", moved.Err)
    Assert.Contains("(other numerics: the verdicts must hold)", moved.Err)
    // A sample W1 error of 0.5, beyond sample-w1-matches-closed-form's threshold 0.15
    // (experiments/parallel-lines.json): its verdict changes, which no platform excuses.
    let changed = onAnotherPlatform (fun root -> (seed1 root).["sampleEm.meanRelativeError"] <- JsonValue.Create 0.5)
    Assert.True(changed.Exit = Wgan.Runner.Verify.Mismatch, $"exit {changed.Exit}: {changed.Out}{changed.Err}")
    Assert.Contains(
        "$.claims[id=sample-w1-matches-closed-form].verdict: published \"reproduced\", re-run \"inconclusive\"",
        changed.Out)
