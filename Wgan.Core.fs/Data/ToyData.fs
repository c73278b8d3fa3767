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
        EightGaussiansRadius * cos angle / EightGaussiansDivisor, EightGaussiansRadius * sin angle / EightGaussiansDivisor)

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
    let centreTable: torch.Tensor = torch.tensor(centres |> Array.collect (fun (x, y) -> [| x; y |])).reshape(int64 centres.Length, 2L)
    let picks = torch.randint(0L, int64 centres.Length, [| int64 n |], generator = generator)
    let noise = torch.randn([| int64 n; 2L |], dtype = torch.float64, generator = generator)
    (Scalars.plus (centreTable.index_select(0L, picks)) (Scalars.mul noise std)).to_type(torch.float32)

/// n points of the 8 Gaussians: centre 2 (cos k 45deg, sin k 45deg), noise N(0, 0.02^2 I), all divided by 1.414.
let eightGaussians (n: int) (generator: torch.Generator) : torch.Tensor =
    use _ = torch.NewDisposeScope()
    (mixture eightGaussiansCentres (EightGaussiansStd / EightGaussiansDivisor) n generator).MoveToOuterDisposeScope()

/// n points of the 25 Gaussians: centre (2i, 2j), noise N(0, 0.05^2 I), all divided by 2.828.
let twentyFiveGaussians (n: int) (generator: torch.Generator) : torch.Tensor =
    use _ = torch.NewDisposeScope()
    (mixture twentyFiveGaussiansCentres (TwentyFiveGaussiansStd / TwentyFiveGaussiansDivisor) n generator).MoveToOuterDisposeScope()

/// n points of the swiss roll: t = 1.5 pi (1 + 2u), u ~ U[0,1]; (x, z) = (t cos t, t sin t) + N(0, 0.25^2 I),
/// divided by 7.5 (sklearn's make_swiss_roll draws a third coordinate y = 21 u' that gan_toy.py drops; it
/// is not drawn here, so the stream of random numbers differs from sklearn's, not the distribution).
let swissRoll (n: int) (generator: torch.Generator) : torch.Tensor =
    requirePositive n
    use _ = torch.NewDisposeScope()
    let u = torch.rand([| int64 n; 1L |], dtype = torch.float64, generator = generator)
    let t = Scalars.mul (Scalars.add (Scalars.mul u 2.0) 1.0) (1.5 * System.Math.PI)
    let noise = torch.randn([| int64 n; 2L |], dtype = torch.float64, generator = generator)
    let roll = Scalars.plus (torch.cat([| t * t.cos(); t * t.sin() |], 1L)) (Scalars.mul noise SwissRollNoise)
    (Scalars.div roll SwissRollDivisor).to_type(torch.float32).MoveToOuterDisposeScope()

/// n points of `dataset`.
let sample (dataset: ToyDataset) (n: int) (generator: torch.Generator) : torch.Tensor =
    match dataset with
    | EightGaussians -> eightGaussians n generator
    | TwentyFiveGaussians -> twentyFiveGaussians n generator
    | SwissRoll -> swissRoll n generator

/// The fixed generator of WGAN-GP Figure 1a (gan_toy.py FIXED_GENERATOR: `real_data + 1. * noise`): n points
/// of Pr + N(0, sigma^2 I), each a fresh sample of `dataset` plus independent Gaussian noise.
let noisyCopy (dataset: ToyDataset) (sigma: float) (n: int) (generator: torch.Generator) : torch.Tensor =
    use _ = torch.NewDisposeScope()
    let real = sample dataset n generator
    let noise = torch.randn([| int64 n; 2L |], generator = generator)
    (Scalars.plus real (Scalars.mul noise sigma)).MoveToOuterDisposeScope()

/// `points` + N(0, sigma^2 I): gan_toy.py's fixed generator applied to a given batch (`fake = real_data +
/// noise`, the same real batch), so that each of the batch's points has its own noisy copy.
let plusNoise (points: torch.Tensor) (sigma: float) (generator: torch.Generator) : torch.Tensor =
    use _ = torch.NewDisposeScope()
    let noise = torch.randn(points.shape, generator = generator)
    (Scalars.plus points (Scalars.mul noise sigma)).MoveToOuterDisposeScope()
