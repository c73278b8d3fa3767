/// The shipped scale-out files (deploy/slurm, deploy/kubernetes) checked against the command-line parser and the
/// shard resolution, so that they cannot drift from the program. The Slurm scripts run here under bash with
/// stand-ins for dotnet, sbatch, scontrol and the published wgan that record their arguments; the Kubernetes
/// manifests and the Dockerfile are read. deploy/slurm/test-cluster.sh runs the same scripts on a real cluster.
module Wgan.Tests.ScaleOutTests

open System
open System.Diagnostics
open System.IO
open System.Text.RegularExpressions
open Xunit
open Wgan.Experiments
open Wgan.Tests.CliTests

let repo = Path.GetFullPath(Path.Combine(Path.GetDirectoryName ManifestTests.manifestPath, ".."))
let slurm = Path.Combine(repo, "deploy", "slurm")
let kubernetes = Path.Combine(repo, "deploy", "kubernetes")

type Outcome = { Exit: int; Out: string; Err: string }

/// Runs `bash script args` with `environment` added (and no Slurm variables of the host's own jobs).
let bash (script: string) (args: string list) (environment: (string * string) list) =
    let start = ProcessStartInfo("bash", script :: args, RedirectStandardOutput = true, RedirectStandardError = true)
    for name in start.Environment.Keys |> Seq.filter (fun k -> k.StartsWith "SLURM_") |> List.ofSeq do
        start.Environment.Remove name |> ignore
    for name, value in environment do
        start.Environment[name] <- value
    use p = Process.Start start
    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEndAsync()
    Assert.True(p.WaitForExit 60_000, $"bash {script} did not finish within a minute")
    { Exit = p.ExitCode; Out = out.Result; Err = err.Result }

/// Writes an executable shell script.
let executable (path: string) (text: string) =
    Directory.CreateDirectory(Path.GetDirectoryName path) |> ignore
    File.WriteAllText(path, "#!/bin/bash\n" + text)
    let executeBits = UnixFileMode.UserExecute ||| UnixFileMode.GroupExecute ||| UnixFileMode.OtherExecute
    File.SetUnixFileMode(path, File.GetUnixFileMode path ||| executeBits)

/// The arguments a stand-in recorded (NUL-separated), or None when it was not called.
let recorded (path: string) =
    if File.Exists path then Some(File.ReadAllText(path).TrimEnd('\000').Split('\000') |> List.ofArray) else None

/// Records its arguments in $WGAN_RECORD and exits with $WGAN_EXIT (default 0).
let fakeWgan = "printf '%s\\0' \"$@\" > \"$WGAN_RECORD\"\nexit \"${WGAN_EXIT:-0}\"\n"

/// Stand-ins on PATH: dotnet (records, and leaves a program in the folder given by -o), sbatch (records each call
/// in $RECORDS/sbatch.N and prints job id 100 + N, as --parsable does) and scontrol (records, then kills the
/// script that called it, as `scontrol requeue` of a running job does).
let fakeTools (dir: string) =
    let tools = Path.Combine(dir, "tools")
    executable (Path.Combine(tools, "dotnet"))
        ("printf '%s\\0' \"$@\" > \"$RECORDS/dotnet\"\n"
         + "while [ $# -gt 0 ]; do\n"
         + "    [ \"$1\" = -o ] && mkdir -p \"$2\" && printf '#!/bin/bash\\n' > \"$2/wgan\" && chmod +x \"$2/wgan\"\n"
         + "    shift\n"
         + "done\n")
    executable (Path.Combine(tools, "sbatch"))
        ("n=$(( $(ls \"$RECORDS\" | grep -c '^sbatch') + 1 ))\n"
         + "printf '%s\\0' \"$@\" > \"$RECORDS/sbatch.$n\"\n"
         + "echo $((100 + n))\n")
    executable (Path.Combine(tools, "scontrol")) "printf '%s\\0' \"$@\" > \"$RECORDS/scontrol\"\nkill -KILL $PPID\n"
    tools

