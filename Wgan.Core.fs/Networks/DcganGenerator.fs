/// gan_64x64.py's DCGAN-shaped generators (igul222/improved_wgan_training at fa66c57) at 28 x 28 x 1: a linear
/// layer to 4 x 4 feature maps, then 5x5 stride-2 transposed convolutions up to the image, tanh at the output.
/// One type builds DCGANGenerator (line 234: widths 4 DIM, 2 DIM, DIM, batch norm, ReLU), its `bn=False` and
/// `nonlinearity=tf.tanh` variants, MultiplicativeDCGANGenerator (line 322: gated units, each layer twice as
/// wide) and WGANPaper_CrippledDCGANGenerator (line 272: DIM channels in every layer, no batch norm, ReLU).
/// The authors' 64 x 64 networks have four upsampling layers (4 -> 8 -> 16 -> 32 -> 64, widths 8 DIM to DIM);
/// at 28 x 28 there are three, as in their gan_mnist.py (4 -> 8, cropped to 7, -> 14 -> 28), so the widest
/// layer is 4 DIM.
namespace Wgan.Core

open TorchSharp
open Wgan.Core.Initialization
open Wgan.Core.ImageInitialization

/// A DCGAN-shaped generator's layers.
type DcganGeneratorSpec =
    { /// Size of the noise z (128 in gan_64x64.py).
      Latent: int
      /// Channels after the linear layer (4 x 4), the first transposed convolution (8 x 8, cropped to 7 x 7) and
      /// the second (14 x 14), before the nonlinearity (a gated layer produces twice as many, which its gate
      /// halves back to these).
      Widths: int[]
      /// After the linear layer and each hidden transposed convolution (the generator's `Normalize`: batch norm
      /// in every mode of gan_64x64.py).
      Normalization: Normalization
      /// After each hidden layer.
      Nonlinearity: ImageNonlinearity
      /// The weights' stdev: 0.02 in DCGANGenerator, tflib's fans (Glorot linear, He transposed convolutions) in
      /// the multiplicative and crippled generators.
      WeightScale: WeightScale }

/// The generator; input z [B, Latent], output images [B, 1, 28, 28] in (-1, 1). Each 5x5 stride-2 transposed
/// convolution (padding 2, output padding 1) doubles the spatial size, as tflib's 'SAME' Deconv2D does. The
/// parameters are drawn from `generator` layer by layer from the input (ImageInitialization).
type DcganGenerator(spec: DcganGeneratorSpec, generator: torch.Generator) as this =
    inherit torch.nn.Module<torch.Tensor, torch.Tensor>("DcganGenerator")

    do
        if spec.Latent < 1 || spec.Widths.Length <> 3 || Array.exists (fun w -> w < 1) spec.Widths then
            invalidArg (nameof spec) "Latent must be positive and Widths three positive channel counts"

    let factor = ImageNonlinearity.widthFactor spec.Nonlinearity
    let w1, w2, w3 = int64 spec.Widths[0], int64 spec.Widths[1], int64 spec.Widths[2]
    let transposed inChannels outChannels =
        torch.nn.ConvTranspose2d(inChannels, outChannels, 5L, stride = 2L, padding = 2L, output_padding = 1L)
    let input = torch.nn.Linear(int64 spec.Latent, 4L * 4L * w1 * factor)
    let norm1 = FeatureMapNormalization.layer spec.Normalization (w1 * factor)
    let act1 = ImageNonlinearity.layer spec.Nonlinearity
    let deconv2 = transposed w1 (w2 * factor)
    let norm2 = FeatureMapNormalization.layer spec.Normalization (w2 * factor)
    let act2 = ImageNonlinearity.layer spec.Nonlinearity
    let deconv3 = transposed w2 (w3 * factor)
    let norm3 = FeatureMapNormalization.layer spec.Normalization (w3 * factor)
    let act3 = ImageNonlinearity.layer spec.Nonlinearity
    let deconv4 = transposed w3 1L
    let output = torch.nn.Tanh()

    do
        this.register_module("input", input)
        this.register_module("norm1", norm1)
        this.register_module("act1", act1)
        this.register_module("deconv2", deconv2)
        this.register_module("norm2", norm2)
        this.register_module("act2", act2)
        this.register_module("deconv3", deconv3)
        this.register_module("norm3", norm3)
        this.register_module("act3", act3)
        this.register_module("deconv4", deconv4)
        this.register_module("output", output)
        linear generator spec.WeightScale Glorot input
        for layer in [ deconv2; deconv3; deconv4 ] do
            deconvolution generator spec.WeightScale He layer

    /// The specification this network was built from.
    member _.Spec = spec

    override _.forward(z: torch.Tensor) =
        let h = act1.call (norm1.call ((input.call z).view(-1L, w1 * factor, 4L, 4L)))
        let h = act2.call (norm2.call (deconv2.call h))
        let h = h.narrow(2L, 0L, 7L).narrow(3L, 0L, 7L)
        let h = act3.call (norm3.call (deconv3.call h))
        output.call (deconv4.call h)
