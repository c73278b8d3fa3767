/// The FsCheck generators for the project's domain values, in one place. Every generated value comes
/// wrapped in a small dedicated type, so a property's signature says which generator feeds it; the
/// `Arbitraries` type registers them all for `[<Property(Arbitrary = [| typeof<Arbitraries> |])>]`.
module Wgan.Tests.Generators

open System
open FsCheck
open FsCheck.FSharp
open Wgan.Core

// ---------------------------------------------------------------------------------------------------
// Sizes and ranges
// ---------------------------------------------------------------------------------------------------

/// Largest number of atoms in a probability vector and of points in a cloud: small enough that the exact
/// transport solvers answer in well under a millisecond.
[<Literal>]
let MaxAtoms = 12

/// Largest cloud size for brute-force references that try all n! matchings.
[<Literal>]
let MaxBruteForceAtoms = 6

/// Largest dimension of a point cloud.
[<Literal>]
let MaxDimension = 4

/// Coordinates are drawn from [-CoordinateBound, CoordinateBound].
[<Literal>]
let CoordinateBound = 10.0

/// The largest distance two generated points can be apart: the diagonal of the cube
/// [-CoordinateBound, CoordinateBound]^MaxDimension. Solver tolerances scale with it.
let MaxDiameter = 2.0 * CoordinateBound * sqrt (float MaxDimension)

// ---------------------------------------------------------------------------------------------------
// The wrapper types
// ---------------------------------------------------------------------------------------------------

/// A probability vector: non-negative, summing to 1 within Divergence.MassTolerance; may contain zeros.
type ProbabilityVector = ProbabilityVector of float[]

/// Two probability vectors of the same length (independent, nearly equal, equal, or with disjoint supports).
type ProbabilityPair = ProbabilityPair of p: float[] * q: float[]

/// Two probability vectors of the same length with disjoint supports (length >= 2).
type DisjointPair = DisjointPair of p: float[] * q: float[]

/// Two probability vectors where q misses part of p's support: p[k] > 0 = q[k] for some k.
type MissingSupportPair = MissingSupportPair of p: float[] * q: float[] * missing: int

/// n points in dimension d (n in 1..MaxAtoms, d in 1..MaxDimension), coordinates in [-10, 10].
type PointCloud = PointCloud of float[][]

/// Two clouds of the same dimension; their sizes are drawn independently (equal or not).
type CloudPair = CloudPair of p: float[][] * q: float[][]

/// Two clouds of the same size (1..MaxBruteForceAtoms) and dimension, small enough to try every matching.
type SmallEqualSizeCloudPair = SmallEqualSizeCloudPair of p: float[][] * q: float[][]

/// Three clouds of the same size and dimension (for the triangle inequality).
type CloudTriple = CloudTriple of p: float[][] * q: float[][] * r: float[][]

/// A cloud and a shift vector of the cloud's dimension (each shift coordinate in [-10, 10]).
type ShiftedCloud = ShiftedCloud of cloud: float[][] * shift: float[]

/// Two 1-D samples (sizes 1..MaxAtoms drawn independently).
type SamplePair1D = SamplePair1D of p: float[] * q: float[]

/// Two 1-D samples of the same size.
type EqualSizeSamplePair1D = EqualSizeSamplePair1D of p: float[] * q: float[]

/// A common support (a cloud of n points) and two probability vectors of length n on it.
type WeightedSupport = WeightedSupport of support: float[][] * p: float[] * q: float[]

/// A 1-Lipschitz linear critic f(x) = w.x (||w||_2 <= 1) and two clouds of its dimension.
type LinearCriticCase = LinearCriticCase of w: float[] * p: float[][] * q: float[][]

/// The weights of a linear critic of any norm in [0, 3] (dimension 1..MaxDimension), so that gradient
/// norms fall on both sides of 1.
type CriticWeights = CriticWeights of float[]

/// A seed for a torch.Generator.
type Seed = Seed of int64

/// A batch size for tensor tests, 2..16 (at least two samples, so per-sample effects can show).
type BatchSize = BatchSize of int

/// A number of samples drawn from a sampler, 1..64.
type SampleSize = SampleSize of int

/// The parallel-lines offset theta (WGAN Example 1) in [-5, 5] on a fine grid, exactly 0 one time in ten.
type Theta = Theta of float

/// A weight-clipping bound c: WGAN's 0.01 and a few around it.
type ClipBound = ClipBound of float

// ---------------------------------------------------------------------------------------------------
// The generators
// ---------------------------------------------------------------------------------------------------

let private unitInterval: Gen<float> =
    // 1..10^6 scaled: a positive value in (0, 1], fine enough to look continuous.
    Gen.choose (1, 1_000_000) |> Gen.map (fun k -> float k / 1e6)

