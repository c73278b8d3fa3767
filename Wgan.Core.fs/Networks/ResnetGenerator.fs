/// gan_64x64.py's ResnetGenerator (line 294; igul222/improved_wgan_training at fa66c57), the generator of WGAN-GP
/// Figure 2's "101-layer ResNet G and D", at 28 x 28 x 1 and a depth that trains on a CPU. The authors': a linear
/// layer to 8 DIM x 4 x 4, then BottleneckBlocks, 6 at each of 4, 8, 16 and 32 pixels and 5 at 64, with an
/// upsampling block between resolutions (8 DIM, 4 DIM, 2 DIM, DIM, DIM / 2 channels), a 1x1 convolution to the
/// image and tanh(x / 5): 33 blocks of 3 convolutions, plus the input and output layers, are its 101 layers.
/// Here: `Blocks` blocks at each of 4, 7, 14 and 28 pixels (8 upsampled and cropped to 7, as gan_mnist.py does)
/// with 4 DIM, 2 DIM, DIM and DIM / 2 channels, three upsampling blocks between them: 3 (4 Blocks + 3) + 2 layers.
namespace Wgan.Core

open TorchSharp
open Wgan.Core.Initialization
open Wgan.Core.ImageInitialization

/// The ResNet generator's sizes.
type ResnetGeneratorSpec =
    { /// Size of the noise z (128 in gan_64x64.py).
      Latent: int
      /// gan_64x64.py's DIM: channels at 14 x 14 (a multiple of 4; the blocks at 28 x 28 have DIM / 2, whose
      /// bottleneck has DIM / 4).
      Dim: int
      /// Blocks at each resolution (6 in gan_64x64.py, 5 at its last).
      Blocks: int
      /// At the end of each block's residual branch (batch norm in gan_64x64.py's generators).
      Normalization: Normalization }

/// Layer counts of the ResNet networks.
module ResnetDepth =
    /// Weight layers of the ResNet generator or discriminator at 28 x 28 with `blocks` blocks per resolution:
    /// three convolutions in each of 4 `blocks` + 3 blocks, plus the input and output layers.
    let layers (blocks: int) = 3 * (4 * blocks + 3) + 2

    /// gan_64x64.py's count: 6 + 6 + 6 + 6 + 5 blocks at five resolutions and 4 resampling blocks, 3 layers
    /// each, plus the input and output layers.
    [<Literal>]
    let Authors = 101

/// The generator; input z [B, Latent], output images [B, 1, 28, 28] in (-1, 1). Parameters are drawn from
/// `generator` from the input layer to the output layer (ImageInitialization's tflib rules).
type ResnetGenerator(spec: ResnetGeneratorSpec, generator: torch.Generator) as this =
    inherit torch.nn.Module<torch.Tensor, torch.Tensor>("ResnetGenerator")

    do
        if spec.Latent < 1 || spec.Dim < 4 || spec.Dim % 4 <> 0 || spec.Blocks < 0 then
            invalidArg (nameof spec) "Latent must be positive, Dim a positive multiple of 4, Blocks not negative"

    let d = int64 spec.Dim
    let input = torch.nn.Linear(int64 spec.Latent, 4L * 4L * 4L * d)
    do linear generator FanBased Glorot input
    let block inChannels outChannels resample =
        new BottleneckBlock(inChannels, outChannels, resample, spec.Normalization, generator)
    let stage channels = List.init spec.Blocks (fun _ -> block channels channels Resample.Keep)
    let at4 = stage (4L * d)
    let up1 = block (4L * d) (2L * d) Resample.Up
    let at7 = stage (2L * d)
    let up2 = block (2L * d) d Resample.Up
    let at14 = stage d
    let up3 = block d (d / 2L) Resample.Up
    let at28 = stage (d / 2L)
    // The blocks in order, and how many come before the crop from 8 x 8 to 7 x 7.
    let blocks = Array.ofList (at4 @ [ up1 ] @ at7 @ [ up2 ] @ at14 @ [ up3 ] @ at28)
    let beforeCrop = at4.Length + 1
    let output = new UnfoldedConv2d(d / 2L, 1L, 1L, 1L, 0L, true)
    do ImageInitialization.convolution generator FanBased Glorot output
    let outputActivation = new Layers.ActivationModule("TanhOverFive", fun t -> torch.tanh (Scalars.div t 5.0))

    do
        this.register_module("input", input)
        blocks |> Array.iteri (fun i b -> this.register_module($"block{i + 1}", b))
        this.register_module("output", output)
        this.register_module("outputActivation", outputActivation)

    /// The specification this network was built from.
    member _.Spec = spec

    /// The bottleneck blocks, input side first.
    member _.Blocks: BottleneckBlock[] = blocks

    override _.forward(z: torch.Tensor) =
        let mutable h = (input.call z).view(-1L, 4L * d, 4L, 4L)
        for i in 0 .. blocks.Length - 1 do
            h <- blocks[i].call h
            if i + 1 = beforeCrop then h <- h.narrow(2L, 0L, 7L).narrow(3L, 0L, 7L)
        outputActivation.call (output.call h)
