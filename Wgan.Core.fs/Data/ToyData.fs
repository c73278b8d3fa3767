/// The toy data sets of the WGAN-GP paper (igul222/improved_wgan_training, gan_toy.py), generated in code
/// with the authors' constants, and the fixed generator Pg = Pr + N(0, sigma^2 I) of its Figure 1a.
/// Every sampler takes the number of points and a CPU `torch.Generator`, draws all its randomness from that
/// generator on the CPU, and returns a fresh float32 tensor of shape [n, 2] on the CPU.
module Wgan.Core.ToyData

open TorchSharp

/// A toy distribution on the plane.
type ToyDataset =
    /// Eight Gaussians on a circle (gan_toy.py '8gaussians').
    | EightGaussians
    /// A 5 x 5 grid of Gaussians (gan_toy.py '25gaussians').
    | TwentyFiveGaussians
    /// The (x, z) coordinates of sklearn's 3-D swiss roll (gan_toy.py 'swissroll').
    | SwissRoll

    /// The name a manifest uses (gan_toy.py's DATASET values).
    member this.Name =
        match this with
        | EightGaussians -> "8gaussians"
        | TwentyFiveGaussians -> "25gaussians"
        | SwissRoll -> "swissroll"

/// gan_toy.py: 8 Gaussians have centres at scale * (cos k 45deg, sin k 45deg) with scale = 2.
[<Literal>]
let EightGaussiansRadius = 2.0

/// gan_toy.py: the 8 Gaussians' standard deviation (before the division by EightGaussiansDivisor).
[<Literal>]
let EightGaussiansStd = 0.02

/// gan_toy.py: `dataset /= 1.414` (the authors' rounding of sqrt 2, kept as written).
[<Literal>]
let EightGaussiansDivisor = 1.414

/// gan_toy.py: 25 Gaussians have centres (2i, 2j), i, j in {-2, ..., 2}.
[<Literal>]
let TwentyFiveGaussiansSpacing = 2.0

/// gan_toy.py: the 25 Gaussians' standard deviation (before the division).
[<Literal>]
let TwentyFiveGaussiansStd = 0.05

/// gan_toy.py: `dataset /= 2.828` (the authors' rounding of 2 sqrt 2, kept as written).
[<Literal>]
let TwentyFiveGaussiansDivisor = 2.828

/// gan_toy.py: `sklearn.datasets.make_swiss_roll(n_samples, noise=0.25)`.
[<Literal>]
let SwissRollNoise = 0.25

/// gan_toy.py: `data /= 7.5`.
[<Literal>]
let SwissRollDivisor = 7.5

/// The 8 centres after the division, counter-clockwise from (radius / divisor, 0). gan_toy.py lists the
/// same set in another order (its order does not matter: a centre is picked uniformly).
let eightGaussiansCentres: (float * float)[] =
    Array.init 8 (fun k ->
        let angle = float k * System.Math.PI / 4.0
        EightGaussiansRadius * cos angle / EightGaussiansDivisor,
        EightGaussiansRadius * sin angle / EightGaussiansDivisor)

/// The 25 centres after the division, row by row from (-4, -4) / divisor.
let twentyFiveGaussiansCentres: (float * float)[] =
    [| for i in -2 .. 2 do
           for j in -2 .. 2 ->
               TwentyFiveGaussiansSpacing * float i / TwentyFiveGaussiansDivisor,
               TwentyFiveGaussiansSpacing * float j / TwentyFiveGaussiansDivisor |]

let private requirePositive (n: int) =
    if n < 1 then invalidArg (nameof n) $"the number of samples must be positive (found {n})"

