/// The nonlinearities of gan_64x64.py's convolutional networks: ReLU in generators and LeakyReLU(0.2) in
/// discriminators (DCGANGenerator's and DCGANDiscriminator's defaults), tanh (the "tanh nonlinearities everywhere"
/// variant, `nonlinearity=tf.tanh`), and the gated multiplicative unit of the "gated multiplicative nonlinearities
/// everywhere" variant (MultiplicativeDCGANGenerator and MultiplicativeDCGANDiscriminator).
namespace Wgan.Core

open TorchSharp

/// gan_64x64.py's `pixcnn_gated_nonlinearity(a, b) = sigmoid(a) * tanh(b)` (line 92, the gated unit of
/// PixelCNN), applied as MultiplicativeDCGAN* apply it: `a = output[:, ::2]` (the even channels), `b =
/// output[:, 1::2]` (the odd ones). Input [B, 2 C, ...], output [B, C, ...]: the layer before it produces twice the
/// channels the next layer takes. No parameters.
type GatedUnit() =
    inherit torch.nn.Module<torch.Tensor, torch.Tensor>("GatedUnit")

    override _.forward(x: torch.Tensor) =
        let channels = x.shape[1]
        if channels % 2L <> 0L then invalidArg (nameof x) $"a gated unit needs an even channel count (found {channels})"
        let gate = x.slice(1L, 0L, channels, 2L)
        let value = x.slice(1L, 1L, channels, 2L)
        torch.sigmoid gate * torch.tanh value

/// The nonlinearity after a hidden layer of an image network.
[<RequireQualifiedAccess>]
type ImageNonlinearity =
    /// max(0, x): gan_64x64.py's generators.
    | ReLU
    /// max(0.2 x, x): gan_64x64.py's `LeakyReLU` (line 73), its DCGAN discriminator's default.
    | LeakyReLU
    /// tanh(x).
    | Tanh
    /// GatedUnit: sigmoid of the even channels times tanh of the odd ones.
    | Gated

module ImageNonlinearity =
    /// gan_64x64.py's LeakyReLU slope.
    [<Literal>]
    let LeakySlope = 0.2

    /// How many channels a layer followed by `nonlinearity` produces per channel the nonlinearity passes on: 2 for
    /// the gated unit, which halves them, else 1.
    let widthFactor (nonlinearity: ImageNonlinearity) : int64 =
        match nonlinearity with
        | ImageNonlinearity.Gated -> 2L
        | _ -> 1L

    /// A module computing `nonlinearity` (a parameter-free layer; LeakyReLU keeps its slope's Scalar alive for
    /// the native call, Scalars.leakyRelu).
    let layer (nonlinearity: ImageNonlinearity) : torch.nn.Module<torch.Tensor, torch.Tensor> =
        match nonlinearity with
        | ImageNonlinearity.ReLU -> torch.nn.ReLU()
        | ImageNonlinearity.LeakyReLU ->
            new Layers.ActivationModule("LeakyReLU", fun t -> Scalars.leakyRelu t LeakySlope)
        | ImageNonlinearity.Tanh -> torch.nn.Tanh()
        | ImageNonlinearity.Gated -> new GatedUnit()
