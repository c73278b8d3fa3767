/// WGAN paper, Example 1 and Figure 1: P0 = {0} x U[0,1] against P_theta = {theta} x U[0,1]. The closed-form
/// divergences, the sampler, and the exact W1 between samples against the closed form W = |theta|.
module Wgan.Tests.ParallelLinesTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TorchSharp
open Wgan.Core
open Wgan.Tests.Generators
open Wgan.Tests.TestSupport

/// At n = 256 the exact W1 between samples exceeds |theta| by at most the 1-D W1 between two samples of
/// U[0,1] (the vertical part), whose expectation is about 0.6 / sqrt(n) ~ 0.04; 0.1 is the brief's bar.
let LargeSampleGap = 0.1

// ---------------------------------------------------------------------------------------------------
// Closed forms (WGAN Example 1)
// ---------------------------------------------------------------------------------------------------

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``closed forms of Example 1`` (Theta theta) =
    // WGAN Example 1: W = |theta|; for theta <> 0, JS = log 2, KL = +infinity, TV = 1; all 0 at theta = 0.
    let w = ParallelLines.earthMover theta
    let js = ParallelLines.jensenShannon theta
    let kl = ParallelLines.kullbackLeibler theta
    let tv = ParallelLines.totalVariation theta
    let expected = if theta = 0.0 then (0.0, 0.0, 0.0) else (log 2.0, infinity, 1.0)
    ((w = abs theta |@ $"W = {w}, expected |theta| = {abs theta}")
     .&. ((js, kl, tv) = expected |@ $"(JS, KL, TV) = {(js, kl, tv)}, expected {expected}"))
    |@ $"theta = {theta}"

[<Fact>]
let ``only W is continuous at theta = 0`` () =
    // WGAN Example 1 / Figure 1: as theta -> 0, W -> 0 but JS stays log 2, KL +infinity, TV 1.
    let small = 1e-9
    Assert.Equal(small, ParallelLines.earthMover small)
    Assert.Equal(small, ParallelLines.earthMover -small)
    Assert.Equal(log 2.0, ParallelLines.jensenShannon small)
    Assert.Equal(infinity, ParallelLines.kullbackLeibler -small)
    Assert.Equal(1.0, ParallelLines.totalVariation small)
    Assert.Equal(0.0, ParallelLines.jensenShannon 0.0)
    Assert.Equal(0.0, ParallelLines.kullbackLeibler 0.0)
    Assert.Equal(0.0, ParallelLines.totalVariation 0.0)

// ---------------------------------------------------------------------------------------------------
// The sampler
// ---------------------------------------------------------------------------------------------------

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 50)>]
let ``sample has shape n x 2, first column theta, second in 0 to 1`` (Theta theta) (Seed seed) (SampleSize n) =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use generator = new torch.Generator(uint64 seed)
    let samples = ParallelLines.sample theta n generator
    let points = rows samples
    // The sampler stores theta in float32: the first column is exactly float32 theta.
    let theta32 = float (float32 theta)
    (samples.shape = [| int64 n; 2L |] |@ $"shape %A{samples.shape}, expected [{n}, 2]")
    .&. (points |> Array.forall (fun x -> x[0] = theta32)
         |@ $"first column {show (Array.map Array.head points)} <> {theta32}")
    .&. (points |> Array.forall (fun x -> x[1] >= 0.0 && x[1] < 1.0)
         |@ $"second column {show (Array.map (fun (x: float[]) -> x[1]) points)} not in [0, 1)")

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 30)>]
let ``sample is deterministic for a seed and differs across seeds`` (Theta theta) (Seed seed) =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let draw (s: int64) =
        use generator = new torch.Generator(uint64 s)
        ParallelLines.sample theta 16 generator
    let first, again, other = draw seed, draw seed, draw (seed + 1L)
    (first.eq(again).all().ReadBoolean() |@ "two draws with the same seed differ")
    .&. (not (first.eq(other).all().ReadBoolean()) |@ $"seeds {seed} and {seed + 1L} gave the same 16 samples")

// ---------------------------------------------------------------------------------------------------
// The exact W1 between samples against the closed form
// ---------------------------------------------------------------------------------------------------

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 30)>]
let ``exact W1 between samples is at least |theta|`` (Theta theta) (Seed seed) (SampleSize n) =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use generator = new torch.Generator(uint64 seed)
    let p0 = ParallelLines.sample 0.0 n generator |> rows
    let pTheta = ParallelLines.sample theta n generator |> rows
    let exact = EarthMover.earthMover p0 pTheta
    let horizontal = abs (float (float32 theta))
    // Every transport plan moves each unit of mass at least |theta| horizontally: W1 >= |theta| up to the float64
    // rounding of the distances and their mean (64 terms <= 6).
    exact >= horizontal - Float64Rounding |@ $"W1 between samples = {exact} < |theta| = {horizontal} (n = {n})"

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 4)>]
let ``exact W1 between 256 samples is within 0.1 of |theta|`` (Theta theta) (Seed seed) =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let n = 256
    use generator = new torch.Generator(uint64 seed)
    let p0 = ParallelLines.sample 0.0 n generator |> rows
    let pTheta = ParallelLines.sample theta n generator |> rows
    let exact = EarthMover.earthMover p0 pTheta
    let closedForm = abs (float (float32 theta))
    (exact >= closedForm - Float64Rounding && exact <= closedForm + LargeSampleGap)
    |@ $"W1 between {n} samples = {exact}, closed form |theta| = {closedForm} (theta = {theta}, seed = {seed})"

[<Fact>]
let ``the sample estimate of W approaches |theta| as n grows`` () =
    // Averaged over seeds, the excess W1(samples) - |theta| shrinks from n = 8 to n = 128 (it is O(1/sqrt n)).
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let theta = 0.5
    let excess n =
        [ 1UL .. 5UL ]
        |> List.averageBy (fun seed ->
            use generator = new torch.Generator(seed)
            let p0 = ParallelLines.sample 0.0 n generator |> rows
            let pTheta = ParallelLines.sample theta n generator |> rows
            EarthMover.earthMover p0 pTheta - theta)
    let small, large = excess 8, excess 128
    Assert.True(large < small, $"excess at n = 128 ({large}) is not below the excess at n = 8 ({small})")
    Assert.True(large < LargeSampleGap, $"excess at n = 128 is {large}")
