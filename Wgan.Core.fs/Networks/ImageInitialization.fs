/// How gan_64x64.py (igul222/improved_wgan_training at fa66c57) draws the weights of its image networks, through
/// tflib's layers: every weight uniform in +-sqrt(3) stdev, every bias zero, with stdev fixed at 0.02 inside its
/// DCGAN functions (`set_weights_stdev(0.02)` in DCGANGenerator and DCGANDiscriminator) and otherwise from the
/// layer's fans (tflib/ops/linear.py, conv2d.py, deconv2d.py). Draws come from an explicit generator.
module Wgan.Core.ImageInitialization

open TorchSharp
open Wgan.Core.Initialization

/// Where a layer's weight standard deviation comes from.
type WeightScale =
    /// One stdev for every layer (gan_64x64.py's DCGAN functions: 0.02).
    | FixedStdev of float
    /// tflib's fan-based defaults, He or Glorot as each layer asks.
    | FanBased

/// The standard deviation of DCGANGenerator's and DCGANDiscriminator's weights (gan_64x64.py, lines 235-237).
[<Literal>]
let DcganStdev = 0.02

/// Redraws `weight` uniform in +-sqrt(3) stdev from `generator` and zeroes `bias` (null: no bias).
let uniformWithStdev (generator: torch.Generator) (stdev: float) (weight: torch.Tensor) (bias: torch.Tensor) : unit =
    use _ = torch.no_grad()
    let bound = sqrt 3.0 * stdev
    weight.uniform_(-bound, bound, generator) |> ignore
    if not (isNull bias) then bias.zero_() |> ignore

let private stdevOf (scale: WeightScale) (fanBased: unit -> float) =
    match scale with
    | FixedStdev stdev -> stdev
    | FanBased -> fanBased ()

/// A linear layer as tflib's Linear draws it: He sqrt(2 / fan_in) (its `initialization='he'`) or Glorot
/// sqrt(2 / (fan_in + fan_out)) (its default), as Initialization.tflibLinear draws gan_toy.py's layers.
let linear (generator: torch.Generator) (scale: WeightScale) (scheme: TflibScheme) (layer: Modules.Linear) : unit =
    match scale with
    | FixedStdev stdev -> uniformWithStdev generator stdev layer.weight layer.bias
    | FanBased -> tflibLinear generator scheme layer.weight layer.bias

/// tflib's convolution rule for given fans: sqrt(4 / (fan_in + fan_out)) with `he_init` (its default),
/// sqrt(2 / (fan_in + fan_out)) without.
let private convolutionStdev (scheme: TflibScheme) (fanIn: float) (fanOut: float) =
    match scheme with
    | He -> sqrt (4.0 / (fanIn + fanOut))
    | Glorot -> sqrt (2.0 / (fanIn + fanOut))

/// A convolution as tflib's Conv2D draws it: fan_in = in k^2, fan_out = out k^2 / stride^2.
let convolution (generator: torch.Generator) (scale: WeightScale) (scheme: TflibScheme) (layer: UnfoldedConv2d) : unit =
    let area = float (layer.Kernel * layer.Kernel)
    let fanIn = float layer.InChannels * area
    let fanOut = float layer.OutChannels * area / float (layer.Stride * layer.Stride)
    uniformWithStdev generator (stdevOf scale (fun () -> convolutionStdev scheme fanIn fanOut)) layer.Weight layer.Bias

/// A stride-2 transposed convolution as tflib's Deconv2D draws it: fan_in = in k^2 / 4, fan_out = out k^2.
/// (TorchSharp stores its weight as [in, out, k, k].)
let deconvolution
    (generator: torch.Generator)
    (scale: WeightScale)
    (scheme: TflibScheme)
    (layer: Modules.ConvTranspose2d)
    : unit =
    let shape = layer.weight.shape
    let area = float (shape[2] * shape[3])
    let fanIn, fanOut = float shape[0] * area / 4.0, float shape[1] * area
    uniformWithStdev generator (stdevOf scale (fun () -> convolutionStdev scheme fanIn fanOut)) layer.weight layer.bias
