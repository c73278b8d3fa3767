/// Properties of the exact Earth-Mover (Wasserstein-1) distance between empirical measures
/// (WGAN paper, eq. 1): it is a metric, it sees translations, the 1-D formula agrees with the transport
/// solvers and with a brute-force reference, and weak Kantorovich-Rubinstein duality holds.
module Wgan.Tests.EarthMoverTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open Wgan.Core
open Wgan.Tests.Generators

/// The integer solvers' answer is within (largest pairwise distance) / CostResolution of the optimum
/// (EarthMover.fs); generated clouds are at most MaxDiameter wide. One such error per W1 evaluation, plus a
/// float64 rounding allowance for sums of at most 12 * 12 distances of at most MaxDiameter.
let SolverTolerance = MaxDiameter / EarthMover.CostResolution + 1e-12 * MaxDiameter

/// GLOP (earthMoverWeighted) solves the transport linear programme in floating point and accepts a basis
/// whose constraints hold within its feasibility tolerances (of order 1e-8 to 1e-7 by default), on masses
/// in [0, 1] summed over at most 12 * 12 plan entries with costs <= MaxDiameter. That bounds its value's error
/// by about 144 * 1e-8 * MaxDiameter; 1e-6 * MaxDiameter covers it. (Observed: <= 1e-14 on 400 random pairs.)
let LinearProgrammeTolerance = 1e-6 * MaxDiameter

/// Float64 rounding of the 1-D formulas (sums of at most 24 terms of magnitude <= 20).
let RoundingTolerance = 1e-12 * MaxDiameter

let private toPoints (xs: float[]) = xs |> Array.map (fun x -> [| x |])

let private uniform n = Array.create n (1.0 / float n)

let private within tolerance expected actual = abs (expected - actual) <= tolerance

// ---------------------------------------------------------------------------------------------------
// W1 is a metric
// ---------------------------------------------------------------------------------------------------

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``W1(p, p) is 0`` (PointCloud p) =
    let w = EarthMover.earthMover p p
    (w >= 0.0 && w <= SolverTolerance) |@ $"W1(p, p) = {w} for p = {show p}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``W1 is symmetric and non-negative`` (CloudPair (p, q)) =
    let pq = EarthMover.earthMover p q
    let qp = EarthMover.earthMover q p
    (pq >= 0.0 |@ $"W1(p, q) = {pq} < 0")
    .&. (within (2.0 * SolverTolerance) pq qp |@ $"W1(p, q) = {pq} but W1(q, p) = {qp}; p = {show p}, q = {show q}")

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``W1 satisfies the triangle inequality`` (CloudTriple (p, q, r)) =
    let pr = EarthMover.earthMover p r
    let pq = EarthMover.earthMover p q
    let qr = EarthMover.earthMover q r
    pr <= pq + qr + 3.0 * SolverTolerance
    |@ $"W1(p, r) = {pr} > W1(p, q) + W1(q, r) = {pq} + {qr}; p = {show p}, q = {show q}, r = {show r}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``W1 of a translate is the length of the shift`` (ShiftedCloud (p, s)) =
    // W1(P, P + s) = ||s||: the plan x -> x + s costs ||s||, and the 1-Lipschitz critic
    // f(x) = -s.x / ||s|| proves no plan is cheaper (Kantorovich-Rubinstein, WGAN eq. 2).
    let shifted = p |> Array.map (fun x -> Array.map2 (+) x s)
    let w = EarthMover.earthMover p shifted
    within (SolverTolerance + RoundingTolerance) (norm s) w
    |@ $"W1(p, p + s) = {w}, ||s|| = {norm s}; p = {show p}, s = {show s}"

