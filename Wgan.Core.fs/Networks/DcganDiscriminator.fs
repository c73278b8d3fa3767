/// gan_64x64.py's DCGAN-shaped discriminators (igul222/improved_wgan_training at fa66c57) at 28 x 28 x 1: 5x5
/// stride-2 convolutions, then a linear layer to one unbounded value (a logit for the GAN losses, a critic value
/// for WGAN; no sigmoid). One type builds DCGANDiscriminator (line 428: widths DIM, 2 DIM, 4 DIM, no normalisation
/// after the first convolution, LeakyReLU(0.2)), its `bn=False` and `nonlinearity=tf.tanh` variants, and
/// MultiplicativeDCGANDiscriminator (line 368: gated units, each convolution twice as wide). The authors' 64 x 64
/// networks have four convolutions (64 -> 32 -> 16 -> 8 -> 4, widths DIM to 8 DIM); at 28 x 28 there are three,
/// as in their gan_mnist.py (28 -> 14 -> 7 -> 4), so the widest layer is 4 DIM.
namespace Wgan.Core

open TorchSharp
open Wgan.Core.Initialization
open Wgan.Core.ImageInitialization

/// A DCGAN-shaped discriminator's layers.
type DcganDiscriminatorSpec =
    { /// gan_64x64.py's DIM: channels of the first convolution (64 there).
      Dim: int
      /// After the second and third convolutions (gan_64x64.py's `Normalize`: batch norm, or layer norm when
      /// MODE is 'wgan-gp'; none with `bn=False`).
      Normalization: Normalization
      /// After each convolution.
      Nonlinearity: ImageNonlinearity
      /// The weights' stdev: 0.02 in DCGANDiscriminator, tflib's fans (He convolutions, Glorot output layer) in
      /// the multiplicative one.
      WeightScale: WeightScale }

/// The discriminator; input images [B, 1, 28, 28] (or [B, 784]), output [B]. Each 5x5 stride-2 convolution with
/// padding 2 halves the side, rounding up, as tflib's 'SAME' Conv2D does; convolutions are UnfoldedConv2d (see
/// there why). The parameters are drawn from `generator` layer by layer from the input.
type DcganDiscriminator(spec: DcganDiscriminatorSpec, generator: torch.Generator) as this =
    inherit torch.nn.Module<torch.Tensor, torch.Tensor>("DcganDiscriminator")

    do
        if spec.Dim < 1 then invalidArg (nameof spec) $"Dim must be positive (found {spec.Dim})"

    let d = int64 spec.Dim
    let factor = ImageNonlinearity.widthFactor spec.Nonlinearity
    let convolution inChannels outChannels = new UnfoldedConv2d(inChannels, outChannels, 5L, 2L, 2L, true)
    let conv1 = convolution 1L (d * factor)
    let act1 = ImageNonlinearity.layer spec.Nonlinearity
    let conv2 = convolution d (2L * d * factor)
    let norm2 = FeatureMapNormalization.layer spec.Normalization (2L * d * factor)
    let act2 = ImageNonlinearity.layer spec.Nonlinearity
    let conv3 = convolution (2L * d) (4L * d * factor)
    let norm3 = FeatureMapNormalization.layer spec.Normalization (4L * d * factor)
    let act3 = ImageNonlinearity.layer spec.Nonlinearity
    let output = torch.nn.Linear(4L * 4L * 4L * d, 1L)

    do
        this.register_module("conv1", conv1)
        this.register_module("act1", act1)
        this.register_module("conv2", conv2)
        this.register_module("norm2", norm2)
        this.register_module("act2", act2)
        this.register_module("conv3", conv3)
        this.register_module("norm3", norm3)
        this.register_module("act3", act3)
        this.register_module("output", output)
        for layer in [ conv1; conv2; conv3 ] do
            ImageInitialization.convolution generator spec.WeightScale He layer
        linear generator spec.WeightScale Glorot output

    /// The specification this network was built from.
    member _.Spec = spec

    override _.forward(x: torch.Tensor) =
        let h = act1.call (conv1.call (x.reshape(-1L, 1L, 28L, 28L)))
        let h = act2.call (norm2.call (conv2.call h))
        let h = act3.call (norm3.call (conv3.call h))
        (output.call (h.flatten(1L))).view(-1L)
