/// The Kantorovich-Rubinstein duality (WGAN paper, eq. 2):
/// W(P, Q) = sup_{||f||_L <= 1} E_P f(x) - E_Q f(x). Any critic f gives the dual estimate E_P f - E_Q f;
/// when f is K-Lipschitz the estimate is at most K * W(P, Q) (weak duality).
module Wgan.Core.KantorovichRubinstein

open TorchSharp

/// E_P f - E_Q f over two samples, for a critic on plain arrays.
let dualEstimate (critic: float[] -> float) (p: float[][]) (q: float[][]) : float =
    if p.Length = 0 || q.Length = 0 then invalidArg (nameof p) "both samples must be non-empty"
    Array.averageBy critic p - Array.averageBy critic q

/// E_P f - E_Q f over two batches of scores f(x) (one score per sample); a scalar tensor.
let dualEstimateOfScores (scoresP: torch.Tensor) (scoresQ: torch.Tensor) : torch.Tensor =
    Scalars.subtractTensors (scoresP.mean()) (scoresQ.mean())
