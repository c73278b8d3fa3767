/// WGAN-GP Proposition 1 on the exact optimal critic: on the segment between a generated point and the real point the
/// optimal coupling pairs it with, the Kantorovich potential rises at unit rate towards the real point and its gradient
/// points along the segment; and the measurement of directions on a hand-made critic whose gradient field is known.
module Wgan.Tests.TransportLinesTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open Wgan.Core
open Wgan.Tests.Generators

/// Float64 rounding over the assignment's sums of at most 12 distances of at most MaxDiameter.
let private Tolerance = 1e-9 * MaxDiameter

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``on coupled segments the exact potential's difference quotient is 1 and its gradient points to the real end``
    (CloudTriple (real, fake, _)) =
    let potential = KantorovichPotential.potential real fake
    let pairing = TransportLines.optimalPairing fake real
    let random = System.Random(fake.Length)
    let checks =
        [ for i in 0 .. fake.Length - 1 do
              let x, y = fake[i], real[pairing[i]]
              let length = EarthMover.euclidean x y
              if length > Tolerance then
                  // Proposition 1: f(y) - f(x) = ||y - x|| on a pair of the optimal coupling (strong duality).
                  let quotient = (potential.At y - potential.At x) / length
                  yield abs (quotient - 1.0) <= Tolerance / length |@ $"pair {i}: difference quotient {quotient}"
                  // Inside the segment the potential rises at unit rate from x (the difference quotient along the
                  // segment is 1), so its gradient, where it has one, is the unit vector towards y. On the line
                  // (dimension 1) other fake points tie with x on whole segments and the measured minimiser may be
                  // one of them, with the same slope; in the plane and above a tie has probability 0.
                  let line = TransportLines.pointOn x y (0.05 + 0.9 * random.NextDouble())
                  let along = potential.At x + EarthMover.euclidean line.Point x
                  yield
                      abs (potential.At line.Point - along) <= Tolerance
                      |@ $"pair {i}: f(x_t) is not f(x) + |x_t - x|"
                  let cosine = TransportLines.cosine (potential.GradientAt line.Point) line.Towards
                  yield (x.Length = 1 || abs (cosine - 1.0) <= 1e-9) |@ $"pair {i}: cosine {cosine}" ]
    checks |> List.fold (.&.) (true |@ "no segment")

[<Fact>]
let ``directions measured on a critic with a known field: f(z) = -||z - c|| points to c`` () =
    // The gradient of -||z - c|| is (c - z) / ||c - z||: on every segment ending at c it points towards c
    // (cosine 1), and on a segment ending elsewhere it does not.
    let c = [| 1.0; 2.0 |]
    let gradient (z: float[]) =
        let d = EarthMover.euclidean z c
        Array.map2 (fun a b -> (b - a) / d) z c
    for x in [ [| -3.0; 0.5 |]; [| 4.0; -1.0 |]; [| 0.0; 7.0 |] ] do
        for t in [ 0.1; 0.5; 0.9 ] do
            let towardsC = TransportLines.pointOn x c t
            Assert.Equal(1.0, TransportLines.cosine (gradient towardsC.Point) towardsC.Towards, 12)
            // The point x_t = t x + (1 - t) c lies 1 - t of the way back from c.
            Assert.Equal(t * x[0] + (1.0 - t) * c[0], towardsC.Point[0], 12)
    // A segment from (-3, 0.5) to (1, -2) instead: the angle between its direction and the way to c at its midpoint.
    let elsewhere = TransportLines.pointOn [| -3.0; 0.5 |] [| 1.0; -2.0 |] 0.5
    let cosine = TransportLines.cosine (gradient elsewhere.Point) elsewhere.Towards
    // Midpoint (-1, -0.75): the way to c is (2, 2.75), the segment's direction (4, -2.5); cos = (8 - 6.875) / (3.400
    // x 4.717) = 0.0702.
    Assert.Equal(0.0702, cosine, 3)

[<Fact>]
let ``the optimal pairing is the minimum-cost assignment`` () =
    // Two points on a line each: crossing pairs cost 2 x 3 = 6, the straight ones 1 + 1 = 2.
    let fake = [| [| 0.0 |]; [| 2.0 |] |]
    let real = [| [| 1.0 |]; [| 3.0 |] |]
    Assert.Equal<int[]>([| 0; 1 |], TransportLines.optimalPairing fake real)
    Assert.True(System.Double.IsNaN(TransportLines.cosine [| 0.0; 0.0 |] [| 1.0; 0.0 |]))
