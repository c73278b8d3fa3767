/// The WGAN-GP authors' MNIST generator (gan_mnist.py, `Generator`): z (128-d Gaussian) -> Linear to
/// 4 DIM x 4 x 4 -> ReLU -> 5x5 stride-2 deconvolution to 2 DIM x 8 x 8 -> ReLU -> crop to 7 x 7 ->
/// deconvolution to DIM x 14 x 14 -> ReLU -> deconvolution to 1 x 28 x 28 -> sigmoid. gan_mnist.py adds batch
/// norm after the linear layer and the first two deconvolutions in its WGAN-clip mode only.
namespace Wgan.Core

open TorchSharp

/// The generator's width, latent size and normalisation.
type MnistGeneratorSpec =
    { /// gan_mnist.py's DIM (64 in the paper).
      Dim: int
      /// Size of z (128 in gan_mnist.py).
      Latent: int
      /// After the linear layer and the first two deconvolutions.
      Normalization: Normalization }

/// The generator; input z [B, Latent], output images [B, 1, 28, 28] in (0, 1). A 5x5 stride-2 deconvolution
/// with padding 2 and output padding 1 doubles the spatial size, as tflib's 'SAME' Deconv2D does.
type MnistGenerator(spec: MnistGeneratorSpec, generator: torch.Generator) as this =
    inherit torch.nn.Module<torch.Tensor, torch.Tensor>("MnistGenerator")

    let d = int64 spec.Dim
    let input = torch.nn.Linear(int64 spec.Latent, 4L * 4L * 4L * d)
    let norm1 = Initialization.normalizationLayer spec.Normalization [| 4L * 4L * 4L * d |]
    let deconv2 = torch.nn.ConvTranspose2d(4L * d, 2L * d, 5L, stride = 2L, padding = 2L, output_padding = 1L)
    let norm2 = Initialization.normalizationLayer spec.Normalization [| 2L * d; 8L; 8L |]
    let deconv3 = torch.nn.ConvTranspose2d(2L * d, d, 5L, stride = 2L, padding = 2L, output_padding = 1L)
    let norm3 = Initialization.normalizationLayer spec.Normalization [| d; 14L; 14L |]
    let deconv4 = torch.nn.ConvTranspose2d(d, 1L, 5L, stride = 2L, padding = 2L, output_padding = 1L)

    do
        if spec.Dim < 1 || spec.Latent < 1 then invalidArg (nameof spec) "Dim and Latent must be positive"
        this.register_module("input", input)
        this.register_module("norm1", norm1)
        this.register_module("deconv2", deconv2)
        this.register_module("norm2", norm2)
        this.register_module("deconv3", deconv3)
        this.register_module("norm3", norm3)
        this.register_module("deconv4", deconv4)
        Initialization.uniformFanIn generator input.weight input.bias
        Initialization.uniformFanIn generator deconv2.weight deconv2.bias
        Initialization.uniformFanIn generator deconv3.weight deconv3.bias
        Initialization.uniformFanIn generator deconv4.weight deconv4.bias

    /// The specification this network was built from.
    member _.Spec = spec

    override _.forward(z: torch.Tensor) =
        let relu (t: torch.Tensor) = torch.nn.functional.relu t
        let h = relu (norm1.call (input.call z))
        let h = relu (norm2.call (deconv2.call (h.view(-1L, 4L * d, 4L, 4L))))
        let h = h.narrow(2L, 0L, 7L).narrow(3L, 0L, 7L)
        let h = relu (norm3.call (deconv3.call h))
        torch.sigmoid (deconv4.call h)