/// An sbatch call split at its job script: (sbatch options, script, the script's arguments).
let splitAtScript (call: string list) =
    let i = call |> List.findIndex (fun a -> a.EndsWith ".sbatch")
    call[.. i - 1], call[i], call[i + 1 ..]

/// The environment of array task `task` of `count` (ids from `min`), as Slurm sets it.
let arrayTask (min: int) (task: int) (count: int) =
    [ "SLURM_ARRAY_TASK_ID", string (min + task); "SLURM_ARRAY_TASK_MIN", string min
      "SLURM_ARRAY_TASK_COUNT", string count; "SLURM_ARRAY_JOB_ID", "101"; "SLURM_JOB_ID", string (300 + task) ]

let lookup (environment: (string * string) list) =
    let d = dict environment
    Func<string, string>(fun name -> match d.TryGetValue name with | true, v -> v | _ -> null)

[<Fact>]
let ``submit.sh builds once, submits the array of wgan run --shard auto --resume, then a merge after it`` () =
    let dir = tempFolder ()
    let records = Path.Combine(dir, "records")
    Directory.CreateDirectory records |> ignore
    let tools = fakeTools dir
    let bin = Path.Combine(dir, "bin")
    let out = Path.Combine(dir, "out")
    let path = tools + ":" + Environment.GetEnvironmentVariable "PATH"
    let r =
        bash (Path.Combine(slurm, "submit.sh"))
            [ "--array"; "3"; "--bin"; bin; ManifestTests.manifestPath; out; "--scale"; "smoke"; "--threads"; "2" ]
            [ "PATH", path; "RECORDS", records ]
    Assert.True(r.Exit = 0, $"submit.sh exit {r.Exit}: {r.Err}")
    Assert.Equal("101\n102\n", r.Out) // the array job's id, then the merge job's

    // Built once, before any submission, into the folder the tasks run from.
    let publish = (recorded (Path.Combine(records, "dotnet"))).Value
    Assert.Equal<string list>(
        [ "publish"; Path.Combine(repo, "Wgan.Runner"); "-c"; "Release"; "-o"; bin ], publish[.. 5])
    Assert.True(File.Exists(Path.Combine(repo, "Wgan.Runner", "Wgan.Runner.csproj")))
    let writtenAt name = File.GetLastWriteTimeUtc(Path.Combine(records, name))
    Assert.True(writtenAt "dotnet" <= writtenAt "sbatch.1")

    let arrayOptions, arrayScript, arrayArgs = splitAtScript (recorded (Path.Combine(records, "sbatch.1"))).Value
    Assert.Equal(Path.Combine(slurm, "wgan-array.sbatch"), arrayScript)
    Assert.Contains("--array=0-2", arrayOptions)
    Assert.Contains("--cpus-per-task=2", arrayOptions) // from --threads 2
    let mergeOptions, mergeScript, mergeArgs = splitAtScript (recorded (Path.Combine(records, "sbatch.2"))).Value
    Assert.Equal(Path.Combine(slurm, "wgan-merge.sbatch"), mergeScript)
    Assert.Contains("--dependency=afterok:101", mergeOptions)
    Assert.Contains("--kill-on-invalid-dep=yes", mergeOptions)

    // Each task, run as Slurm would run it, gives the published program a command line the parser accepts, for
    // its own shard; together the shards cover every unit once.
    executable (Path.Combine(bin, "wgan")) fakeWgan
    let units = 20
    let covered = ResizeArray<int>()
    for task in 0 .. 2 do
        let record = Path.Combine(records, $"wgan.{task}")
        let environment = arrayTask 4 task 3
        let variables = ("WGAN_RECORD", record) :: ("PATH", path) :: ("RECORDS", records) :: environment
        let t = bash arrayScript arrayArgs variables
        Assert.True(t.Exit = 0, $"task {task}: exit {t.Exit}: {t.Err}")
        match Cli.Parse(Array.ofList (recorded record).Value) with
        | :? RunCommand as run ->
            Assert.Equal(ManifestTests.manifestPath, run.Manifest)
            Assert.Equal(out, run.OutDirectory)
            Assert.Equal("auto", run.Shard)
            Assert.True(run.Resume, "a requeued task must resume")
            Assert.Equal("smoke", run.Scale)
            Assert.Equal(2, run.Threads)
            let shard = Wgan.Runner.Shards.Resolve(run.Shard, run.ShardCount, lookup environment)
            Assert.Equal((task, 3), (shard.Index, shard.Count))
            covered.AddRange(Wgan.Runner.Shards.Units(shard, units))
        | other -> failwith $"task {task}: not a run command: {other.GetType().Name}"
    Assert.Equal<int seq>([ 0 .. units - 1 ], covered |> Seq.sort)
    Assert.False(File.Exists(Path.Combine(records, "scontrol")), "a task that succeeds requeues nothing")

    let record = Path.Combine(records, "wgan.merge")
    let m = bash mergeScript mergeArgs [ "WGAN_RECORD", record; "SLURM_JOB_ID", "102" ]
    Assert.True(m.Exit = 0, $"merge: exit {m.Exit}: {m.Err}")
    match Cli.Parse(Array.ofList (recorded record).Value) with
    | :? MergeCommand as merge -> Assert.Equal(out, merge.OutDirectory)
    | other -> failwith $"merge: not a merge command: {other.GetType().Name}"

