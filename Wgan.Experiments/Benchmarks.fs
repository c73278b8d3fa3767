/// Benchmark configurations: the training steps of the authors' configurations, with the floating-point
/// operations their mathematics needs counted analytically (multiply-adds count 2).
module Wgan.Experiments.Benchmarks

open TorchSharp
open Wgan.Core

/// Multiply-adds per sample of one pass through an MLP's linear layers (biases and activations ignored).
let multiplyAdds (widths: int list) = widths |> List.pairwise |> List.sumBy (fun (a, b) -> float a * float b)

/// FLOPs per generator iteration of a WGAN on MLPs: `nCritic` critic steps and one generator step on
/// batches of `n`. Counted terms (Sigma_D, Sigma_G: multiply-adds per sample; first_D, first_G: those of the
/// first layer, whose input gradient is not needed):
/// - each critic step: G forward for the fake batch (2 n Sigma_G); D forward on real and fake (4 n Sigma_D);
///   their backward: weight gradients (4 n Sigma_D) and activation gradients below the top layer
///   (4 n (Sigma_D - first_D));
/// - with a gradient penalty, in addition: D forward on the interpolates (2 n Sigma_D), their input gradient
///   (2 n Sigma_D) and its backward with respect to the weights and along the chain (4 n Sigma_D). The
///   backward through the interpolates' forward graph is not counted: ReLU's second derivative is zero;
/// - the generator step: G and D forward (2 n Sigma_G + 2 n Sigma_D), D's activation gradients down to its
///   input (2 n Sigma_D), G's weight gradients (2 n Sigma_G) and activation gradients (2 n (Sigma_G - first_G)).
let wganFlopsPerIteration (generatorWidths: int list) (criticWidths: int list) (n: int) (nCritic: int) (penalty: bool) =
    let n = float n
    let sigmaG, sigmaD = multiplyAdds generatorWidths, multiplyAdds criticWidths
    let firstG = multiplyAdds (List.take 2 generatorWidths)
    let firstD = multiplyAdds (List.take 2 criticWidths)
    let critic =
        2.0 * n * sigmaG + 4.0 * n * sigmaD + 4.0 * n * sigmaD + 4.0 * n * (sigmaD - firstD)
        + (if penalty then 8.0 * n * sigmaD else 0.0)
    let generator = 2.0 * n * sigmaG + 2.0 * n * sigmaD + 2.0 * n * sigmaD + 2.0 * n * sigmaG + 2.0 * n * (sigmaG - firstG)
    float nCritic * critic + generator

/// A benchmark configuration: what it runs and how many FLOPs one generator iteration needs.
type Configuration =
    { Name: string
      Description: string
      FlopsPerIteration: float
      /// Builds networks and optimisers from a seed and returns one generator iteration as a function
      /// (and the objects to dispose).
      Build: int64 -> (unit -> unit) * System.IDisposable list }

let private toyGenerator = [ 2; 512; 512; 512; 2 ]
let private toyCritic = [ 2; 512; 512; 512; 1 ]

/// gan_toy.py's configuration: G and D 3 x ReLU(512), batch 256, five critic steps per generator step.
let private toy (name: string) (lipschitz: LipschitzConstraint) (criticOptimizer: OptimizerSpec) (generatorOptimizer: OptimizerSpec) =
    let penalty = match lipschitz with GradientPenalty _ -> true | _ -> false
    let constraintName = if penalty then "gradient penalty" else "weight clipping"
    { Name = name
      Description = $"gan_toy.py MLPs 2 -> 3 x 512 -> 2/1, batch 256, 5 critic steps per generator step, {constraintName}"
      FlopsPerIteration = wganFlopsPerIteration toyGenerator toyCritic 256 5 penalty
      Build =
        fun seed ->
            let random = new torch.Generator(uint64 seed)
            let mlp (widths: int list) =
                new Mlp({ Inputs = widths.Head; Hidden = widths[1 .. widths.Length - 2]; Outputs = List.last widths; Activation = ReLU; Normalization = NoNormalization }, random)
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
                generatorOptimizerInstance.zero_grad()
                let loss = Losses.wassersteinGeneratorLoss (critic.call (generator.call (torch.randn([| 256L; 2L |], generator = random))))
                loss.backward()
                generatorOptimizerInstance.step() |> ignore
            iteration, [ generator :> System.IDisposable; critic; criticOptimizerInstance; generatorOptimizerInstance; random ] }

/// The configurations `wgan bench` times.
let all: Configuration list =
    [ toy "toy-wgan-gp" (GradientPenalty(10.0, GradientPenalty.TwoSided)) (Adam(1e-4, 0.5, 0.9)) (Adam(1e-4, 0.5, 0.9))
      toy "toy-wgan-clip" (WeightClipping(0.01, AfterStep)) (RmsProp 5e-5) (RmsProp 5e-5) ]

/// FLOPs of one n x n by n x n matrix product.
let matmulFlops (n: int) = 2.0 * float n ** 3.0
