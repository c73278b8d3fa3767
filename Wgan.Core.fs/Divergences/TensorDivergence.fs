/// Tensor versions of the divergences of `Divergence` and `EarthMover`, for use inside training code.
/// Each agrees with its float-array reference within the tolerances named in the tests.
module Wgan.Core.TensorDivergence

open TorchSharp

/// KL(p || q) over the last dimension of probability tensors; +infinity where q does not cover p.
let kullbackLeibler (p: torch.Tensor) (q: torch.Tensor) : torch.Tensor =
    // p log(p/q) with 0 log(0/q) = 0: xlogy(p, p) - xlogy(p, q), where xlogy(0, .) = 0.
    Scalars.clampMin ((Scalars.subtractTensors (p.xlogy(p)) (p.xlogy(q))).sum(-1L)) 0.0

/// JS(p, q) = 1/2 KL(p || m) + 1/2 KL(q || m), m = (p + q)/2, over the last dimension.
let jensenShannon (p: torch.Tensor) (q: torch.Tensor) : torch.Tensor =
    let m = Scalars.mul (Scalars.addTensors p q) 0.5
    Scalars.clamp (Scalars.mul (Scalars.addTensors (kullbackLeibler p m) (kullbackLeibler q m)) 0.5) 0.0 (log 2.0)

/// TV(p, q) = 1/2 sum |p - q| over the last dimension.
let totalVariation (p: torch.Tensor) (q: torch.Tensor) : torch.Tensor =
    Scalars.clamp (Scalars.mul ((Scalars.subtractTensors p q).abs().sum(-1L)) 0.5) 0.0 1.0

/// Exact W1 between two equal-size 1-D samples (vectors): the mean gap between sorted values.
let earthMover1D (p: torch.Tensor) (q: torch.Tensor) : torch.Tensor =
    if p.shape <> q.shape || p.dim() <> 1L then invalidArg (nameof q) "expects two vectors of the same length"
    let struct (sp, _) = p.sort()
    let struct (sq, _) = q.sort()
    (Scalars.subtractTensors sp sq).abs().mean()
