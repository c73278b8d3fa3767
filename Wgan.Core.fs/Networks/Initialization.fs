/// Parameter initialisation from an explicit random generator, so that a seed fixes a network.
module Wgan.Core.Initialization

open TorchSharp

/// PyTorch's default scheme for linear, convolution and transposed-convolution layers: weights and biases
/// uniform in +-1/sqrt(fan_in), with fan_in computed as PyTorch does (weight.shape[1] times the kernel
/// area; for a transposed convolution that is its *output* channels). Draws the weight first, then the bias.
let uniformFanIn (generator: torch.Generator) (weight: torch.Tensor) (bias: torch.Tensor) : unit =
    use _ = torch.no_grad()
    let receptiveField = weight.shape |> Array.skip 2 |> Array.fold (*) 1L
    let bound = 1.0 / sqrt (float (weight.shape[1] * receptiveField))
    weight.uniform_(-bound, bound, generator) |> ignore
    if not (isNull bias) then bias.uniform_(-bound, bound, generator) |> ignore

/// tflib's uniform initialisation of a linear layer's weight ([out, in], as nn.Linear stores it), as the
/// WGAN-GP authors' gan_toy.py builds its layers (tflib/ops/linear.py): uniform in +-sqrt(3) stdev with
/// stdev = sqrt(2 / fan_in) for `He` (its ReLU layers) or sqrt(2 / (fan_in + fan_out)) for `Glorot` (the
/// default, its output layers); biases zero.
type TflibScheme =
    | He
    | Glorot

/// The bound of tflib's uniform initialisation for a layer of `fanIn` inputs and `fanOut` outputs.
let tflibBound (scheme: TflibScheme) (fanIn: int64) (fanOut: int64) : float =
    let stdev =
        match scheme with
        | He -> sqrt (2.0 / float fanIn)
        | Glorot -> sqrt (2.0 / float (fanIn + fanOut))
    sqrt 3.0 * stdev

/// Redraws a linear layer's weight with tflib's scheme from `generator`, and zeroes its bias.
let tflibLinear (generator: torch.Generator) (scheme: TflibScheme) (weight: torch.Tensor) (bias: torch.Tensor) : unit =
    use _ = torch.no_grad()
    let bound = tflibBound scheme weight.shape[1] weight.shape[0]
    weight.uniform_(-bound, bound, generator) |> ignore
    if not (isNull bias) then bias.zero_() |> ignore

/// A normalisation layer over features of the given shape (channels, or channels x height x width), or the
/// identity. Batch norm uses per-channel statistics (BatchNorm1d for a flat layer, BatchNorm2d for feature
/// maps); layer norm normalises each sample over the whole shape. Their affine parameters start at 1 and 0.
let normalizationLayer (normalization: Normalization) (shape: int64[]) : torch.nn.Module<torch.Tensor, torch.Tensor> =
    match normalization with
    | NoNormalization -> torch.nn.Identity()
    | LayerNorm -> torch.nn.LayerNorm(shape)
    | BatchNorm when shape.Length = 1 -> new Layers.BatchNorm(shape[0], 2)
    | BatchNorm -> new Layers.BatchNorm(shape[0], 4)

/// How a network's linear layers are initialised: PyTorch's default (uniform in +-1/sqrt(fan_in), weights
/// and biases) or tflib's as gan_toy.py builds its layers (He-uniform hidden layers, Glorot-uniform output
/// layer, zero biases).
type Scheme =
    | PyTorchDefault
    | Tflib

/// Redraws the linear layers (input side first, the last one the output layer) with `scheme` from
/// `generator`; PyTorchDefault leaves them as they are (the networks are built with it).
let apply (scheme: Scheme) (generator: torch.Generator) (linears: Modules.Linear[]) : unit =
    match scheme with
    | PyTorchDefault -> ()
    | Tflib ->
        linears |> Array.iteri (fun i linear ->
            tflibLinear generator (if i = linears.Length - 1 then Glorot else He) linear.weight linear.bias)
