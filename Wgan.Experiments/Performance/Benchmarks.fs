/// Benchmark configurations: the training steps of the authors' configurations, with the floating-point
/// operations their mathematics needs counted analytically (multiply-adds count 2).
module Wgan.Experiments.Benchmarks

open TorchSharp
open Wgan.Core

/// Multiply-adds per sample of one pass through an MLP's linear layers (biases and activations ignored).
let multiplyAdds (widths: int list) = widths |> List.pairwise |> List.sumBy (fun (a, b) -> float a * float b)

/// What a network costs per sample: the multiply-adds of one forward pass through its linear maps (dense
/// layers, convolutions and deconvolutions; biases, activations and normalisations ignored) and those of its
/// first layer, whose input gradient no step needs.
type NetworkCost = { MultiplyAdds: float; FirstLayer: float }

/// The cost of an MLP with these widths (input first).
let mlpCost (widths: int list) = { MultiplyAdds = multiplyAdds widths; FirstLayer = multiplyAdds (List.take 2 widths) }

/// The cost of gan_mnist.py's critic at width `dim` (MnistCritic): 5x5 stride-2 convolutions 1 -> d (14x14
/// outputs), d -> 2d (7x7), 2d -> 4d (4x4), then a dense layer from 4 x 4 x 4d to one score.
let mnistCriticCost (dim: int) =
    let d = float dim
    let conv1 = 14.0 * 14.0 * d * 25.0
    { MultiplyAdds = conv1 + 7.0 * 7.0 * 2.0 * d * d * 25.0 + 4.0 * 4.0 * 4.0 * d * 2.0 * d * 25.0 + 64.0 * d
      FirstLayer = conv1 }

/// The cost of gan_mnist.py's generator at width `dim` with `latent` inputs (MnistGenerator): a dense layer to
/// 4d x 4 x 4, then 5x5 stride-2 deconvolutions 4d -> 2d (from 4x4), 2d -> d (from 7x7) and d -> 1 (from
/// 14x14); a deconvolution's multiply-adds are its input positions times its kernel's.
let mnistGeneratorCost (dim: int) (latent: int) =
    let d = float dim
    let dense = float latent * 64.0 * d
    { MultiplyAdds = dense + 16.0 * 4.0 * d * 2.0 * d * 25.0 + 49.0 * 2.0 * d * d * 25.0 + 196.0 * d * 25.0
      FirstLayer = dense }

/// FLOPs per generator iteration of a WGAN: `nCritic` critic steps and one generator step on batches of `n`.
/// Counted terms (Sigma_D, Sigma_G: multiply-adds per sample; first_D, first_G: those of the first layer,
/// whose input gradient is not needed):
/// - each critic step: G forward for the fake batch (2 n Sigma_G); D forward on real and fake (4 n Sigma_D);
///   their backward: weight gradients (4 n Sigma_D) and activation gradients below the top layer
///   (4 n (Sigma_D - first_D));
/// - with a gradient penalty, in addition: D forward on the interpolates (2 n Sigma_D), their input gradient
///   (2 n Sigma_D) and its backward with respect to the weights and along the chain (4 n Sigma_D). The
///   backward through the interpolates' forward graph is not counted: the second derivative of ReLU (and of
///   LeakyReLU) is zero;
/// - the generator step: G and D forward (2 n Sigma_G + 2 n Sigma_D), D's activation gradients down to its
///   input (2 n Sigma_D), G's weight gradients (2 n Sigma_G) and activation gradients (2 n (Sigma_G - first_G)).
let wganFlops (generator: NetworkCost) (critic: NetworkCost) (n: int) (nCritic: int) (penalty: bool) =
    let n = float n
    let sigmaG, sigmaD = generator.MultiplyAdds, critic.MultiplyAdds
    let criticStep =
        2.0 * n * sigmaG + 4.0 * n * sigmaD + 4.0 * n * sigmaD + 4.0 * n * (sigmaD - critic.FirstLayer)
        + (if penalty then 8.0 * n * sigmaD else 0.0)
    let generatorStep =
        2.0 * n * sigmaG + 2.0 * n * sigmaD + 2.0 * n * sigmaD + 2.0 * n * sigmaG
        + 2.0 * n * (sigmaG - generator.FirstLayer)
    float nCritic * criticStep + generatorStep

/// `wganFlops` for MLPs given by their widths.
let wganFlopsPerIteration (generatorWidths: int list) (criticWidths: int list) (n: int) (nCritic: int) (penalty: bool) =
    wganFlops (mlpCost generatorWidths) (mlpCost criticWidths) n nCritic penalty

/// A configuration's networks and optimisers, built: `Iterate` runs one generator iteration; disposing releases them.
[<Sealed>]
type PreparedBenchmark internal (iterate: unit -> unit, disposables: System.IDisposable list) =
    /// Runs one generator iteration (its critic steps and its generator step).
    member _.Iterate() = iterate ()
    interface System.IDisposable with
        member _.Dispose() =
            for d in disposables do
                d.Dispose()

/// A benchmark configuration: what it runs and how many FLOPs one generator iteration needs.
type Configuration =
    { Name: string
      Description: string
      FlopsPerIteration: float
      /// Critic steps per generator iteration.
      CriticSteps: int
      /// Generator iterations timed unless the command line says otherwise (about ten seconds' worth).
      Iterations: int
      /// Builds networks and optimisers from a seed and returns one generator iteration as a function
      /// (and the objects to dispose).
      Build: int64 -> (unit -> unit) * System.IDisposable list }

    /// `Build` for the C# shell: the networks and optimisers built from `seed`, as an object to dispose.
    member c.Prepare(seed: int64) : PreparedBenchmark =
        let iterate, disposables = c.Build seed
        new PreparedBenchmark(iterate, disposables)