/// n points from a mixture of equally weighted isotropic Gaussians with the given (already divided) centres
/// and (already divided) standard deviation: a centre uniformly, then Gaussian noise (computed in float64,
/// returned as float32). Call inside a dispose scope.
let private mixture (centres: (float * float)[]) (std: float) (n: int) (generator: torch.Generator) : torch.Tensor =
    requirePositive n
    let coordinates = centres |> Array.collect (fun (x, y) -> [| x; y |])
    let centreTable: torch.Tensor = torch.tensor(coordinates).reshape(int64 centres.Length, 2L)
    let picks = torch.randint(0L, int64 centres.Length, [| int64 n |], generator = generator)
    let noise = torch.randn([| int64 n; 2L |], dtype = torch.float64, generator = generator)
    (Scalars.addTensors (centreTable.index_select(0L, picks)) (Scalars.mul noise std)).to_type(torch.float32)

/// n points of the 8 Gaussians: centre 2 (cos k 45deg, sin k 45deg), noise N(0, 0.02^2 I), all divided by 1.414.
let eightGaussians (n: int) (generator: torch.Generator) : torch.Tensor =
    use _ = torch.NewDisposeScope()
    (mixture eightGaussiansCentres (EightGaussiansStd / EightGaussiansDivisor) n generator).MoveToOuterDisposeScope()

/// n points of the 25 Gaussians: centre (2i, 2j), noise N(0, 0.05^2 I), all divided by 2.828.
let twentyFiveGaussians (n: int) (generator: torch.Generator) : torch.Tensor =
    use _ = torch.NewDisposeScope()
    let std = TwentyFiveGaussiansStd / TwentyFiveGaussiansDivisor
    (mixture twentyFiveGaussiansCentres std n generator).MoveToOuterDisposeScope()

/// gan_toy.py, inf_train_gen for '25gaussians': the number of points of its one training set
/// (`for i in xrange(100000/25)` rounds of the 25 centres).
[<Literal>]
let TwentyFiveGaussiansTrainingSetSize = 100000

/// gan_toy.py's 25-Gaussian training set in the order its loops build it, before `np.random.shuffle`: `rounds`
/// rounds, each one point per centre with x = -2 .. 2 the outer loop and y = -2 .. 2 the inner one; a point is
/// N(0, std^2 I) drawn in float64 (`np.random.randn(2)*0.05`) plus the centre (2x, 2y), stored as float32
/// (`np.array(dataset, dtype='float32')`) and then divided by 2.828 in float32 (`dataset /= 2.828`). Row
/// 25 r + 5 (x + 2) + (y + 2) is round r's point of centre (2x, 2y). Draws the 25 rounds x 2 noise values from
/// `generator` in row order. Returns a fresh float32 tensor [25 rounds, 2] on the CPU.
let twentyFiveGaussiansRounds (rounds: int) (std: float) (generator: torch.Generator) : torch.Tensor =
    requirePositive rounds
    use _ = torch.NewDisposeScope()
    let n = 25 * rounds
    let grid =
        [| for x in -2 .. 2 do
               for y in -2 .. 2 do
                   yield! [| TwentyFiveGaussiansSpacing * float x; TwentyFiveGaussiansSpacing * float y |] |]
    let centres = torch.tensor(grid).reshape(25L, 2L).repeat(int64 rounds, 1L)
    let noise = torch.randn([| int64 n; 2L |], dtype = torch.float64, generator = generator)
    let points = (Scalars.addTensors (Scalars.mul noise std) centres).to_type(torch.float32)
    (Scalars.div points TwentyFiveGaussiansDivisor).MoveToOuterDisposeScope()

/// gan_toy.py's fixed 25-Gaussian training set of `points` points (a multiple of 25; the script's is
/// TwentyFiveGaussiansTrainingSetSize): `points` / 25 rounds of `twentyFiveGaussiansRounds` with std 0.05, then
/// its rows shuffled once (`np.random.shuffle(dataset)`; here `torch.randperm` from `generator`, drawn after the
/// noise). Returns a fresh float32 tensor [points, 2] on the CPU.
let fixedTwentyFiveGaussians (points: int) (generator: torch.Generator) : torch.Tensor =
    if points < 25 || points % 25 <> 0 then
        invalidArg (nameof points) $"the training set needs a positive multiple of 25 points (found {points})"
    use _ = torch.NewDisposeScope()
    let ordered = twentyFiveGaussiansRounds (points / 25) TwentyFiveGaussiansStd generator
    let permutation = torch.randperm(int64 points, generator = generator)
    ordered.index_select(0L, permutation).MoveToOuterDisposeScope()