// ---------------------------------------------------------------------------------------------------
// Rescaling by homogeneity
// ---------------------------------------------------------------------------------------------------

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``earthMoverRescaled agrees with the unscaled W1`` (CloudPair (p, q)) =
    // Dividing by a power of two is exact, and the solvers' rounding is relative to the largest distance, so the two
    // computations differ by at most one solver error each.
    let rescaled = EarthMover.earthMoverRescaled p q
    let plain = EarthMover.earthMover p q
    within (2.0 * SolverTolerance) plain rescaled
    |@ $"rescaled {rescaled}, unscaled {plain}; p = {show p}, q = {show q}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``earthMoverRescaled is W1 times c for clouds scaled by c = 2^600 and 2^-600`` (CloudPair (p, q)) =
    // W(cP, cQ) = c W(P, Q) (homogeneity of the Euclidean metric). At c = 2^600 (about 4e180) the squared
    // differences of the unscaled computation overflow; at 2^-600 they underflow.
    let plain = EarthMover.earthMover p q
    [ 600; -600 ]
    |> List.map (fun k ->
        let scale (cloud: float[][]) = cloud |> Array.map (Array.map (fun x -> Math.ScaleB(x, k)))
        let rescaled = Math.ScaleB(EarthMover.earthMoverRescaled (scale p) (scale q), -k)
        within (2.0 * SolverTolerance) plain rescaled |@ $"c = 2^{k}: W1(cp, cq) / c = {rescaled}, W1(p, q) = {plain}")
    |> List.reduce (.&.)

[<Fact>]
let ``earthMoverRescaled gives 0 for clouds at the origin and refuses what earthMover refuses`` () =
    Assert.Equal(0.0, EarthMover.earthMoverRescaled [| [| 0.0; 0.0 |] |] [| [| 0.0; 0.0 |]; [| 0.0; 0.0 |] |])
    Assert.Throws<ArgumentException>(fun () ->
        EarthMover.earthMoverRescaled [| [| 0.0; nan |] |] [| [| 0.0; 0.0 |] |] |> ignore) |> ignore
    Assert.Throws<ArgumentException>(fun () -> EarthMover.earthMoverRescaled [||] [| [| 1.0 |] |] |> ignore) |> ignore

// ---------------------------------------------------------------------------------------------------
// One dimension
// ---------------------------------------------------------------------------------------------------

/// W1 in 1-D as the integral over t in (0, 1) of |F_p^-1(t) - F_q^-1(t)| (the quantile form), evaluated
/// exactly on the merged breakpoints k/n and l/m: the quantile functions are constant between them.
/// An independent oracle for `earthMover1D`, which integrates |F_p - F_q| over x instead.
let quantileReference (p: float[]) (q: float[]) =
    let xs, ys = Array.sort p, Array.sort q
    let n, m = xs.Length, ys.Length
    let breakpoints =
        Array.append (Array.init (n + 1) (fun k -> float k / float n)) (Array.init (m + 1) (fun l -> float l / float m))
        |> Array.distinct
        |> Array.sort
    let quantile (sorted: float[]) (t: float) =
        // F^-1(t) for t in ((k - 1)/len, k/len] is the k-th smallest value; evaluated at interval midpoints.
        sorted[min (sorted.Length - 1) (int (Math.Floor (t * float sorted.Length)))]
    breakpoints
    |> Array.pairwise
    |> Array.sumBy (fun (a, b) ->
        let mid = 0.5 * (a + b)
        (b - a) * abs (quantile xs mid - quantile ys mid))

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``earthMover1D equals the quantile-function reference`` (SamplePair1D (p, q)) =
    let fast = EarthMover.earthMover1D p q
    let reference = quantileReference p q
    within RoundingTolerance reference fast
    |@ $"earthMover1D = {fast}, quantile reference = {reference}; p = {show p}, q = {show q}"

