/// When a critic trained against a fixed generator has stopped improving: the stopping rule behind "critics
/// trained to optimality" (WGAN-GP Figure 1a), which neither the paper nor gan_toy.py states (the script trains
/// for ITERS = 100,000 iterations and plots the critic every 100). Pure: it reads a series of dual estimates.
module Wgan.Core.Plateau

/// The rule: a critic's dual estimate E_Pr f - E_Pg f on a fixed evaluation batch is evaluated after every
/// `EvaluateEvery`-th step; after an evaluation at step s >= the minimum number of steps, with at least
/// 2 `Window` evaluations so far, the estimate has plateaued when the median of the last `Window`
/// evaluations differs from the median of the `Window` before them by at most `Tolerance` times the later
/// median's magnitude.
type Rule =
    { EvaluateEvery: int
      Window: int
      /// Relative tolerance of the change of the windows' medians.
      Tolerance: float }

/// The median of a non-empty array (the mean of the two middle values for an even length).
let median (values: float[]) : float =
    if values.Length = 0 then invalidArg (nameof values) "the median of nothing is undefined"
    let sorted = Array.sort values
    let n = sorted.Length
    if n % 2 = 1 then sorted[n / 2] else (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0

/// The medians of the last `window` values of `estimates` (oldest first) and of the `window` before them, when
/// there are at least two windows of them.
let windowMedians (window: int) (estimates: float[]) : (float * float) option =
    if window < 1 then invalidArg (nameof window) $"the window must hold at least one evaluation (found {window})"
    let n = estimates.Length
    if n < 2 * window then None
    else Some(median estimates[n - 2 * window .. n - window - 1], median estimates[n - window ..])

/// Whether the estimates (oldest first, the latest just evaluated) have plateaued under `rule`: the two
/// windows' medians differ by at most rule.Tolerance * |later median|. NaN or infinite estimates never plateau
/// (the caller's divergence check stops such a critic).
let reached (rule: Rule) (estimates: float[]) : bool =
    match windowMedians rule.Window estimates with
    | Some (earlier, later) -> abs (later - earlier) <= rule.Tolerance * abs later
    | None -> false
