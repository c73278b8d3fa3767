/// The WGAN-GP authors' MNIST critic (gan_mnist.py, `Discriminator`): three 5x5 stride-2 convolutions with
/// LeakyReLU(0.2), 28x28 -> 14x14 -> 7x7 -> 4x4 with DIM, 2 DIM and 4 DIM channels, then a linear layer to one
/// unbounded score (no sigmoid). gan_mnist.py puts batch norm after the second and third convolutions in
/// its WGAN-clip mode only; a gradient-penalty critic must not use it (WGAN-GP, section 4).
namespace Wgan.Core

open TorchSharp

/// The critic's width and normalisation.
type MnistCriticSpec =
    { /// gan_mnist.py's DIM (64 in the paper).
      Dim: int
      /// After the second and third convolutions.
      Normalization: Normalization }

/// The convolution of `layer` (5x5, stride 2, padding 2) computed as unfold (im2col) and a matrix product: the
/// same cross-correlation as Conv2d with the same parameters. libtorch 2.10's CPU float32 convolution reads
/// uninitialised memory in its backward passes: with freed memory filled with NaN first, 49 of 60 WGAN-GP
/// critic trainings of a Conv2d + Linear critic went NaN (0 of 60 with this formulation or in float64), and
/// without artificial poisoning 4 of 10 repeated smoke runs of mnist-loss-vs-quality in one process went NaN
/// in the penalty's double backward, 0 of 10 with this formulation. (Heavier poisoning also reaches the first-
/// order backward of native convolutions; that was never seen without poisoning, and this path is 2x slower.)
module private Unfolded =
    let convolve (layer: Modules.Conv2d) (x: torch.Tensor) =
        let outChannels = layer.weight.shape[0]
        let batch, height, width = x.shape[0], x.shape[2], x.shape[3]
        let columns = torch.nn.functional.unfold(x, 5L, padding = 2L, stride = 2L)
        let y = layer.weight.view(outChannels, -1L).matmul(columns) + layer.bias.view(1L, outChannels, 1L)
        y.view(batch, outChannels, (height + 1L) / 2L, (width + 1L) / 2L)

/// The critic; input [B, 1, 28, 28] (or [B, 784]) in [0, 1], output [B, 1]. Parameters are drawn from
/// `generator` (Initialization.uniformFanIn), layer by layer from the input. When the input requires a
/// gradient (the gradient penalty's interpolates, differentiated twice) the convolutions are computed by
/// `Unfolded.convolve` (see there why), otherwise by Conv2d's forward; both compute the same function.
type MnistCritic(spec: MnistCriticSpec, generator: torch.Generator) as this =
    inherit torch.nn.Module<torch.Tensor, torch.Tensor>("MnistCritic")

    let d = int64 spec.Dim
    let conv1 = torch.nn.Conv2d(1L, d, 5L, stride = 2L, padding = 2L)
    let conv2 = torch.nn.Conv2d(d, 2L * d, 5L, stride = 2L, padding = 2L)
    let norm2 = Initialization.normalizationLayer spec.Normalization [| 2L * d; 7L; 7L |]
    let conv3 = torch.nn.Conv2d(2L * d, 4L * d, 5L, stride = 2L, padding = 2L)
    let norm3 = Initialization.normalizationLayer spec.Normalization [| 4L * d; 4L; 4L |]
    let output = torch.nn.Linear(4L * 4L * 4L * d, 1L)

    do
        if spec.Dim < 1 then invalidArg (nameof spec) $"Dim must be positive (found {spec.Dim})"
        this.register_module("conv1", conv1)
        this.register_module("conv2", conv2)
        this.register_module("norm2", norm2)
        this.register_module("conv3", conv3)
        this.register_module("norm3", norm3)
        this.register_module("output", output)
        Initialization.uniformFanIn generator conv1.weight conv1.bias
        Initialization.uniformFanIn generator conv2.weight conv2.bias
        Initialization.uniformFanIn generator conv3.weight conv3.bias
        Initialization.uniformFanIn generator output.weight output.bias

    /// The specification this network was built from.
    member _.Spec = spec

    override _.forward(x: torch.Tensor) =
        let leaky (t: torch.Tensor) = torch.nn.functional.leaky_relu(t, 0.2)
        // Only a forward whose input gradient is wanted (the penalty's interpolates) can be differentiated
        // twice; it takes the unfolded path, everything else libtorch's own (faster) convolution.
        let convolve (layer: Modules.Conv2d) (h: torch.Tensor) = if x.requires_grad then Unfolded.convolve layer h else layer.call h
        let h = leaky (convolve conv1 (x.reshape(-1L, 1L, 28L, 28L)))
        let h = leaky (norm2.call (convolve conv2 h))
        let h = leaky (norm3.call (convolve conv3 h))
        output.call (h.flatten(1L))
