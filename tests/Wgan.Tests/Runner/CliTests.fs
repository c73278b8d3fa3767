/// The command line, in process: exit codes, messages that name the problem, and nothing written on bad input.
module Wgan.Tests.CliTests

open System
open System.IO
open System.Text.Json.Nodes
open Xunit
open Wgan.Tests.ManifestTests

type CliRun = { Exit: int; Out: string; Err: string }

let cli (args: string list) =
    use out = new StringWriter()
    use err = new StringWriter()
    let exit = Wgan.Runner.Program.Run(Array.ofList args, out, err)
    { Exit = exit; Out = out.ToString(); Err = err.ToString() }

/// A fresh empty folder under the system temp folder.
let tempFolder () =
    let dir = Path.Combine(Path.GetTempPath(), "wgan-tests", Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory dir |> ignore
    dir

let writeFile (dir: string) (name: string) (text: string) =
    let path = Path.Combine(dir, name)
    File.WriteAllText(path, text)
    path

/// Runs `run` on a manifest text and checks: exit 2, the message names `expected`, no output folder created.
let assertRunRejected (manifestText: string) (expected: string) =
    let dir = tempFolder ()
    let manifest = writeFile dir "manifest.json" manifestText
    let out = Path.Combine(dir, "out")
    let r = cli [ "run"; manifest; "--scale"; "smoke"; "--out"; out ]
    Assert.True(r.Exit = 2, $"exit {r.Exit}, stderr: {r.Err}")
    Assert.Contains(expected, r.Err)
    Assert.False(Directory.Exists out, "nothing may be written for a bad manifest")

// ---- Bad manifests: each names the JSON path of the problem. ----

[<Fact>]
let ``run rejects an unknown field`` () =
    assertRunRejected (mutate (fun m -> m.["epochs"] <- JsonValue.Create 3)) "$.epochs: is not a known field"

[<Fact>]
let ``run rejects a wrong type`` () =
    assertRunRejected (mutate (fun m -> m.["seed"] <- JsonValue.Create "one")) "$.seed: expected an integer"

[<Fact>]
let ``run rejects a negative size`` () =
    let manifest = mutate (fun m -> m.["scales"].["smoke"].["transportSamples"] <- JsonValue.Create -1)
    assertRunRejected manifest "$.scales.smoke.transportSamples"

[<Fact>]
let ``run rejects an even theta grid`` () =
    let manifest = mutate (fun m -> m.["scales"].["smoke"].["thetas"] <- JsonValue.Create 4)
    assertRunRejected manifest "$.scales.smoke.thetas: must be odd"

[<Fact>]
let ``run rejects an unknown constraint kind`` () =
    let manifest = mutate (fun m -> m.["critic"].["constraint"].["kind"] <- JsonValue.Create "spectral")
    assertRunRejected manifest "$.critic.constraint.kind"

[<Fact>]
let ``run rejects an empty hidden-layer list`` () =
    assertRunRejected (mutate (fun m -> m.["critic"].["hidden"] <- JsonArray())) "$.critic.hidden: must not be empty"

[<Fact>]
let ``run rejects duplicate claim ids`` () =
    let manifest = mutate (fun m -> m.["claims"].[1].["id"] <- JsonValue.Create "em-tracks-theta")
    assertRunRejected manifest "used more than once"

[<Fact>]
let ``run rejects awayFromZero beyond thetaMax`` () =
    let manifest = mutate (fun m -> m.["awayFromZero"] <- JsonValue.Create 2.0)
    assertRunRejected manifest "$.awayFromZero: must be below thetaMax"

[<Fact>]
let ``run rejects a huge learning rate`` () =
    let manifest = mutate (fun m -> m.["critic"].["optimizer"].["learningRate"] <- JsonValue.Create 1e300)
    assertRunRejected manifest "$.critic.optimizer.learningRate"

[<Fact>]
let ``run rejects an empty manifest file`` () = assertRunRejected "" "not valid JSON"

[<Fact>]
let ``run rejects a manifest that is not an object`` () =
    assertRunRejected "[1, 2]" "$: expected an object, found an array"

[<Fact>]
let ``run rejects truncated JSON with its line`` () =
    let text = goodManifest ()
    assertRunRejected (text.Substring(0, text.Length - 40)) "not valid JSON (line"

[<Fact>]
let ``one bad manifest in a folder stops the whole run before anything is written`` () =
    let dir = tempFolder ()
    writeFile dir "a-good.json" (goodManifest ()) |> ignore
    writeFile dir "b-bad.json" (mutate (fun m -> m.["seed"] <- JsonValue.Create -1)) |> ignore
    let out = Path.Combine(dir, "out")
    let r = cli [ "run"; dir; "--scale"; "smoke"; "--out"; out ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("b-bad.json: $.seed", r.Err)
    Assert.False(Directory.Exists out)

// ---- Bad paths and options. ----

[<Fact>]
let ``run rejects a missing manifest path`` () =
    let r = cli [ "run"; "/no/such/manifest.json"; "--scale"; "smoke" ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("/no/such/manifest.json: no such manifest file or folder", r.Err)

[<Fact>]
let ``run rejects a folder without manifests`` () =
    let r = cli [ "run"; tempFolder (); "--scale"; "smoke" ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("no *.json manifests", r.Err)

[<Fact>]
let ``run rejects an output path that is a file`` () =
    let dir = tempFolder ()
    let manifest = writeFile dir "m.json" (goodManifest ())
    let outFile = writeFile dir "out" "not a folder"
    let r = cli [ "run"; manifest; "--scale"; "smoke"; "--out"; outFile ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("is a file, not a folder", r.Err)
    Assert.Equal("not a folder", File.ReadAllText outFile)

[<Fact>]
let ``run on cuda without CUDA fails clearly and writes nothing`` () =
    let dir = tempFolder ()
    let manifest = writeFile dir "m.json" (goodManifest ())
    let out = Path.Combine(dir, "out")
    let r = cli [ "run"; manifest; "--scale"; "smoke"; "--device"; "cuda"; "--out"; out ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("--device cuda", r.Err)
    Assert.False(Directory.Exists out)

[<Fact>]
let ``run rejects zero threads and zero seeds`` () =
    Assert.Equal(2, (cli [ "run"; manifestPath; "--threads"; "0" ]).Exit)
    let r = cli [ "run"; manifestPath; "--seeds"; "0" ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("--seeds must be at least 1", r.Err)

[<Fact>]
let ``unknown commands, options and scales are usage errors`` () =
    Assert.Equal(2, (cli [ "train" ]).Exit)
    Assert.Equal(2, (cli [ "run"; manifestPath; "--epochs"; "3" ]).Exit)
    let r = cli [ "run"; manifestPath; "--scale"; "huge" ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("--scale", r.Err)

[<Fact>]
let ``help exits 0 and list names every experiment with its source`` () =
    let help = cli [ "--help" ]
    Assert.True(help.Exit = 0, help.Err)
    Assert.Contains("distance", help.Out)
    let list = cli [ "list" ]
    Assert.Equal(0, list.Exit)
    Assert.Contains("parallel-lines", list.Out)
    Assert.Contains("WGAN (Arjovsky et al. 2017), Example 1 and Figure 1", list.Out)

// ---- distance: values on the user's data, and bad data files. ----

[<Fact>]
let ``distance em prints the exact W1 of two point clouds of different sizes`` () =
    let dir = tempFolder ()
    // P = {(0,0), (0,2)}, Q = {(3,1)}: all mass moves to (3,1), each point at distance sqrt(10).
    let p = writeFile dir "p.csv" "0,0\n0,2\n"
    let q = writeFile dir "q.csv" "3,1\n"
    let r = cli [ "distance"; "--p"; p; "--q"; q; "--metric"; "em" ]
    Assert.Equal(0, r.Exit)
    Assert.Equal(sqrt 10.0, Double.Parse(r.Out.Trim(), Globalization.CultureInfo.InvariantCulture), 9)

[<Fact>]
let ``distance js kl tv print the closed forms on disjoint supports`` () =
    let dir = tempFolder ()
    let p = writeFile dir "p.csv" "0.5\n0.5\n0\n0\n"
    let q = writeFile dir "q.csv" "0\n0\n0.25\n0.75\n"
    let value metric =
        let r = cli [ "distance"; "--p"; p; "--q"; q; "--metric"; metric ]
        Assert.Equal(0, r.Exit)
        r.Out.Trim()
    // Disjoint supports: JS = log 2, TV = 1, KL = +inf (WGAN section 2 definitions).
    Assert.Equal(log 2.0, Double.Parse(value "js", Globalization.CultureInfo.InvariantCulture), 12)
    Assert.Equal("1", value "tv")
    Assert.Equal("inf", value "kl")

let assertDistanceRejected (pText: string) (qText: string) (metric: string) (expected: string) =
    let dir = tempFolder ()
    let p = writeFile dir "p.csv" pText
    let q = writeFile dir "q.csv" qText
    let r = cli [ "distance"; "--p"; p; "--q"; q; "--metric"; metric ]
    Assert.True(r.Exit = 2, $"exit {r.Exit}, stderr: {r.Err}")
    Assert.Contains(expected, r.Err)

[<Fact>]
let ``distance rejects an empty file`` () = assertDistanceRejected "" "1,2\n" "em" "p.csv: has no points"

[<Fact>]
let ``distance rejects a non-numeric cell with its line and column`` () =
    assertDistanceRejected "1,2\n3,x\n" "1,2\n" "em" "p.csv, line 2, column 2: 'x' is not a number"

[<Fact>]
let ``distance rejects NaN`` () =
    assertDistanceRejected "1,2\n" "NaN,2\n" "em" "q.csv, line 1, column 1: 'NaN' is not a finite number"

[<Fact>]
let ``distance rejects a truncated row`` () =
    assertDistanceRejected "1,2\n3\n" "1,2\n" "em" "p.csv, line 2: 1 values, but the first point has 2"

[<Fact>]
let ``distance rejects clouds of different dimensions`` () = assertDistanceRejected "1,2\n" "1,2,3\n" "em" "dimension"

[<Fact>]
let ``distance rejects probabilities that do not sum to 1`` () =
    assertDistanceRejected "0.5\n0.6\n" "0.5\n0.5\n" "js" "sums to"

[<Fact>]
let ``distance rejects a negative probability`` () =
    assertDistanceRejected "1.5\n-0.5\n" "0.5\n0.5\n" "kl" "is negative"

[<Fact>]
let ``distance rejects vectors of different lengths`` () =
    assertDistanceRejected "1\n" "0.5\n0.5\n" "tv" "1 probabilities but"

[<Fact>]
let ``distance rejects a missing file`` () =
    let r = cli [ "distance"; "--p"; "/no/p.csv"; "--q"; "/no/q.csv"; "--metric"; "em" ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("/no/p.csv: no such file", r.Err)

// ---- index: the results folder's README.md rebuilt from its result.json files. ----

[<Fact>]
let ``index of a missing folder exits 2 and names it`` () =
    let missing = Path.Combine(tempFolder (), "nowhere")
    let r = cli [ "index"; "--out"; missing ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("nowhere: no such folder", r.Err)
    Assert.False(Directory.Exists missing)

[<Fact>]
let ``index of a folder without results exits 2 and writes nothing`` () =
    let dir = tempFolder ()
    let r = cli [ "index"; "--out"; dir ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("no published result", r.Err)
    Assert.Empty(Directory.GetFiles dir)

[<Fact>]
let ``the committed results index is what index builds from the committed results`` () =
    // Every result.json under results/, nested publication folders included, copied alone: the index that
    // `index` builds from them must be the committed results/README.md, so a publication into a nested folder
    // cannot leave the suite's index behind.
    let results = Path.Combine(Path.GetDirectoryName(TestSupport.experimentsFolder.Force()), "results")
    let out = tempFolder ()
    let files = Directory.GetFiles(results, "result.json", SearchOption.AllDirectories)
    for file in files do
        let target = Path.Combine(out, Path.GetRelativePath(results, file))
        Directory.CreateDirectory(Path.GetDirectoryName target) |> ignore
        File.Copy(file, target)
    let r = cli [ "index"; "--out"; out ]
    Assert.True((r.Exit = 0), r.Err)
    Assert.Contains($"{files.Length} published result(s) indexed", r.Out)
    Assert.Equal(File.ReadAllText(Path.Combine(results, "README.md")), File.ReadAllText(Path.Combine(out, "README.md")))

// ---- Output paths no result may go to, options that exclude each other, and escaped messages. ----

[<Fact>]
let ``the file-system root, a system folder and the home folder are refused as output folders`` () =
    let link = Path.Combine(tempFolder (), "root-link")
    File.CreateSymbolicLink(link, "/") |> ignore
    let home = Environment.GetFolderPath Environment.SpecialFolder.UserProfile
    let refused =
        [ "/", "the root of the file system"
          link, "the root of the file system"
          "/etc", "a system folder"
          home, "the home folder" ]
    for out, reason in refused do
        // The output folder is checked before the manifest is read: a missing manifest shows that nothing ran.
        let run = cli [ "run"; "/no/such/manifest.json"; "--out"; out ]
        Assert.True(run.Exit = 2, $"{out}: exit {run.Exit}: {run.Err}")
        Assert.Contains($"--out {out}: is {reason}", run.Err)
        Assert.Contains($"--out {out}: is {reason}", (cli [ "merge"; "--out"; out ]).Err)
    Assert.Contains("--out /: is the root of the file system", (cli [ "index"; "--out"; "/" ]).Err)

[<Fact>]
let ``--resume and --force together are a usage error`` () =
    // A manifest that does not exist: the options are refused before any file is looked at.
    let r = cli [ "run"; "/no/such/manifest.json"; "--resume"; "--force"; "--out"; tempFolder () ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("--resume and --force exclude each other", r.Err)

[<Fact>]
let ``distance escapes control characters quoted from a CSV cell`` () =
    assertDistanceRejected "1,\u001b[31mred\n" "1,2\n" "em" "p.csv, line 1, column 2: '\\u001B[31mred' is not a number"
    let dir = tempFolder ()
    let p = writeFile dir "p.csv" "0.5\n\u0000x\n"
    let r = cli [ "distance"; "--p"; p; "--q"; p; "--metric"; "js" ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("'\\u0000x' is not a number", r.Err)
    // Characters, compared ordinally (a culture-aware search ignores NUL and finds it anywhere).
    Assert.False(r.Err.Contains '\u0000', "a raw NUL reached the message")
    Assert.False(r.Err.Contains '\u001b', "a raw ESC reached the message")

[<Fact>]
let ``a manifest nested 10,000 deep is named as nested too deeply`` () =
    // 64: System.Text.Json's default depth (JsonChecks.MaxDepth).
    let nested = String('[', 10000) + String(']', 10000)
    assertRunRejected nested "$: is nested too deeply (objects and arrays more than 64 levels deep)"

/// The test slice of MNIST digits (tests/Wgan.Tests/data), beside experiments/.
let mnistSlice =
    let root = Path.GetDirectoryName(Path.GetDirectoryName manifestPath)
    Path.Combine(root, "tests", "Wgan.Tests", "data", "mnist-slice.bin")

[<Fact>]
let ``mnist --slice keeps an existing --out file unless --force, and refuses a folder`` () =
    let dir = tempFolder ()
    let cache = Path.Combine(dir, "cache")
    let existing = writeFile dir "existing.md" "an unrelated file\n"
    let r = cli [ "mnist"; "--mnist-file"; mnistSlice; "--slice"; "5"; "--out"; existing; "--cache"; cache ]
    Assert.True(r.Exit = 2, $"exit {r.Exit}: {r.Err}")
    Assert.Contains($"{existing} already exists", r.Err)
    Assert.Equal("an unrelated file\n", File.ReadAllText existing)
    let folder = cli [ "mnist"; "--mnist-file"; mnistSlice; "--slice"; "5"; "--out"; dir; "--cache"; cache ]
    Assert.True(folder.Exit = 2, $"exit {folder.Exit}: {folder.Err}")
    Assert.Contains($"--out {dir}: is a folder, not a file", folder.Err)
    let forced =
        cli [ "mnist"; "--mnist-file"; mnistSlice; "--slice"; "5"; "--out"; existing; "--cache"; cache; "--force" ]
    Assert.True(forced.Exit = 0, forced.Err)
    Assert.Contains("wrote 50 digits", forced.Out)
    Assert.NotEqual<string>("an unrelated file\n", File.ReadAllText existing)

[<Fact>]
let ``run refuses a manifest whose networks would need more memory than the limit, before anything runs`` () =
    let dir = tempFolder ()
    let text = mutate (fun m -> m.["critic"].["hidden"] <- JsonNode.Parse "[65536, 65536]")
    let manifest = writeFile dir "manifest.json" text
    let out = Path.Combine(dir, "out")
    // --shard 2/2 is refused only after the manifests are read: were the manifest accepted, the run would still stop
    // there instead of allocating the networks.
    let r = cli [ "run"; manifest; "--scale"; "smoke"; "--out"; out; "--shard"; "2/2" ]
    Assert.True(r.Exit = 2, $"exit {r.Exit}, stderr: {r.Err}")
    Assert.Contains("$.critic.hidden: asks for about", r.Err)
    Assert.False(Directory.Exists out, "nothing may be written for a bad manifest")
