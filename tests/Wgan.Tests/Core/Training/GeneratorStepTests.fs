/// One generator step (WGAN, GAN minimax, GAN non-saturating) on a linear generator G(z) = A z + b and a
/// linear critic or discriminator w.x + c, where loss, gradient and update have closed forms; and the
/// step's contract: only the generator moves, the critic keeps no gradient.
module Wgan.Tests.GeneratorStepTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TorchSharp
open Wgan.Core
open Wgan.Tests.Generators
open Wgan.Tests.TestSupport

/// float64 closed forms against float64 tensor arithmetic over a handful of terms.
let Float64Tolerance = 1e-10

/// The SGD learning rate of the update checks.
let LearningRate = 0.05

let private linear (inputs: int) (outputs: int) (generator: torch.Generator) =
    let network = new Mlp(TestSupport.plainMlp inputs [] outputs ReLU, generator)
    network.``to``(torch.float64) |> ignore
    network

let private setLinear (network: Mlp) (weight: float[]) (bias: float[]) =
    use _ = torch.no_grad()
    let linear = network.Linears[0]
    linear.weight.copy_(torch.tensor(weight).reshape(linear.weight.shape)) |> ignore
    linear.bias.copy_(torch.tensor(bias)) |> ignore

let private parameterValues (network: Mlp) = network.parameters() |> Seq.map values |> Array.concat

let private close (expected: float) (actual: float) =
    abs (actual - expected) <= Float64Tolerance * max 1.0 (abs expected)

/// A linear generator 3 -> 2 and a linear critic 2 -> 1 with weights drawn from `seed`, and a batch of z.
let private linearSetting (seed: int64) =
    let generator = new torch.Generator(uint64 seed)
    let g = linear 3 2 generator
    let critic = linear 2 1 generator
    let z = torch.randn([| 5L; 3L |], dtype = torch.float64, generator = generator)
    generator, g, critic, z

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 40)>]
let ``the WGAN generator step minimises -E f(G(z)) and raises the critic's score by the closed form`` (Seed seed) =
    // f(G(z)) = w.(A z + b) + c. Loss -mean f; its gradient is -w for b and -w zbar^T for A, of norm
    // ||w|| sqrt(1 + ||zbar||^2). One SGD step moves b by lr w and A by lr w zbar^T, so the mean score on
    // the same z rises by lr ||w||^2 (1 + ||zbar||^2) (WGAN Algorithm 1, line 10).
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let generator, g, critic, z = linearSetting seed
    use generator = generator
    use g = g
    use critic = critic
    use optimizer = Optimizer.create (Sgd LearningRate) (g.parameters())
    let meanScore () =
        use _ = torch.no_grad()
        (critic.call (g.call z)).mean().ReadDouble()
    let before = meanScore ()
    let w = values critic.Linears[0].weight
    let zbar = values (z.mean([| 0L |]))
    let criticBefore = parameterValues critic
    let result = GeneratorStep.wassersteinStep g optimizer critic z
    let squaredW = dot w w
    let rise = LearningRate * squaredW * (1.0 + dot zbar zbar)
    (close -before result.Loss |@ $"loss {result.Loss}, expected -E f(G(z)) = {-before}")
    .&. (close before result.MeanFakeOutput |@ $"mean score {result.MeanFakeOutput}, expected {before}")
    .&. (close (sqrt (squaredW * (1.0 + dot zbar zbar))) result.GradientNorm |@ $"gradient norm {result.GradientNorm}")
    .&. (close (before + rise) (meanScore ()) |@ $"score after the step {meanScore ()}, expected {before} + {rise}")
    .&. (parameterValues critic = criticBefore |@ "the critic's parameters changed")
    .&. (critic.parameters() |> Seq.forall (fun p -> isNull p.grad || values p.grad |> Array.forall ((=) 0.0))
         |@ "the critic kept a gradient")

/// A constant generator output: with z = 0, G(z) = b whatever A, so every logit is l = w.b + c.
let private constantLogit (w: float[]) (b: float[]) (c: float) =
    let generator = new torch.Generator(1UL)
    let g = linear 3 2 generator
    setLinear g (Array.create 6 0.25) b
    let discriminator = linear 2 1 generator
    setLinear discriminator w [| c |]
    generator, g, discriminator, torch.zeros([| 4L; 3L |], dtype = torch.float64), dot w b + c

