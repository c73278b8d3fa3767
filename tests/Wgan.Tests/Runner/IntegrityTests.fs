/// Integrity under concurrency and bad input (issue 19): locks that protect a run in progress, verification of
/// everything a run derives, records read back as strictly as manifests, and a documented exit code with a message
/// naming the file and JSON path for every input a user can fix.
module Wgan.Tests.IntegrityTests

open System
open System.Diagnostics
open System.IO
open System.Text
open System.Text.Json.Nodes
open Xunit
open Wgan.Tests.ManifestTests
open Wgan.Tests.CliTests
open Wgan.Tests.ReliabilityTests

/// What a user never sees for input they can fix: a stack trace or the internal-error code.
let assertNoCrash (r: CliRun) =
    Assert.DoesNotContain("internal error", r.Err)
    Assert.DoesNotContain("   at ", r.Err)
    Assert.NotEqual(Wgan.Runner.Program.InternalError, r.Exit)

/// Every file under `folder` but the lock files (a held lock cannot be read) with its bytes, to show that a refused
/// command changed nothing.
let snapshot (folder: string) =
    Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
    |> Array.filter (fun f -> not (Path.GetFileName(f).StartsWith "lock."))
    |> Array.sort
    |> Array.map (fun f -> Path.GetRelativePath(folder, f), Convert.ToBase64String(File.ReadAllBytes f))

/// Copies every file under `source` to the same place under `target`.
let copyTree (source: string) (target: string) =
    for file in Directory.GetFiles(source, "*", SearchOption.AllDirectories) do
        let destination = Path.Combine(target, Path.GetRelativePath(source, file))
        Directory.CreateDirectory(Path.GetDirectoryName destination) |> ignore
        File.Copy(file, destination)

/// An output folder with the checkpoints of half a smoke run (shard 0 of 2), as an interrupted run leaves them.
let halfRun () =
    let out = Path.Combine(tempFolder (), "out")
    smokeRun out [ "--shard"; "0/2" ] |> ignore
    out, Wgan.Runner.WorkFolder.For(out, "parallel-lines")

// ---- 1. Nothing deletes a work folder whose lock another process holds. ----

[<Fact>]
let ``run --force, with or without --jobs, leaves alone a work folder whose lock is held`` () =
    let out, work = halfRun ()
    let before = snapshot work.Path
    use _held = work.Lock "run"
    for extra in [ [ "--jobs"; "2" ]; [] ] do
        let r = cli ([ "run"; manifestPath; "--scale"; "smoke"; "--out"; out; "--force" ] @ extra)
        Assert.True(r.Exit = 2, $"{extra}: exit {r.Exit}: {r.Err}")
        // The holder is named by its process id (this test host holds the lock).
        Assert.Contains($"process {Environment.ProcessId}", r.Err)
        Assert.Equal<(string * string)[]>(before, snapshot work.Path)
        Assert.True(File.Exists(Path.Combine(work.Path, "lock.run")), "the held lock file is still there")
    Assert.False(Directory.Exists(Path.Combine(out, "parallel-lines")), "nothing was published")

[<Fact>]
let ``run --force --jobs 2 on an idle work folder starts over and publishes the uninterrupted result`` () =
    let out, _ = halfRun ()
    let r = smokeRun out [ "--force"; "--jobs"; "2" ]
    Assert.Contains("2 worker processes", r.Err)
    Assert.Equal(reference.Value, comparable (Path.Combine(out, "parallel-lines")))
    Assert.False(
        Directory.Exists(Path.Combine(out, ".work")), "the checkpoints and their lock files are removed once published")

// ---- 2. verify re-renders everything a run derives and names what differs. ----

/// A published smoke result (computed once); each test tampers with a copy.
let published =
    lazy
        let out = Path.Combine(tempFolder (), "published")
        smokeRun out [] |> ignore
        Path.Combine(out, "parallel-lines")

let copyOfPublished () =
    let target = Path.Combine(tempFolder (), "parallel-lines")
    copyTree published.Value target
    target

let editResult (folder: string) (change: JsonNode -> unit) =
    let path = Path.Combine(folder, "result.json")
    let root = JsonNode.Parse(File.ReadAllText path)
    change root
    File.WriteAllText(path, root.ToJsonString())

let verifyMismatch (folder: string) (expected: string list) =
    let r = cli [ "verify"; folder ]
    Assert.True(r.Exit = Wgan.Runner.Verify.Mismatch, $"exit {r.Exit}: {r.Out}{r.Err}")
    for e in expected do Assert.Contains(e, r.Out)

[<Fact>]
let ``verify passes a faithful result and reports a tampered or deleted claim, an edited report and an edited CSV`` () =
    let ok = cli [ "verify"; copyOfPublished () ]
    Assert.True(ok.Exit = 0, ok.Out + ok.Err)
    Assert.Contains("report.md and 2 CSV series agree", ok.Out)
    let mean = copyOfPublished ()
    editResult mean (fun root -> root.["claims"].[0].["measured"].["mean"] <- JsonValue.Create 0.123)
    verifyMismatch mean [ "result.json $.claims[id=em-tracks-theta].measured.mean: published 0.123" ]
    let interval = copyOfPublished ()
    // Claim 2 of experiments/parallel-lines.json (em-has-gradient) is decided by a t-interval, so it has one.
    editResult interval (fun root -> root.["claims"].[2].["measured"].["interval95"] <- JsonNode.Parse "[-5, 5]")
    verifyMismatch interval [ ".measured.interval95[0]: published -5" ]
    let deleted = copyOfPublished ()
    editResult deleted (fun root -> root.["claims"].AsArray().RemoveAt 1)
    verifyMismatch deleted [ "is missing from the published result" ]
    let report = copyOfPublished ()
    let reportPath = Path.Combine(report, "report.md")
    File.WriteAllText(reportPath, File.ReadAllText(reportPath).Replace("**reproduced**", "**not-reproduced**"))
    verifyMismatch report [ "report.md, line"; "**not-reproduced**" ]
    let csv = copyOfPublished ()
    let csvPath = Path.Combine(csv, "estimates.csv")
    let lines = File.ReadAllLines csvPath
    lines[2] <- "9" + lines[2].Substring(lines[2].IndexOf ',')
    File.WriteAllLines(csvPath, lines)
    verifyMismatch csv [ "estimates.csv, line 3" ]

// ---- 3, 4. Records read back as strictly as a manifest: exit 2, the file and the JSON path named. ----

let verifyRejects (change: JsonNode -> unit) (expected: string) =
    let folder = copyOfPublished ()
    editResult folder change
    let r = cli [ "verify"; folder ]
    assertNoCrash r
    Assert.True(r.Exit = 2, $"exit {r.Exit}: {r.Out}{r.Err}")
    Assert.Contains(Path.Combine(folder, "result.json"), r.Err)
    Assert.Contains(expected, r.Err)

