/// A 2-D convolution computed as unfold (im2col) and a matrix product, for the architecture families of
/// WGAN-GP Figure 2. libtorch 2.10's CPU float32 conv2d computes wrong input gradients at few channels (1 -> 4,
/// 1 -> 8 and 2 -> 4 measured, docs/performance.md) and its backward can read uninitialised memory
/// (docs/native-hazards.md); unfold, matmul and their backward (fold) have neither problem, and their double
/// backward (a gradient penalty) is matrix products only. MnistCritic does the same for its 5x5 layers.
namespace Wgan.Core

open TorchSharp

/// A convolution with `kernel` x `kernel` filters, `stride` and symmetric zero `padding`: the same
/// cross-correlation, parameter shapes ([out, in, k, k] weight, [out] bias) and parameter names ("weight",
/// "bias") as torch.nn.Conv2d. Input [B, in, H, W], output [B, out, (H + 2p - k) / s + 1, (W + 2p - k) / s + 1].
/// The parameters are created uninitialised; the network that owns the layer draws them (ImageInitialization).
type UnfoldedConv2d
    (inChannels: int64, outChannels: int64, kernel: int64, stride: int64, padding: int64, withBias: bool) as this =
    inherit torch.nn.Module<torch.Tensor, torch.Tensor>("UnfoldedConv2d")

    let weight = torch.nn.Parameter(torch.empty([| outChannels; inChannels; kernel; kernel |]))
    let bias = if withBias then torch.nn.Parameter(torch.zeros([| outChannels |])) else null

    do
        if inChannels < 1L || outChannels < 1L || kernel < 1L || stride < 1L || padding < 0L then
            invalidArg (nameof kernel) "channels, kernel and stride must be positive, padding not negative"
        this.register_parameter("weight", weight)
        if withBias then this.register_parameter("bias", bias)

    /// The filters, [out, in, k, k].
    member _.Weight: torch.Tensor = weight

    /// The per-channel bias, [out], or null for a layer without one.
    member _.Bias: torch.Tensor = bias

    /// Input channels.
    member _.InChannels = inChannels

    /// Output channels.
    member _.OutChannels = outChannels

    /// Side of the square filters.
    member _.Kernel = kernel

    /// Step between filter positions, in both directions.
    member _.Stride = stride

    override _.forward(x: torch.Tensor) =
        let batch, height, width = x.shape[0], x.shape[2], x.shape[3]
        let outHeight = (height + 2L * padding - kernel) / stride + 1L
        let outWidth = (width + 2L * padding - kernel) / stride + 1L
        let columns = torch.nn.functional.unfold(x, kernel, 1L, padding, stride)
        let y = weight.view(outChannels, -1L).matmul(columns)
        let y = if withBias then Scalars.addTensors y (bias.view(1L, outChannels, 1L)) else y
        y.view(batch, outChannels, outHeight, outWidth)
