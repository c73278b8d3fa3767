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
