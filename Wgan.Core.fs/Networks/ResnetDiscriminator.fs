/// gan_64x64.py's ResnetDiscriminator (line 395; igul222/improved_wgan_training at fa66c57), the discriminator of
/// WGAN-GP Figure 2's "101-layer ResNet G and D", at 28 x 28 x 1 and a depth that trains on a CPU. The authors': a
/// 1x1 convolution to DIM / 2 channels, BottleneckBlocks, 5 at 64 pixels and 6 at each of 32, 16, 8 and 4, with a
/// downsampling block between resolutions (DIM / 2 to 8 DIM channels), a linear layer to one value, divided by 5.
/// Here: `Blocks` blocks at each of 28, 14, 7 and 4 pixels with DIM / 2, DIM, 2 DIM and 4 DIM channels, three
/// downsampling blocks between them (ResnetDepth.layers counts the layers).
namespace Wgan.Core

open TorchSharp
open Wgan.Core.Initialization
open Wgan.Core.ImageInitialization

/// The ResNet discriminator's sizes.
type ResnetDiscriminatorSpec =
    { /// gan_64x64.py's DIM: channels at 14 x 14 (a multiple of 4).
      Dim: int
      /// Blocks at each resolution (6 in gan_64x64.py, 5 at its first).
      Blocks: int
      /// At the end of each block's residual branch (gan_64x64.py's `Normalize`: batch norm, or layer norm when
      /// MODE is 'wgan-gp').
      Normalization: Normalization }

/// The discriminator; input images [B, 1, 28, 28] (or [B, 784]), output [B] (a logit or critic value, no
/// sigmoid). Parameters are drawn from `generator` from the input layer to the output layer.
type ResnetDiscriminator(spec: ResnetDiscriminatorSpec, generator: torch.Generator) as this =
    inherit torch.nn.Module<torch.Tensor, torch.Tensor>("ResnetDiscriminator")

    do
        if spec.Dim < 4 || spec.Dim % 4 <> 0 || spec.Blocks < 0 then
            invalidArg (nameof spec) "Dim must be a positive multiple of 4 and Blocks not negative"

    let d = int64 spec.Dim
    let input = new UnfoldedConv2d(1L, d / 2L, 1L, 1L, 0L, true)
    do ImageInitialization.convolution generator FanBased Glorot input
    let block inChannels outChannels resample =
        new BottleneckBlock(inChannels, outChannels, resample, spec.Normalization, generator)
    let stage channels = List.init spec.Blocks (fun _ -> block channels channels Resample.Keep)
    let at28 = stage (d / 2L)
    let down1 = block (d / 2L) d Resample.Down
    let at14 = stage d
    let down2 = block d (2L * d) Resample.Down
    let at7 = stage (2L * d)
    let down3 = block (2L * d) (4L * d) Resample.Down
    let at4 = stage (4L * d)
    let blocks = Array.ofList (at28 @ [ down1 ] @ at14 @ [ down2 ] @ at7 @ [ down3 ] @ at4)
    let output = torch.nn.Linear(4L * 4L * 4L * d, 1L)
    do linear generator FanBased Glorot output

    do
        this.register_module("input", input)
        blocks |> Array.iteri (fun i b -> this.register_module($"block{i + 1}", b))
        this.register_module("output", output)

    /// The specification this network was built from.
    member _.Spec = spec

    /// The bottleneck blocks, input side first.
    member _.Blocks: BottleneckBlock[] = blocks

    override _.forward(x: torch.Tensor) =
        let h = blocks |> Array.fold (fun (h: torch.Tensor) b -> b.call h) (input.call (x.reshape(-1L, 1L, 28L, 28L)))
        Scalars.div (output.call (h.flatten(1L))) 5.0 |> fun t -> t.view(-1L)
