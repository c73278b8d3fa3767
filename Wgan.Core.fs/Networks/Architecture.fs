/// The architecture families of WGAN-GP Figure 2 ("only WGAN-GP trains every architecture"), as gan_64x64.py's
/// `GeneratorAndDiscriminator()` (line 38; igul222/improved_wgan_training at fa66c57) lists them, three of which
/// are also WGAN section 4.3's generators, scaled to 28 x 28 x 1 images and a width that trains on a CPU, each
/// keeping its defining property. docs/architectures.md tables them.
namespace Wgan.Core

open TorchSharp
open Wgan.Core.ImageInitialization

/// One line of gan_64x64.py's `GeneratorAndDiscriminator()`; the manifest name (Architecture.name) is in brackets.
[<RequireQualifiedAccess>]
type Architecture =
    /// "Baseline (G: DCGAN, D: DCGAN)": DCGANGenerator, DCGANDiscriminator ["dcgan"].
    | Dcgan
    /// "No BN and constant number of filts in G": WGANPaper_CrippledDCGANGenerator, DCGANDiscriminator
    /// ["wgan-paper-crippled-dcgan"].
    | WganPaperCrippledDcgan
    /// "512-dim 4-layer ReLU MLP G": FCGenerator, DCGANDiscriminator ["fc"].
    | Fc
    /// "No normalization anywhere": DCGANGenerator and DCGANDiscriminator with bn=False ["dcgan-no-normalization"].
    | NoNormalization
    /// "Gated multiplicative nonlinearities everywhere": MultiplicativeDCGANGenerator,
    /// MultiplicativeDCGANDiscriminator ["multiplicative-dcgan"].
    | Multiplicative
    /// "tanh nonlinearities everywhere": DCGANGenerator and DCGANDiscriminator with nonlinearity=tf.tanh
    /// ["dcgan-tanh"].
    | Tanh
    /// "101-layer ResNet G and D": ResnetGenerator, ResnetDiscriminator, shortened ["resnet"].
    | Resnet

/// A family and its sizes.
type ArchitectureSpec =
    { Architecture: Architecture
      /// gan_64x64.py's DIM, the convolutional networks' width: the first convolution's channels in the DCGAN
      /// discriminators, the last hidden layer's in the DCGAN generators, every hidden layer's in the crippled
      /// generator, the 14 x 14 blocks' in the ResNets (a multiple of 4 for them). 64 in gan_64x64.py.
      Dim: int
      /// Size of the noise z (128 in gan_64x64.py).
      Latent: int
      /// Units of each hidden layer of the FC generator (FC_DIM, 512 in gan_64x64.py).
      FcWidth: int
      /// ResNet blocks per resolution (6 in gan_64x64.py; ResnetDepth.layers gives the depth).
      ResnetBlocks: int
      /// The discriminator's normalisation where its family has one: batch norm (gan_64x64.py's dcgan, wgan and
      /// lsgan modes), layer norm (its wgan-gp mode) or none. The no-normalisation family has none whatever this
      /// says.
      CriticNormalization: Normalization }

/// A generator and its discriminator, as `GeneratorAndDiscriminator()` returns them. Generators map noise
/// [n, Latent] to images [n, 1, 28, 28] in (-1, 1); discriminators map images to [n] logits or critic values.
type GeneratorAndDiscriminator =
    { Generator: torch.nn.Module<torch.Tensor, torch.Tensor>
      Discriminator: torch.nn.Module<torch.Tensor, torch.Tensor> }

    interface System.IDisposable with
        member this.Dispose() =
            this.Generator.Dispose()
            this.Discriminator.Dispose()