/// Rescales non-negative weights (at least one positive) to a probability vector, then puts the rounding
/// residue on the largest entry so that the sum is 1 to within a few ulps.
let normalise (weights: float[]) : float[] =
    let total = Array.sum weights
    if not (total > 0.0) then invalidArg (nameof weights) "at least one weight must be positive"
    let p = weights |> Array.map (fun w -> w / total)
    let largest = p |> Array.indexed |> Array.maxBy snd |> fst
    let others = p |> Array.indexed |> Array.sumBy (fun (i, v) -> if i = largest then 0.0 else v)
    p[largest] <- 1.0 - others
    if abs (Array.sum p - 1.0) > Divergence.MassTolerance || Array.exists (fun v -> v < 0.0) p then
        failwith $"generator bug: %A{p} is not a probability vector"
    p

/// Non-negative weights of the given length with about a quarter zeros (at least one positive).
let private weightsOfLength (n: int) : Gen<float[]> =
    let entry = Gen.frequency [ 1, Gen.constant 0.0; 3, unitInterval ]
    gen {
        let! weights = Gen.arrayOfLength n entry
        let! anchor = Gen.choose (0, n - 1)
        let! anchorWeight = unitInterval
        if Array.forall (fun w -> w = 0.0) weights then weights[anchor] <- anchorWeight
        return weights
    }

/// A probability vector of length n (with zeros).
let probabilityOfLength (n: int) : Gen<float[]> = weightsOfLength n |> Gen.map normalise

/// A probability vector of length 1..MaxAtoms.
let probabilityVector: Gen<float[]> = Gen.choose (1, MaxAtoms) |> Gen.bind probabilityOfLength

/// Two probability vectors of length n >= 2 with disjoint, non-empty supports.
let disjointOfLength (n: int) : Gen<float[] * float[]> =
    gen {
        // A random split of the atoms into two non-empty sets A (p's support) and B (q's support).
        let! inA = Gen.arrayOfLength n (Gen.elements [ true; false ])
        let! forcedA = Gen.choose (0, n - 1)
        let! offset = Gen.choose (1, n - 1)
        let forcedB = (forcedA + offset) % n
        inA[forcedA] <- true
        inA[forcedB] <- false
        let! wp = Gen.arrayOfLength n unitInterval
        let! wq = Gen.arrayOfLength n unitInterval
        let p = normalise (Array.init n (fun i -> if inA[i] then wp[i] else 0.0))
        let q = normalise (Array.init n (fun i -> if inA[i] then 0.0 else wq[i]))
        return p, q
    }

let disjointPair: Gen<float[] * float[]> = Gen.choose (2, MaxAtoms) |> Gen.bind disjointOfLength

/// Two probability vectors of length n: independent (their zeros may leave parts of one support uncovered),
/// a small perturbation of each other, equal, or (n >= 2) with disjoint supports.
let probabilityPairOfLength (n: int) : Gen<float[] * float[]> =
    gen {
        let! p = probabilityOfLength n
        let! r = probabilityOfLength n
        let! kind = Gen.frequency [ 5, Gen.constant 0; 3, Gen.constant 1; 1, Gen.constant 2; 1, Gen.constant 3 ]
        match kind with
        | 0 -> return p, r
        | 1 ->
            // q = (1 - t) p + t r with a small t: KL, JS and TV near 0 but not 0.
            let! t = Gen.elements [ 1e-6; 1e-4; 1e-2 ]
            return p, normalise (Array.map2 (fun a b -> (1.0 - t) * a + t * b) p r)
        | 2 -> return p, Array.copy p
        | _ -> if n >= 2 then return! disjointOfLength n else return p, r
    }

let probabilityPair: Gen<float[] * float[]> = Gen.choose (1, MaxAtoms) |> Gen.bind probabilityPairOfLength

let missingSupportPair: Gen<float[] * float[] * int> =
    gen {
        let! n = Gen.choose (2, MaxAtoms)
        let! p = probabilityOfLength n
        let support = [ for i in 0 .. n - 1 do if p[i] > 0.0 then i ]
        let! missing = Gen.elements support
        let! wq = weightsOfLength n
        // q keeps mass somewhere other than `missing` (an index next to it if need be), none at `missing`.
        wq[missing] <- 0.0
        if Array.forall (fun w -> w = 0.0) wq then wq[(missing + 1) % n] <- 1.0
        return p, normalise wq, missing
    }

/// A coordinate in [-10, 10]: mostly fine-grained, sometimes on a coarse integer grid so that ties occur.
let coordinate: Gen<float> =
    Gen.frequency
        [ 4, Gen.choose (-1_000_000, 1_000_000) |> Gen.map (fun k -> float k / 1e5)
          1, Gen.choose (-3, 3) |> Gen.map float ]

