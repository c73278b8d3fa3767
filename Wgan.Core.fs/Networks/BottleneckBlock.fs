/// gan_64x64.py's BottleneckResidualBlock (line 123; igul222/improved_wgan_training at fa66c57), the block of its
/// 101-layer ResnetGenerator and ResnetDiscriminator: shortcut + 0.3 * (ReLU, 1x1 convolution to half the input
/// channels, ReLU, 3x3 convolution to half the output channels (strided when downsampling, transposed when
/// upsampling), ReLU, 1x1 convolution to the output channels without bias, normalisation). The shortcut is the
/// identity when nothing changes, else a Glorot-initialised 1x1 convolution: strided when downsampling, to four
/// times the channels followed by depth-to-space when upsampling (`SubpixelConv2D`).
namespace Wgan.Core

open TorchSharp
open Wgan.Core.Initialization
open Wgan.Core.ImageInitialization

/// What a block does to the spatial size: halve it (rounding up), double it, or keep it.
[<RequireQualifiedAccess>]
type Resample =
    | Down
    | Up
    | Keep

/// One block, [B, In, H, W] -> [B, Out, H', W']. Its weights are drawn from `generator` (tflib's fan-based
/// rules: He for the three convolutions of the residual branch, Glorot for the shortcut), shortcut first, as
/// gan_64x64.py creates them.
type BottleneckBlock
    (
        inChannels: int64,
        outChannels: int64,
        resample: Resample,
        normalization: Normalization,
        generator: torch.Generator
    ) as this =
    inherit torch.nn.Module<torch.Tensor, torch.Tensor>("BottleneckBlock")

    do
        if inChannels % 2L <> 0L || outChannels % 2L <> 0L || inChannels < 2L || outChannels < 2L then
            invalidArg (nameof inChannels) $"a bottleneck block halves its channels: {inChannels} -> {outChannels}"

    let shortcut: UnfoldedConv2d option =
        match resample with
        | Resample.Keep when inChannels = outChannels -> None
        | Resample.Keep -> Some(new UnfoldedConv2d(inChannels, outChannels, 1L, 1L, 0L, true))
        | Resample.Down -> Some(new UnfoldedConv2d(inChannels, outChannels, 1L, 2L, 0L, true))
        | Resample.Up -> Some(new UnfoldedConv2d(inChannels, 4L * outChannels, 1L, 1L, 0L, true))
    let relu = torch.nn.ReLU()
    let conv1 = new UnfoldedConv2d(inChannels, inChannels / 2L, 1L, 1L, 0L, true)
    let conv1b: torch.nn.Module<torch.Tensor, torch.Tensor> =
        match resample with
        | Resample.Keep -> new UnfoldedConv2d(inChannels / 2L, outChannels / 2L, 3L, 1L, 1L, true)
        | Resample.Down -> new UnfoldedConv2d(inChannels / 2L, outChannels / 2L, 3L, 2L, 1L, true)
        | Resample.Up ->
            let inner, outer = inChannels / 2L, outChannels / 2L
            torch.nn.ConvTranspose2d(inner, outer, 3L, stride = 2L, padding = 1L, output_padding = 1L)
    let conv2 = new UnfoldedConv2d(outChannels / 2L, outChannels, 1L, 1L, 0L, false)
    let norm = FeatureMapNormalization.layer normalization outChannels

    do
        shortcut |> Option.iter (fun s -> this.register_module("shortcut", s))
        this.register_module("relu", relu)
        this.register_module("conv1", conv1)
        this.register_module("conv1b", conv1b)
        this.register_module("conv2", conv2)
        this.register_module("norm", norm)
        let draw (scheme: TflibScheme) (layer: torch.nn.Module) =
            match layer with
            | :? UnfoldedConv2d as c -> ImageInitialization.convolution generator FanBased scheme c
            | :? Modules.ConvTranspose2d as c -> deconvolution generator FanBased scheme c
            | _ -> ()
        shortcut |> Option.iter (fun s -> draw Glorot s)
        for layer in [ conv1 :> torch.nn.Module; conv1b; conv2 ] do
            draw He layer

    /// Channels in.
    member _.InChannels = inChannels

    /// Channels out.
    member _.OutChannels = outChannels

    /// What the block does to the spatial size.
    member _.Resample = resample

    override _.forward(x: torch.Tensor) =
        let skip =
            match shortcut, resample with
            | None, _ -> x
            | Some s, Resample.Up -> torch.nn.functional.pixel_shuffle(s.call x, 2L)
            | Some s, _ -> s.call x
        let h = conv1.call (relu.call x)
        let h = conv1b.call (relu.call h)
        let h = norm.call (conv2.call (relu.call h))
        Scalars.addTensors skip (Scalars.mul h 0.3)
