/// The harness's RMSProp (Optimizer with RmsProp): PyTorch's update rule, and no memory corruption after disposal.
[<Xunit.Collection(Wgan.Tests.MnistTestData.Collection)>]
module Wgan.Tests.RmsPropOptimizerTests

open TorchSharp
open Xunit
open Wgan.Core

let private values (t: torch.Tensor) = t.detach().cpu().to_type(torch.float64).contiguous().data<float>().ToArray()

[<Fact>]
let ``two steps follow torch.optim.RMSprop's rule`` () =
    // torch.optim.RMSprop (alpha 0.99, eps 1e-8, no momentum): s <- 0.99 s + 0.01 g^2, p <- p - lr g / (sqrt s + eps).
    // Loss sum(w * c) has the constant gradient g = c = (2, -3).
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let w = torch.nn.Parameter(torch.tensor([| 1.0; 1.0 |], dtype = torch.float64))
    let c = torch.tensor([| 2.0; -3.0 |], dtype = torch.float64)
    use optimizer = new Optimizer(RmsProp 0.1, [ w ])
    let mutable expected = [| 1.0; 1.0 |]
    let mutable s = [| 0.0; 0.0 |]
    for _ in 1 .. 2 do
        optimizer.zero_grad()
        (w * c).sum().backward()
        optimizer.step() |> ignore
        let g = [| 2.0; -3.0 |]
        s <- Array.map2 (fun s g -> 0.99 * s + 0.01 * g * g) s g
        expected <- Array.map3 (fun p g s -> p - 0.1 * g / (sqrt s + 1e-8)) expected g s
    Array.iter2 (fun (e: float) (a: float) -> Assert.Equal(e, a, 12)) expected (values w)

[<Fact>]
let ``zero_grad clears the gradients`` () =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let w = torch.nn.Parameter(torch.ones([| 3L |]))
    use optimizer = new Optimizer(RmsProp 0.1, [ w ])
    (w * 2.0).sum().backward()
    optimizer.zero_grad()
    Assert.Equal<float[]>([| 0.0; 0.0; 0.0 |], values w.grad)

[<Fact>]
let ``a disposed RMSProp leaves later trainings intact`` () =
    // Regression: after TorchSharp 0.107's torch.optim.RMSProp stepped and was disposed, 47 of 200 WGAN-GP
    // critics trained next in the process went NaN. Clip-and-RMSProp runs alternate with penalty runs here.
    TestSupport.pinThreads ()
    use data = new torch.Generator(9UL)
    use real = torch.rand([| 20L; 1L; 28L; 28L |], generator = data)
    use fake = torch.rand([| 20L; 1L; 28L; 28L |], generator = data)
    let train (constraintSpec: LipschitzConstraint) (optimizerSpec: OptimizerSpec) (seed: int) =
        use _ = torch.NewDisposeScope()
        use g = new torch.Generator(uint64 seed)
        use critic = new MnistCritic({ Dim = 2; Normalization = NoNormalization }, g)
        use optimizer = Optimizer.create optimizerSpec (critic.parameters())
        [ for _ in 1 .. 3 -> (CriticStep.criticStep critic optimizer constraintSpec real fake g).Loss ]
    for trial in 1 .. 30 do
        train (WeightClipping(0.01, AfterStep)) (RmsProp 5e-5) trial |> ignore
        let losses = train (GradientPenalty(10.0, GradientPenalty.TwoSided)) (Adam(1e-4, 0.5, 0.9)) trial
        Assert.True(losses |> List.forall System.Double.IsFinite, $"trial {trial}: {losses}")