/// The brute-force optimum for equal-size uniform clouds: the cheapest of all n! matchings. By Birkhoff-von
/// Neumann the transport polytope's vertices are the permutations, so this is exactly W1.
let bruteForce (distance: 'a -> 'a -> float) (p: 'a[]) (q: 'a[]) =
    let rec permutations (items: int list) : int list seq =
        match items with
        | [] -> Seq.singleton []
        | _ ->
            items
            |> Seq.collect (fun i -> permutations (List.filter ((<>) i) items) |> Seq.map (fun rest -> i :: rest))
    permutations [ 0 .. q.Length - 1 ]
    |> Seq.map (fun sigma -> (sigma |> List.mapi (fun i j -> distance p[i] q[j]) |> List.sum) / float p.Length)
    |> Seq.min

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``earthMover1D equals the brute-force optimal matching`` (SmallEqualSizeCloudPair (p, q)) =
    let xs, ys = Array.map Array.head p, Array.map Array.head q
    let fast = EarthMover.earthMover1D xs ys
    let reference = bruteForce (fun (a: float) b -> abs (a - b)) xs ys
    within RoundingTolerance reference fast
    |@ $"earthMover1D = {fast}, brute force = {reference}; p = {show xs}, q = {show ys}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``earthMover equals the brute-force optimal matching`` (SmallEqualSizeCloudPair (p, q)) =
    let exact = EarthMover.earthMover p q
    let reference = bruteForce EarthMover.euclidean p q
    within (SolverTolerance + RoundingTolerance) reference exact
    |@ $"earthMover = {exact}, brute force = {reference}; p = {show p}, q = {show q}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``earthMover1D equals the assignment solver on equal-size samples`` (EqualSizeSamplePair1D (p, q)) =
    let fast = EarthMover.earthMover1D p q
    let exact = EarthMover.earthMover (toPoints p) (toPoints q)
    within (SolverTolerance + RoundingTolerance) exact fast
    |@ $"earthMover1D = {fast}, earthMover = {exact}; p = {show p}, q = {show q}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``earthMover1D equals the min-cost-flow solver on samples of any sizes`` (SamplePair1D (p, q)) =
    // Different sizes take EarthMover's min-cost-flow path; equal sizes the assignment path.
    let fast = EarthMover.earthMover1D p q
    let exact = EarthMover.earthMover (toPoints p) (toPoints q)
    within (SolverTolerance + RoundingTolerance) exact fast
    |@ $"earthMover1D = {fast}, earthMover = {exact}; sizes {p.Length} and {q.Length}; p = {show p}, q = {show q}"

[<Fact>]
let ``known 1-D values`` () =
    // All of {0} moves to {0, 1, 2} in thirds: W1 = (0 + 1 + 2)/3 = 1 (the only transport plan).
    Assert.Equal(1.0, EarthMover.earthMover1D [| 0.0 |] [| 0.0; 1.0; 2.0 |], 12)
    Assert.Equal(1.0, EarthMover.earthMover [| [| 0.0 |] |] [| [| 0.0 |]; [| 1.0 |]; [| 2.0 |] |], 9)
    // {0, 0} against {1, 3}: sorted matching 0->1, 0->3, W1 = (1 + 3)/2 = 2 (sorted-quantile formula).
    Assert.Equal(2.0, EarthMover.earthMover1D [| 0.0; 0.0 |] [| 3.0; 1.0 |], 12)
    // {0, 1} against {0, 1, 2, 3}: F_p - F_q = 1/2 - 1/4 on [0,1), 1 - 1/2 on [1,2), 1 - 3/4 on [2,3), so
    // the integral of |F_p - F_q| is 1/4 + 1/2 + 1/4 = 1.
    Assert.Equal(1.0, EarthMover.earthMover1D [| 0.0; 1.0 |] [| 0.0; 1.0; 2.0; 3.0 |], 12)
    Assert.Equal(1.0, EarthMover.earthMover (toPoints [| 0.0; 1.0 |]) (toPoints [| 0.0; 1.0; 2.0; 3.0 |]), 9)

