/// The critic step: the joint forward pass equals separate passes, the written-out WGAN-GP gradients equal
/// autograd's, clipping bounds, and no tensor leaks.
module Wgan.Tests.CriticStepTests

open Xunit
open TorchSharp
open Wgan.Core

let private spec normalization =
    { Inputs = 2; Hidden = [ 16; 16 ]; Outputs = 1; Activation = ReLU; Normalization = normalization }

let private batch (seed: int) (shift: float) =
    use g = new torch.Generator(uint64 seed)
    Scalars.add (torch.randn([| 32L; 2L |], generator = g)) shift

let private parameters (m: torch.nn.Module) =
    m.parameters() |> Seq.map (fun p -> p.detach().clone()) |> Array.ofSeq

/// Float32 agreement between two orderings of the same sums (one matrix product of 96 rows vs three of
/// 32): a few ulps of values of order 1, amplified by one Adam step of size lr = 1e-3.
[<Literal>]
let JointVsSeparateTolerance = 1e-5

[<Fact>]
let ``the joint forward pass gives the same step as three separate passes`` () =
    TestSupport.pinThreads ()
    let real, fake = batch 1 0.0, batch 2 3.0
    use joint = new Mlp(spec NoNormalization, new torch.Generator(7UL))
    use separate = new Mlp(spec NoNormalization, new torch.Generator(7UL))
    use jointOptimizer = Optimizer.create (Adam(1e-3, 0.5, 0.9)) (joint.parameters())
    use separateOptimizer = Optimizer.create (Adam(1e-3, 0.5, 0.9)) (separate.parameters())
    let gp = GradientPenalty(10.0, GradientPenalty.TwoSided)
    let r = CriticStep.criticStep joint jointOptimizer gp real fake (new torch.Generator(11UL))
    // The reference: WGAN-GP's loss written out with separate forward passes (Gulrajani et al., Algorithm 1).
    separateOptimizer.zero_grad()
    let wasserstein = Losses.criticLoss (separate.call real) (separate.call fake)
    let penalty =
        GradientPenalty.gradientPenalty GradientPenalty.TwoSided separate.call real fake (new torch.Generator(11UL))
    let loss = Scalars.addTensors wasserstein (Scalars.mul penalty 10.0)
    loss.backward()
    separateOptimizer.step() |> ignore
    Assert.Equal(loss.ReadDouble(), r.Loss, 5)
    Assert.Equal(penalty.ReadDouble(), r.Penalty, 5)
    Assert.False(CriticStep.couplesBatch joint)
    for a, b in Array.zip (parameters joint) (parameters separate) do
        let gap = (a - b).abs().max().ReadDouble()
        Assert.True(gap < JointVsSeparateTolerance, $"parameters differ by {gap}")

[<Fact>]
let ``batch norm is detected as batch coupling`` () =
    use critic = new Mlp(spec BatchNorm, new torch.Generator(1UL))
    Assert.True(CriticStep.couplesBatch critic)
    use plain = new Mlp(spec LayerNorm, new torch.Generator(1UL))
    Assert.False(CriticStep.couplesBatch plain)

[<Fact>]
let ``clipping after the step leaves every parameter within the bound`` () =
    TestSupport.pinThreads ()
    use critic = new Mlp(spec NoNormalization, new torch.Generator(3UL))
    use optimizer = Optimizer.create (RmsProp 0.1) (critic.parameters())
    let c = 0.01 // WGAN's clipping bound (Algorithm 1)
    let real, fake = batch 1 0.0, batch 2 1.0
    CriticStep.criticStep critic optimizer (WeightClipping(c, AfterStep)) real fake (new torch.Generator(1UL)) |> ignore
    for p in critic.parameters() do
        Assert.True(p.abs().max().ReadDouble() <= c, "a parameter exceeds the clipping bound")

[<Fact>]
let ``critic steps leave no live tensors behind`` () =
    TestSupport.pinThreads ()
    use critic = new Mlp(spec NoNormalization, new torch.Generator(5UL))
    use optimizer = Optimizer.create (Adam(1e-3, 0.5, 0.9)) (critic.parameters())
    use generator = new torch.Generator(9UL)
    let real, fake = batch 1 0.0, batch 2 2.0
    let gp = GradientPenalty(10.0, GradientPenalty.TwoSided)
    let step () = CriticStep.criticStep critic optimizer gp real fake generator |> ignore
    // Warm up: Adam creates its state tensors on the first step.
    step ()
    let live () = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount
    let before = live ()
    for _ in 1 .. 50 do step ()
    Assert.Equal(before, live ())

