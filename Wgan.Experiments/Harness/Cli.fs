/// The command line parsed in F# (the grammar is in CliArguments.fs) into the plain objects of CliCommands.fs that the
/// C# runner consumes.
namespace Wgan.Experiments

open Argu

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
        { CacheDirectory = Option.toObj cache
          MnistIdx = Option.toObj idx
          MnistFile = Option.toObj file
          FashionMnistIdx = Option.toObj fashionIdx
          FashionMnistFile = Option.toObj fashionFile }

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
            ({ Manifest = run.GetResult Manifest
               Scale = scale
               Seeds = seeds
               Device = device
               Threads = threads
               OutDirectory = run.GetResult(RunArguments.Out, defaultValue = "results")
               Resume = run.Contains Resume
               Force = run.Contains Force
               Shard = run.GetResult(Shard, defaultValue = "")
               ShardCount = shardCount
               Jobs = jobs
               Worker = run.GetResult(Worker, defaultValue = -1)
               Data = data
               Portable = run.Contains Portable
               MaxSeeds = maxSeeds }: RunCommand)
            :> Command
        | Merge m ->
            ({ OutDirectory = m.GetResult(Merge_Out, defaultValue = "results"); Force = m.Contains Merge_Force }
            : MergeCommand)
            :> Command
        | Index i ->
            ({ OutDirectory = i.GetResult(Index_Out, defaultValue = "results"); Force = i.Contains Index_Force }
            : IndexCommand)
            :> Command
        | Verify v ->
            let data =
                dataOptions
                    (v.TryGetResult VerifyArguments.Cache)
                    (v.TryGetResult VerifyArguments.Mnist_Idx)
                    (v.TryGetResult VerifyArguments.Mnist_File)
                    (v.TryGetResult VerifyArguments.Fashion_Mnist_Idx)
                    (v.TryGetResult VerifyArguments.Fashion_Mnist_File)
            let dataGiven =
                v.Contains VerifyArguments.Cache || v.Contains VerifyArguments.Mnist_Idx
                || v.Contains VerifyArguments.Mnist_File || v.Contains VerifyArguments.Fashion_Mnist_Idx
                || v.Contains VerifyArguments.Fashion_Mnist_File
            if v.Contains Against && System.String.IsNullOrWhiteSpace(v.GetResult Against) then
                raise (UsageException "--against needs the result folder of a re-run (found an empty value)")
            if v.Contains Against && dataGiven then
                raise (
                    UsageException(
                        "--against compares with a re-run's files and loads no data: --cache, --mnist-idx, "
                        + "--mnist-file, --fashion-mnist-idx and --fashion-mnist-file have no use with it"))
            ({ Folder = v.GetResult Result; Against = v.GetResult(Against, defaultValue = null); Data = data }
            : VerifyCommand)
            :> Command
        | Rejudge r ->
            ({ Folder = r.GetResult Results
               Check = r.Contains Rejudge_Check
               Manifest = r.GetResult(Rejudge_Manifest, defaultValue = null) }
            : RejudgeCommand)
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
            ({ Iterations = iterations
               Repeat = repeat
               Threads = Array.ofList threads
               OutFile = b.GetResult(Bench_Out, defaultValue = "results/benchmarks.md")
               Only = Array.ofList (b.GetResult(Only, defaultValue = []))
               MemorySteps = memorySteps
               MemoryOf = b.GetResult(Memory_Of, defaultValue = "toy-wgan-gp")
               Force = b.Contains Bench_Force
               Portable = b.Contains Bench_Portable }
            : BenchCommand)
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
            ({ Data = data
               FashionMnist = fashion
               SlicePerClass = slice
               OutFile = Option.toObj out
               Force = m.Contains Mnist_Force }
            : MnistCommand)
            :> Command
        | Distance d ->
            let metric =
                match d.GetResult Metric with
                | Em -> "em"
                | Js -> "js"
                | Kl -> "kl"
                | Tv -> "tv"
            ({ P = d.GetResult P; Q = d.GetResult Q; Metric = metric }: DistanceCommand) :> Command