[<Fact>]
let ``known two-point clouds`` () =
    // {(0,0), (1,0)} against {(0,1), (1,1)}: every point moves up by 1, so W1 <= 1; the 1-Lipschitz critic
    // f(x) = -x_2 has E_p f - E_q f = 0 - (-1) = 1, so W1 = 1 (Kantorovich-Rubinstein, WGAN eq. 2).
    let p = [| [| 0.0; 0.0 |]; [| 1.0; 0.0 |] |]
    let q = [| [| 0.0; 1.0 |]; [| 1.0; 1.0 |] |]
    Assert.Equal(1.0, EarthMover.earthMover p q, 9)
    // {(0,0), (3,4)} against {(3,4), (6,8)}: the plan (0,0)->(3,4), (3,4)->(6,8) costs 5 + 5 over 2 = 5;
    // f(x) = -(3 x_1 + 4 x_2)/5 gives E_p f - E_q f = -5/2 + 15/2 = 5, so W1 = 5.
    let p2 = [| [| 0.0; 0.0 |]; [| 3.0; 4.0 |] |]
    let q2 = [| [| 3.0; 4.0 |]; [| 6.0; 8.0 |] |]
    Assert.Equal(5.0, EarthMover.earthMover p2 q2, 9)

// ---------------------------------------------------------------------------------------------------
// Weighted measures
// ---------------------------------------------------------------------------------------------------

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 60)>]
let ``earthMoverWeighted with uniform weights equals earthMover`` (CloudPair (p, q)) =
    let weighted = EarthMover.earthMoverWeighted (p, uniform p.Length) (q, uniform q.Length)
    let exact = EarthMover.earthMover p q
    within (LinearProgrammeTolerance + SolverTolerance) exact weighted
    |@ $"earthMoverWeighted = {weighted}, earthMover = {exact}; p = {show p}, q = {show q}"

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 60)>]
let ``W1 on a common support lies between min gap * TV and diameter * TV`` (WeightedSupport (support, p, q)) =
    // Only the mass TV(p, q) = 1 - sum_i min(p_i, q_i) must leave its atom, and it travels at least the
    // smallest and at most the largest distance between distinct atoms.
    let w = EarthMover.earthMoverWeighted (support, p) (support, q)
    let tv = Divergence.totalVariation p q
    let distances =
        [| for i in 0 .. support.Length - 1 do
               for j in i + 1 .. support.Length - 1 do
                   EarthMover.euclidean support[i] support[j] |]
    let largest = if distances.Length = 0 then 0.0 else Array.max distances
    let smallest = if distances.Length = 0 then 0.0 else Array.min distances
    ((w <= largest * tv + LinearProgrammeTolerance |@ $"W1 = {w} > diameter {largest} * TV {tv}")
     .&. (w >= smallest * tv - LinearProgrammeTolerance |@ $"W1 = {w} < smallest gap {smallest} * TV {tv}"))
    |@ $"support = {show support}, p = {show p}, q = {show q}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``weak duality: a 1-Lipschitz linear critic's estimate is at most W1`` (LinearCriticCase (w, p, q)) =
    // f(x) = w.x with ||w|| <= 1 is 1-Lipschitz, so E_p f - E_q f <= W1(p, q) (WGAN eq. 2, weak duality).
    let estimate = KantorovichRubinstein.dualEstimate (dot w) p q
    let exact = EarthMover.earthMover p q
    estimate <= exact + SolverTolerance + RoundingTolerance
    |@ $"dual estimate {estimate} > W1 {exact} with ||w|| = {norm w}; p = {show p}, q = {show q}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``weak duality is tight for the direction of a translate`` (ShiftedCloud (p, s)) =
    // For q = p + s the critic f(x) = -s.x/||s|| attains W1 = ||s||: strong duality (WGAN eq. 2).
    let q = p |> Array.map (fun x -> Array.map2 (+) x s)
    let length = norm s
    length > 1e-6
    ==> lazy (
        let estimate = KantorovichRubinstein.dualEstimate (fun x -> -(dot s x) / length) p q
        let exact = EarthMover.earthMover p q
        within (SolverTolerance + RoundingTolerance) exact estimate |@ $"dual estimate {estimate}, W1 {exact}")

