/// The WGAN-GP gradient penalty (Gulrajani et al. 2017, eq. 3 and Algorithm 1):
/// lambda E_{x^} (||grad_{x^} D(x^)||_2 - 1)^2 with x^ = eps x + (1 - eps) x~, eps ~ U[0,1] per sample.
module Wgan.Core.GradientPenalty

open TorchSharp

/// Two-sided penalises any departure of the gradient norm from 1 (the paper's choice);
/// one-sided only norms above 1 (WGAN-GP Appendix C).
type Sides =
    | TwoSided
    | OneSided

/// Added inside the square root of the gradient norm so that its derivative stays finite at 0.
[<Literal>]
let NormEpsilon = 1e-12

/// A critic that writes out its own per-sample input gradient as an explicit chain (as MlpInputGradient does
/// for MLPs): it equals double back-propagation's, but its backward with respect to the weights skips the
/// forward graph of the points, whose contribution is zero for piecewise-linear activations.
type IExplicitInputGradient =
    /// Whether `InputGradients` applies to this network (e.g. only without normalisation layers).
    abstract HasExplicitInputGradient: bool
    /// grad_x f(x) for every sample of `points` (same shape as `points`), differentiable with respect to the
    /// network's weights.
    abstract InputGradients: points: torch.Tensor -> torch.Tensor

/// x^ = eps * real + (1 - eps) * fake with one eps ~ U[0,1] per sample (shape [B, 1, ..., 1]).
/// eps is drawn on the CPU from `generator` (a CPU generator) and moved to the batch's device, so the same
/// seed draws the same coefficients on every device.
let interpolate (real: torch.Tensor) (fake: torch.Tensor) (generator: torch.Generator) : torch.Tensor =
    let shape = Array.init (int (real.dim())) (fun d -> if d = 0 then real.shape[0] else 1L)
    let eps = torch.rand(shape, dtype = real.dtype, generator = generator).``to``(real.device)
    Scalars.addTensors (eps * real) (Scalars.subFrom 1.0 eps * fake)

/// Per-sample Euclidean norms of gradients [B, ...] over all non-batch dimensions (NormEpsilon inside the root).
let normsOf (gradients: torch.Tensor) : torch.Tensor =
    (Scalars.add ((Scalars.pow (gradients.flatten(1L)) 2.0).sum(1L)) NormEpsilon).sqrt()

/// Per-sample gradient norms ||grad_x f(x)||_2 over all non-batch dimensions, kept in the autograd graph
/// (double back-propagation) so that a loss built on them trains the critic.
let inputGradientNorms (critic: torch.Tensor -> torch.Tensor) (points: torch.Tensor) : torch.Tensor =
    let x = points.detach().requires_grad_(true)
    let scores = critic x
    // TorchSharp needs retain_graph as well as create_graph for the penalty's backward() to work.
    let gradients =
        torch.autograd.grad([| scores.sum() |], [| x |], create_graph = true, retain_graph = true)
    normsOf gradients[0]

/// The penalty term without its lambda: mean over samples of (||g|| - 1)^2, or max(0, ||g|| - 1)^2.
let penaltyOfNorms (sides: Sides) (norms: torch.Tensor) : torch.Tensor =
    match sides with
    | TwoSided -> Scalars.pow (Scalars.sub norms 1.0) 2.0 |> fun t -> t.mean()
    | OneSided -> Scalars.pow (torch.nn.functional.relu(Scalars.sub norms 1.0)) 2.0 |> fun t -> t.mean()

/// E_{x^} (||grad D(x^)|| - 1)^2 at interpolates between real and fake (without lambda).
let gradientPenalty
    (sides: Sides)
    (critic: torch.Tensor -> torch.Tensor)
    (real: torch.Tensor)
    (fake: torch.Tensor)
    (generator: torch.Generator)
    : torch.Tensor =
    interpolate real fake generator |> inputGradientNorms critic |> penaltyOfNorms sides
