/// The normalisation of a convolutional layer's feature maps in gan_64x64.py's networks (`Normalize`, line 84):
/// batch norm over the batch and both spatial axes, per channel; in a WGAN-GP discriminator, layer norm over each
/// sample's channels and spatial axes instead (tflib/ops/layernorm.py), since batch norm couples a batch's samples
/// and the penalty is per sample (WGAN-GP, section 4).
namespace Wgan.Core

open TorchSharp

/// tflib's Layernorm over axes [1, 2, 3]: each sample of [B, C, H, W] is normalised by its own mean and (biased)
/// variance over all C x H x W values (epsilon 1e-5), then scaled and shifted per channel (`scale` starts at 1,
/// `offset` at 0). Unlike torch.nn.LayerNorm([C, H, W]), whose affine parameters are per element, this has 2 C
/// parameters, as the authors' has.
type ChannelLayerNorm(channels: int64) as this =
    inherit torch.nn.Module<torch.Tensor, torch.Tensor>("ChannelLayerNorm")

    let scale = torch.nn.Parameter(torch.ones([| channels |]))
    let offset = torch.nn.Parameter(torch.zeros([| channels |]))

    do
        if channels < 1L then invalidArg (nameof channels) $"channels must be positive (found {channels})"
        this.register_parameter("scale", scale)
        this.register_parameter("offset", offset)

    /// Channels normalised.
    member _.Channels = channels

    override _.forward(x: torch.Tensor) =
        let normalised = torch.nn.functional.layer_norm(x, x.shape[1..], null, null, 1e-5)
        Scalars.addTensors (normalised * scale.view(1L, channels, 1L, 1L)) (offset.view(1L, channels, 1L, 1L))

/// Normalisation layers for feature maps [B, C, H, W].
module FeatureMapNormalization =
    /// The layer for `channels` feature maps: batch norm (per channel, as torch.nn.BatchNorm2d, with the
    /// harness's Scalar-safe Layers.BatchNorm), tflib's layer norm (ChannelLayerNorm), or the identity.
    let layer (normalization: Normalization) (channels: int64) : torch.nn.Module<torch.Tensor, torch.Tensor> =
        match normalization with
        | NoNormalization -> torch.nn.Identity()
        | BatchNorm -> new Layers.BatchNorm(channels, 4)
        | LayerNorm -> new ChannelLayerNorm(channels)