[<Fact>]
let ``verify rejects recorded settings out of range, with their JSON path`` () =
    let outOfRange = "$.environment.threads: must be an integer in [1, 256]"
    verifyRejects (fun root -> root.["environment"].["threads"] <- JsonValue.Create 0) outOfRange
    verifyRejects (fun root -> root.["environment"].["threads"] <- JsonValue.Create 5000) outOfRange
    verifyRejects (fun root -> root.["environment"].["device"] <- JsonValue.Create "tpu") "$.environment.device"
    verifyRejects (fun root -> root.["scale"] <- JsonValue.Create "huge") "$.scale: \"huge\" is not one of"
    verifyRejects (fun root -> root.["scale"] <- null) "$.scale: expected a string, found null"
    verifyRejects (fun root -> root.["seeds"] <- JsonNode.Parse "[1, 1]") "$.seeds: holds a seed more than once"
    verifyRejects (fun root -> root.AsObject().Remove "environment" |> ignore) "$.environment: is required but missing"

[<Fact>]
let ``verify rejects null and duplicate claim ids`` () =
    verifyRejects (fun root -> root.["claims"].[0].["id"] <- null) "$.claims[0].id: expected a string, found null"
    verifyRejects
        (fun root -> root.["claims"].[1].["id"] <- JsonValue.Create "em-tracks-theta")
        "$.claims[1].id: the claim id 'em-tracks-theta' appears more than once"

/// The checkpoints of both shards of a smoke run, ready to merge (computed once; each test merges a copy).
let mergeable =
    lazy
        let out, _ = halfRun ()
        smokeRun out [ "--shard"; "1/2" ] |> ignore
        out

/// Merges a copy of `mergeable` after applying `damage` to its work folder.
let mergeAfter (damage: string -> unit) =
    let out = Path.Combine(tempFolder (), "out")
    copyTree mergeable.Value out
    damage (Wgan.Runner.WorkFolder.For(out, "parallel-lines")).Path
    let r = cli [ "merge"; "--out"; out ]
    assertNoCrash r
    out, r

let editRunRecord (text: string) = fun (work: string) -> File.WriteAllText(Path.Combine(work, "run.json"), text)

[<Fact>]
let ``merge rejects a damaged run record with its JSON path, and never suggests --force`` () =
    let check damage expected =
        let out, r = mergeAfter damage
        Assert.True(r.Exit = 2, $"exit {r.Exit}: {r.Err}")
        Assert.Contains(expected, r.Err)
        Assert.DoesNotContain("--force", r.Err)
        let published = Directory.Exists(Path.Combine(out, "parallel-lines"))
        Assert.False(published, "nothing is published from a damaged record")
    check (editRunRecord "{}") "run.json: $.Identity: is required but missing"
    check
        (editRunRecord """{"Identity": null, "Manifest": ""}""")
        "run.json: $.Identity: expected an object, found null"
    let withThreads (threads: int) (work: string) =
        let path = Path.Combine(work, "run.json")
        let root = JsonNode.Parse(File.ReadAllText path)
        root.["Identity"].["Threads"] <- JsonValue.Create threads
        File.WriteAllText(path, root.ToJsonString())
    check (withThreads 0) "$.Identity.Threads: must be an integer in [1, 256] (found 0)"
    check (editRunRecord "{\"Identity\": {}, \"Identity\": {}}") "$.Identity: appears more than once"

[<Fact>]
let ``merge rejects a unit checkpoint that lacks a value, has an unknown one or the wrong type`` () =
    let editUnit (change: JsonNode -> unit) (work: string) =
        let path = Path.Combine(work, "unit-000000.json")
        let root = JsonNode.Parse(File.ReadAllText path)
        change root
        File.WriteAllText(path, root.ToJsonString())
    // parallel-lines' unit record (ParallelLines.Unit.Measured), read strictly by its codec.
    let _, missing = mergeAfter (editUnit (fun root -> root.["measured"].AsObject().Remove("EarthMover") |> ignore))
    Assert.True(missing.Exit = 2, missing.Err)
    Assert.Contains("a unit checkpoint does not hold what the experiment measures", missing.Err)
    Assert.Contains("EarthMover", missing.Err)
    let _, unknown = mergeAfter (editUnit (fun root -> root.["measured"].["Extra"] <- JsonValue.Create 1.0))
    Assert.True(unknown.Exit = 2, unknown.Err)
    Assert.Contains("Extra", unknown.Err)
    let _, notObject = mergeAfter (editUnit (fun root -> root.["measured"] <- JsonValue.Create 1.0))
    Assert.True(notObject.Exit = 2, notObject.Err)
    Assert.Contains("unit-000000.json: $.measured: expected an object", notObject.Err)
    let _, wrong = mergeAfter (editUnit (fun root -> root.["key"] <- null))
    Assert.True(wrong.Exit = 2, wrong.Err)
    Assert.Contains("unit-000000.json: $.key: expected a string, found null", wrong.Err)

