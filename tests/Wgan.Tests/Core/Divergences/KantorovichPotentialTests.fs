/// The exact optimal critic (Kantorovich potential) between equal-size clouds, and the structure measure built
/// on it: the assignment's dual is optimal, the potential is 1-Lipschitz and attains W1 (strong
/// Kantorovich-Rubinstein duality), and a function of the radius alone shows no structure.
module Wgan.Tests.KantorovichPotentialTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open Wgan.Core
open Wgan.Tests.Generators

/// Float64 rounding over sums of at most 12 distances of at most MaxDiameter, and the integer solver's rounding
/// (EarthMover.CostResolution) when comparing with it.
let private Tolerance = 1e-9 * MaxDiameter + MaxDiameter / EarthMover.CostResolution

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``the Hungarian assignment's cost is the exact W1 and its dual certifies it`` (CloudTriple (p, q, _)) =
    let cost = Array2D.init p.Length q.Length (fun i j -> EarthMover.euclidean p[i] q[j])
    let dual = KantorovichPotential.assignmentWithDual cost
    let w1 = EarthMover.earthMover p q
    let feasible =
        Seq.forall id (seq {
            for i in 0 .. p.Length - 1 do
                for j in 0 .. q.Length - 1 -> dual.U[i] + dual.V[j] <= cost[i, j] + Tolerance })
    let dualValue = (Array.sum dual.U + Array.sum dual.V) / float p.Length
    (abs (dual.Cost / float p.Length - w1) <= Tolerance |@ $"assignment {dual.Cost / float p.Length}, OR-Tools {w1}")
    .&. (feasible |@ "some u_i + v_j exceeds its cost")
    .&. (abs (dualValue - w1) <= Tolerance |@ $"dual value {dualValue}, W1 {w1}")
    .&. (Array.sort dual.Assignment = Array.init p.Length id |@ "not a permutation")

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``the potential is 1-Lipschitz and its Kantorovich-Rubinstein value is W1`` (CloudTriple (p, q, r)) =
    let f = KantorovichPotential.potential p q
    let points = Array.concat [ p; q; r ]
    let lipschitz =
        Seq.forall id (seq {
            for a in points do
                for b in points -> abs (f.At a - f.At b) <= EarthMover.euclidean a b + Tolerance })
    let value = (p |> Array.averageBy f.At) - (q |> Array.averageBy f.At)
    let w1 = EarthMover.earthMover p q
    (lipschitz |@ "the potential is steeper than 1 somewhere")
    .&. (abs (value - w1) <= Tolerance |@ $"E_p f - E_q f = {value}, W1 = {w1}")

/// Points of the 8 Gaussians (gan_toy.py's centres 2 (cos k 45deg, sin k 45deg), std 0.02, divided by 1.414) and
/// the same points plus N(0, I): WGAN-GP Figure 1a's fixed-generator setting, from a fixed System.Random.
let private eightGaussians (n: int) =
    let random = Random(11)
    let normal () = sqrt (-2.0 * log (1.0 - random.NextDouble())) * cos (2.0 * Math.PI * random.NextDouble())
    let real =
        Array.init n (fun _ ->
            let k = float (random.Next 8) * Math.PI / 4.0
            [| (2.0 * cos k + 0.02 * normal ()) / 1.414; (2.0 * sin k + 0.02 * normal ()) / 1.414 |])
    real, real |> Array.map (fun x -> [| x[0] + normal (); x[1] + normal () |])

[<Fact>]
let ``the potential's own structure scores 1 and a radial function's about 0`` () =
    let real, fake = eightGaussians 256
    let f = KantorovichPotential.potential real fake
    let at = Array.append real fake
    let optimal = at |> Array.map f.At
    Assert.Equal(1.0, KantorovichPotential.structureCorrelation 16 at optimal optimal, 12)
    // An increasing affine map of the potential keeps its structure.
    let affine = optimal |> Array.map (fun v -> 3.0 * v - 1.0)
    Assert.Equal(1.0, KantorovichPotential.structureCorrelation 16 at affine optimal, 12)
    // A function of the radius alone: its residuals are only the bins' widths, uncorrelated with the potential's.
    let radial = at |> Array.map (fun z -> -(z[0] * z[0] + z[1] * z[1]))
    let score = KantorovichPotential.structureCorrelation 16 at radial optimal
    Assert.True(abs score < 0.15, $"a radial function scored {score}")
    // The potential plus a radial function keeps nearly all of its structure; noise of about its own spread
    // keeps part of it (measured: 0.99 and 0.44 on these points).
    let mixed = Array.map2 (fun o r -> o + 0.5 * r) optimal radial
    Assert.True(KantorovichPotential.structureCorrelation 16 at mixed optimal > 0.9)

