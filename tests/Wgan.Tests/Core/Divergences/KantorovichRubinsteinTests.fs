/// Properties of the Kantorovich-Rubinstein dual estimate E_P f - E_Q f (WGAN paper, eq. 2) on float arrays
/// and on tensors of critic scores. (Weak duality against the exact W1 is in EarthMoverTests.)
module Wgan.Tests.KantorovichRubinsteinTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TorchSharp
open Wgan.Core
open Wgan.Tests.Generators
open Wgan.Tests.TestSupport

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``a constant critic estimates 0`` (CloudPair (p, q)) =
    // E_P c - E_Q c = c - c = 0 for every constant c; c taken from the data so it varies.
    let c = p[0][0] * 7.0 + 3.0
    let estimate = KantorovichRubinstein.dualEstimate (fun _ -> c) p q
    abs estimate <= Float64Rounding * (1.0 + abs c) |@ $"constant critic {c} estimates {estimate}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``the estimate is antisymmetric in P and Q`` (LinearCriticCase (w, p, q)) =
    // E_P f - E_Q f = -(E_Q f - E_P f); a - b = -(b - a) holds exactly in IEEE arithmetic.
    let pq = KantorovichRubinstein.dualEstimate (dot w) p q
    let qp = KantorovichRubinstein.dualEstimate (dot w) q p
    pq = -qp |@ $"estimate(p, q) = {pq} but estimate(q, p) = {qp}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``the estimate is linear in the critic`` (LinearCriticCase (w, p, q)) =
    // E_P (2f + 1) - E_Q (2f + 1) = 2 (E_P f - E_Q f): shifting a critic changes nothing, scaling scales.
    let f = dot w
    let estimate = KantorovichRubinstein.dualEstimate f p q
    let affine = KantorovichRubinstein.dualEstimate (fun x -> 2.0 * f x + 1.0) p q
    abs (affine - 2.0 * estimate) <= 4.0 * Float64Rounding * 20.0
    |@ $"estimate of 2f + 1 = {affine}, 2 * estimate of f = {2.0 * estimate}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``the tensor estimate of scores equals the float estimate`` (LinearCriticCase (w, p, q)) =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let f = dot w
    let scores (cloud: float[][]) = torch.tensor(cloud |> Array.map (f >> float32))
    let fromTensor = (KantorovichRubinstein.dualEstimateOfScores (scores p) (scores q)).ReadDouble()
    let reference = KantorovichRubinstein.dualEstimate f p q
    abs (fromTensor - reference) <= Float32Tolerance |@ $"tensor estimate {fromTensor}, float estimate {reference}"

[<Fact>]
let ``the tensor estimate of known scores`` () =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    // mean(1, 2, 3) - mean(0, 4) = 2 - 2 = 0 and mean(5) - mean(1, 2) = 5 - 1.5 = 3.5 (arithmetic).
    let estimate (a: float32[]) (b: float32[]) =
        (KantorovichRubinstein.dualEstimateOfScores (torch.tensor a) (torch.tensor b)).ReadDouble()
    Assert.Equal(0.0, estimate [| 1.0f; 2.0f; 3.0f |] [| 0.0f; 4.0f |], 6)
    Assert.Equal(3.5, estimate [| 5.0f |] [| 1.0f; 2.0f |], 6)

[<Fact>]
let ``dualEstimate rejects empty samples`` () =
    let rejected real fake =
        Assert.Throws<ArgumentException>(fun () -> KantorovichRubinstein.dualEstimate Array.sum real fake |> ignore)
        |> ignore
    rejected [||] [| [| 1.0 |] |]
    rejected [| [| 1.0 |] |] [||]