let private sigmoid (l: float) = 1.0 / (1.0 + exp -l)

[<Theory>]
[<InlineData(2.0)>]
[<InlineData(0.0)>]
[<InlineData(-3.0)>]
[<InlineData(-10.0)>]
let ``GAN generator steps have the closed-form losses and gradients`` (offset: float) =
    // Logit l for every sample. Minimax: loss E log(1 - D) = -softplus(l), d/dl = -sigmoid(l), gradient
    // norm sigmoid(l) ||w||. Non-saturating: loss -E log D = softplus(-l), d/dl = -(1 - sigmoid(l)), norm
    // (1 - sigmoid(l)) ||w|| (GAN 2014, section 3). A z = 0 gives A no gradient.
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let w, b = [| 0.6; -0.8 |], [| 0.5; 0.25 |]
    let step (run: Mlp -> Optimizer -> Mlp -> torch.Tensor -> GeneratorStepResult) =
        let generator, g, discriminator, z, _ = constantLogit w b offset
        use generator = generator
        use g = g
        use discriminator = discriminator
        use optimizer = Optimizer.create (Sgd LearningRate) (g.parameters())
        run g optimizer discriminator z
    let l = dot w b + offset
    let softplus x = log (1.0 + exp x)
    let minimax = step (fun g o d z -> GeneratorStep.minimaxStep g o d z)
    let nonSaturating = step (fun g o d z -> GeneratorStep.nonSaturatingStep g o d z)
    Assert.Equal(-(softplus l), minimax.Loss, 10)
    Assert.Equal(sigmoid l * norm w, minimax.GradientNorm, 10)
    Assert.Equal(sigmoid l, minimax.MeanFakeOutput, 10)
    Assert.Equal(softplus -l, nonSaturating.Loss, 10)
    Assert.Equal((1.0 - sigmoid l) * norm w, nonSaturating.GradientNorm, 10)
    Assert.Equal(sigmoid l, nonSaturating.MeanFakeOutput, 10)

[<Fact>]
let ``the minimax loss saturates when the discriminator rejects the samples`` () =
    // With D(G(z)) = sigmoid(-10) ~ 4.5e-5, the minimax gradient is e^-10 ~ 4.5e-5 times the non-saturating
    // one (ratio sigmoid(l) / (1 - sigmoid(l)) = e^l): the GAN paper's reason for the non-saturating loss.
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let run (stepOf: Mlp -> Optimizer -> Mlp -> torch.Tensor -> GeneratorStepResult) =
        let generator, g, d, z, _ = constantLogit [| 0.6; -0.8 |] [| 0.0; 0.0 |] -10.0
        use generator = generator
        use g = g
        use d = d
        use optimizer = Optimizer.create (Sgd LearningRate) (g.parameters())
        (stepOf g optimizer d z).GradientNorm
    let minimax = run (fun g o d z -> GeneratorStep.minimaxStep g o d z)
    let ratio = minimax / run (fun g o d z -> GeneratorStep.nonSaturatingStep g o d z)
    Assert.Equal(exp -10.0, ratio, 12)

[<Fact>]
let ``a generator step moves only the generator`` () =
    // The discriminator's parameters and gradients are untouched by every kind of generator step.
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    for kind in 0 .. 2 do
        let generator, g, critic, z = linearSetting (int64 kind + 10L)
        use generator = generator
        use g = g
        use critic = critic
        use optimizer = Optimizer.create (Sgd LearningRate) (g.parameters())
        let generatorBefore, criticBefore = parameterValues g, parameterValues critic
        match kind with
        | 0 -> GeneratorStep.wassersteinStep g optimizer critic z |> ignore
        | 1 -> GeneratorStep.minimaxStep g optimizer critic z |> ignore
        | _ -> GeneratorStep.nonSaturatingStep g optimizer critic z |> ignore
        Assert.NotEqual<float[]>(generatorBefore, parameterValues g)
        Assert.Equal<float[]>(criticBefore, parameterValues critic)
        for p in critic.parameters() do
            Assert.True(isNull p.grad || values p.grad |> Array.forall ((=) 0.0), "the critic kept a gradient")