/// Float32 agreement of two evaluation orders of the same chain of products (values of order 1).
[<Literal>]
let InputGradientTolerance = 1e-5

[<Theory>]
[<InlineData(0.0)>]
[<InlineData(0.2)>]
let ``the explicit input gradient of a piecewise-linear MLP equals autograd's`` (slope: float) =
    TestSupport.pinThreads ()
    let activation = if slope = 0.0 then ReLU else LeakyReLU slope
    use mlp = new Mlp(TestSupport.plainMlp 3 [ 8; 8; 8 ] 1 activation, new torch.Generator(4UL))
    let x = batch 5 0.0 |> fun b -> torch.cat([| b; b.narrow(1L, 0L, 1L) |], 1L) // 32 points in 3-D
    let explicitGradient = MlpInputGradient.inputGradients mlp x
    let leaf = x.detach().requires_grad_(true)
    let autogradGradient = torch.autograd.grad([| (mlp.call leaf).sum() |], [| leaf |])[0]
    let gap = (explicitGradient - autogradGradient).abs().max().ReadDouble()
    Assert.True(gap < InputGradientTolerance, $"input gradients differ by {gap}")

[<Fact>]
let ``a smooth critic takes the joint double-backward path and matches separate passes`` () =
    TestSupport.pinThreads ()
    let tanhSpec = { spec NoNormalization with Activation = Tanh }
    Assert.False(MlpInputGradient.applies tanhSpec)
    let real, fake = batch 1 0.0, batch 2 3.0
    use joint = new Mlp(tanhSpec, new torch.Generator(7UL))
    use separate = new Mlp(tanhSpec, new torch.Generator(7UL))
    use jointOptimizer = Optimizer.create (Sgd 0.01) (joint.parameters())
    use separateOptimizer = Optimizer.create (Sgd 0.01) (separate.parameters())
    let gp = GradientPenalty(10.0, GradientPenalty.OneSided)
    let r = CriticStep.criticStep joint jointOptimizer gp real fake (new torch.Generator(11UL))
    separateOptimizer.zero_grad()
    let penalty =
        GradientPenalty.gradientPenalty GradientPenalty.OneSided separate.call real fake (new torch.Generator(11UL))
    let wasserstein = Losses.criticLoss (separate.call real) (separate.call fake)
    let loss = Scalars.addTensors wasserstein (Scalars.mul penalty 10.0)
    loss.backward()
    separateOptimizer.step() |> ignore
    Assert.Equal(loss.ReadDouble(), r.Loss, 5)
    for a, b in Array.zip (parameters joint) (parameters separate) do
        Assert.True((a - b).abs().max().ReadDouble() < JointVsSeparateTolerance)

/// Float64 agreement of two evaluation orders of the same sums (values of order 1 to 10).
[<Literal>]
let WrittenOutGradientTolerance = 1e-10