let point (d: int) : Gen<float[]> = Gen.arrayOfLength d coordinate

let cloudOf (n: int) (d: int) : Gen<float[][]> = Gen.arrayOfLength n (point d)

let private size = Gen.choose (1, MaxAtoms)
let private dimension = Gen.choose (1, MaxDimension)

let pointCloud: Gen<float[][]> = Gen.map2 (fun n d -> n, d) size dimension |> Gen.bind (fun (n, d) -> cloudOf n d)

let cloudPair: Gen<float[][] * float[][]> =
    gen {
        let! d = dimension
        let! n = size
        let! m = Gen.frequency [ 1, Gen.constant n; 2, size ]
        let! p = cloudOf n d
        let! q = cloudOf m d
        return p, q
    }

let smallEqualSizeCloudPair: Gen<float[][] * float[][]> =
    gen {
        let! d = dimension
        let! n = Gen.choose (1, MaxBruteForceAtoms)
        let! p = cloudOf n d
        let! q = cloudOf n d
        return p, q
    }

let cloudTriple: Gen<float[][] * float[][] * float[][]> =
    gen {
        let! d = dimension
        let! n = size
        let! p = cloudOf n d
        let! q = cloudOf n d
        let! r = cloudOf n d
        return p, q, r
    }

let shiftedCloud: Gen<float[][] * float[]> =
    gen {
        let! cloud = pointCloud
        let! shift = point cloud[0].Length
        return cloud, shift
    }

let samplePair1D: Gen<float[] * float[]> =
    gen {
        let! n = size
        let! m = size
        let! p = Gen.arrayOfLength n coordinate
        let! q = Gen.arrayOfLength m coordinate
        return p, q
    }

let equalSizeSamplePair1D: Gen<float[] * float[]> =
    gen {
        let! n = size
        let! p = Gen.arrayOfLength n coordinate
        let! q = Gen.arrayOfLength n coordinate
        return p, q
    }

let weightedSupport: Gen<float[][] * float[] * float[]> =
    gen {
        let! d = dimension
        let! n = size
        let! support = cloudOf n d
        let! p, q = probabilityPairOfLength n
        return support, p, q
    }

/// A vector of dimension d and the given norm: a non-zero draw from the cube [-1000, 1000]^d, rescaled.
let private vectorOfNorm (d: int) (norm: float) : Gen<float[]> =
    gen {
        let! raw = Gen.arrayOfLength d (Gen.choose (-1000, 1000) |> Gen.map float)
        let raw =
            if Array.forall (fun v -> v = 0.0) raw then Array.init d (fun i -> if i = 0 then 1.0 else 0.0) else raw
        let length = sqrt (Array.sumBy (fun v -> v * v) raw)
        return raw |> Array.map (fun v -> v / length * norm)
    }

/// Weights of norm at most 1 (a 1-Lipschitz linear critic), including norm exactly 0 and 1.
let lipschitzWeights (d: int) : Gen<float[]> =
    gen {
        let! norm = Gen.frequency [ 1, Gen.constant 0.0; 2, Gen.constant 1.0; 5, unitInterval ]
        let! w = vectorOfNorm d norm
        // Rounding in the rescaling may leave ||w|| a few ulps above 1; pull it back inside the unit ball.
        let length = sqrt (Array.sumBy (fun v -> v * v) w)
        return if length > 1.0 then w |> Array.map (fun v -> v / length * (1.0 - 1e-15)) else w
    }

let linearCriticCase: Gen<float[] * float[][] * float[][]> =
    gen {
        let! p, q = cloudPair
        let! w = lipschitzWeights p[0].Length
        return w, p, q
    }

let criticWeights: Gen<float[]> =
    gen {
        let! d = dimension
        let! norm =
            Gen.frequency
                [ 1, Gen.constant 0.0
                  1, Gen.constant 1.0
                  6, Gen.choose (1, 3000) |> Gen.map (fun k -> float k / 1000.0) ]
        return! vectorOfNorm d norm
    }

let seed: Gen<int64> = Gen.choose (0, Int32.MaxValue) |> Gen.map int64

let theta: Gen<float> =
    Gen.frequency [ 1, Gen.constant 0.0; 9, Gen.choose (-500_000, 500_000) |> Gen.map (fun k -> float k / 1e5) ]

let clipBound: Gen<float> = Gen.elements [ 0.001; 0.01; 0.05; 0.1 ]

