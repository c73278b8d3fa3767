/// The WGAN-GP critic loss E f(fake) - E f(real) + lambda * penalty and its gradients for a piecewise-linear
/// MLP critic (ReLU or LeakyReLU, no normalisation, one output: `applies`), written out instead of taken by
/// autograd. The
/// mathematics is that of CriticStep's autograd path; the arithmetic is arranged into fewer, larger matrix
/// products (tested against autograd in CriticStepTests):
///
/// - One forward pass over the 3n rows x = [real; fake; interpolates] gives the scores and, at every hidden
///   layer j, the activation's derivative m_j (constant almost everywhere).
/// - The backward pass of sum_i c_i f(x_i), with c = -1/n on real rows, +1/n on fake rows and 1 on the
///   interpolates, gives in one product per layer both the loss's deltas (on the real and fake rows) and the
///   interpolates' input-gradient chain d_j = (d_{j+1} W_{j+1}) . m_j (on the interpolate rows, as in
///   MlpInputGradient): the two are the same recursion with different output weights.
/// - The penalty's backward runs along that chain on the interpolate rows only: e_{-1} = d(lambda P)/d(grad_x f),
///   e_j = (e_{j-1} W_j^T) . m_j. The forward graph of the interpolates contributes nothing (the second
///   derivative of ReLU and LeakyReLU is zero).
/// - Layer j's weight gradient is the sum of d_j^T h_j over the real and fake rows (the loss) and of
///   d_j^T e_{j-1} over the interpolate rows (the penalty). The interpolates' inputs h_j are not needed once
///   the forward pass is done, so e_{j-1} is written over them and the whole gradient is one product
///   d_j^T [h_j; e_{j-1}] over 3n rows. Biases get only the loss's part (the input gradient does not depend
///   on them).
module Wgan.Core.MlpPenaltyGradients

open TorchSharp

/// The Scalar 0, alive for the whole process (see Scalars.fs for why a temporary one is unsafe).
let private zero = 0.0.ToScalar()

/// Whether `critic` is a piecewise-linear single-output MLP with at least one hidden layer, whose critic-loss
/// gradients `writeGradients` writes out.
let applies (critic: torch.nn.Module<torch.Tensor, torch.Tensor>) =
    MlpInputGradient.appliesTo critic && not (critic :?> Mlp).Spec.Hidden.IsEmpty

/// The activation of pre-activations `z` (a new tensor), then the activation's derivative at `z` written
/// over `z`: 1 where z > 0, else 0 (ReLU) or the negative slope (LeakyReLU), as PyTorch's backward uses.
let private activate (activation: Activation) (z: torch.Tensor) : torch.Tensor * torch.Tensor =
    match activation with
    | LeakyReLU slope ->
        let h = Scalars.leakyRelu z slope
        use scale = (1.0 - slope).ToScalar()
        use offset = slope.ToScalar()
        h, z.gt_(zero).mul_(scale).add_(offset, Scalars.one)
    | _ -> z.relu(), z.gt_(zero)

/// The parameter's gradient tensor, created (zero) if it has none yet.
let private gradientOf (p: Modules.Parameter) : torch.Tensor =
    if isNull p.grad then p.grad <- torch.zeros_like(p)
    p.grad

/// The derivative of lambda * penalty with respect to the input gradients `g` [n, inputs], given their norms
/// (NormEpsilon inside the root, as GradientPenalty.normsOf): lambda * 2 s(||g|| - 1) / ||g|| * g / n, with
/// s the identity (two-sided) or max(0, .) (one-sided).
let private penaltyDerivative (sides: GradientPenalty.Sides) (lambda: float) (g: torch.Tensor) (norms: torch.Tensor) =
    let excess = Scalars.sub norms 1.0
    let excess =
        match sides with
        | GradientPenalty.TwoSided -> excess
        | GradientPenalty.OneSided -> torch.nn.functional.relu excess
    let coefficient = Scalars.mul (excess / norms) (2.0 * lambda / float g.shape[0])
    g * coefficient.unsqueeze(1L)