[<Fact>]
let ``--seeds has an upper bound`` () =
    let r = cli [ "run"; manifestPath; "--seeds"; "100000000" ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("--seeds must be at least 1 and at most 1000 (found 100000000)", r.Err)
    Assert.Equal(2, (cli [ "run"; manifestPath; "--threads"; "257" ]).Exit)

[<Fact>]
let ``a full disk is exit 74 with the path named, not a crash`` () =
    // ENOSPC as .NET raises it on Linux: errno 28 kept as the HResult, the path in the message.
    let full = IOException("No space left on device : '/results/.parallel-lines.staging.7/report.md'", 28)
    use err = new StringWriter()
    Assert.Equal(74, Wgan.Runner.Program.ExitCodeOf(full, err))
    Assert.Contains("/results/.parallel-lines.staging.7/report.md", err.ToString())
    Assert.Contains("the disk is full", err.ToString())
    Assert.Equal(70, Wgan.Runner.Program.ExitCodeOf(InvalidOperationException "a bug", new StringWriter()))

// ---- 5. distance --metric em: large coordinates and too many points. ----

[<Fact>]
let ``distance em is exact for coordinates near 1e200 and 1e-200`` () =
    let dir = tempFolder ()
    for magnitude in [ 1e200; 1e-200 ] do
        let text (points: (float * float) list) =
            points |> List.map (fun (x, y) -> $"{x:R},{y:R}") |> String.concat "\n"
        let p = writeFile dir "p.csv" (text [ magnitude, 0.0; -magnitude, 0.0 ])
        let q = writeFile dir "q.csv" (text [ 0.0, magnitude; 0.0, -magnitude ])
        let r = cli [ "distance"; "--p"; p; "--q"; q; "--metric"; "em" ]
        Assert.True(r.Exit = 0, r.Err)
        // Every point of p is at distance sqrt(2) * magnitude from every point of q, so W1 = sqrt(2) * magnitude.
        let value = Double.Parse(r.Out.Trim(), Globalization.CultureInfo.InvariantCulture)
        Assert.True(abs (value / (sqrt 2.0 * magnitude) - 1.0) < 1e-12, $"W1 = {value} at magnitude {magnitude}")

[<Fact>]
let ``distance em refuses clouds with more point pairs than the solver can hold`` () =
    let dir = tempFolder ()
    let cloud n = String.Join("\n", Array.init n (fun i -> $"{i},0"))
    let p = writeFile dir "p.csv" (cloud 2001)
    let q = writeFile dir "q.csv" (cloud 2000)
    let r = cli [ "distance"; "--p"; p; "--q"; q; "--metric"; "em" ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("4,002,000 pairs exceed the limit of 4,000,000", r.Err)

// ---- 6. bench keeps an existing report unless --force. ----

[<Fact>]
let ``bench refuses to replace an existing report without --force, before measuring`` () =
    let out = writeFile (tempFolder ()) "benchmarks.md" "the published table\n"
    let r = cli [ "bench"; "--iterations"; "1"; "--threads"; "1"; "--only"; "toy-wgan-clip"; "--out"; out ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("already exists; use --force", r.Err)
    Assert.DoesNotContain("matmul peak", r.Err)
    Assert.Equal("the published table\n", File.ReadAllText out)

// ---- 7, 11. Manifests: duplicate keys, control characters, bidirectional overrides, invalid UTF-8. ----

[<Fact>]
let ``a duplicate key is rejected at its JSON path`` () =
    goodManifest().Replace("\"seed\": 1,", "\"seed\": 1, \"seed\": 7,")
    |> assertRejectedAt "$.seed" "appears more than once"
    goodManifest().Replace("\"activation\": \"relu\",", "\"activation\": \"relu\", \"activation\": \"tanh\",")
    |> assertRejectedAt "$.critic.activation" "appears more than once"

[<Fact>]
let ``control and bidirectional-override characters in strings are rejected at their JSON path`` () =
    for escaped, code in [ "\\u0000", "U+0000"; "\\u202E", "U+202E"; "\\u2066", "U+2066"; "\\u001b", "U+001B" ] do
        mutate (fun m -> m.["claims"].[0].["statement"] <- JsonValue.Create "placeholder")
        |> fun text -> text.Replace("placeholder", $"text{escaped}txet")
        |> assertRejectedAt "$.claims[0].statement" code
    // Written raw (not escaped) in the file too.
    assertRunRejected
        (goodManifest().Replace("\"parallel-lines\"", "\"parallel\u202Elines\""))
        "$.experiment: contains the control or bidirectional-override character U+202E"

[<Fact>]
let ``invalid UTF-8 in a manifest string is rejected at its JSON path`` () =
    let dir = tempFolder ()
    let bytes = Encoding.UTF8.GetBytes(goodManifest().Replace("\"relu\"", "\"rel@\""))
    let at = Array.findIndex ((=) (byte '@')) bytes
    bytes[at] <- 0xFFuy
    let path = Path.Combine(dir, "manifest.json")
    File.WriteAllBytes(path, bytes)
    let out = Path.Combine(dir, "out")
    let r = cli [ "run"; path; "--scale"; "smoke"; "--out"; out ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("$.critic.activation: is not valid UTF-8", r.Err)
    Assert.False(Directory.Exists out)

// ---- 8. Messages that say what is happening. ----

[<Fact>]
let ``checkpoints are called in progress while their lock is held and interrupted otherwise`` () =
    let out, work = halfRun ()
    let run () = cli [ "run"; manifestPath; "--scale"; "smoke"; "--out"; out ]
    let interrupted = run ()
    Assert.Equal(2, interrupted.Exit)
    Assert.Contains("holds checkpoints of an interrupted run", interrupted.Err)
    use _held = work.Lock "shard-1-of-2"
    let inProgress = run ()
    Assert.Equal(2, inProgress.Exit)
    Assert.Contains($"is being written by a run in progress (process {Environment.ProcessId})", inProgress.Err)
    Assert.Equal<string>(string Environment.ProcessId, work.LiveHolder())

[<Fact>]
let ``a stray empty folder in .work does not block a merge`` () =
    let out, _ = halfRun ()
    smokeRun out [ "--shard"; "1/2" ] |> ignore
    Directory.CreateDirectory(Path.Combine(out, ".work", "stray")) |> ignore
    let r = cli [ "merge"; "--out"; out ]
    Assert.True(r.Exit = 0, r.Err)
    Assert.Contains("stray: skipped, it holds no checkpoints", r.Err)
    Assert.Equal(reference.Value, comparable (Path.Combine(out, "parallel-lines")))

// ---- 9. Stale staging folders. ----

/// The id of a process that has ended.
let deadProcessId () =
    use p = Process.Start(ProcessStartInfo("true"))
    p.WaitForExit()
    p.Id

[<Fact>]
let ``the next run removes a killed publication's staging folder and restores its previous result`` () =
    let out = Path.Combine(tempFolder (), "out")
    let pid = deadProcessId ()
    let staging = Path.Combine(out, $".parallel-lines.staging.{pid}")
    Directory.CreateDirectory staging |> ignore
    File.WriteAllText(Path.Combine(staging, "report.md"), "half written")
    // Killed between moving the old result aside and moving the new one in: the old one comes back.
    let previous = Path.Combine(out, $".other.previous.{pid}")
    Directory.CreateDirectory previous |> ignore
    File.WriteAllText(Path.Combine(previous, "result.json"), "{}")
    // An experiment being published holds its run lock: its staging folder is not stale.
    let publishing = Path.Combine(out, $".publishing.staging.{pid}")
    Directory.CreateDirectory publishing |> ignore
    use _held = (Wgan.Runner.WorkFolder.For(out, "publishing")).Lock "run"
    let r = smokeRun out [ "--seeds"; "1" ]
    Assert.False(Directory.Exists staging, "the stale staging folder is removed")
    Assert.True(Directory.Exists publishing, "a staging folder whose experiment's lock is held is left alone")
    Assert.Equal("{}", File.ReadAllText(Path.Combine(out, "other", "result.json")))
    Assert.Contains("removed, left behind by an interrupted publication", r.Err)
    // The restored folder's result.json is not one the index can read: it is named there, not a crash.
    Assert.Contains("`other`: result.json cannot be read", File.ReadAllText(Path.Combine(out, "README.md")))

// ---- 10. Worker processes of --jobs. ----

/// The processes whose parent is `pid` (Linux /proc).
let childrenOf (pid: int) =
    [ for dir in Directory.GetDirectories "/proc" do
          match Int32.TryParse(Path.GetFileName dir) with
          | true, child ->
              let stat = try File.ReadAllText(Path.Combine(dir, "stat")) with _ -> ""
              if stat <> "" then
                  let fields = stat.Substring(stat.LastIndexOf ')' + 2).Split ' '
                  if int fields[1] = pid then yield child
          | _ -> () ]

let isRunning (pid: int) =
    try
        use p = Process.GetProcessById pid
        not p.HasExited
    with :? ArgumentException -> false

/// Starts `wgan run --jobs 2` as its own process and waits until both workers have started.
let startJobsRun (out: string) (scale: string) =
    let wgan = Path.Combine(AppContext.BaseDirectory, "wgan.dll")
    let arguments = [ "exec"; wgan; "run"; manifestPath; "--scale"; scale; "--out"; out; "--jobs"; "2" ]
    let start = ProcessStartInfo("dotnet", arguments, RedirectStandardError = true, RedirectStandardOutput = true)
    let parent = Process.Start start
    parent.BeginErrorReadLine()
    parent.BeginOutputReadLine()
    let clock = Stopwatch.StartNew()
    let mutable workers = []
    while workers.Length < 2 && clock.Elapsed < TimeSpan.FromSeconds 60.0 && not parent.HasExited do
        Threading.Thread.Sleep 50
        workers <- childrenOf parent.Id
    Assert.True(workers.Length = 2, $"the run did not start two workers: {workers}")
    parent, workers

[<Fact>]
let ``a second run --force --jobs 2 is refused while the first runs, and the first's workers end with it`` () =
    // At quick scale the workers have minutes of units left: only their parent's end can stop them.
    let out = Path.Combine(tempFolder (), "out")
    let parent, workers = startJobsRun out "quick"
    let record = Path.Combine(out, ".work", "parallel-lines", "run.json")
    let recorded = File.ReadAllText record
    // Issue 19, item 1: the second run deleted the first's work folder and the two overlapped.
    let second = cli [ "run"; manifestPath; "--scale"; "quick"; "--out"; out; "--force"; "--jobs"; "2" ]
    Assert.True(second.Exit = 2, $"exit {second.Exit}: {second.Err}")
    Assert.True(second.Err.Contains $"process {parent.Id}", second.Err)
    Assert.Equal(recorded, File.ReadAllText record)
    Assert.False(parent.HasExited, "the first run goes on")
    parent.Kill() // SIGKILL: the parent cannot stop its workers itself
    parent.WaitForExit()
    let clock = Stopwatch.StartNew()
    while workers |> List.exists isRunning && clock.Elapsed < TimeSpan.FromSeconds 10.0 do
        Threading.Thread.Sleep 100
    let left = workers |> List.filter isRunning
    for pid in left do (try Process.GetProcessById(pid).Kill() with _ -> ())
    Assert.True(left.IsEmpty, $"workers {left} outlived their parent")

[<Fact>]
let ``a killed worker makes the run exit 75, and --resume completes it`` () =
    let out = Path.Combine(tempFolder (), "out")
    let parent, workers = startJobsRun out "smoke"
    Process.GetProcessById(workers.Head).Kill()
    Assert.True(parent.WaitForExit 120000, "the run did not end")
    Assert.Equal(Wgan.Runner.Program.WorkerFailed, parent.ExitCode)
    smokeRun out [ "--resume" ] |> ignore
    Assert.Equal(reference.Value, comparable (Path.Combine(out, "parallel-lines")))

// ---- 11. A shard's --force with other options loses no finished unit. ----

/// `run parallel-lines --scale smoke --shard 1/2` with `extra` options on `out`.
let shardRun (out: string) (extra: string list) =
    cli ([ "run"; manifestPath; "--scale"; "smoke"; "--out"; out; "--shard"; "1/2" ] @ extra)

[<Fact>]
let ``a shard's --force with other seeds or threads refuses before deleting the finished units of another run`` () =
    let out = Path.Combine(tempFolder (), "out")
    copyTree mergeable.Value out
    let work = Wgan.Runner.WorkFolder.For(out, "parallel-lines")
    let before = snapshot work.Path
    // smoke: 2 seeds x 5 thetas, every one finished by shards 0/2 and 1/2 (experiments/parallel-lines.json).
    let units = before |> Array.filter (fun (name, _) -> name.EndsWith ".json" && name.StartsWith "unit-")
    Assert.Equal(10, units.Length)
    for options, difference in [ [ "--seeds"; "1" ], "--seeds 1 vs 0"; [ "--threads"; "2" ], "--threads 2 vs 1" ] do
        for force in [ [ "--force" ]; [] ] do
            let r = shardRun out (options @ force)
            assertNoCrash r
            Assert.True(r.Exit = 2, $"{options} {force}: exit {r.Exit}: {r.Err}")
            Assert.Contains($"{work.Path} holds checkpoints of a different run ({difference}", r.Err)
            Assert.Contains("it holds units of other shards", r.Err)
            Assert.Contains("nothing was deleted: to start that run over with these options, delete " + work.Path,
                            r.Err)
            // It does not recommend the --force that cannot help.
            Assert.DoesNotContain("with --force", r.Err)
            Assert.Equal<(string * string)[]>(before, snapshot work.Path)
    // Every finished unit is still there: the merge publishes the uninterrupted result.
    let merged = cli [ "merge"; "--out"; out ]
    Assert.True(merged.Exit = 0, merged.Err)
    Assert.Equal(reference.Value, comparable (Path.Combine(out, "parallel-lines")))

[<Fact>]
let ``a shard's --force with other options replaces a run of its own units only, and not while another shard runs`` () =
    let out = Path.Combine(tempFolder (), "out")
    Assert.Equal(0, (shardRun out []).Exit)
    let work = Wgan.Runner.WorkFolder.For(out, "parallel-lines")
    let before = snapshot work.Path
    // Without --force: refused, pointing to it.
    let plain = shardRun out [ "--seeds"; "1" ]
    Assert.Equal(2, plain.Exit)
    Assert.Contains("of this shard's units only; run this shard with --force to discard them", plain.Err)
    Assert.Equal<(string * string)[]>(before, snapshot work.Path)
    // Another shard of the recorded run is running (its lock is held here): refused, nothing deleted.
    (use _other = work.Lock "shard-0-of-2"
     let busy = shardRun out [ "--seeds"; "1"; "--force" ]
     Assert.Equal(2, busy.Exit)
     Assert.Contains($"and process {Environment.ProcessId} is writing it", busy.Err)
     Assert.Equal<(string * string)[]>(before, snapshot work.Path))
    // Alone, --force starts the shard over with the new options; with the other shard, the merge gives the result of
    // an unsharded run with those options.
    let replaced = shardRun out [ "--seeds"; "1"; "--force" ]
    Assert.True(replaced.Exit = 0, replaced.Err)
    let other = cli [ "run"; manifestPath; "--scale"; "smoke"; "--out"; out; "--shard"; "0/2"; "--seeds"; "1" ]
    Assert.True(other.Exit = 0, other.Err)
    let merged = cli [ "merge"; "--out"; out ]
    Assert.True(merged.Exit = 0, merged.Err)
    let unsharded = Path.Combine(tempFolder (), "unsharded")
    smokeRun unsharded [ "--seeds"; "1" ] |> ignore
    let expected = comparable (Path.Combine(unsharded, "parallel-lines"))
    Assert.Equal(expected, comparable (Path.Combine(out, "parallel-lines")))

// ---- 12. A unit's training state is checked before any of it is restored. ----

/// A manifest whose smoke units save their training state (every 2 of 5 iterations) and run in about a second.
let stateManifest = lazy Path.Combine(TestSupport.experimentsFolder.Force(), "weight-histograms.json")

let stateRun (out: string) (extra: string list) =
    cli ([ "run"; stateManifest.Value; "--scale"; "smoke"; "--seeds"; "1"; "--out"; out ] @ extra)

/// The uninterrupted result of `stateRun`.
let stateReference =
    lazy
        let out = Path.Combine(tempFolder (), "reference")
        let r = stateRun out []
        Assert.True(r.Exit = 0, r.Err)
        comparable (Path.Combine(out, "weight-histograms"))

exception private StoppedAtFirstSave

/// The key of unit 0 of `stateRun` and the training state it saves first (after iteration 2), as the training loop
/// hands it to the runner.
let firstSavedState =
    lazy
        TestSupport.pinThreads ()
        let text = File.ReadAllText stateManifest.Value
        let experiment = Wgan.Experiments.Harness.ReadManifest(text).Experiment
        let plan = experiment.Plan("smoke", 1, "cpu", Wgan.Experiments.NoResources())
        let mutable saved = [||]
        let save = Action<byte[]>(fun bytes -> saved <- bytes; raise StoppedAtFirstSave)
        let noState = Func<byte[]>(fun () -> null)
        Assert.Throws<StoppedAtFirstSave>(fun () -> plan.RunUnit(0, noState, save) |> ignore) |> ignore
        plan.UnitKeys[0], plan.UnitKeys[1], saved

/// An output folder where unit 1 of `stateRun` has finished (shard 1/2) and unit 0 was stopped after saving its
/// state, whose file then went through `damage`; returns the folder and the state file.
let withSavedState (damage: byte[] -> byte[]) =
    let out = Path.Combine(tempFolder (), "out")
    let shard = stateRun out [ "--shard"; "1/2" ]
    Assert.True(shard.Exit = 0, shard.Err)
    let work = Wgan.Runner.WorkFolder.For(out, "weight-histograms")
    let key, _, state = firstSavedState.Value
    // As if the unit had taken 1000 s to reach its state: a resumed unit counts that time too.
    work.WriteState(0, key, state, 1000.0)
    let file = work.StateFileOf 0
    File.WriteAllBytes(file, damage (File.ReadAllBytes file))
    out, file

/// `count` bytes from a random generator seeded with `seed`.
let randomBytes (seed: int) (count: int) =
    let bytes = Array.zeroCreate<byte> count
    Random(seed).NextBytes bytes
    bytes

/// The length of a state file's header and checksum for the unit `key` (see Wgan.Runner.StateFile).
let stateHeader (key: string) = Wgan.Runner.StateFile.Magic.Length + 4 + Text.Encoding.UTF8.GetByteCount key + 8 + 32

/// Flips `count` bytes of a copy of `bytes` from `at` on.
let flip (at: int) (count: int) (bytes: byte[]) =
    let copy = Array.copy bytes
    for i in at .. at + count - 1 do copy[i] <- copy[i] ^^^ 0x5Auy
    copy

[<Fact>]
let ``an intact training state resumes its unit to exactly the uninterrupted result`` () =
    let out, file = withSavedState id
    let r = stateRun out [ "--resume" ]
    Assert.True(r.Exit = 0, r.Err)
    Assert.False(File.Exists file, "the state goes once its unit has finished")
    Assert.Equal(stateReference.Value, comparable (Path.Combine(out, "weight-histograms")))
    let result = Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(out, "weight-histograms", "result.json")))
    Assert.True(result["environment"].["computeSeconds"].GetValue<float>() >= 1000.0)

[<Fact>]
let ``a damaged training state is refused with exit 2, naming the file and the way out, before libtorch reads it`` () =
    let key, otherKey, state = firstSavedState.Value
    let header = stateHeader key
    let cases =
        [ "truncated", (fun (b: byte[]) -> b[.. b.Length / 2]), "is truncated"
          "damaged magic", flip 0 4, "does not start with the header of a wgan training state"
          "damaged key length", flip (Wgan.Runner.StateFile.Magic.Length) 2, "damaged header"
          "damaged state length", flip (header - 32 - 8) 1, "its header announces"
          "damaged checksum", flip (header - 16) 8, "fails its SHA-256 checksum"
          "damaged tail", (fun b -> flip (b.Length - 16) 16 b), "fails its SHA-256 checksum"
          "random bytes", (fun b -> randomBytes 7 b.Length), "does not start with the header"
          "8 bytes of the weights changed", (fun b -> flip (header + (b.Length - header) / 2) 8 b),
          "fails its SHA-256 checksum"
          "the state without its header (an earlier layout)", (fun _ -> state), "earlier version of wgan"
          "another unit's state", (fun _ -> Wgan.Runner.StateFile.Wrap(otherKey, state)),
          $"holds the training state of unit {otherKey}, not of unit {key}"
          // A checksum that holds over a state the training loop cannot use (a layout version it does not know).
          "an unknown layout",
          (fun _ -> Wgan.Runner.StateFile.Wrap(key, Array.append [| 2uy; 0uy; 0uy; 0uy |] state[4..])),
          "does not fit this unit" ]
    for name, damage, problem in cases do
        let out, file = withSavedState damage
        let before = snapshot (Path.GetDirectoryName file)
        let r = stateRun out [ "--resume" ]
        assertNoCrash r
        Assert.True(r.Exit = 2, $"{name}: exit {r.Exit}: {r.Err}")
        Assert.Contains($"error: {file}: ", r.Err)
        Assert.Contains(problem, r.Err)
        Assert.Contains($"delete {file} to recompute unit {key} from its start, then run again with --resume", r.Err)
        Assert.False(Directory.Exists(Path.Combine(out, "weight-histograms")), $"{name}: nothing is published")
        Assert.Equal<(string * string)[]>(before, snapshot (Path.GetDirectoryName file))
    // Doing as the message says completes the run with the uninterrupted result.
    let out, file = withSavedState (flip (header + 10) 8)
    Assert.Equal(2, (stateRun out [ "--resume" ]).Exit)
    File.Delete file
    let r = stateRun out [ "--resume" ]
    Assert.True(r.Exit = 0, r.Err)
    Assert.Equal(stateReference.Value, comparable (Path.Combine(out, "weight-histograms")))

[<Fact>]
let ``a worker that finds a damaged training state fails with exit 2 and its message, the run keeps its units`` () =
    let out, file = withSavedState (fun b -> randomBytes 11 b.Length)
    let r = stateRun out [ "--resume"; "--jobs"; "2" ]
    assertNoCrash r
    Assert.True(r.Exit = 2, $"exit {r.Exit}: {r.Err}")
    Assert.Contains($"error: {file}: does not start with the header", r.Err)
    Assert.Contains("finished units are kept", r.Err)
    Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName file, "unit-000001.json")), "the finished unit is kept")
