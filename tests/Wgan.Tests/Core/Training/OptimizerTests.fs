/// The harness's optimisers: PyTorch's update rules, and the floor under their square roots that leaves every
/// update bit for bit as it is (FinalizerStressTests trains with them under garbage-collection pressure).
module Wgan.Tests.OptimizerTests

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
    (Scalars.mul w 2.0).sum().backward()
    optimizer.zero_grad()
    Assert.Equal<float[]>([| 0.0; 0.0; 0.0 |], values w.grad)

/// One update of an optimiser's rule with the same float32 operations as the Optimizer but a plain square root
/// (no floor): PyTorch's RMSProp, PyTorch's Adam with its bias corrections, or TensorFlow 1's Adam. Updates `p`
/// and `moments` in place.
let private referenceStep
    (spec: OptimizerSpec)
    (step: int)
    (p: torch.Tensor)
    (g: torch.Tensor)
    (moments: torch.Tensor[])
    =
    use eps = (1e-8).ToScalar()
    match spec with
    | RmsProp lr ->
        use alpha = (0.99).ToScalar()
        use oneMinusAlpha = (0.01).ToScalar()
        use minusLr = (-lr).ToScalar()
        moments[0].mul_(alpha).addcmul_(g, g, oneMinusAlpha) |> ignore
        p.addcdiv_(g, moments[0].sqrt().add_(eps, Scalars.one), minusLr) |> ignore
    | Adam (lr, beta1, beta2) ->
        use b1 = beta1.ToScalar()
        use oneMinusB1 = (1.0 - beta1).ToScalar()
        use b2 = beta2.ToScalar()
        use oneMinusB2 = (1.0 - beta2).ToScalar()
        use sqrtBias2 = (sqrt (1.0 - beta2 ** float step)).ToScalar()
        use minusStepSize = (-lr / (1.0 - beta1 ** float step)).ToScalar()
        moments[0].mul_(b1).add_(g, oneMinusB1) |> ignore
        moments[1].mul_(b2).addcmul_(g, g, oneMinusB2) |> ignore
        p.addcdiv_(moments[0], moments[1].sqrt().div_(sqrtBias2).add_(eps, Scalars.one), minusStepSize) |> ignore
    | TfAdam (lr, beta1, beta2) ->
        // TensorFlow 1's rule: the bias corrections folded into the step size, eps added to sqrt(v).
        use b1 = beta1.ToScalar()
        use oneMinusB1 = (1.0 - beta1).ToScalar()
        use b2 = beta2.ToScalar()
        use oneMinusB2 = (1.0 - beta2).ToScalar()
        use minusStepSize = (-(lr * sqrt (1.0 - beta2 ** float step) / (1.0 - beta1 ** float step))).ToScalar()
        moments[0].mul_(b1).add_(g, oneMinusB1) |> ignore
        moments[1].mul_(b2).addcmul_(g, g, oneMinusB2) |> ignore
        p.addcdiv_(moments[0], moments[1].sqrt().add_(eps, Scalars.one), minusStepSize) |> ignore
    | Sgd _
    | TfRmsProp _ -> invalidArg (nameof spec) "SGD and TensorFlow 1's RMSProp have no floor"

/// Float32 gradients whose squares are zero, subnormal, tiny or ordinary: the range where the floor applies and
/// the range around it.
let private awkwardGradients (seed: int) (step: int) =
    use random = new torch.Generator(uint64 (seed * 100 + step))
    let magnitudes = [| 0.0; 1e-30; 1e-22; 1e-20; 1e-18; 1e-17; 1e-16; 1e-15; 1e-14; 1e-12; 1e-8; 1e-4; 1.0 |]
    let scale = torch.tensor(Array.collect (fun m -> Array.create 64 m) magnitudes, dtype = torch.float32)
    torch.randn([| scale.shape[0] |], generator = random) * scale

[<Theory>]
[<InlineData("adam-0.9", 1)>]
[<InlineData("adam-0.999", 2)>]
[<InlineData("rmsprop", 3)>]
[<InlineData("tf-adam", 4)>]
let ``the square-root floor leaves every update bit for bit as the rule without it gives it``
    (name: string, seed: int)
    =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let spec =
        match name with
        | "adam-0.9" -> Adam(1e-4, 0.5, 0.9)
        | "adam-0.999" -> Adam(1e-3, 0.9, 0.999)
        | "tf-adam" -> TfAdam(1e-4, 0.5, 0.9)
        | _ -> RmsProp 5e-5
    // Starting at zero, every update shows in the parameter, however small it is.
    let w = torch.nn.Parameter(torch.zeros([| 832L |]))
    use optimizer = new Optimizer(spec, [ w ])
    let expected = w.detach().clone()
    let moments = [| torch.zeros([| 832L |]); torch.zeros([| 832L |]) |]
    // Later steps see moments decayed from earlier gradients, some of them subnormal.
    for step in 1 .. 40 do
        let g = if step % 10 = 0 then awkwardGradients seed step else torch.zeros([| 832L |])
        w.grad <- g.clone()
        optimizer.step() |> ignore
        referenceStep spec step expected g moments
        let differing = (w.detach().ne(expected)).sum().ReadInt64()
        Assert.True(
            (differing = 0L),
            $"{name}, step {step}: {differing} of 832 parameters differ from the rule without the floor")

