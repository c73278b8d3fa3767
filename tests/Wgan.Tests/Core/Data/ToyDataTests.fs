/// The toy data sets of the WGAN-GP paper (gan_toy.py): the authors' constants, where samples fall, their
/// first two moments against closed forms, and determinism per seed.
module Wgan.Tests.ToyDataTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Tests.Generators

/// A 2-D isotropic Gaussian's radius exceeds 7 standard deviations with probability exp(-49/2) ~ 2e-11:
/// "within 7 sigma of a centre" never fails by chance over the properties' few thousand samples.
let NoiseRadiusInSigmas = 7.0

/// Samples per property case: enough to hit every mode, small enough to stay fast.
let SamplesPerCase = 256

/// Samples for the moment checks.
let MomentSamples = 20_000

let private rows (t: torch.Tensor) : float[][] =
    let values = t.detach().cpu().to_type(torch.float64).contiguous().data<float>().ToArray()
    Array.init (values.Length / 2) (fun i -> [| values[2 * i]; values[2 * i + 1] |])

let private draw (sampler: int -> torch.Generator -> torch.Tensor) (n: int) (seed: int64) =
    TestSupport.pinThreads ()
    use generator = new torch.Generator(uint64 seed)
    use samples = sampler n generator
    rows samples

let private distanceToNearest (centres: (float * float)[]) (p: float[]) =
    centres |> Array.map (fun (x, y) -> sqrt ((p[0] - x) ** 2.0 + (p[1] - y) ** 2.0)) |> Array.min

/// The centre nearest to `p`.
let private nearestCentre (centres: (float * float)[]) (p: float[]) =
    centres |> Array.minBy (fun (x, y) -> (p[0] - x) ** 2.0 + (p[1] - y) ** 2.0)

// ---------------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------------

[<Fact>]
let ``8 Gaussians centres lie at radius 2 / 1.414, 45 degrees apart`` () =
    // gan_toy.py: centers = [(1, 0), (-1, 0), (0, 1), (0, -1), (1/sqrt2, 1/sqrt2), ...] scaled by 2, then
    // the whole data set is divided by 1.414: radius 2 / 1.414 = 1.41442715700141...
    let radius = 2.0 / 1.414
    Assert.Equal(8, eightGaussiansCentres.Length)
    eightGaussiansCentres
    |> Array.iteri (fun k (x, y) ->
        Assert.Equal(radius, sqrt (x * x + y * y), 12)
        let degrees = (atan2 y x * 180.0 / Math.PI + 360.0) % 360.0
        Assert.Equal(45.0 * float k, degrees, 9))
    // The first centre is (2 / 1.414, 0) exactly as gan_toy.py computes it.
    Assert.Equal((1.4144271570014144, 0.0), eightGaussiansCentres[0])

[<Fact>]
let ``25 Gaussians centres form the grid (2i, 2j) / 2.828`` () =
    // gan_toy.py: for i in range(-2, 3): for j in range(-2, 3): point = (2i, 2j) + noise; dataset /= 2.828.
    let expected = set [ for i in -2 .. 2 do for j in -2 .. 2 -> 2.0 * float i / 2.828, 2.0 * float j / 2.828 ]
    Assert.Equal<Set<float * float>>(expected, set twentyFiveGaussiansCentres)
    // Outermost coordinate 4 / 2.828 = 1.41442715700141..., spacing 2 / 2.828 = 0.70721357850070...
    Assert.Equal(4.0 / 2.828, twentyFiveGaussiansCentres |> Array.map fst |> Array.max, 15)
    Assert.Equal(1.4144271570014144, 4.0 / 2.828, 15)

[<Fact>]
let ``the constants are the authors'`` () =
    // gan_toy.py: 8 Gaussians std 0.02, / 1.414; 25 Gaussians std 0.05, / 2.828; make_swiss_roll noise 0.25,
    // / 7.5.
    Assert.Equal(0.02, EightGaussiansStd)
    Assert.Equal(1.414, EightGaussiansDivisor)
    Assert.Equal(0.05, TwentyFiveGaussiansStd)
    Assert.Equal(2.828, TwentyFiveGaussiansDivisor)
    Assert.Equal(0.25, SwissRollNoise)
    Assert.Equal(7.5, SwissRollDivisor)
    Assert.Equal<string list>(
        [ "8gaussians"; "25gaussians"; "swissroll" ], [ EightGaussians.Name; TwentyFiveGaussians.Name; SwissRoll.Name ])