// ---- 11. Input files that are not regular files or too large; folders that cannot be written. ----

/// Runs a command on another thread and fails the test when it has not ended after a minute (a command that opens a
/// FIFO for reading waits for a writer for ever); `release` is called then, to let the blocked thread go.
let cliWithin (release: unit -> unit) (args: string list) =
    let task = Threading.Tasks.Task.Run(fun () -> cli args)
    if not (task.Wait(TimeSpan.FromMinutes 1.0)) then
        release ()
        Assert.Fail($"""`wgan {String.Join(" ", args)}` did not end within a minute""")
    task.Result

/// Makes a FIFO (named pipe) at `path` with mkfifo(1).
let mkfifo (path: string) =
    use p = Process.Start(ProcessStartInfo("mkfifo", [ path ]))
    p.WaitForExit()
    Assert.True((p.ExitCode = 0), $"mkfifo {path} failed")
    path

/// Opens the FIFO `path` for writing and closes it, which releases a reader blocked on opening it.
let releaseFifo (path: string) = fun () -> try File.WriteAllText(path, "") with _ -> ()

[<Fact>]
let ``a FIFO as a manifest, in a folder or named, or as distance's data is refused at once with its path`` () =
    let dir = tempFolder ()
    let manifests = Path.Combine(dir, "manifests")
    Directory.CreateDirectory manifests |> ignore
    writeFile manifests "a-good.json" (goodManifest ()) |> ignore
    let fifo = mkfifo (Path.Combine(manifests, "x.json"))
    let out = Path.Combine(dir, "out")
    for manifest in [ manifests; fifo ] do
        let r = cliWithin (releaseFifo fifo) [ "run"; manifest; "--scale"; "smoke"; "--out"; out ]
        assertNoCrash r
        Assert.True(r.Exit = 2, $"exit {r.Exit}: {r.Err}")
        Assert.Contains($"{fifo}: is a FIFO (named pipe), not a regular file", r.Err)
        Assert.False(Directory.Exists out, "nothing is written")
    let csv = mkfifo (Path.Combine(dir, "p.csv"))
    let q = writeFile dir "q.csv" "1,2\n"
    let r = cliWithin (releaseFifo csv) [ "distance"; "--p"; csv; "--q"; q; "--metric"; "em" ]
    assertNoCrash r
    Assert.True(r.Exit = 2, $"exit {r.Exit}: {r.Err}")
    Assert.Contains($"{csv}: is a FIFO (named pipe), not a regular file", r.Err)

