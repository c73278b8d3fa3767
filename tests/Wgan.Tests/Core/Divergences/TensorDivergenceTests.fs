/// The tensor divergences of `TensorDivergence` against their float-array oracles (`Divergence`,
/// `EarthMover.earthMover1D`), on float32 tensors.
module Wgan.Tests.TensorDivergenceTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TorchSharp
open Wgan.Core
open Wgan.Tests.Generators

/// float32 carries 24 bits (relative rounding 2^-24 ~ 6e-8). The largest quantities summed here are the
/// KL terms p |log q| <= 17 (q >= ~1e-7 after normalising draws of at least 1e-6) and 1-D gaps <= 20, over
/// at most 12 terms: accumulated rounding stays below ~1e-5. 1e-4 (relative above 1) leaves a margin.
let Float32Tolerance = 1e-4

/// The inputs rounded to float32, then read back as float64: the oracle sees exactly what the tensor sees.
let private asFloat32 (v: float[]) = v |> Array.map float32
let private widen (v: float32[]) = v |> Array.map float

let private agree (name: string) (reference: float) (actual: float) =
    let ok =
        if Double.IsPositiveInfinity reference then Double.IsPositiveInfinity actual
        else abs (actual - reference) <= Float32Tolerance * max 1.0 (abs reference)
    ok |@ $"{name}: tensor {actual}, float reference {reference}"

/// Runs a tensor divergence on two float32 vectors and reads the scalar result.
let private onTensors (divergence: torch.Tensor -> torch.Tensor -> torch.Tensor) (p: float32[]) (q: float32[]) =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    (divergence (torch.tensor p) (torch.tensor q)).ReadDouble()

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``tensor KL, JS and TV equal the float references`` (ProbabilityPair (p, q)) =
    let p32, q32 = asFloat32 p, asFloat32 q
    let p64, q64 = widen p32, widen q32
    ((agree "KL" (Divergence.kullbackLeibler p64 q64) (onTensors TensorDivergence.kullbackLeibler p32 q32))
     .&. (agree "JS" (Divergence.jensenShannon p64 q64) (onTensors TensorDivergence.jensenShannon p32 q32))
     .&. (agree "TV" (Divergence.totalVariation p64 q64) (onTensors TensorDivergence.totalVariation p32 q32)))
    |@ $"p = {show p}, q = {show q}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``tensor KL is +infinity where q misses p's support, like the reference`` (MissingSupportPair (p, q, missing)) =
    let p32, q32 = asFloat32 p, asFloat32 q
    let reference = Divergence.kullbackLeibler (widen p32) (widen q32)
    let tensor = onTensors TensorDivergence.kullbackLeibler p32 q32
    ((Double.IsPositiveInfinity reference |@ $"reference KL = {reference}")
     .&. (Double.IsPositiveInfinity tensor |@ $"tensor KL = {tensor}"))
    |@ $"p[{missing}] = {p[missing]} > 0 = q[{missing}]; p = {show p}, q = {show q}"

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``tensor JS is log 2 and TV is 1 on disjoint supports`` (DisjointPair (p, q)) =
    // Closed forms for disjoint supports (see DivergenceTests): JS = log 2, TV = 1.
    let p32, q32 = asFloat32 p, asFloat32 q
    (agree "JS" (log 2.0) (onTensors TensorDivergence.jensenShannon p32 q32))
    .&. (agree "TV" 1.0 (onTensors TensorDivergence.totalVariation p32 q32))

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``tensor divergences work row by row over the last dimension`` (ProbabilityPair (p, q)) =
    // A batch [[p]; [q]] against [[q]; [p]] gives [D(p, q); D(q, p)].
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let p32, q32 = asFloat32 p, asFloat32 q
    let p64, q64 = widen p32, widen q32
    let first = torch.stack([| torch.tensor p32; torch.tensor q32 |])
    let second = torch.stack([| torch.tensor q32; torch.tensor p32 |])
    let rows (divergence: torch.Tensor -> torch.Tensor -> torch.Tensor) =
        let result = divergence first second
        result.shape, result.to_type(torch.float64).data<float>().ToArray()
    let check name divergence (reference: float[] -> float[] -> float) =
        let shape, values = rows divergence
        if shape <> [| 2L |] then false |@ $"{name}: result shape %A{shape}, expected [2]"
        else
            (agree $"{name} row 0" (reference p64 q64) values[0])
            .&. (agree $"{name} row 1" (reference q64 p64) values[1])
    check "KL" TensorDivergence.kullbackLeibler Divergence.kullbackLeibler
    .&. check "JS" TensorDivergence.jensenShannon Divergence.jensenShannon
    .&. check "TV" TensorDivergence.totalVariation Divergence.totalVariation

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``tensor earthMover1D equals the float reference`` (EqualSizeSamplePair1D (p, q)) =
    let p32, q32 = asFloat32 p, asFloat32 q
    agree "W1 (1-D)" (EarthMover.earthMover1D (widen p32) (widen q32)) (onTensors TensorDivergence.earthMover1D p32 q32)
    |@ $"p = {show p32}, q = {show q32}"

[<Fact>]
let ``tensor earthMover1D rejects samples of different lengths`` () =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    Assert.Throws<ArgumentException>(fun () ->
        TensorDivergence.earthMover1D (torch.tensor [| 0.0f; 1.0f |]) (torch.tensor [| 0.0f |]) |> ignore) |> ignore