// ---------------------------------------------------------------------------------------------------
// Where samples fall
// ---------------------------------------------------------------------------------------------------

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 30)>]
let ``8 Gaussians samples lie within 7 sigma of a centre and cover all 8`` (Seed seed) =
    let sigma = EightGaussiansStd / EightGaussiansDivisor
    let samples = draw eightGaussians SamplesPerCase seed
    let far =
        samples |> Array.filter (fun p -> distanceToNearest eightGaussiansCentres p > NoiseRadiusInSigmas * sigma)
    let modes = samples |> Array.map (nearestCentre eightGaussiansCentres) |> Array.distinct
    // 256 draws miss one of 8 equally likely centres with probability 8 (7/8)^256 ~ 1e-14.
    (far.Length = 0 |@ $"samples farther than 7 sigma from every centre: {show far}")
    .&. (modes.Length = 8 |@ $"only {modes.Length} of the 8 centres were drawn")

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 30)>]
let ``25 Gaussians samples lie within 7 sigma of a centre`` (Seed seed) =
    let sigma = TwentyFiveGaussiansStd / TwentyFiveGaussiansDivisor
    let samples = draw twentyFiveGaussians SamplesPerCase seed
    let far =
        samples |> Array.filter (fun p -> distanceToNearest twentyFiveGaussiansCentres p > NoiseRadiusInSigmas * sigma)
    far.Length = 0 |@ $"samples farther than 7 sigma from every centre: {show far}"

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 20)>]
let ``Swiss Roll samples lie within 7 sigma of the spiral (t cos t, t sin t) / 7.5, t in 1.5 pi .. 4.5 pi``
    (Seed seed)
    =
    // sklearn make_swiss_roll: t = 1.5 pi (1 + 2 U[0,1]); (x, z) = (t cos t, t sin t) + N(0, 0.25^2 I);
    // gan_toy.py divides by 7.5. The spiral is traced at steps of 1e-3 in t (chord <= 0.015 before the
    // division), so the distance to it is overestimated by at most 0.0075.
    let ts = Array.init 9426 (fun k -> 1.5 * Math.PI + float k * 1e-3)
    let spiral = ts |> Array.map (fun t -> t * cos t, t * sin t)
    let samples = draw swissRoll 64 seed
    let limit = NoiseRadiusInSigmas * SwissRollNoise + 0.0075
    let undivided (p: float[]) = [| p[0] * SwissRollDivisor; p[1] * SwissRollDivisor |]
    let far = samples |> Array.filter (fun p -> distanceToNearest spiral (undivided p) > limit)
    far.Length = 0 |@ $"samples farther than {limit} from the spiral (before / 7.5): {show far}"

// ---------------------------------------------------------------------------------------------------
// Moments against closed forms
// ---------------------------------------------------------------------------------------------------

let private mean (xs: float[]) = Array.average xs
let private variance (xs: float[]) = let m = mean xs in xs |> Array.averageBy (fun x -> (x - m) ** 2.0)

[<Fact>]
let ``8 Gaussians and the fixed generator have the closed-form mean and variance`` () =
    // Per coordinate: centre r cos(theta), theta uniform on 8 angles, has mean 0 and variance r^2 / 2
    // (sum of cos^2 over the 8 angles is 4), plus the noise variance sigma^2, r = 2 / 1.414,
    // sigma = 0.02 / 1.414: 1.000311 + 0.0002 = 1.000511. The fixed generator Pr + N(0, I) adds 1.
    // Tolerances: the sample variance of 20,000 draws has standard deviation ~ var sqrt(2 / n) <= 0.02
    // (bounded kurtosis), the mean ~ sqrt(var / n) <= 0.01: 0.1 and 0.05 are 5 of them.
    let r, sigma = 2.0 / 1.414, 0.02 / 1.414
    let expected = r * r / 2.0 + sigma * sigma
    let real = draw eightGaussians MomentSamples 7L
    let noisy = draw (noisyCopy EightGaussians 1.0) MomentSamples 8L
    for k in 0 .. 1 do
        let column (ps: float[][]) = ps |> Array.map (fun p -> p[k])
        Assert.InRange(mean (column real), -0.05, 0.05)
        Assert.InRange(variance (column real), expected - 0.1, expected + 0.1)
        Assert.InRange(mean (column noisy), -0.05, 0.05)
        Assert.InRange(variance (column noisy), expected + 1.0 - 0.1, expected + 1.0 + 0.1)