/// The families: names, sources, sizes, construction.
[<RequireQualifiedAccess>]
module Architecture =
    /// Every family, in gan_64x64.py's order.
    let all: Architecture list =
        [ Architecture.Dcgan
          Architecture.WganPaperCrippledDcgan
          Architecture.Fc
          Architecture.NoNormalization
          Architecture.Multiplicative
          Architecture.Tanh
          Architecture.Resnet ]

    /// The family's manifest name, from gan_64x64.py's function names (kebab-case).
    let name (architecture: Architecture) : string =
        match architecture with
        | Architecture.Dcgan -> "dcgan"
        | Architecture.WganPaperCrippledDcgan -> "wgan-paper-crippled-dcgan"
        | Architecture.Fc -> "fc"
        | Architecture.NoNormalization -> "dcgan-no-normalization"
        | Architecture.Multiplicative -> "multiplicative-dcgan"
        | Architecture.Tanh -> "dcgan-tanh"
        | Architecture.Resnet -> "resnet"

    /// The family of a manifest name (exactly as `name` spells it), or an error naming the valid ones.
    let tryParse (text: string) : Result<Architecture, string> =
        match all |> List.tryFind (fun a -> name a = text) with
        | Some architecture -> Ok architecture
        | None ->
            let names = all |> List.map (fun a -> $"\"{name a}\"") |> String.concat ", "
            Error $"unknown architecture \"{text}\" (expected one of {names})"

    /// Where the family comes from and what was scaled down, in a sentence or two (for reports).
    let source (architecture: Architecture) : string =
        let scaled =
            "at 28 x 28 x 1 with three stride-2 layers (as gan_mnist.py) instead of four at 64 x 64 x 3"
        match architecture with
        | Architecture.Dcgan ->
            "gan_64x64.py DCGANGenerator (line 234) and DCGANDiscriminator (line 428): batch norm in G and D (layer "
            + "norm in a WGAN-GP critic), ReLU in G, LeakyReLU(0.2) in D, 5x5 filters, weights of stdev 0.02; "
            + scaled
        | Architecture.WganPaperCrippledDcgan ->
            "gan_64x64.py WGANPaper_CrippledDCGANGenerator (line 272; WGAN section 4.3): no batch norm, DIM filters "
            + "in every layer, ReLU; D is DCGANDiscriminator; "
            + scaled
        | Architecture.Fc ->
            "gan_64x64.py FCGenerator (line 220; WGAN section 4.3): four ReLU layers of FC_DIM units, linear output, "
            + "tanh; D is DCGANDiscriminator (scaled as in dcgan)"
        | Architecture.NoNormalization ->
            "gan_64x64.py DCGANGenerator and DCGANDiscriminator with bn=False (line 57): no normalisation layer in G "
            + "or D, whatever the method; "
            + scaled
        | Architecture.Multiplicative ->
            "gan_64x64.py MultiplicativeDCGANGenerator (line 322) and MultiplicativeDCGANDiscriminator (line 368): "
            + "every hidden layer twice as wide, then sigmoid(even channels) * tanh(odd channels) "
            + "(pixcnn_gated_nonlinearity, line 92); normalisation as dcgan; "
            + scaled
        | Architecture.Tanh ->
            "gan_64x64.py DCGANGenerator and DCGANDiscriminator with nonlinearity=tf.tanh (line 63): tanh in place of "
            + "ReLU and LeakyReLU, batch norm kept; "
            + scaled
        | Architecture.Resnet ->
            "gan_64x64.py ResnetGenerator (line 294) and ResnetDiscriminator (line 395): BottleneckResidualBlocks "
            + "(shortcut + 0.3 * branch, batch norm in G, D's as dcgan), 101 layers there; here ResnetBlocks blocks "
            + "per resolution at 4, 7, 14 and 28 pixels"

    /// The default width: DIM 8 (gan_64x64.py: 64), the MNIST experiments' quick-scale width, at which one
    /// generator and discriminator forward and backward pass at batch 64 takes tens of milliseconds on a CPU core
    /// for the DCGAN-shaped families (docs/architectures.md has the measured costs).
    [<Literal>]
    let DefaultDim = 8

    /// The default ResNet depth: one block per resolution, ResnetDepth.layers 1 = 23 layers (gan_64x64.py: 101).
    [<Literal>]
    let DefaultResnetBlocks = 1

    /// The family at the default sizes: DIM 8, z of 128 (gan_64x64.py's), FC_DIM 512 (gan_64x64.py's), one
    /// ResNet block per resolution, batch norm in the discriminator (gan_64x64.py's for every mode but wgan-gp).
    let defaults (architecture: Architecture) : ArchitectureSpec =
        { Architecture = architecture
          Dim = DefaultDim
          Latent = 128
          FcWidth = 512
          ResnetBlocks = DefaultResnetBlocks
          CriticNormalization = BatchNorm }

    /// The discriminator's normalisation: none in the no-normalisation family, else the spec's.
    let criticNormalization (spec: ArchitectureSpec) : Normalization =
        match spec.Architecture with
        | Architecture.NoNormalization -> NoNormalization
        | _ -> spec.CriticNormalization

    let private dcganWidths (dim: int) = [| 4 * dim; 2 * dim; dim |]

    let private dcganGenerator (spec: ArchitectureSpec) normalization nonlinearity scale generator =
        new DcganGenerator(
            { Latent = spec.Latent
              Widths = dcganWidths spec.Dim
              Normalization = normalization
              Nonlinearity = nonlinearity
              WeightScale = scale },
            generator
        )
        :> torch.nn.Module<torch.Tensor, torch.Tensor>

    let private dcganDiscriminator (spec: ArchitectureSpec) nonlinearity scale generator =
        new DcganDiscriminator(
            { Dim = spec.Dim
              Normalization = criticNormalization spec
              Nonlinearity = nonlinearity
              WeightScale = scale },
            generator
        )
        :> torch.nn.Module<torch.Tensor, torch.Tensor>

    /// Builds the family's generator, then its discriminator, drawing their parameters from `generator` in that
    /// order (so a seed fixes both).
    let build (spec: ArchitectureSpec) (generator: torch.Generator) : GeneratorAndDiscriminator =
        let dcganStdev = FixedStdev DcganStdev
        let dcganG () = dcganGenerator spec BatchNorm ImageNonlinearity.ReLU dcganStdev generator
        let dcganD () = dcganDiscriminator spec ImageNonlinearity.LeakyReLU dcganStdev generator
        // Record fields are evaluated in the order written: the generator draws first.
        let pair (g: unit -> torch.nn.Module<torch.Tensor, torch.Tensor>) d = { Generator = g (); Discriminator = d () }
        match spec.Architecture with
        | Architecture.Dcgan -> pair dcganG dcganD
        | Architecture.WganPaperCrippledDcgan ->
            let crippled () =
                new DcganGenerator(
                    { Latent = spec.Latent
                      Widths = Array.create 3 spec.Dim
                      Normalization = NoNormalization
                      Nonlinearity = ImageNonlinearity.ReLU
                      WeightScale = FanBased },
                    generator
                )
                :> torch.nn.Module<torch.Tensor, torch.Tensor>
            pair crippled dcganD
        | Architecture.Fc ->
            let fc () =
                new FcGenerator({ Latent = spec.Latent; Width = spec.FcWidth }, generator)
                :> torch.nn.Module<torch.Tensor, torch.Tensor>
            pair fc dcganD
        | Architecture.NoNormalization ->
            pair (fun () -> dcganGenerator spec NoNormalization ImageNonlinearity.ReLU dcganStdev generator) dcganD
        | Architecture.Multiplicative ->
            pair
                (fun () -> dcganGenerator spec BatchNorm ImageNonlinearity.Gated FanBased generator)
                (fun () -> dcganDiscriminator spec ImageNonlinearity.Gated FanBased generator)
        | Architecture.Tanh ->
            pair
                (fun () -> dcganGenerator spec BatchNorm ImageNonlinearity.Tanh dcganStdev generator)
                (fun () -> dcganDiscriminator spec ImageNonlinearity.Tanh dcganStdev generator)
        | Architecture.Resnet ->
            pair
                (fun () ->
                    new ResnetGenerator(
                        { Latent = spec.Latent; Dim = spec.Dim; Blocks = spec.ResnetBlocks; Normalization = BatchNorm },
                        generator
                    )
                    :> torch.nn.Module<torch.Tensor, torch.Tensor>)
                (fun () ->
                    new ResnetDiscriminator(
                        { Dim = spec.Dim; Blocks = spec.ResnetBlocks; Normalization = criticNormalization spec },
                        generator
                    )
                    :> torch.nn.Module<torch.Tensor, torch.Tensor>)
