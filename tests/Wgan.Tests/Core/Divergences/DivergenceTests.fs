/// Properties of the float-array reference divergences (WGAN paper, section 2): KL, JS and TV between
/// discrete distributions, and the validation of probability vectors.
module Wgan.Tests.DivergenceTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open Wgan.Core
open Wgan.Tests.Generators

/// Float64 rounding over sums of at most 12 terms of magnitude <= log(1e6 * 12) stays far below this.
let RoundingTolerance = 1e-12

/// Below this TV the two vectors count as equal for "KL = 0 only if p = q"; the perturbed pairs of the
/// generator reach TV ~ 1e-6, where Pinsker still forces KL >= 2 TV^2 ~ 2e-12 > 0.
let DistinctTv = 1e-7

let private log2 = log 2.0

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``KL is non-negative (Gibbs' inequality)`` (ProbabilityPair (p, q)) =
    let kl = Divergence.kullbackLeibler p q
    kl >= 0.0 |@ $"KL(p||q) = {kl} for p = {show p}, q = {show q}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``KL(p, p) is 0`` (ProbabilityVector p) =
    // p log(p/p) = p log 1 = 0 term by term, exactly.
    let kl = Divergence.kullbackLeibler p p
    kl = 0.0 |@ $"KL(p||p) = {kl} for p = {show p}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``KL is positive when p and q differ`` (ProbabilityPair (p, q)) =
    let tv = Divergence.totalVariation p q
    let kl = Divergence.kullbackLeibler p q
    tv > DistinctTv ==> (kl > 0.0 |@ $"KL(p||q) = {kl} although TV = {tv}; p = {show p}, q = {show q}")

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``KL is +infinity when q misses part of p's support`` (MissingSupportPair (p, q, missing)) =
    let kl = Divergence.kullbackLeibler p q
    Double.IsPositiveInfinity kl
    |@ $"KL(p||q) = {kl} with p[{missing}] = {p[missing]} > 0 = q[{missing}]; p = {show p}, q = {show q}"

[<Fact>]
let ``KL of a known pair`` () =
    // Closed form: KL((1/2, 1/2) || (1/4, 3/4)) = 1/2 log 2 + 1/2 log(2/3) = 1/2 log(4/3).
    let kl = Divergence.kullbackLeibler [| 0.5; 0.5 |] [| 0.25; 0.75 |]
    Assert.Equal(0.5 * log (4.0 / 3.0), kl, 12)

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``JS is symmetric`` (ProbabilityPair (p, q)) =
    let pq = Divergence.jensenShannon p q
    let qp = Divergence.jensenShannon q p
    abs (pq - qp) <= RoundingTolerance |@ $"JS(p, q) = {pq} but JS(q, p) = {qp}; p = {show p}, q = {show q}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``JS lies in 0 to log 2`` (ProbabilityPair (p, q)) =
    // log 2 is the maximum of the standard JS with the 1/2 (PAPERS.md, WGAN Example 1 note).
    let js = Divergence.jensenShannon p q
    (js >= 0.0 && js <= log2) |@ $"JS = {js} outside [0, log 2]; p = {show p}, q = {show q}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``JS is log 2 on disjoint supports`` (DisjointPair (p, q)) =
    // With m = (p + q)/2, m = p/2 on p's support, so KL(p||m) = sum p log 2 = log 2, and the same for q.
    let js = Divergence.jensenShannon p q
    abs (js - log2) <= RoundingTolerance |@ $"JS = {js}, expected log 2 = {log2}; p = {show p}, q = {show q}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``JS(p, p) is 0`` (ProbabilityVector p) =
    let js = Divergence.jensenShannon p p
    js = 0.0 |@ $"JS(p, p) = {js} for p = {show p}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``JS is at most log 2 times TV`` (ProbabilityPair (p, q)) =
    // JS is the f-divergence of f(t) = 1/2 (t log t - (1 + t) log((1 + t)/2)); for any f-divergence
    // D_f <= (f(0) + lim_{t->inf} f(t)/t) TV = (1/2 log 2 + 1/2 log 2) TV (Vajda 1972; Sason & Verdu 2016,
    // "f-Divergence Inequalities", Theorem 8). Equality on disjoint supports, where both sides are log 2.
    let js = Divergence.jensenShannon p q
    let tv = Divergence.totalVariation p q
    js <= log2 * tv + RoundingTolerance |@ $"JS = {js} > log 2 * TV = {log2 * tv}; p = {show p}, q = {show q}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``TV lies in 0 to 1 and is symmetric`` (ProbabilityPair (p, q)) =
    let pq = Divergence.totalVariation p q
    let qp = Divergence.totalVariation q p
    ((pq >= 0.0 && pq <= 1.0) |@ $"TV = {pq} outside [0, 1]; p = {show p}, q = {show q}")
    .&. (abs (pq - qp) <= RoundingTolerance |@ $"TV(p, q) = {pq} but TV(q, p) = {qp}")

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``TV is 1 on disjoint supports and 0 from p to p`` (DisjointPair (p, q)) =
    // Closed form: 1/2 sum |p_i - q_i| = 1/2 (sum p + sum q) = 1 when the supports are disjoint.
    let disjoint = Divergence.totalVariation p q
    let same = Divergence.totalVariation p p
    (abs (disjoint - 1.0) <= RoundingTolerance |@ $"TV = {disjoint} on disjoint supports; p = {show p}, q = {show q}")
    .&. (same = 0.0 |@ $"TV(p, p) = {same}")

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``Pinsker's inequality TV <= sqrt(KL / 2)`` (ProbabilityPair (p, q)) =
    // Pinsker's inequality with TV = sup_A |p(A) - q(A)| and natural logarithms.
    // Compared as 2 TV^2 <= KL: for nearly equal p and q, KL (~1e-13) is the difference of terms ~1e-7 whose
    // logarithms log(p_i / q_i) each carry up to two units in the last place of 1 (the ratio's rounding and the
    // log's, 2 x 2.2e-16) times p_i <= 1; so KL is exact only to n x 4.4e-16, a relative error of 1e-3 at
    // KL ~ 1e-13 that an absolute tolerance on sqrt(KL / 2) missed (seen: TV 1.77645e-7 > 1.77509e-7).
    let tv = Divergence.totalVariation p q
    let kl = Divergence.kullbackLeibler p q
    let klRounding = float p.Length * 2.0 * 2.0 * 2.220446049250313e-16
    2.0 * tv * tv <= kl + klRounding
    |@ $"2 TV^2 = {2.0 * tv * tv} > KL = {kl} (+ rounding {klRounding}); p = {show p}, q = {show q}"

[<Fact>]
let ``divergences reject vectors of different lengths`` () =
    Assert.Throws<ArgumentException>(fun () -> Divergence.kullbackLeibler [| 1.0 |] [| 0.5; 0.5 |] |> ignore) |> ignore
    Assert.Throws<ArgumentException>(fun () -> Divergence.jensenShannon [| 1.0 |] [| 0.5; 0.5 |] |> ignore) |> ignore
    Assert.Throws<ArgumentException>(fun () -> Divergence.totalVariation [| 1.0 |] [| 0.5; 0.5 |] |> ignore) |> ignore

// ---------------------------------------------------------------------------------------------------
// Divergence.validate
// ---------------------------------------------------------------------------------------------------

let private rejectsWith (fragment: string) (result: Result<unit, string>) =
    match result with
    | Ok () -> false |@ $"accepted, expected an error mentioning '{fragment}'"
    | Error message -> message.Contains fragment |@ $"error '{message}' does not mention '{fragment}'"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``validate accepts generated probability vectors`` (ProbabilityVector p) =
    let result = Divergence.validate "p" p
    result = Ok () |@ $"rejected {show p}: {result}"

[<Fact>]
let ``validate rejects an empty vector`` () =
    match Divergence.validate "weights" [||] with
    | Ok () -> failwith "an empty vector was accepted"
    | Error message -> Assert.Contains("weights is empty", message)

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``validate rejects a negative entry and names it`` (ProbabilityVector p) (PositiveInt k) =
    let i = k % p.Length
    let bad = Array.copy p
    bad[i] <- -(float k) / 1000.0
    Divergence.validate "p" bad |> rejectsWith $"p[{i}] is negative"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``validate rejects NaN and infinities and names them`` (ProbabilityVector p) (PositiveInt k) =
    let i = k % p.Length
    let badValue = [| nan; infinity; -infinity |][k % 3]
    let bad = Array.copy p
    bad[i] <- badValue
    Divergence.validate "p" bad |> rejectsWith $"p[{i}] is not a finite number"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``validate rejects a vector that does not sum to 1`` (ProbabilityVector p) (PositiveInt k) =
    // Scale by 1 +- something far beyond MassTolerance (at least 1e-6).
    let factor = if k % 2 = 0 then 1.0 + float k * 1e-6 else 1.0 / (1.0 + float k * 1e-6)
    let bad = p |> Array.map (fun v -> v * factor)
    Divergence.validate "p" bad |> rejectsWith "p sums to"

[<Fact>]
let ``validate accepts a sum off by less than MassTolerance`` () =
    // Divergence.MassTolerance is 1e-9: a deviation of 1e-10 passes, 1e-8 does not.
    Assert.Equal(Ok (), Divergence.validate "p" [| 0.5; 0.5 + 1e-10 |])
    Assert.True(Result.isError (Divergence.validate "p" [| 0.5; 0.5 + 1e-8 |]))