/// Two steps of a TensorFlow 1 rule on the loss sum(w * c), whose gradient is the constant c = (2, -3).
let private twoTfSteps (spec: OptimizerSpec) =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let w = torch.nn.Parameter(torch.tensor([| 1.0; 1.0 |], dtype = torch.float64))
    let c = torch.tensor([| 2.0; -3.0 |], dtype = torch.float64)
    use optimizer = new Optimizer(spec, [ w ])
    for _ in 1 .. 2 do
        optimizer.zero_grad()
        (w * c).sum().backward()
        optimizer.step() |> ignore
    values w

[<Fact>]
let ``two steps follow TensorFlow 1's RMSProp, whose mean square starts at ones`` () =
    // tf.train.RMSPropOptimizer (training_ops ApplyRMSProp, decay 0.9, epsilon 1e-10, momentum 0), by hand for
    // g = 2: ms1 = 0.9 * 1 + 0.1 * 4 = 1.3, ms2 = 0.9 * 1.3 + 0.4 = 1.57;
    // w = 1 - 0.1 * 2 / sqrt 1.3 - 0.1 * 2 / sqrt 1.57.
    // For g = -3: ms1 = 0.9 + 0.9 = 1.8, ms2 = 1.62 + 0.9 = 2.52; w = 1 + 0.3 / sqrt 1.8 + 0.3 / sqrt 2.52.
    // (PyTorch's RMSprop starts from zero: its first step would be lr / sqrt(0.01) = 10 lr, not about 1.75 lr.)
    let w = twoTfSteps (TfRmsProp 0.1)
    Assert.Equal(1.0 - 0.2 / sqrt (1.3 + 1e-10) - 0.2 / sqrt (1.57 + 1e-10), w[0], 12)
    Assert.Equal(1.0 + 0.3 / sqrt (1.8 + 1e-10) + 0.3 / sqrt (2.52 + 1e-10), w[1], 12)

[<Fact>]
let ``two steps follow TensorFlow 1's Adam, whose epsilon is added before the bias correction`` () =
    // tf.train.AdamOptimizer (ApplyAdam): lr_t = lr sqrt(1 - b2^t) / (1 - b1^t); w <- w - lr_t m / (sqrt v + 1e-8).
    // With beta1 0.5, beta2 0.9 and constant g: m1 = 0.5 g, v1 = 0.1 g^2; m2 = 0.75 g, v2 = 0.19 g^2.
    let step t m v = 0.1 * sqrt (1.0 - 0.9 ** t) / (1.0 - 0.5 ** t) * m / (sqrt v + 1e-8)
    let expected g = 1.0 - step 1.0 (0.5 * g) (0.1 * g * g) - step 2.0 (0.75 * g) (0.19 * g * g)
    let w = twoTfSteps (TfAdam(0.1, 0.5, 0.9))
    Assert.Equal(expected 2.0, w[0], 12)
    Assert.Equal(expected -3.0, w[1], 12)

[<Fact>]
let ``tflib's He and Glorot bounds are sqrt 3 times their standard deviations`` () =
    // tflib/ops/linear.py (igul222/improved_wgan_training): uniform(+-sqrt(3) stdev); He stdev sqrt(2 / fan_in),
    // Glorot sqrt(2 / (fan_in + fan_out)). gan_toy.py: 512 -> 512 ReLU layers (He): sqrt(6 / 512) = 0.10825;
    // the 512 -> 1 output layer (Glorot): sqrt(6 / 513) = 0.10815.
    Assert.Equal(sqrt (6.0 / 512.0), Initialization.tflibBound Initialization.He 512L 512L, 12)
    Assert.Equal(sqrt (6.0 / 513.0), Initialization.tflibBound Initialization.Glorot 512L 1L, 12)
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use generator = new torch.Generator(3UL)
    let layer = torch.nn.Linear(512L, 1L)
    Initialization.tflibLinear generator Initialization.Glorot layer.weight layer.bias
    let w = values layer.weight
    Assert.True(w |> Array.forall (fun v -> abs v <= sqrt (6.0 / 513.0)), "a weight outside the Glorot bound")
    // 512 uniform draws fill the interval: the largest magnitude is within 2% of the bound.
    Assert.True((w |> Array.map abs |> Array.max) > 0.98 * sqrt (6.0 / 513.0), "the weights do not reach the bound")
    Assert.Equal<float[]>([| 0.0 |], values layer.bias)