[<Fact>]
let ``submit.sh passes --force to the merge and refuses a bad array size before building`` () =
    let dir = tempFolder ()
    let records = Path.Combine(dir, "records")
    Directory.CreateDirectory records |> ignore
    let path = fakeTools dir + ":" + Environment.GetEnvironmentVariable "PATH"
    let environment = [ "PATH", path; "RECORDS", records ]
    let out = Path.Combine(dir, "out")
    let submit = Path.Combine(slurm, "submit.sh")
    let bad = bash submit [ "--array"; "0"; ManifestTests.manifestPath; out ] environment
    Assert.Equal(2, bad.Exit)
    Assert.Contains("--array", bad.Err)
    Assert.False(File.Exists(Path.Combine(records, "dotnet")), "nothing is built for a bad command line")
    let r = bash submit [ "--array"; "2"; ManifestTests.manifestPath; out; "--force" ] environment
    Assert.True(r.Exit = 0, $"exit {r.Exit}: {r.Err}")
    let publish = (recorded (Path.Combine(records, "dotnet"))).Value
    Assert.Contains(Path.Combine(out, ".slurm", "bin"), publish) // the default build folder, beside the results
    let _, _, mergeArgs = splitAtScript (recorded (Path.Combine(records, "sbatch.2"))).Value
    Assert.Equal<string list>([ Path.Combine(out, ".slurm", "bin"); out; "--force" ], mergeArgs)

[<Theory>]
// 137: killed by SIGKILL (128 + 9); 70: the runner's internal error; 2: bad usage or input, which a retry cannot fix.
[<InlineData(137, 0, true)>]
[<InlineData(70, 2, true)>]
[<InlineData(137, 3, false)>] // the fourth attempt: WGAN_MAX_REQUEUES (3) used up
[<InlineData(2, 0, false)>]
[<InlineData(0, 0, false)>]
let ``a Slurm task whose program is killed or fails requeues itself, unless its input is bad or its requeues ran out``
    (exitCode: int, restarts: int, requeued: bool) =
    let dir = tempFolder ()
    let records = Path.Combine(dir, "records")
    Directory.CreateDirectory records |> ignore
    let path = fakeTools dir + ":" + Environment.GetEnvironmentVariable "PATH"
    let bin = Path.Combine(dir, "bin")
    executable (Path.Combine(bin, "wgan")) fakeWgan
    let environment =
        [ "PATH", path; "RECORDS", records; "WGAN_RECORD", Path.Combine(records, "wgan"); "WGAN_EXIT", string exitCode
          "SLURM_RESTART_COUNT", string restarts ]
        @ arrayTask 0 1 3
    let r =
        bash (Path.Combine(slurm, "wgan-array.sbatch")) [ bin; ManifestTests.manifestPath; Path.Combine(dir, "out") ]
            environment
    Assert.Contains($"attempt {restarts + 1}", r.Out)
    match recorded (Path.Combine(records, "scontrol")) with
    | Some call ->
        Assert.True(requeued, $"requeued although it should not be: {r.Err}")
        Assert.Equal<string list>([ "requeue"; "301" ], call) // the task's own job id (SLURM_JOB_ID)
    | None ->
        Assert.False(requeued, $"not requeued: {r.Err}")
        Assert.Equal(exitCode, r.Exit)

