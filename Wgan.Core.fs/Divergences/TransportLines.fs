/// The lines of WGAN-GP Proposition 1: for the optimal coupling pi between Pr and Pg and (x, y) ~ pi (x generated,
/// y real), the optimal critic's gradient at every point x_t = t x + (1 - t) y of the segment is the unit vector
/// (y - x_t) / ||y - x_t|| pointing along the segment towards y. The penalty of WGAN-GP asks for unit gradients on
/// segments between independent pairs; the proposition speaks of coupled ones. Pure functions of point arrays.
module Wgan.Core.TransportLines

/// A point on the segment between a generated point and a real one.
type LinePoint =
    { /// x_t = t x + (1 - t) y.
      Point: float[]
      /// (y - x_t) / ||y - x_t||: the direction the optimal critic's gradient takes there (Proposition 1).
      Towards: float[] }

/// The point x_t = t x + (1 - t) y of the segment from `fake` (x, t = 1) to `real` (y, t = 0) and the unit direction
/// towards `real`; `t` in [0, 1). At t = 1 the direction is that of the whole segment.
let pointOn (fake: float[]) (real: float[]) (t: float) : LinePoint =
    let point = Array.map2 (fun x y -> t * x + (1.0 - t) * y) fake real
    let length = EarthMover.euclidean real fake
    { Point = point
      Towards =
        if length = 0.0 then Array.zeroCreate fake.Length
        else Array.map2 (fun y x -> (y - x) / length) real fake }

/// The points of the segments between each generated point `fake[i]` and the real point `real[pairing[i]]`, at `t[i]`.
let pointsOn (fake: float[][]) (real: float[][]) (pairing: int[]) (t: float[]) : LinePoint[] =
    Array.init fake.Length (fun i -> pointOn fake[i] real[pairing[i]] t[i])

/// The optimal coupling of two equal-size uniform clouds: `pairing[i]` is the real point coupled to `fake[i]` (the
/// minimum-cost assignment under Euclidean cost, exact; KantorovichPotential.assignmentWithDual).
let optimalPairing (fake: float[][]) (real: float[][]) : int[] =
    let cost = Array2D.init fake.Length real.Length (fun i j -> EarthMover.euclidean fake[i] real[j])
    (KantorovichPotential.assignmentWithDual cost).Assignment

/// The Euclidean norm of a vector.
let norm (v: float[]) = sqrt (Array.sumBy (fun c -> c * c) v)

/// The cosine of the angle between two vectors; NaN when either is zero.
let cosine (a: float[]) (b: float[]) =
    let na, nb = norm a, norm b
    if na = 0.0 || nb = 0.0 then nan else Array.fold2 (fun s x y -> s + x * y) 0.0 a b / (na * nb)