let private toyGenerator = [ 2; 512; 512; 512; 2 ]
let private toyCritic = [ 2; 512; 512; 512; 1 ]

/// gan_toy.py's configuration: G and D 3 x ReLU(512), batch 256, five critic steps per generator step.
let private toy
    (name: string)
    (lipschitz: LipschitzConstraint)
    (criticOptimizer: OptimizerSpec)
    (generatorOptimizer: OptimizerSpec)
    =
    let penalty = match lipschitz with GradientPenalty _ -> true | _ -> false
    let constraintName = if penalty then "gradient penalty" else "weight clipping"
    { Name = name
      Description =
        $"gan_toy.py MLPs 2 -> 3 x 512 -> 2/1, batch 256, 5 critic steps per generator step, {constraintName}"
      FlopsPerIteration = wganFlopsPerIteration toyGenerator toyCritic 256 5 penalty
      CriticSteps = 5
      Iterations = 30
      Build =
        fun seed ->
            let random = new torch.Generator(uint64 seed)
            let mlp (widths: int list) =
                new Mlp(
                    { Inputs = widths.Head
                      Hidden = widths[1 .. widths.Length - 2]
                      Outputs = List.last widths
                      Activation = ReLU
                      Normalization = NoNormalization },
                    random
                )
            let generator = mlp toyGenerator
            let critic = mlp toyCritic
            let criticOptimizerInstance = Optimizer.create criticOptimizer (critic.parameters())
            let generatorOptimizerInstance = Optimizer.create generatorOptimizer (generator.parameters())
            let iteration () =
                for _ in 1 .. 5 do
                    use _ = torch.NewDisposeScope()
                    // The data's distribution does not change the cost; real samples are N(0, I).
                    let real = torch.randn([| 256L; 2L |], generator = random)
                    let fake =
                        use _ = torch.no_grad()
                        generator.call (torch.randn([| 256L; 2L |], generator = random))
                    CriticStep.criticStep critic criticOptimizerInstance lipschitz real fake random |> ignore
                use _ = torch.NewDisposeScope()
                GeneratorStep.wassersteinStep
                    generator
                    generatorOptimizerInstance
                    critic
                    (torch.randn([| 256L; 2L |], generator = random))
                |> ignore
            iteration,
            [ generator :> System.IDisposable; critic; criticOptimizerInstance; generatorOptimizerInstance; random ] }

/// gan_mnist.py's WGAN-GP configuration at width `dim` (64 in the paper): its critic and generator, batch 50,
/// 128 latent dimensions, five critic steps per generator step, Adam(1e-4, 0.5, 0.9), lambda = 10, trained on
/// uniform random images (the data's content does not change the cost), exactly as the MNIST experiments
/// train (MnistTrainer.step).
let private mnistGp (name: string) (dim: int) (iterations: int) =
    let batch, latent = 50, 128
    { Name = name
      Description = $"gan_mnist.py WGAN-GP at DIM {dim}, batch {batch}, 5 critic steps per generator step"
      FlopsPerIteration = wganFlops (mnistGeneratorCost dim latent) (mnistCriticCost dim) batch 5 true
      CriticSteps = 5
      Iterations = iterations
      Build =
        fun seed ->
            let adam = Adam(1e-4, 0.5, 0.9)
            let config: MnistTrainer.Configuration =
                { Variant =
                    { CriticNormalization = NoNormalization
                      CriticOptimizer = adam
                      Constraint = GradientPenalty(10.0, GradientPenalty.TwoSided)
                      GeneratorNormalization = NoNormalization
                      GeneratorOptimizer = adam
                      NCritic = 5
                      Warmup = MnistVariant.NoWarmup
                      Source = None }
                  Dim = dim
                  Latent = latent
                  BatchSize = batch
                  Iterations = iterations
                  CheckpointEvery = 0
                  Device = torch.CPU }
            let images =
                use random = new torch.Generator(uint64 seed)
                torch.rand([| 1000L; 1L; 28L; 28L |], generator = random)
            let state = MnistTrainer.start config seed 0 1000
            let optimizers = MnistTrainer.optimizers config state
            let mutable t = 0
            let iteration () =
                MnistTrainer.step config images state optimizers t |> ignore
                t <- t + 1
            iteration, [ optimizers :> System.IDisposable; state; images ] }

/// The configurations `wgan bench` times.
let all: Configuration list =
    [ toy "toy-wgan-gp" (GradientPenalty(10.0, GradientPenalty.TwoSided)) (Adam(1e-4, 0.5, 0.9)) (Adam(1e-4, 0.5, 0.9))
      toy "toy-wgan-clip" (WeightClipping(0.01, AfterStep)) (RmsProp 5e-5) (RmsProp 5e-5)
      mnistGp "mnist-wgan-gp" 64 4
      // The width the MNIST experiments use at their quick scale.
      mnistGp "mnist-wgan-gp-dim8" 8 100 ]

/// The configurations `wgan bench` times, as an array (for the C# shell, which sees no F# lists).
let configurations: Configuration[] = Array.ofList all

/// FLOPs of one n x n by n x n matrix product.
let matmulFlops (n: int) = 2.0 * float n ** 3.0
