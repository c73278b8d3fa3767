/// The Frechet (2-Wasserstein) distance between two Gaussians, and between Gaussians fitted to two sets of
/// feature vectors, as FID computes it (Heusel et al. 2017):
/// d^2 = ||mu1 - mu2||^2 + tr(S1) + tr(S2) - 2 tr((S1^1/2 S2 S1^1/2)^1/2).
/// Computed in float64 with symmetric eigendecompositions (no complex matrix square roots).
module Wgan.Core.FrechetDistance

open TorchSharp

/// Row mean [d] and unbiased covariance [d, d] (n - 1 in the denominator, as numpy.cov) of x [n, d], in float64.
let meanAndCovariance (x: torch.Tensor) : torch.Tensor * torch.Tensor =
    if x.dim() <> 2L || x.shape[0] < 2L then invalidArg (nameof x) "expects a matrix [n, d] with n >= 2"
    let x = x.to_type(torch.float64)
    let mu = x.mean([| 0L |])
    let centred = Scalars.subtractTensors x mu
    mu, Scalars.div (centred.t().matmul(centred)) (float (x.shape[0] - 1L))

/// The square root of a symmetric positive semi-definite matrix (negative rounding-error eigenvalues as 0).
let private sqrtPsd (s: torch.Tensor) =
    let struct (values, vectors) = torch.linalg.eigh(s)
    (vectors * (Scalars.clampMin values 0.0).sqrt()).matmul(vectors.t())

/// The squared Frechet distance between N(mu1, s1) and N(mu2, s2); non-negative up to rounding (clamped at 0).
let ofGaussians (mu1: torch.Tensor, s1: torch.Tensor) (mu2: torch.Tensor, s2: torch.Tensor) : float =
    use _ = torch.NewDisposeScope()
    let r1 = sqrtPsd s1
    let m = r1.matmul(s2).matmul(r1)
    let symmetric = Scalars.mul (Scalars.addTensors m (m.t())) 0.5
    let traceOfSqrt = (Scalars.clampMin (torch.linalg.eigvalsh(symmetric)) 0.0).sqrt().sum()
    let d = Scalars.subtractTensors mu1 mu2
    let traces = Scalars.addTensors (Scalars.addTensors (d.dot(d)) (s1.trace())) (s2.trace())
    let value = Scalars.subtractTensors traces (Scalars.mul traceOfSqrt 2.0)
    max 0.0 (value.ReadDouble())

/// The squared Frechet distance between Gaussians fitted to the rows of a [n, d] and b [m, d].
let ofFeatures (a: torch.Tensor) (b: torch.Tensor) : float =
    use _ = torch.NewDisposeScope()
    ofGaussians (meanAndCovariance a) (meanAndCovariance b)