[<Fact>]
let ``Swiss Roll has the closed-form mean radius`` () =
    // t ~ U[1.5 pi, 4.5 pi] has mean 3 pi; the noise moves the radius by ~ sigma^2 / (2 t) <= 0.007 on average.
    // 7.5 E||x|| ~ 3 pi = 9.42478; the mean of 20,000 radii has standard deviation ~ (3 pi / sqrt 3) / sqrt n
    // = 0.038: 0.2 is 5 of them.
    let samples = draw swissRoll MomentSamples 9L
    let meanRadius = samples |> Array.averageBy (fun p -> SwissRollDivisor * sqrt (p[0] * p[0] + p[1] * p[1]))
    Assert.InRange(meanRadius, 3.0 * Math.PI - 0.2, 3.0 * Math.PI + 0.2)

// ---------------------------------------------------------------------------------------------------
// Shape, type and determinism
// ---------------------------------------------------------------------------------------------------

let private datasets = [ EightGaussians; TwentyFiveGaussians; SwissRoll ]

[<Fact>]
let ``samplers return float32 [n, 2] tensors on the CPU`` () =
    TestSupport.pinThreads ()
    for d in datasets do
        use generator = new torch.Generator(1UL)
        use samples = sample d 5 generator
        Assert.Equal<int64[]>([| 5L; 2L |], samples.shape)
        Assert.Equal(torch.float32, samples.dtype)
        Assert.Equal(DeviceType.CPU, samples.device_type)

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 20)>]
let ``the same seed gives identical samples, another seed different ones`` (Seed seed) =
    [ for d in datasets ->
          let a = draw (sample d) 32 seed
          let b = draw (sample d) 32 seed
          let c = draw (sample d) 32 (seed + 1L)
          (a = b |@ $"{d.Name}: two draws with seed {seed} differ")
          .&. (a <> c |@ $"{d.Name}: seeds {seed} and {seed + 1L} drew the same samples") ]
    |> List.reduce (.&.)

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 20)>]
let ``the fixed generator with sigma 0 draws the data set's own samples`` (Seed seed) =
    // noisyCopy draws a sample of the data set first, then the noise: with sigma = 0 it is that sample.
    [ for d in datasets ->
          draw (noisyCopy d 0.0) 16 seed = draw (sample d) 16 seed
          |@ $"{d.Name}: Pr + 0 N(0, I) <> Pr for seed {seed}" ]
    |> List.reduce (.&.)

[<Fact>]
let ``samplers reject a non-positive number of samples`` () =
    TestSupport.pinThreads ()
    use generator = new torch.Generator(1UL)
    for d in datasets do
        Assert.Throws<ArgumentException>(fun () -> sample d 0 generator |> ignore) |> ignore

// ---------------------------------------------------------------------------------------------------
// gan_toy.py's fixed 25-Gaussian training set, cycled in batches
// ---------------------------------------------------------------------------------------------------

let private build (f: torch.Generator -> torch.Tensor) (seed: int64) = draw (fun _ g -> f g) 0 seed