/// Batches per pass over a fixed training set of `setSize` points: gan_toy.py's `len(dataset)/BATCH_SIZE`, a
/// Python 2 integer division, so the last setSize mod batchSize points are never used (160 of 100,000 at
/// batch 256: 390 batches).
let cycledBatches (setSize: int) (batchSize: int) = setSize / batchSize

/// The real batch of training step `step` (1, 2, ...) from a fixed training set, as gan_toy.py's inf_train_gen
/// yields them: rows [i b, (i + 1) b) with i = (step - 1) mod cycledBatches, the same order on every pass (the
/// set is shuffled once, when it is built). A view of `set` (disposing it leaves the set intact).
let cycledBatch (set: torch.Tensor) (batchSize: int) (step: int) : torch.Tensor =
    let count = cycledBatches (int set.shape[0]) batchSize
    if count < 1 then
        invalidArg (nameof batchSize) $"a batch of {batchSize} does not fit in a training set of {set.shape[0]} points"
    if step < 1 then invalidArg (nameof step) $"steps count from 1 (found {step})"
    set.narrow(0L, int64 ((step - 1) % count * batchSize), int64 batchSize)

/// n points of the swiss roll: t = 1.5 pi (1 + 2u), u ~ U[0,1]; (x, z) = (t cos t, t sin t) + N(0, 0.25^2 I),
/// divided by 7.5 (sklearn's make_swiss_roll draws a third coordinate y = 21 u' that gan_toy.py drops; it
/// is not drawn here, so the stream of random numbers differs from sklearn's, not the distribution).
let swissRoll (n: int) (generator: torch.Generator) : torch.Tensor =
    requirePositive n
    use _ = torch.NewDisposeScope()
    let u = torch.rand([| int64 n; 1L |], dtype = torch.float64, generator = generator)
    let t = Scalars.mul (Scalars.add (Scalars.mul u 2.0) 1.0) (1.5 * System.Math.PI)
    let noise = torch.randn([| int64 n; 2L |], dtype = torch.float64, generator = generator)
    let roll = Scalars.addTensors (torch.cat([| t * t.cos(); t * t.sin() |], 1L)) (Scalars.mul noise SwissRollNoise)
    (Scalars.div roll SwissRollDivisor).to_type(torch.float32).MoveToOuterDisposeScope()

/// n points of `dataset`.
let sample (dataset: ToyDataset) (n: int) (generator: torch.Generator) : torch.Tensor =
    match dataset with
    | EightGaussians -> eightGaussians n generator
    | TwentyFiveGaussians -> twentyFiveGaussians n generator
    | SwissRoll -> swissRoll n generator

/// `points` + N(0, sigma^2 I): gan_toy.py's fixed generator applied to a given batch (`fake = real_data +
/// noise`, the same real batch), so that each of the batch's points has its own noisy copy.
let plusNoise (points: torch.Tensor) (sigma: float) (generator: torch.Generator) : torch.Tensor =
    use _ = torch.NewDisposeScope()
    let noise = torch.randn(points.shape, generator = generator)
    (Scalars.addTensors points (Scalars.mul noise sigma)).MoveToOuterDisposeScope()

/// The fixed generator of WGAN-GP Figure 1a (gan_toy.py FIXED_GENERATOR: `real_data + 1. * noise`): n points
/// of Pr + N(0, sigma^2 I), each a fresh sample of `dataset` (drawn first) plus independent Gaussian noise.
let noisyCopy (dataset: ToyDataset) (sigma: float) (n: int) (generator: torch.Generator) : torch.Tensor =
    use _ = torch.NewDisposeScope()
    (plusNoise (sample dataset n generator) sigma generator).MoveToOuterDisposeScope()
