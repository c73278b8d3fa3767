using TorchSharp;

namespace Wgan.Runner;

/// <summary>Thread count and device checks, done before any work starts.</summary>
public static class Devices
{
    /// <summary>
    /// Pins TorchSharp's intra-op thread count (results are reproducible per count). It may be changed between runs.
    /// </summary>
    public static void PinThreads(int threads)
    {
        // Changing libtorch's thread pool while another thread runs tensor code corrupts its heap, so the
        // count is only set when it changes.
        if (torch.get_num_threads() != threads) torch.set_num_threads(threads);
    }

    /// <summary>
    /// Checks that <paramref name="device"/> can be used here; throws <see cref="InputException"/> otherwise.
    /// </summary>
    public static void Require(string device)
    {
        if (device == "cpu") return;
        if (device != "cuda") throw new InputException($"unknown device '{device}' (use cpu or cuda)");
#if WGAN_CUDA
        if (!torch.cuda.is_available())
            throw new InputException("--device cuda: this build includes CUDA support, but no CUDA device is " +
                "available (check the NVIDIA driver and CUDA_VISIBLE_DEVICES)");
#else
        throw new InputException("--device cuda: this build has the CPU backend only. Build with " +
            "`dotnet build -p:WganTorchBackend=cuda` on a Linux machine with an NVIDIA GPU (see README, 'GPU'), " +
            "or use --device cpu");
#endif
    }
}