/// The generators above as FsCheck arbitraries (no shrinking: the values are small already).
type Arbitraries =
    static member ProbabilityVector() = probabilityVector |> Gen.map ProbabilityVector |> Arb.fromGen
    static member ProbabilityPair() = probabilityPair |> Gen.map ProbabilityPair |> Arb.fromGen
    static member DisjointPair() = disjointPair |> Gen.map DisjointPair |> Arb.fromGen
    static member MissingSupportPair() = missingSupportPair |> Gen.map MissingSupportPair |> Arb.fromGen
    static member PointCloud() = pointCloud |> Gen.map PointCloud |> Arb.fromGen
    static member CloudPair() = cloudPair |> Gen.map CloudPair |> Arb.fromGen
    static member SmallEqualSizeCloudPair() = smallEqualSizeCloudPair |> Gen.map SmallEqualSizeCloudPair |> Arb.fromGen
    static member CloudTriple() = cloudTriple |> Gen.map CloudTriple |> Arb.fromGen
    static member ShiftedCloud() = shiftedCloud |> Gen.map ShiftedCloud |> Arb.fromGen
    static member SamplePair1D() = samplePair1D |> Gen.map SamplePair1D |> Arb.fromGen
    static member EqualSizeSamplePair1D() = equalSizeSamplePair1D |> Gen.map EqualSizeSamplePair1D |> Arb.fromGen
    static member WeightedSupport() = weightedSupport |> Gen.map WeightedSupport |> Arb.fromGen
    static member LinearCriticCase() = linearCriticCase |> Gen.map LinearCriticCase |> Arb.fromGen
    static member CriticWeights() = criticWeights |> Gen.map CriticWeights |> Arb.fromGen
    static member Seed() = seed |> Gen.map Seed |> Arb.fromGen
    static member BatchSize() = Gen.choose (2, 16) |> Gen.map BatchSize |> Arb.fromGen
    static member SampleSize() = Gen.choose (1, 64) |> Gen.map SampleSize |> Arb.fromGen
    static member Theta() = theta |> Gen.map Theta |> Arb.fromGen
    static member ClipBound() = clipBound |> Gen.map ClipBound |> Arb.fromGen

// ---------------------------------------------------------------------------------------------------
// Small helpers shared by the tests
// ---------------------------------------------------------------------------------------------------

let norm (v: float[]) = sqrt (Array.sumBy (fun x -> x * x) v)

let dot (w: float[]) (x: float[]) = Array.fold2 (fun acc a b -> acc + a * b) 0.0 w x

/// The largest pairwise Euclidean distance within the union of the clouds (0 for a single point).
let diameter (clouds: float[][] seq) =
    let points = Array.concat clouds
    let mutable largest = 0.0
    for x in points do
        for y in points do
            largest <- max largest (EarthMover.euclidean x y)
    largest

/// `property |@ label`: labels a property so that a failure says what disagreed (FsCheck 3 has Prop.label
/// but no longer this operator). It binds like `=` (tighter than `.&.`), so `a = b |@ "..."` labels the
/// comparison; parenthesise a conjunction to label all of it.
let (|@) (property: 'Testable) (label: string) : Property = Prop.label label property

/// Formats a vector or cloud for a property label.
let show (value: 'a) = sprintf "%A" value

// ---------------------------------------------------------------------------------------------------
// MNIST data and feature sets
// ---------------------------------------------------------------------------------------------------

/// A small set of random 28x28 digits (1 to 8 of them, any grey levels, labels 0-9).
type DigitSet = DigitSet of Wgan.Experiments.Digits

/// Two feature sets [n, d] and [m, d] (n, m in 3..20, d in 1..4), entries in [-10, 10]: inputs of a
/// Frechet distance.
type FeaturePair = FeaturePair of a: float[][] * b: float[][]

let digitSet: Gen<Wgan.Experiments.Digits> =
    gen {
        let! n = Gen.choose (1, 8)
        let! labels = Gen.arrayOfLength n (Gen.choose (0, 9) |> Gen.map byte)
        let! pixels = Gen.arrayOfLength (n * 784) (Gen.choose (0, 255) |> Gen.map byte)
        return ({ Rows = 28; Columns = 28; Labels = labels; Pixels = pixels }: Wgan.Experiments.Digits)
    }

let featurePair: Gen<float[][] * float[][]> =
    gen {
        let! d = Gen.choose (1, 4)
        let! n = Gen.choose (3, 20)
        let! m = Gen.choose (3, 20)
        let! a = cloudOf n d
        let! b = cloudOf m d
        return a, b
    }

/// The MNIST generators as FsCheck arbitraries.
type MnistArbitraries =
    static member DigitSet() = digitSet |> Gen.map DigitSet |> Arb.fromGen
    static member FeaturePair() = featurePair |> Gen.map FeaturePair |> Arb.fromGen
    static member Seed() = seed |> Gen.map Seed |> Arb.fromGen