[<Fact>]
let ``a FIFO in place of a training state is refused at once, naming the file and the way out`` () =
    let out, file = withSavedState id
    let key, _, _ = firstSavedState.Value
    File.Delete file
    mkfifo file |> ignore
    let args = [ "run"; stateManifest.Value; "--scale"; "smoke"; "--seeds"; "1"; "--out"; out; "--resume" ]
    let r = cliWithin (releaseFifo file) args
    assertNoCrash r
    Assert.True(r.Exit = 2, $"exit {r.Exit}: {r.Err}")
    Assert.Contains($"{file}: is a FIFO (named pipe), not a regular file", r.Err)
    Assert.Contains($"delete {file} to recompute unit {key} from its start", r.Err)

[<Fact>]
let ``a manifest linked to /dev/zero or /dev/urandom is refused unread`` () =
    let dir = tempFolder ()
    for device in [ "/dev/zero"; "/dev/urandom" ] do
        let link = Path.Combine(dir, Path.GetFileName device + ".json")
        File.CreateSymbolicLink(link, device) |> ignore
        let r = cliWithin ignore [ "run"; link; "--scale"; "smoke"; "--out"; Path.Combine(dir, "out") ]
        assertNoCrash r
        Assert.True(r.Exit = 2, $"{device}: exit {r.Exit}: {r.Err}")
        Assert.Contains($"{link}: is a character device, not a regular file", r.Err)
    let csv = Path.Combine(dir, "zero.csv")
    File.CreateSymbolicLink(csv, "/dev/zero") |> ignore
    let r = cliWithin ignore [ "distance"; "--p"; csv; "--q"; csv; "--metric"; "tv" ]
    assertNoCrash r
    Assert.Equal(2, r.Exit)
    Assert.Contains($"{csv}: is a character device", r.Err)

