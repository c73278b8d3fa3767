/// Shared set-up for tests that run tensors: one intra-op thread, so results are bit-reproducible and
/// tests running in parallel do not contend for the two cores.
module Wgan.Tests.TestSupport

open TorchSharp

let private pinned =
    lazy (torch.set_num_threads 1)

/// Call at the start of every test that uses TorchSharp.
let pinThreads () = pinned.Force()