/// Checks `MlpPenaltyGradients.writeGradients` against autograd in float64 for one critic and batch: the
/// loss by autograd, the penalty's input gradients by double back-propagation. Gradients left from elsewhere
/// must be replaced, not added to. Returns whether the penalty was positive (else its gradients were not
/// exercised).
let private writtenOutAgreesWithAutograd
    (spec: MlpSpec) (lambda: float) (sides: GradientPenalty.Sides) (steepness: float) (n: int) (seed: int) : bool =
    use _ = torch.NewDisposeScope()
    use written = new Mlp(spec, new torch.Generator(uint64 seed))
    use reference = new Mlp(spec, new torch.Generator(uint64 seed))
    for network in [ written; reference ] do
        network.``to``(torch.float64) |> ignore
        // Steeper than at initialisation, so that some input gradients exceed norm 1 (a one-sided penalty is
        // zero otherwise).
        use _ = torch.no_grad()
        for p in network.parameters() do Scalars.mul p steepness |> p.copy_ |> ignore
    use data = new torch.Generator(uint64 seed + 1UL)
    let real = torch.randn([| int64 n; int64 spec.Inputs |], dtype = torch.float64, generator = data)
    let fake = Scalars.add (torch.randn([| int64 n; int64 spec.Inputs |], dtype = torch.float64, generator = data)) 1.5
    for p in written.parameters() do p.grad <- (Scalars.full (p.shape) 5.0).to_type(torch.float64)
    let wasserstein, penalty =
        MlpPenaltyGradients.writeGradients written lambda sides real fake (new torch.Generator(uint64 seed + 2UL))
    let referencePenalty =
        GradientPenalty.gradientPenalty sides reference.call real fake (new torch.Generator(uint64 seed + 2UL))
    let referenceWasserstein = Losses.criticLoss (reference.call real) (reference.call fake)
    (Scalars.addTensors referenceWasserstein (Scalars.mul referencePenalty lambda)).backward()
    Assert.Equal(referenceWasserstein.ReadDouble(), wasserstein.ReadDouble(), 12)
    Assert.Equal(referencePenalty.ReadDouble(), penalty.ReadDouble(), 12)
    let namedParameters = written.named_parameters() |> Seq.map (fun struct (n, p) -> n, p)
    for (name, a), b in Seq.zip namedParameters (reference.parameters()) do
        // libtorch leaves a gradient that the loss does not reach undefined (null); the written-out one is 0.
        let expected = if isNull b.grad then torch.zeros_like(b) else b.grad
        let gap = (a.grad - expected).abs().max().ReadDouble()
        let scale = expected.abs().max().ReadDouble()
        Assert.True(
            gap < WrittenOutGradientTolerance * max 1.0 scale, $"{name}: gradients differ by {gap} (largest {scale})")
    penalty.ReadDouble() > 0.0

[<Theory>]
[<InlineData("relu", "two-sided", 2)>]
[<InlineData("relu", "one-sided", 2)>]
[<InlineData("leaky", "two-sided", 3)>]
[<InlineData("leaky", "one-sided", 1)>]
let ``written-out WGAN-GP gradients equal double back-propagation's`` (activation: string, sides: string, hidden: int) =
    TestSupport.pinThreads ()
    let activation = if activation = "relu" then ReLU else LeakyReLU 0.2
    let sides = if sides = "two-sided" then GradientPenalty.TwoSided else GradientPenalty.OneSided
    let spec = TestSupport.plainMlp 2 (List.replicate hidden 12) 1 activation
    let positive = writtenOutAgreesWithAutograd spec 10.0 sides 2.5 32 7
    Assert.True(positive, "the penalty is zero, so its gradients are not tested")

[<FsCheck.Xunit.Property(Arbitrary = [| typeof<Generators.Arbitraries> |], MaxTest = 40)>]
let ``written-out WGAN-GP gradients equal autograd's for any piecewise-linear MLP critic``
    (Generators.Seed seed)
    (Generators.BatchSize n)
    =
    // Architecture, activation, sides, lambda and steepness drawn from the seed.
    TestSupport.pinThreads ()
    let random = System.Random(int (seed % 1_000_000L))
    let spec =
        { Inputs = random.Next(1, 5)
          Hidden = List.init (random.Next(1, 4)) (fun _ -> random.Next(1, 10))
          Outputs = 1
          Activation = (if random.Next 2 = 0 then ReLU else LeakyReLU(([| 0.01; 0.2; 0.5 |]).[random.Next 3]))
          Normalization = NoNormalization }
    let sides = if random.Next 2 = 0 then GradientPenalty.TwoSided else GradientPenalty.OneSided
    let lambda = [| 0.5; 1.0; 10.0; 20.0 |][random.Next 4]
    let steepness = [| 0.5; 1.0; 2.5; 4.0 |][random.Next 4]
    writtenOutAgreesWithAutograd spec lambda sides steepness n (random.Next 10_000) |> ignore

[<Fact>]
let ``a critic without hidden layers or with normalisation goes through autograd`` () =
    use linear = new Mlp({ spec NoNormalization with Hidden = [] }, new torch.Generator(1UL))
    use normalised = new Mlp(spec LayerNorm, new torch.Generator(1UL))
    use plain = new Mlp(spec NoNormalization, new torch.Generator(1UL))
    Assert.False(MlpPenaltyGradients.applies linear)
    Assert.False(MlpPenaltyGradients.applies normalised)
    Assert.True(MlpPenaltyGradients.applies plain)