/// `key: value` of a YAML mapping (first occurrence), for the flat manifests shipped here.
let yamlValue (yaml: string) (key: string) =
    let m = Regex.Match(yaml, $@"^\s*{Regex.Escape key}:\s*(\S+)\s*$", RegexOptions.Multiline)
    Assert.True(m.Success, $"no '{key}:' in the manifest")
    m.Groups[1].Value

/// The container's `args: [...]` flow sequence of double-quoted strings.
let yamlArgs (yaml: string) =
    let m = Regex.Match(yaml, @"^\s*args:\s*\[(.*?)\]", RegexOptions.Multiline ||| RegexOptions.Singleline)
    Assert.True(m.Success, "no 'args: [...]' in the manifest")
    [ for s in Regex.Matches(m.Groups[1].Value, "\"([^\"]*)\"") -> s.Groups[1].Value ]

[<Fact>]
let ``the Kubernetes Indexed Job gives every pod its own shard, with --shard-count equal to completions`` () =
    let yaml = File.ReadAllText(Path.Combine(kubernetes, "shards-job.yaml"))
    Assert.Equal("Indexed", yamlValue yaml "completionMode")
    Assert.Equal("OnFailure", yamlValue yaml "restartPolicy")
    let completions = int (yamlValue yaml "completions")
    Assert.InRange(int (yamlValue yaml "parallelism"), 1, completions)
    match Cli.Parse(Array.ofList (yamlArgs yaml)) with
    | :? RunCommand as run ->
        Assert.Equal("auto", run.Shard)
        Assert.Equal(completions, run.ShardCount)
        Assert.True(run.Resume, "a restarted pod must resume")
        for index in 0 .. completions - 1 do
            let shard =
                Wgan.Runner.Shards.Resolve(run.Shard, run.ShardCount, lookup [ "JOB_COMPLETION_INDEX", string index ])
            Assert.Equal((index, completions), (shard.Index, shard.Count))
        Assert.Throws<Wgan.Runner.InputException>(fun () ->
            Wgan.Runner.Shards.Resolve(run.Shard, run.ShardCount, lookup [ "JOB_COMPLETION_INDEX", string completions ])
            |> ignore)
        |> ignore
        // The merge Job runs the same image on the same output folder.
        let mergeYaml = File.ReadAllText(Path.Combine(kubernetes, "merge-job.yaml"))
        Assert.Equal(yamlValue yaml "image", yamlValue mergeYaml "image")
        match Cli.Parse(Array.ofList (yamlArgs mergeYaml)) with
        | :? MergeCommand as merge -> Assert.Equal(run.OutDirectory, merge.OutDirectory)
        | other -> failwith $"merge-job.yaml: not a merge command: {other.GetType().Name}"
        for text in [ yaml; mergeYaml ] do
            let mounts = [ for m in Regex.Matches(text, @"mountPath:\s*([^\s,}]+)") -> m.Groups[1].Value ]
            Assert.Contains(run.OutDirectory, mounts)
    | other -> failwith $"shards-job.yaml: not a run command: {other.GetType().Name}"

