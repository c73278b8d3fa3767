/// The Frechet distance between Gaussians fitted to feature sets: closed forms, identity, symmetry, and a
/// reference computed another way (eigenvalues of S1 S2 with MathNet) as the oracle.
[<Xunit.Collection(Wgan.Tests.MnistTestData.Collection)>]
module Wgan.Tests.FrechetDistanceTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open MathNet.Numerics.LinearAlgebra
open TorchSharp
open Wgan.Core
open Wgan.Tests.Generators

/// float64 linear algebra on covariances of entries up to 10 in dimension <= 4 (traces up to ~400): the
/// tensor and MathNet routes agree to this absolute + relative tolerance.
let FrechetTolerance = 1e-7

let private matrix (rows: float[][]) =
    torch.tensor(Array.concat rows, dtype = torch.float64).reshape(int64 rows.Length, int64 rows[0].Length)

/// The reference: d^2 = ||mu1 - mu2||^2 + tr S1 + tr S2 - 2 sum sqrt(eig(S1 S2)), where S1 S2 (similar to the
/// PSD S1^1/2 S2 S1^1/2) has real non-negative eigenvalues; numpy.cov's unbiased covariance.
let private reference (a: float[][]) (b: float[][]) =
    let stats (x: float[][]) =
        let m = Matrix<float>.Build.DenseOfRowArrays x
        let mu = m.ColumnSums() / float x.Length
        let centred = m - Matrix<float>.Build.DenseOfRowVectors(Array.create x.Length mu)
        mu, centred.TransposeThisAndMultiply(centred) / float (x.Length - 1)
    let mu1, s1 = stats a
    let mu2, s2 = stats b
    let eigen = (s1 * s2).Evd().EigenValues
    let traceSqrt = eigen |> Seq.sumBy (fun z -> sqrt (max 0.0 z.Real))
    (mu1 - mu2).DotProduct(mu1 - mu2) + s1.Trace() + s2.Trace() - 2.0 * traceSqrt

[<Property(Arbitrary = [| typeof<MnistArbitraries> |])>]
let ``agrees with the reference computed from eig(S1 S2)`` (FeaturePair (a, b)) =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let actual = FrechetDistance.ofFeatures (matrix a) (matrix b)
    let expected = max 0.0 (reference a b)
    abs (actual - expected) <= FrechetTolerance * (1.0 + abs expected) |@ $"tensor {actual}, reference {expected}"

[<Property(Arbitrary = [| typeof<MnistArbitraries> |])>]
let ``is symmetric and zero between a set and itself`` (FeaturePair (a, b)) =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let ab = FrechetDistance.ofFeatures (matrix a) (matrix b)
    let ba = FrechetDistance.ofFeatures (matrix b) (matrix a)
    let aa = FrechetDistance.ofFeatures (matrix a) (matrix a)
    (abs (ab - ba) <= FrechetTolerance * (1.0 + ab) |@ $"d(a, b) = {ab}, d(b, a) = {ba}")
    .&. (aa <= FrechetTolerance * (1.0 + ab) |@ $"d(a, a) = {aa}")

[<Fact>]
let ``between diagonal Gaussians it is the sum of squared mean and standard deviation gaps`` () =
    // Closed form for commuting covariances (Dowson & Landau 1982):
    // d^2 = ||mu1 - mu2||^2 + sum_i (sigma1_i - sigma2_i)^2. Here (0, 0), diag(1, 4) vs (3, -1), diag(9, 1):
    // 9 + 1 + (1 - 3)^2 + (2 - 1)^2 = 15.
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let vector (xs: float list) = torch.tensor(Array.ofList xs, dtype = torch.float64)
    let diagonal (xs: float list) = torch.diag(vector xs)
    let first = vector [ 0.0; 0.0 ], diagonal [ 1.0; 4.0 ]
    let second = vector [ 3.0; -1.0 ], diagonal [ 9.0; 1.0 ]
    let d = FrechetDistance.ofGaussians first second
    Assert.Equal(15.0, d, 10)

[<Fact>]
let ``the covariance is numpy's unbiased one`` () =
    // Rows (0, 0), (2, 0), (0, 4): mean (2/3, 4/3); numpy.cov(rowvar=False) = [[4/3, -4/3], [-4/3, 16/3]].
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let mu, s = FrechetDistance.meanAndCovariance (matrix [| [| 0.0; 0.0 |]; [| 2.0; 0.0 |]; [| 0.0; 4.0 |] |])
    let v (t: torch.Tensor) = t.contiguous().data<float>().ToArray()
    Array.iter2 (fun (e: float) (x: float) -> Assert.Equal(e, x, 12)) [| 2.0 / 3.0; 4.0 / 3.0 |] (v mu)
    let expected = [| 4.0 / 3.0; -4.0 / 3.0; -4.0 / 3.0; 16.0 / 3.0 |]
    Array.iter2 (fun (e: float) (x: float) -> Assert.Equal(e, x, 12)) expected (v s)