/// A sparse file of `bytes` bytes (no disk space used; a refusal by size reads none of it).
let sparseFile (path: string) (bytes: int64) =
    use stream = File.Create path
    stream.SetLength bytes
    path

[<Fact>]
let ``input files larger than their cap are refused with the file and the cap named`` () =
    let dir = tempFolder ()
    // A valid manifest padded past 1 MiB (InputFiles.MaxManifestBytes) with spaces.
    let padded = goodManifest () + String(' ', 1 <<< 20)
    let manifest = writeFile dir "padded.json" padded
    let r = cli [ "run"; manifest; "--scale"; "smoke"; "--out"; Path.Combine(dir, "out") ]
    Assert.True(r.Exit = 2, r.Err)
    Assert.Contains($"{manifest}: is larger than the 1 MiB a manifest may have", r.Err)
    // 256 MiB (InputFiles.MaxDataBytes and MaxRecordBytes) and one byte.
    let csv = sparseFile (Path.Combine(dir, "p.csv")) ((256L <<< 20) + 1L)
    let d = cli [ "distance"; "--p"; csv; "--q"; csv; "--metric"; "em" ]
    Assert.True(d.Exit = 2, d.Err)
    Assert.Contains($"{csv}: is larger than the 256 MiB a data file may have", d.Err)
    let folder = copyOfPublished ()
    let result = sparseFile (Path.Combine(folder, "result.json")) ((256L <<< 20) + 1L)
    let v = cli [ "verify"; folder ]
    assertNoCrash v
    Assert.True(v.Exit = 2, v.Err)
    Assert.Contains($"{result}: is larger than the 256 MiB a record may have", v.Err)