[<Fact>]
let ``a radial critic captures the radii's 1-D W1, no more than the exact W1`` () =
    let real, fake = eightGaussians 256
    let radial = KantorovichPotential.radialEarthMover real fake
    let exact = (KantorovichPotential.potential real fake).EarthMover
    Assert.True(radial > 0.0 && radial <= exact + 1e-9, $"radial {radial}, exact {exact}")
    // The radial critic g(||z||) with g the 1-D potential is 1-Lipschitz, so weak duality bounds it by W1;
    // on this setting it captures most of it (issue 16 measured 0.83 to 0.88 with trained evaluation samples).
    Assert.InRange(radial / exact, 0.5, 1.0)

/// The sorted 1-D potential against the Hungarian one. An optimal dual is not unique: on the line any optimal
/// critic has slope sign(F_fake - F_real) wherever the two empirical CDFs differ (KantorovichPotential.potential1D)
/// and a free slope where they agree. So the two must certify the same W1, both be optimal duals of the same
/// assignment problem (complementary slackness on the Hungarian assignment), and rise or fall by the same amount
/// between consecutive merged points wherever the CDFs differ.
[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``the sorted 1-D potential is an exact optimal dual: it agrees with the Hungarian one wherever the CDFs differ``
    (EqualSizeSamplePair1D (p, q))
    =
    let sorted = KantorovichPotential.potential1D p q
    let asPoints = Array.map (fun (x: float) -> [| x |])
    let hungarian = KantorovichPotential.potential (asPoints p) (asPoints q)
    let fs, fh = (fun (x: float) -> sorted.At [| x |]), (fun (x: float) -> hungarian.At [| x |])
    let n = p.Length
    // Float64 rounding over sums of at most 2n gaps of at most 2 CoordinateBound.
    let tol = 1e-9 * float (4 * n) * CoordinateBound
    let cost = Array2D.init n n (fun i j -> abs (p[i] - q[j]))
    let assignment = (KantorovichPotential.assignmentWithDual cost).Assignment
    let slack = Array.init n (fun i -> abs (fs p[i] - fs q[assignment[i]] - cost[i, assignment[i]])) |> Array.max
    let lipschitz =
        Seq.forall id (seq {
            for a in Array.append p q do
                for b in Array.append p q -> abs (fs a - fs b) <= abs (a - b) + tol })
    let value = (p |> Array.averageBy fs) - (q |> Array.averageBy fs)
    // Consecutive distinct merged points a < b with the CDFs unequal on [a, b): the increments must agree.
    let merged = Array.append p q |> Array.distinct |> Array.sort
    let atOrBelow (s: float) (sample: float[]) = sample |> Array.filter (fun x -> x <= s) |> Array.length
    let cdfGap (s: float) = atOrBelow s p - atOrBelow s q
    let increments =
        merged
        |> Array.pairwise
        |> Array.filter (fun (a, _) -> cdfGap a <> 0)
        |> Array.map (fun (a, b) -> abs ((fs b - fs a) - (fh b - fh a)))
        |> Array.fold max 0.0
    (abs (sorted.EarthMover - hungarian.EarthMover) <= tol
     |@ $"sorted W1 {sorted.EarthMover}, Hungarian {hungarian.EarthMover}")
    .&. (abs (value - hungarian.EarthMover) <= tol |@ $"E_p f - E_q f = {value}, W1 = {hungarian.EarthMover}")
    .&. (slack <= tol |@ $"f(x_i) - f(y_sigma(i)) misses |x_i - y_sigma(i)| by {slack} on the Hungarian assignment")
    .&. (lipschitz |@ "the sorted potential is steeper than 1 somewhere")
    .&. (increments <= tol |@ $"the potentials' increments differ by {increments} where the CDFs differ")

[<Fact>]
let ``the sorted 1-D potential of a hand-worked case`` () =
    // real {0, 3}, fake {1, 2}: sorted pairs (0, 1) and (3, 2), W1 = (1 + 1) / 2 = 1. F_real - F_fake is +1/2 on
    // [0, 1), 0 on [1, 2), -1/2 on [2, 3): f falls by 1 to x = 1, stays flat to 2 (the CDFs agree, the slope is
    // free), rises by 1 to 3: f = 0, -1, -1, 0 at 0, 1, 2, 3, so E_real f - E_fake f = 0 - (-1) = 1 = W1.
    let f = KantorovichPotential.potential1D [| 3.0; 0.0 |] [| 2.0; 1.0 |]
    Assert.Equal(1.0, f.EarthMover, 12)
    Assert.Equal<float list>([ 0.0; -1.0; -1.0; 0.0; 1.0 ], [ for x in [ 0.0; 1.0; 2.0; 3.0; 4.0 ] -> f.At [| x |] ])