/// Writes into every parameter's gradient (replacing what was there) the gradient of the WGAN-GP critic loss
/// E f(fake) - E f(real) + lambda * penalty, the penalty taken at interpolates drawn from `generator` exactly
/// as GradientPenalty.interpolate draws them. Returns the Wasserstein part of the loss and the penalty
/// (without lambda), as tensors of the current dispose scope.
let writeGradients
    (critic: Mlp)
    (lambda: float)
    (sides: GradientPenalty.Sides)
    (real: torch.Tensor)
    (fake: torch.Tensor)
    (generator: torch.Generator)
    : torch.Tensor * torch.Tensor =
    if not (applies critic) then
        invalidArg
            (nameof critic) "needs a single-output ReLU or LeakyReLU MLP without normalisation, with a hidden layer"
    if real.shape[0] <> fake.shape[0] then
        invalidArg (nameof fake) $"real and fake batches differ in size ({real.shape[0]} and {fake.shape[0]})"
    use _ = torch.no_grad()
    let n = real.shape[0]
    let interpolates = GradientPenalty.interpolate real fake generator
    let linears = critic.Linears
    let top = linears.Length - 1
    // Forward: inputs[j] is layer j's input over the 3n rows, derivatives[j] the activation's derivative
    // after layer j (j < top).
    let inputs = Array.zeroCreate<torch.Tensor> (top + 1)
    let derivatives = Array.zeroCreate<torch.Tensor> top
    inputs[0] <- torch.cat([| real; fake; interpolates |], 0L)
    for j in 0 .. top - 1 do
        let preActivation = torch.addmm(linears[j].bias, inputs[j], linears[j].weight.t(), 1.0f, 1.0f)
        let h, derivative = activate critic.Spec.Activation preActivation
        inputs[j + 1] <- h
        derivatives[j] <- derivative
    let scores = torch.addmm(linears[top].bias, inputs[top], linears[top].weight.t(), 1.0f, 1.0f)
    let wassersteinLoss = Losses.criticLoss (scores.narrow(0L, 0L, n)) (scores.narrow(0L, n, n))
    // Backward of sum_i c_i f(x_i): deltas[j] is the derivative with respect to layer j's output.
    let column (value: float) =
        use s = value.ToScalar()
        torch.full([| n; 1L |], s, dtype = real.dtype, device = real.device)
    let weights = torch.cat([| column (-1.0 / float n); column (1.0 / float n); column 1.0 |], 0L)
    let deltas = Array.zeroCreate<torch.Tensor> (top + 1)
    deltas[top] <- weights
    // The top layer has one output: its delta times its weight row is an outer product, taken elementwise.
    deltas[top - 1] <- torch.mul(derivatives[top - 1], weights).mul_(linears[top].weight)
    for j in top - 1 .. -1 .. 1 do
        deltas[j - 1] <- deltas[j].mm(linears[j].weight).mul_(derivatives[j - 1])
    let interpolateRows (t: torch.Tensor) = t.narrow(0L, 2L * n, n)
    let inputGradients = (interpolateRows deltas[0]).mm(linears[0].weight)
    let norms = GradientPenalty.normsOf inputGradients
    let penalty = GradientPenalty.penaltyOfNorms sides norms
    // The penalty's backward along the chain, each e_{j-1} written over the interpolates' rows of layer j's input.
    let mutable e = penaltyDerivative sides lambda inputGradients norms
    for j in 0 .. top - 1 do
        (interpolateRows inputs[j]).copy_(e) |> ignore
        e <- e.mm(linears[j].weight.t()).mul_(interpolateRows derivatives[j])
    (interpolateRows inputs[top]).copy_(e) |> ignore
    for j in 0 .. top do
        let weightGradient = gradientOf linears[j].weight
        if inputs[j].shape[1] < deltas[j].shape[1] then
            // A narrow input (the critic's first layer): MKL is several times faster at inputs^T deltas, the
            // transpose, than at deltas^T inputs with only a few columns.
            weightGradient.copy_(inputs[j].t().mm(deltas[j]).t()) |> ignore
        else
            weightGradient.addmm_(deltas[j].t(), inputs[j], 0.0f, 1.0f) |> ignore
        (gradientOf linears[j].bias).copy_(deltas[j].narrow(0L, 0L, 2L * n).sum(0L)) |> ignore
    wassersteinLoss, penalty