[<Fact>]
let ``a record nested too deeply is named with the limit, not a syntax position`` () =
    let folder = copyOfPublished ()
    File.WriteAllText(Path.Combine(folder, "result.json"), String('[', 10000) + String(']', 10000))
    let r = cli [ "verify"; folder ]
    assertNoCrash r
    Assert.True(r.Exit = 2, r.Err)
    Assert.Contains("result.json: is nested too deeply (objects and arrays more than 64 levels deep)", r.Err)

/// Whether this process runs as root, whom permission bits do not stop (Linux: the real uid in /proc/self/status).
let isRoot () =
    File.ReadAllLines "/proc/self/status"
    |> Array.exists (fun line ->
        line.StartsWith "Uid:" && line.Split([| '\t'; ' ' |], StringSplitOptions.RemoveEmptyEntries)[1] = "0")

/// Makes the folder `path` refuse new, renamed and deleted entries until the result is disposed: its write
/// permission removed or, as root (whom permissions do not stop), the immutable attribute set with chattr +i, which
/// stops root too. Fails the test, rather than passing without checking anything, when neither works on this machine.
let readOnly (path: string) : IDisposable =
    let chattr (flag: string) =
        use p = Process.Start(ProcessStartInfo("chattr", [ flag; path ], RedirectStandardError = true))
        p.WaitForExit()
        p.ExitCode = 0
    let mode = File.GetUnixFileMode path
    let undo =
        if isRoot () then
            let why = "as root only the immutable attribute makes a folder read-only"
            Assert.True(chattr "+i", $"chattr +i {path} failed: {why}")
            fun () -> chattr "-i" |> ignore
        else
            File.SetUnixFileMode(path, UnixFileMode.UserRead ||| UnixFileMode.UserExecute)
            fun () -> File.SetUnixFileMode(path, mode)
    let probe = Path.Combine(path, ".probe")
    let writable = try File.WriteAllText(probe, ""); File.Delete probe; true with _ -> false
    if writable then
        undo ()
        Assert.Fail($"{path} could not be made read-only on this machine")
    { new IDisposable with member _.Dispose() = undo () }

/// A StringWriter for standard error that calls `action` once, after the first line containing `trigger`.
type TriggerWriter(trigger: string, action: unit -> unit) =
    inherit StringWriter()
    let mutable fired = false
    override this.WriteLine(line: string) =
        base.WriteLine line
        if not fired && not (isNull line) && line.Contains trigger then
            fired <- true
            action ()

[<Fact>]
let ``a work folder made read-only during a run exits 74 naming it, keeps its units, and --resume completes it`` () =
    let out = Path.Combine(tempFolder (), "out")
    let work = Wgan.Runner.WorkFolder.For(out, "parallel-lines")
    let mutable held: IDisposable = null
    // After the first unit's progress line, the work folder refuses the next unit's checkpoint.
    use err = new TriggerWriter("[parallel-lines] 1/", fun () -> held <- readOnly work.Path)
    use stdout = new StringWriter()
    let exit =
        try Wgan.Runner.Program.Run([| "run"; manifestPath; "--scale"; "smoke"; "--out"; out |], stdout, err)
        finally if not (isNull held) then held.Dispose()
    let r = { Exit = exit; Out = stdout.ToString(); Err = err.ToString() }
    Assert.False(isNull held, $"the run never reported its first unit: {r.Err}")
    assertNoCrash r
    Assert.True(r.Exit = Wgan.Runner.Program.OutputFailed, $"exit {r.Exit}: {r.Err}")
    Assert.Contains(work.Path, r.Err)
    Assert.True(work.HasUnit 0, "the unit finished before the folder became read-only is kept")
    Assert.False(Directory.Exists(Path.Combine(out, "parallel-lines")), "nothing is published")
    smokeRun out [ "--resume" ] |> ignore
    Assert.Equal(reference.Value, comparable (Path.Combine(out, "parallel-lines")))

/// The hidden staging and previous-result folders under `out`.
let hiddenFolders (out: string) =
    Directory.GetDirectories out
    |> Array.map Path.GetFileName
    |> Array.filter (fun n -> n.Contains ".staging." || n.Contains ".previous.")

[<Fact>]
let ``run --force on a published result made read-only exits 74 naming it, changes nothing, and a later run works`` () =
    let out = Path.Combine(tempFolder (), "out")
    smokeRun out [ "--seeds"; "1" ] |> ignore
    let published = Path.Combine(out, "parallel-lines")
    let before = snapshot published
    do
        use _readOnly = readOnly published
        let r = cli [ "run"; manifestPath; "--scale"; "smoke"; "--seeds"; "1"; "--out"; out; "--force" ]
        assertNoCrash r
        Assert.True(r.Exit = Wgan.Runner.Program.OutputFailed, $"exit {r.Exit}: {r.Err}")
        Assert.Contains($"{published}: cannot be changed", r.Err)
    Assert.Equal<(string * string)[]>(before, snapshot published)
    Assert.Empty(hiddenFolders out)
    Assert.False(Directory.Exists(Path.Combine(out, ".work")), "no checkpoints are left")
    smokeRun out [ "--seeds"; "1"; "--force" ] |> ignore
    Assert.Empty(hiddenFolders out)

[<Fact>]
let ``merge --force on a published result made read-only exits 74 naming it and changes nothing`` () =
    let out = Path.Combine(tempFolder (), "out")
    smokeRun out [ "--seeds"; "1" ] |> ignore
    for shard in [ "0/2"; "1/2" ] do smokeRun out [ "--seeds"; "1"; "--shard"; shard ] |> ignore
    let published = Path.Combine(out, "parallel-lines")
    let before = snapshot out
    do
        use _readOnly = readOnly published
        let r = cli [ "merge"; "--out"; out; "--force" ]
        assertNoCrash r
        Assert.True(r.Exit = Wgan.Runner.Program.OutputFailed, $"exit {r.Exit}: {r.Err}")
        Assert.Contains($"{published}: cannot be changed", r.Err)
    Assert.Equal<(string * string)[]>(before, snapshot out)
    let merged = cli [ "merge"; "--out"; out; "--force" ]
    Assert.True(merged.Exit = 0, merged.Err)
    Assert.Empty(hiddenFolders out)

