/// The input gradient of a piecewise-linear MLP (ReLU or LeakyReLU, no normalisation) written out as a
/// chain of matrix products: grad_x f(x) = W1^T (m1 . W2^T (m2 . ... (m_{L-1} . w_L^T))), with m_k the
/// activation's derivative at layer k's pre-activation (constant almost everywhere: the second derivative
/// of ReLU is identically zero). It equals what double back-propagation computes, but its backward pass
/// runs only through the chain, skipping the forward graph of the interpolates, whose gradient is zero.
module Wgan.Core.MlpInputGradient

open TorchSharp

/// Whether `spec` is piecewise linear with no normalisation, so that `inputGradients` applies.
let applies (spec: MlpSpec) =
    spec.Normalization = NoNormalization
    && (match spec.Activation with
        | ReLU
        | LeakyReLU _ -> true
        | Tanh
        | Softplus -> false)

/// Whether `network` is a single-output MLP to which `inputGradients` applies (a critic, for instance).
let appliesTo (network: torch.nn.Module<torch.Tensor, torch.Tensor>) =
    match network with
    | :? Mlp as mlp -> applies mlp.Spec && mlp.Spec.Outputs = 1
    | _ -> false

/// Per-sample input gradients [n, inputs] of a single-output piecewise-linear MLP at `points`,
/// differentiable with respect to the weights. Derivative at a pre-activation of exactly 0: 0 for ReLU and
/// the negative slope for LeakyReLU, as PyTorch's backward of these activations uses.
let inputGradients (mlp: Mlp) (points: torch.Tensor) : torch.Tensor =
    if not (applies mlp.Spec) || mlp.Spec.Outputs <> 1 then
        invalidArg (nameof mlp) "needs a single-output ReLU or LeakyReLU MLP without normalisation"
    let linears = mlp.Linears
    let hidden = linears.Length - 1
    // The masks m_k from a forward pass outside the autograd graph.
    let masks =
        use _ = torch.no_grad()
        let mutable h = points
        Array.init hidden (fun k ->
            let z = linears[k].call h
            let mask =
                match mlp.Spec.Activation with
                | LeakyReLU slope ->
                    let positive = Scalars.greater z 0.0
                    Scalars.add (Scalars.mul (positive.to_type(z.dtype)) (1.0 - slope)) slope
                | _ -> (Scalars.greater z 0.0).to_type(z.dtype)
            h <- z * mask // the activation itself: max(z, 0) or z * (1 or slope)
            mask)
    let n = points.shape[0]
    let mutable delta = linears[hidden].weight.expand([| n; linears[hidden].weight.shape[1] |])
    for k in hidden - 1 .. -1 .. 0 do
        delta <- (delta * masks[k]).matmul(linears[k].weight)
    delta