[<Fact>]
let ``the 25-Gaussian rounds follow gan_toy.py's loops: x outer, y inner, then divided by 2.828`` () =
    // gan_toy.py inf_train_gen: for i in xrange(100000/25): for x in xrange(-2, 3): for y in xrange(-2, 3):
    // point = randn(2)*0.05 + (2x, 2y); then dataset /= 2.828. With the noise's std 0 a row is its centre:
    // row 0 (-4, -4) / 2.828, row 1 (-4, -2) / 2.828 (y moves first), row 5 (-2, -4) / 2.828, row 24 (4, 4) / 2.828,
    // row 25 the next round's (-4, -4) / 2.828. 4 / 2.828 = 1.4144271570014144, 2 / 2.828 = 0.7072135785007072.
    let points = build (twentyFiveGaussiansRounds 2 0.0) 1L
    Assert.Equal(50, points.Length)
    let expect (row: int) (x: float) (y: float) =
        // float32 storage, as gan_toy.py's np.array(dataset, dtype='float32'): within one float32 rounding.
        Assert.Equal(x, points[row][0], 6)
        Assert.Equal(y, points[row][1], 6)
    expect 0 -1.4144271570014144 -1.4144271570014144
    expect 1 -1.4144271570014144 -0.7072135785007072
    expect 5 -0.7072135785007072 -1.4144271570014144
    expect 12 0.0 0.0
    expect 24 1.4144271570014144 1.4144271570014144
    expect 25 -1.4144271570014144 -1.4144271570014144

[<Fact>]
let ``the fixed 25-Gaussian set is its rounds shuffled once: every centre equally often`` () =
    // 100 points: 4 rounds, so each of the 25 centres has exactly 4 points (gan_toy.py: 4000 each of 100,000),
    // each within 7 sigma (0.05 / 2.828) of its centre.
    let fixedSet = build (fixedTwentyFiveGaussians 100) 7L
    let rounds = build (twentyFiveGaussiansRounds 4 TwentyFiveGaussiansStd) 7L
    // The set draws the rounds' noise first, then the permutation: with the same seed it holds the same rows.
    Assert.Equal<float[] list>(rounds |> Array.sort |> List.ofArray, fixedSet |> Array.sort |> List.ofArray)
    Assert.NotEqual<float[] list>(List.ofArray rounds, List.ofArray fixedSet)
    let counts = fixedSet |> Array.countBy (nearestCentre twentyFiveGaussiansCentres)
    Assert.Equal(25, counts.Length)
    for _, c in counts do Assert.Equal(4, c)
    for p in fixedSet do
        let limit = NoiseRadiusInSigmas * TwentyFiveGaussiansStd / TwentyFiveGaussiansDivisor
        Assert.True(distanceToNearest twentyFiveGaussiansCentres p <= limit)
    // The same seed builds the same set.
    Assert.Equal<float[] list>(List.ofArray fixedSet, List.ofArray (build (fixedTwentyFiveGaussians 100) 7L))
    Assert.Equal(100000, TwentyFiveGaussiansTrainingSetSize)
    Assert.Throws<ArgumentException>(fun () -> build (fixedTwentyFiveGaussians 110) 7L |> ignore) |> ignore

[<Fact>]
let ``a fixed training set is read in whole batches, cycled in the same order`` () =
    // gan_toy.py: for i in xrange(len(dataset)/BATCH_SIZE): yield dataset[i*BATCH_SIZE:(i+1)*BATCH_SIZE], forever.
    // Rows 0 .. 9 in batches of 3: 10 / 3 = 3 batches (rows 0-2, 3-5, 6-8), row 9 never used; step 4 reads the
    // first batch again.
    TestSupport.pinThreads ()
    use set = torch.tensor(Array.init 20 float32).reshape(10L, 2L)
    let firstOfBatch (step: int) =
        use batch = cycledBatch set 3 step
        Assert.Equal<int64[]>([| 3L; 2L |], batch.shape)
        let first = (rows batch).[0]
        first[0] / 2.0
    Assert.Equal<float list>([ 0.0; 3.0; 6.0; 0.0; 3.0; 6.0; 0.0 ], [ for step in 1 .. 7 -> firstOfBatch step ])
    Assert.Equal(3, cycledBatches 10 3)
    // gan_toy.py's own numbers: 100,000 / 256 = 390 batches, the last 160 points never used.
    Assert.Equal(390, cycledBatches 100000 256)
    Assert.Equal(160, 100000 - 390 * 256)
    Assert.Throws<ArgumentException>(fun () -> cycledBatch set 11 1 |> ignore) |> ignore