[<Fact>]
let ``a published result made read-only during run --force is kept, and --resume publishes once it is moved away`` () =
    let out = Path.Combine(tempFolder (), "out")
    smokeRun out [ "--seeds"; "1" ] |> ignore
    let published = Path.Combine(out, "parallel-lines")
    let before = snapshot published
    let mutable held: IDisposable = null
    // The check before any work passes; the published result becomes read-only while the units run.
    use err = new TriggerWriter("[parallel-lines] 1/", fun () -> held <- readOnly published)
    use stdout = new StringWriter()
    let exit =
        try Wgan.Runner.Program.Run([| "run"; manifestPath; "--scale"; "smoke"; "--out"; out; "--force" |], stdout, err)
        finally if not (isNull held) then held.Dispose()
    let r = { Exit = exit; Out = stdout.ToString(); Err = err.ToString() }
    Assert.False(isNull held, $"the run never reported its first unit: {r.Err}")
    assertNoCrash r
    Assert.True(r.Exit = Wgan.Runner.Program.OutputFailed, $"exit {r.Exit}: {r.Err}")
    Assert.Contains($"{published}: cannot be changed", r.Err)
    Assert.Equal<(string * string)[]>(before, snapshot published)
    Assert.Empty(hiddenFolders out)
    // Every unit stays checkpointed: with the old result moved away, --resume publishes without computing again.
    let resumed = cli [ "run"; manifestPath; "--scale"; "smoke"; "--out"; out; "--resume" ]
    Assert.Equal(2, resumed.Exit)
    Assert.Contains("move", resumed.Err)
    Assert.Contains("away and rerun with --resume", resumed.Err)
    Directory.Move(published, Path.Combine(tempFolder (), "kept"))
    let r2 = smokeRun out [ "--resume" ]
    // experiments/parallel-lines.json at smoke scale: 2 seeds x 5 thetas = 10 units, every one from its checkpoint.
    Assert.Contains("10 units, 10 already done", r2.Err)
    Assert.Equal(reference.Value, comparable published)

[<Fact>]
let ``a left-over previous result that cannot be removed is named and does not block later runs`` () =
    let out = Path.Combine(tempFolder (), "out")
    smokeRun out [ "--seeds"; "1" ] |> ignore
    // What a publication killed after moving the old result aside left, made read-only since.
    let previous = Path.Combine(out, $".parallel-lines.previous.{deadProcessId ()}")
    Directory.CreateDirectory previous |> ignore
    File.WriteAllText(Path.Combine(previous, "result.json"), "{}")
    do
        use _readOnly = readOnly previous
        let r = smokeRun out [ "--seeds"; "1"; "--force" ]
        Assert.Contains($"warning: {previous}: left behind by an interrupted publication", r.Err)
        Assert.Contains("cannot be removed", r.Err)
    let r = smokeRun out [ "--seeds"; "1"; "--force" ]
    Assert.Contains($"{previous}: removed", r.Err)
    Assert.Empty(hiddenFolders out)

[<Fact>]
let ``run and index on an output folder that cannot be written both exit 74 naming it, and write nothing`` () =
    let dir = tempFolder ()
    let out = Path.Combine(dir, "results")
    copyTree published.Value (Path.Combine(out, "parallel-lines"))
    let before = snapshot out
    use _readOnly = readOnly out
    let index = cli [ "index"; "--out"; out ]
    assertNoCrash index
    Assert.True(index.Exit = Wgan.Runner.Program.OutputFailed, $"exit {index.Exit}: {index.Err}")
    Assert.Contains($"--out {out}: cannot write there", index.Err)
    let run = cli [ "run"; manifestPath; "--scale"; "smoke"; "--out"; out; "--force" ]
    assertNoCrash run
    Assert.True(run.Exit = Wgan.Runner.Program.OutputFailed, $"exit {run.Exit}: {run.Err}")
    Assert.Contains($"--out {out}: cannot write there", run.Err)
    Assert.Equal<(string * string)[]>(before, snapshot out)

[<Fact>]
let ``a refused write is exit 74 with the path named, not an internal error`` () =
    // EACCES or EPERM as .NET raises them on Linux: the path in the message.
    let denied =
        UnauthorizedAccessException "Access to the path '/results/.work/parallel-lines/unit-000001.json' is denied."
    use err = new StringWriter()
    Assert.Equal(Wgan.Runner.Program.OutputFailed, Wgan.Runner.Program.ExitCodeOf(denied, err))
    Assert.Contains("/results/.work/parallel-lines/unit-000001.json", err.ToString())
    Assert.DoesNotContain("internal error", err.ToString())

// ---- 12. The index README.md replaces only its own. ----

[<Fact>]
let ``run, merge and index leave alone a README.md that wgan did not write, unless --force`` () =
    let out = Path.Combine(tempFolder (), "project")
    Directory.CreateDirectory out |> ignore
    let readme = writeFile out "README.md" "# My project\n\nNot an index.\n"
    let run = cli [ "run"; manifestPath; "--scale"; "smoke"; "--seeds"; "1"; "--out"; out ]
    Assert.True(run.Exit = 2, $"exit {run.Exit}: {run.Err}")
    Assert.Contains($"{readme}: was not written by wgan", run.Err)
    Assert.Equal("# My project\n\nNot an index.\n", File.ReadAllText readme)
    Assert.False(Directory.Exists(Path.Combine(out, "parallel-lines")), "nothing was run")
    // Shards do not write the index; merge does.
    for shard in [ "0/2"; "1/2" ] do smokeRun out [ "--seeds"; "1"; "--shard"; shard ] |> ignore
    let merge = cli [ "merge"; "--out"; out ]
    Assert.True(merge.Exit = 2, $"exit {merge.Exit}: {merge.Err}")
    Assert.Contains($"{readme}: was not written by wgan", merge.Err)
    Assert.True(cli([ "merge"; "--out"; out; "--force" ]).Exit = 0)
    File.WriteAllText(readme, "# My project\n")
    let index = cli [ "index"; "--out"; out ]
    Assert.True(index.Exit = 2, $"exit {index.Exit}: {index.Err}")
    Assert.Contains("use index --force to replace it", index.Err)
    Assert.Equal("# My project\n", File.ReadAllText readme)
    Assert.True(cli([ "index"; "--out"; out; "--force" ]).Exit = 0)
    Assert.StartsWith("# Published results", File.ReadAllText readme)
    // Its own index is replaced without --force.
    let again = cli [ "index"; "--out"; out ]
    Assert.True(again.Exit = 0, again.Err)
    smokeRun out [ "--seeds"; "1"; "--force" ] |> ignore
    Assert.StartsWith("# Published results", File.ReadAllText readme)
