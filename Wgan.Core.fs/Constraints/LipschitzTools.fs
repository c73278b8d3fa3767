/// Measuring how Lipschitz a critic is and how its gradients flow (WGAN-GP paper, section 3 and Figure 1):
/// per-layer gradient norms of the critic loss, the empirical Lipschitz constant, the spectral-norm upper
/// bound, and statistics of the weights that clipping acts on. Every function returns plain numbers; the
/// tensor ones run in their own dispose scope and leave no gradient on the network.
module Wgan.Core.LipschitzTools

open System
open TorchSharp

/// "Within 1% of the bounds": |w| within this fraction of c of the clipping bound c (WGAN-GP Figure 1b).
[<Literal>]
let BoundTolerance = 0.01

let private toArray (t: torch.Tensor) : float[] =
    t.detach().cpu().to_type(torch.float64).contiguous().data<float>().ToArray()

/// The norms ||dL/dh_l||_2 of the gradient of the WGAN critic loss L = E f(fake) - E f(real) (the loss the
/// critic minimises, without any penalty term) with respect to the activations h_l of every hidden block of
/// `critic`, input side first: one norm per hidden layer, taken over the whole [batch, width] tensor.
/// Real and fake go through the network as one batch; a batch-norm critic would mix them (the WGAN-GP paper
/// forbids batch norm in a critic).
let perLayerGradientNorms (critic: Mlp) (real: torch.Tensor) (fake: torch.Tensor) : float[] =
    use _ = torch.NewDisposeScope()
    let n = real.shape[0]
    let scores, activations = critic.ForwardWithActivations(torch.cat([| real.detach(); fake.detach() |], 0L))
    let loss = Losses.criticLoss (scores.narrow(0L, 0L, n)) (scores.narrow(0L, n, fake.shape[0]))
    let gradients = torch.autograd.grad([| loss |], activations)
    gradients |> Seq.map (fun g -> g.norm().ReadDouble()) |> Array.ofSeq

/// ||grad_x f(x)||_2 at every point (one row per point, the norm over all other dimensions), outside any
/// autograd graph. Each score must depend on its own row only (no batch norm).
let inputGradientNorms (critic: torch.Tensor -> torch.Tensor) (points: torch.Tensor) : float[] =
    use _ = torch.NewDisposeScope()
    let x = points.detach().requires_grad_(true)
    let scores = critic x
    let gradient = torch.autograd.grad([| scores.sum() |], [| x |])[0]
    (Scalars.pow (gradient.flatten(1L)) 2.0).sum(1L).sqrt() |> toArray

/// The empirical Lipschitz constant of `critic` on a set of points: the largest input-gradient norm among
/// them. A lower bound on the true constant over any region containing the points.
let empiricalLipschitz (critic: torch.Tensor -> torch.Tensor) (points: torch.Tensor) : float =
    inputGradientNorms critic points |> Array.max

/// The Lipschitz constant of an activation function: 1 for ReLU, tanh and softplus (their derivatives lie in
/// [0, 1]); max(1, |slope|) for a leaky ReLU (derivative 1 or slope; 1 for the usual slope 0.2).
let activationLipschitz (activation: Activation) : float =
    match activation with
    | ReLU
    | Tanh
    | Softplus -> 1.0
    | LeakyReLU slope -> max 1.0 (abs slope)

/// The largest singular value of a weight matrix (its spectral norm, the Lipschitz constant of x -> W x
/// in the Euclidean norm), computed in float64.
let spectralNorm (weight: torch.Tensor) : float =
    use _ = torch.NewDisposeScope()
    torch.linalg.svdvals(weight.detach().cpu().to_type(torch.float64)).max().ReadDouble()

/// The spectral norm of every linear layer of `network`, input side first.
let spectralNorms (network: Mlp) : float[] =
    network.Linears |> Array.map (fun linear -> spectralNorm linear.weight)

/// An upper bound on the Lipschitz constant of `network`: the product of its linear layers' spectral norms
/// and its activations' Lipschitz constants (a composition's constant is at most the product; biases do not
/// matter). Only defined without normalisation: layer and batch norm are not Lipschitz-bounded this way.
let spectralBound (network: Mlp) : float =
    match network.Spec.Normalization with
    | NoNormalization -> ()
    | other ->
        invalidArg (nameof network) $"the spectral bound is defined for networks without normalisation, not {other}"
    let activations = activationLipschitz network.Spec.Activation ** float network.Spec.Hidden.Length
    spectralNorms network |> Array.fold (*) activations

/// The weights of each linear layer of `network` (biases excluded), input layer first, each row by row.
let layerWeights (network: Mlp) : float[][] =
    network.Linears |> Array.map (fun linear -> toArray linear.weight)

/// Every weight of the linear layers of `network` (biases excluded), input layer first, row by row.
let weights (network: Mlp) : float[] = layerWeights network |> Array.concat

/// The fraction of `values` within `BoundTolerance` (1%) of the bounds +-bound: | |w| - bound | <= 0.01 bound.
let fractionAtBounds (bound: float) (values: float[]) : float =
    if not (bound > 0.0) then invalidArg (nameof bound) $"the bound must be positive (found {bound})"
    if values.Length = 0 then nan
    else
        let near = values |> Array.sumBy (fun w -> if abs (abs w - bound) <= BoundTolerance * bound then 1 else 0)
        float near / float values.Length

/// The fraction of `values` within 1% of their own extremes +-max |w| (for weights with no clipping bound).
let fractionAtExtremes (values: float[]) : float =
    if values.Length = 0 then nan
    else
        let largest = values |> Array.maxBy abs |> abs
        if largest = 0.0 then 1.0 else fractionAtBounds largest values

/// The fraction of all weights within 1% of their own layer's extremes +-max |w|: a pile-up at two values per
/// layer, as clipping makes, gives a large fraction; a spread of weights a small one (about 1% for uniform
/// weights). Per layer, because layers start from different scales (PyTorch's init is +-1/sqrt(fan_in)).
let fractionAtLayerExtremes (layers: float[][]) : float =
    let total = layers |> Array.sumBy Array.length
    if total = 0 then nan
    else
        layers
        |> Array.sumBy (fun layer -> if layer.Length = 0 then 0.0 else fractionAtExtremes layer * float layer.Length)
        |> fun near -> near / float total

/// Counts of `values` in `bins` equal bins over [lo, hi] (the last bin includes hi); values outside [lo, hi]
/// and non-finite values are not counted.
let histogram (lo: float) (hi: float) (bins: int) (values: float[]) : int[] =
    if bins < 1 then invalidArg (nameof bins) $"at least one bin is needed (found {bins})"
    if not (hi > lo) then invalidArg (nameof hi) $"the range must not be empty ([{lo}, {hi}])"
    let counts = Array.zeroCreate bins
    let width = (hi - lo) / float bins
    for v in values do
        if Double.IsFinite v && v >= lo && v <= hi then
            let k = min (bins - 1) (int ((v - lo) / width))
            counts[k] <- counts[k] + 1
    counts