// ---------------------------------------------------------------------------------------------------
// Invalid input
// ---------------------------------------------------------------------------------------------------

[<Fact>]
let ``earthMover rejects an empty cloud`` () =
    Assert.Throws<ArgumentException>(fun () -> EarthMover.earthMover [||] [| [| 0.0 |] |] |> ignore) |> ignore
    Assert.Throws<ArgumentException>(fun () -> EarthMover.earthMover [| [| 0.0 |] |] [||] |> ignore) |> ignore
    Assert.Throws<ArgumentException>(fun () -> EarthMover.earthMover1D [||] [| 0.0 |] |> ignore) |> ignore
    Assert.Throws<ArgumentException>(fun () -> EarthMover.earthMover1D [| 0.0 |] [||] |> ignore) |> ignore

[<Fact>]
let ``earthMover rejects mismatched dimensions`` () =
    // Between the clouds.
    Assert.Throws<ArgumentException>(fun () ->
        EarthMover.earthMover [| [| 0.0; 1.0 |] |] [| [| 0.0 |] |] |> ignore) |> ignore
    // Within a cloud.
    Assert.Throws<ArgumentException>(fun () ->
        EarthMover.earthMover [| [| 0.0; 1.0 |]; [| 2.0 |] |] [| [| 0.0; 0.0 |] |] |> ignore) |> ignore
    // Points of dimension 0.
    Assert.Throws<ArgumentException>(fun () -> EarthMover.earthMover [| [||] |] [| [||] |] |> ignore) |> ignore
    Assert.Throws<ArgumentException>(fun () ->
        EarthMover.earthMoverWeighted ([| [| 0.0; 1.0 |] |], [| 1.0 |]) ([| [| 0.0 |] |], [| 1.0 |]) |> ignore)
    |> ignore

[<Fact>]
let ``earthMover rejects NaN and infinite coordinates`` () =
    for bad in [ nan; infinity; -infinity ] do
        Assert.Throws<ArgumentException>(fun () ->
            EarthMover.earthMover [| [| 0.0; bad |] |] [| [| 0.0; 0.0 |] |] |> ignore) |> ignore
        Assert.Throws<ArgumentException>(fun () ->
            EarthMover.earthMover [| [| 0.0; 0.0 |] |] [| [| 1.0; 1.0 |]; [| bad; 0.0 |] |] |> ignore) |> ignore

[<Fact>]
let ``earthMoverWeighted rejects weights that are not probability vectors`` () =
    let cloud = [| [| 0.0 |]; [| 1.0 |] |]
    Assert.Throws<ArgumentException>(fun () ->
        EarthMover.earthMoverWeighted (cloud, [| 0.5; 0.6 |]) (cloud, [| 0.5; 0.5 |]) |> ignore) |> ignore
    Assert.Throws<ArgumentException>(fun () ->
        EarthMover.earthMoverWeighted (cloud, [| 0.5; 0.5 |]) (cloud, [| 1.5; -0.5 |]) |> ignore) |> ignore
    Assert.Throws<ArgumentException>(fun () ->
        EarthMover.earthMoverWeighted (cloud, [| 1.0 |]) (cloud, [| 0.5; 0.5 |]) |> ignore) |> ignore

[<Fact>]
let ``earthMover1D rejects NaN samples`` () =
    Assert.Throws<ArgumentException>(fun () -> EarthMover.earthMover1D [| nan |] [| 0.0 |] |> ignore) |> ignore
    Assert.Throws<ArgumentException>(fun () -> EarthMover.earthMover1D [| 0.0 |] [| 1.0; infinity |] |> ignore)
    |> ignore
