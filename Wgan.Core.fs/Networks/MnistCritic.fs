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
/// same cross-correlation as Conv2d with the same parameters. libtorch 2.10's CPU float32 convolution computes
/// wrong input gradients for few channels: measured here, conv2d's gradient with respect to its input differs
/// from float64's by about its own magnitude at 1 -> 4 and 1 -> 8 channels (the first layer at DIM 4 and 8)
/// and at 2 -> 4, but agrees to 1e-6 at 1 -> 16 and wider; its weight gradients and every gradient of
/// conv_transpose2d agree. Earlier, with freed memory filled with NaN, 49 of 60 WGAN-GP critic trainings of a
/// Conv2d critic went NaN in the penalty's double backward (0 of 60 with this formulation or in float64).
/// So every input gradient of this critic goes through this formulation or the explicit chain below.
module private Unfolded =
    let convolve (layer: Modules.Conv2d) (x: torch.Tensor) =
        let outChannels = layer.weight.shape[0]
        let batch, height, width = x.shape[0], x.shape[2], x.shape[3]
        let columns = torch.nn.functional.unfold(x, 5L, padding = 2L, stride = 2L)
        let product = layer.weight.view(outChannels, -1L).matmul(columns)
        let y = Scalars.addTensors product (layer.bias.view(1L, outChannels, 1L))
        y.view(batch, outChannels, (height + 1L) / 2L, (width + 1L) / 2L)

/// The critic; input [B, 1, 28, 28] (or [B, 784]) in [0, 1], output [B, 1]. Parameters are drawn from
/// `generator` (Initialization.uniformFanIn), layer by layer from the input. When the input requires a
/// gradient (the generator step; a penalty by double back-propagation) the convolutions are computed by
/// `Unfolded.convolve` (see there why), as they are whenever gradients are recorded below DIM 4 (see
/// `forward`), otherwise by Conv2d's forward; both compute the same function.
/// Without normalisation the critic also writes out its input gradient (IExplicitInputGradient), which
/// every gradient penalty uses: its backward needs first-order passes only and is several times faster.
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

    /// The LeakyReLU's derivative at pre-activations `z`: 1 where z > 0, else 0.2 (PyTorch's convention at 0).
    static member private LeakyDerivative(z: torch.Tensor) =
        Scalars.add (Scalars.mul ((Scalars.greater z 0.0).to_type(z.dtype)) 0.8) 0.2

    interface GradientPenalty.IExplicitInputGradient with
        /// Without normalisation the critic is piecewise linear in its input (convolutions, LeakyReLU, a
        /// dense layer), so its input gradient is a chain of transposed convolutions through constant masks.
        member _.HasExplicitInputGradient = spec.Normalization = NoNormalization

        /// grad_x f(x) = conv1^T (m1 . conv2^T (m2 . conv3^T (m3 . w))), with m_k the LeakyReLU derivatives at
        /// layer k's pre-activations (computed by a forward pass outside the autograd graph) and w the output
        /// layer's weights. Transposed convolutions use the forward layers' weights (stride 2, padding 2; output
        /// padding 1 where the forward convolution rounded its output size up: 28 -> 14 and 14 -> 7).
        member _.InputGradients(points: torch.Tensor) =
            if spec.Normalization <> NoNormalization then
                invalidOp "the explicit input gradient needs a critic without normalisation"
            let x = points.reshape(-1L, 1L, 28L, 28L)
            let m1, m2, m3 =
                use _ = torch.no_grad()
                let x = x.detach()
                let a1 = conv1.call x
                let m1 = MnistCritic.LeakyDerivative a1
                let a2 = conv2.call (a1 * m1)
                let m2 = MnistCritic.LeakyDerivative a2
                let a3 = conv3.call (a2 * m2)
                m1, m2, MnistCritic.LeakyDerivative a3
            let n = x.shape[0]
            let back (layer: Modules.Conv2d) (outputPadding: int64) (delta: torch.Tensor) =
                torch.nn.functional.conv_transpose2d(
                    delta, layer.weight, strides = [| 2L; 2L |], padding = [| 2L; 2L |],
                    output_padding = [| outputPadding; outputPadding |])
            let g3 = output.weight.view(1L, 4L * d, 4L, 4L).expand(n, 4L * d, 4L, 4L) * m3
            let g2 = back conv3 0L g3 * m2
            let g1 = back conv2 1L g2 * m1
            (back conv1 1L g1).reshape(points.shape)

    override _.forward(x: torch.Tensor) =
        let leaky (t: torch.Tensor) = Scalars.leakyRelu t 0.2
        // A forward whose input gradient is wanted (the generator step's, or a penalty's by double
        // back-propagation) takes the unfolded path, everything else libtorch's own (faster) convolution,
        // except in training below DIM 4: there the critic step's backward takes conv2's input gradient at
        // 2 -> 4 channels, which libtorch computes from uninitialised memory (with freed memory filled with NaN
        // beforehand, 53 of 300 backward passes at DIM 2 gave NaN conv1 gradients; 0 of 300 at DIM 4 and 8,
        // or unfolded).
        let unfolded = x.requires_grad || (spec.Dim < 4 && torch.is_grad_enabled ())
        let convolve (layer: Modules.Conv2d) (h: torch.Tensor) =
            if unfolded then Unfolded.convolve layer h else layer.call h
        let h = leaky (convolve conv1 (x.reshape(-1L, 1L, 28L, 28L)))
        let h = leaky (norm2.call (convolve conv2 h))
        let h = leaky (norm3.call (convolve conv3 h))
        output.call (h.flatten(1L))
