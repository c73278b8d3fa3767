/// Divergences between discrete probability distributions (WGAN paper, section 2), on plain float arrays.
/// These are the reference implementations: every tensor version is tested against them.
/// All logarithms are natural.
module Wgan.Core.Divergence

open System

/// Absolute tolerance on the total mass of a probability vector.
[<Literal>]
let MassTolerance = 1e-9

/// Checks that `p` is a probability vector (finite, non-negative, summing to 1 within MassTolerance);
/// returns an error message naming the problem otherwise.
let validate (name: string) (p: float[]) : Result<unit, string> =
    if p.Length = 0 then Error $"{name} is empty"
    else
        match p |> Array.tryFindIndex (fun x -> Double.IsNaN x || Double.IsInfinity x) with
        | Some i -> Error $"{name}[{i}] is not a finite number ({p[i]})"
        | None ->
            match p |> Array.tryFindIndex (fun x -> x < 0.0) with
            | Some i -> Error $"{name}[{i}] is negative ({p[i]})"
            | None ->
                let total = Array.sum p
                if abs (total - 1.0) > MassTolerance then Error $"{name} sums to {total}, not 1"
                else Ok ()

/// What makes `p` not a probability vector, as `validate` finds it: one message, or none when `p` is one. For
/// callers that cannot match on a Result (the C# shell).
let problems (name: string) (p: float[]) : string[] =
    match validate name p with
    | Ok () -> [||]
    | Error message -> [| message |]

let private requireSameLength (p: float[]) (q: float[]) =
    if p.Length <> q.Length then
        invalidArg (nameof q) $"distributions have different lengths ({p.Length} and {q.Length})"

/// KL(p || q) = sum_i p_i log(p_i / q_i), with 0 log(0/q) = 0; +infinity where p_i > 0 and q_i = 0
/// (q does not cover the support of p).
let kullbackLeibler (p: float[]) (q: float[]) : float =
    requireSameLength p q
    let mutable total = 0.0
    for i in 0 .. p.Length - 1 do
        if p[i] > 0.0 then
            total <- total + (if q[i] = 0.0 then infinity else p[i] * log (p[i] / q[i]))
    // Rounding can make the sum of non-negative-in-expectation terms slightly negative.
    max total 0.0

/// JS(p, q) = 1/2 KL(p || m) + 1/2 KL(q || m) with m = (p + q)/2. Symmetric, in [0, log 2],
/// log 2 exactly when the supports are disjoint.
let jensenShannon (p: float[]) (q: float[]) : float =
    requireSameLength p q
    let m = Array.map2 (fun a b -> 0.5 * (a + b)) p q
    let js = 0.5 * kullbackLeibler p m + 0.5 * kullbackLeibler q m
    min js (log 2.0)

/// TV(p, q) = sup_A |p(A) - q(A)| = 1/2 sum_i |p_i - q_i|, in [0, 1].
let totalVariation (p: float[]) (q: float[]) : float =
    requireSameLength p q
    let tv = 0.5 * Array.fold2 (fun acc a b -> acc + abs (a - b)) 0.0 p q
    min tv 1.0