[<Fact>]
let ``the Dockerfile publishes the runner once and ships the manifests the Indexed Job runs`` () =
    let dockerfile = File.ReadAllLines(Path.Combine(kubernetes, "Dockerfile"))
    let instruction (name: string) =
        dockerfile
        |> Array.filter (fun l -> l.StartsWith(name + " "))
        |> Array.map (fun l -> l.Substring(name.Length + 1).Trim())
    // Every COPY from the build context names something in the repository.
    let copies =
        instruction "COPY"
        |> Array.filter (fun c -> not (c.StartsWith "--from"))
        |> Array.map (fun c -> c.Split(' ', StringSplitOptions.RemoveEmptyEntries))
    for parts in copies do
        for source in parts[.. parts.Length - 2] do
            let path = Path.Combine(repo, source)
            Assert.True(File.Exists path || Directory.Exists path, $"COPY {source}: not in the repository")
    let publish = Regex.Match(String.Join("\n", dockerfile), @"RUN dotnet publish (\S+) -c Release -o (\S+)")
    Assert.True(publish.Success, "no `RUN dotnet publish <project> -c Release -o <dir>`")
    Assert.True(File.Exists(Path.Combine(repo, publish.Groups[1].Value, "Wgan.Runner.csproj")))
    let entry = instruction "ENTRYPOINT" |> Array.exactlyOne
    Assert.Equal($"[\"{publish.Groups[2].Value}/wgan\"]", entry) // the AssemblyName of Wgan.Runner.csproj
    // The Job's manifest path, relative to the image's WORKDIR, is a folder copied from the repository.
    let workdir = instruction "WORKDIR" |> Array.last
    let yaml = File.ReadAllText(Path.Combine(kubernetes, "shards-job.yaml"))
    let run = Cli.Parse(Array.ofList (yamlArgs yaml)) :?> RunCommand
    let inImage = workdir.TrimEnd('/') + "/" + run.Manifest.TrimEnd('/') + "/"
    let source =
        copies |> Array.tryPick (fun parts -> if parts[parts.Length - 1] = inImage then Some parts[0] else None)
    Assert.True(source.IsSome, $"{inImage} is not copied into the image")
    Assert.NotEmpty(Directory.GetFiles(Path.Combine(repo, source.Value), "*.json"))

[<Fact>]
let ``a Slurm task signalled before its time limit stops the program and requeues itself`` () =
    let dir = tempFolder ()
    let records = Path.Combine(dir, "records")
    Directory.CreateDirectory records |> ignore
    let path = fakeTools dir + ":" + Environment.GetEnvironmentVariable "PATH"
    let bin = Path.Combine(dir, "bin")
    let wgan = Path.Combine(records, "wgan")
    // A program that runs until it is stopped (SIGTERM ends sleep with 143, as it ends wgan).
    executable (Path.Combine(bin, "wgan")) "printf '%s\\0' \"$@\" > \"$WGAN_RECORD\"\nexec sleep 60\n"
    let script = Path.Combine(slurm, "wgan-array.sbatch")
    let start =
        ProcessStartInfo(
            "bash", [ script; bin; ManifestTests.manifestPath; Path.Combine(dir, "out") ],
            RedirectStandardOutput = true, RedirectStandardError = true)
    for name, value in [ "PATH", path; "RECORDS", records; "WGAN_RECORD", wgan ] @ arrayTask 0 2 3 do
        start.Environment[name] <- value
    let clock = Stopwatch.StartNew()
    use p = Process.Start start
    let err = p.StandardError.ReadToEndAsync()
    p.StandardOutput.ReadToEndAsync() |> ignore
    while not (File.Exists wgan) && clock.Elapsed < TimeSpan.FromSeconds 20.0 do
        Threading.Thread.Sleep 20
    Assert.True(File.Exists wgan, "the program did not start")
    // What Slurm's --signal=B:USR1@120 sends the batch script two minutes before the time limit.
    use signal = Process.Start("kill", [ "-USR1"; string p.Id ])
    signal.WaitForExit()
    Assert.True(p.WaitForExit 30_000, "the task did not end after the signal")
    Assert.True(clock.Elapsed < TimeSpan.FromSeconds 30.0, "the program was not stopped")
    Assert.Contains("the time limit is near", err.Result)
    Assert.Equal<string list>([ "requeue"; "302" ], (recorded (Path.Combine(records, "scontrol"))).Value)
