/// WGAN paper, Example 1 and Figure 1: P0 = {0} x U[0,1] and P_theta = {theta} x U[0,1], two distributions on
/// parallel lines whose supports are disjoint for every theta <> 0.
module Wgan.Core.ParallelLines

open TorchSharp

/// W(P0, P_theta) = |theta| (closed form, WGAN Example 1).
let earthMover (theta: float) : float = abs theta

/// JS(P0, P_theta) = log 2 for theta <> 0, 0 at theta = 0 (standard JS with the 1/2; WGAN Example 1).
let jensenShannon (theta: float) : float = if theta = 0.0 then 0.0 else log 2.0

/// KL(P_theta || P0) = KL(P0 || P_theta) = +infinity for theta <> 0, 0 at theta = 0 (WGAN Example 1).
let kullbackLeibler (theta: float) : float = if theta = 0.0 then 0.0 else infinity

/// TV(P0, P_theta) = 1 for theta <> 0, 0 at theta = 0 (WGAN Example 1).
let totalVariation (theta: float) : float = if theta = 0.0 then 0.0 else 1.0

/// n samples of P_theta, shape [n, 2]: first coordinate theta, second U[0,1] drawn from `generator`.
let sample (theta: float) (n: int) (generator: torch.Generator) : torch.Tensor =
    let u = torch.rand([| int64 n; 1L |], dtype = torch.float32, generator = generator)
    let x = Scalars.full [| int64 n; 1L |] theta
    torch.cat([| x; u |], 1L)
