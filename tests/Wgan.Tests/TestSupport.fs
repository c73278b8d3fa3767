/// Shared set-up for tests that run tensors.
module Wgan.Tests.TestSupport

open TorchSharp

/// Test classes run one after another: libtorch's thread pool must not be reconfigured (set_num_threads)
/// while another thread runs tensor code, and the runner itself is single-threaded.
[<assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)>]
do ()

let private pinned =
    lazy (torch.set_num_threads 1)

/// One intra-op thread, so results are bit-reproducible and comparable with the runner's default.
/// Call at the start of every test that uses TorchSharp.
let pinThreads () = pinned.Force()

/// What a unit throws when the simulated kill strikes.
exception Killed

/// Runs unit `index` of `run` as a run that is killed right after each checkpoint save of the unit and resumed
/// from the last checkpoint each time, until the unit finishes; returns its result and how often it was
/// killed. The checkpoint lives in memory, as the runner's would on disk.
let runKilledAfterEverySave (run: Wgan.Experiments.ExperimentRun) (index: int) : Wgan.Experiments.UnitResult * int =
    let saved: byte[] ref = ref null
    let mutable kills = 0
    let rec attempt () =
        let killing = System.Action<byte[]>(fun bytes -> saved.Value <- bytes; raise Killed)
        let outcome = try Some(run.RunUnit(index, System.Func<byte[]>(fun () -> saved.Value), killing)) with Killed -> None
        match outcome with
        | Some result -> result
        | None ->
            kills <- kills + 1
            attempt ()
    let result = attempt ()
    result, kills

/// A unit of `run` run straight through, without checkpoints.
let runStraight (run: Wgan.Experiments.ExperimentRun) (index: int) : Wgan.Experiments.UnitResult =
    run.RunUnit(index, System.Func<byte[]>(fun () -> null), System.Action<byte[]>(ignore))
