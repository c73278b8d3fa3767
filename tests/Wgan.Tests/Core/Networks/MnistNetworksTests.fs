/// The convolutional networks of gan_mnist.py (MnistCritic, MnistGenerator), the harness's DigitClassifier
/// and their seeded initialisation: shapes, parameter counts, normalisation layers, determinism.
[<Xunit.Collection(Wgan.Tests.MnistTestData.Collection)>]
module Wgan.Tests.MnistNetworksTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TorchSharp
open Wgan.Core
open Wgan.Tests.Generators

let private count (m: torch.nn.Module) = m.parameters() |> Seq.sumBy (fun p -> p.numel())

let private critic dim normalization seed =
    use g = new torch.Generator(uint64 seed)
    new MnistCritic({ Dim = dim; Normalization = normalization }, g)

let private generator dim normalization seed =
    use g = new torch.Generator(uint64 seed)
    new MnistGenerator({ Dim = dim; Latent = 128; Normalization = normalization }, g)

let private values (t: torch.Tensor) = t.detach().cpu().to_type(torch.float64).contiguous().data<float>().ToArray()

[<Fact>]
let ``the critic maps 28x28 images to one score each`` () =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use c = critic 4 NoNormalization 1L
    Assert.Equal<int64[]>([| 5L; 1L |], (c.call (torch.rand(5L, 1L, 28L, 28L))).shape)
    // Flat 784-pixel rows are accepted too (gan_mnist.py feeds [B, 784]).
    Assert.Equal<int64[]>([| 3L; 1L |], (c.call (torch.rand(3L, 784L))).shape)

[<Theory>]
[<InlineData(4)>]
[<InlineData(64)>]
let ``the critic has gan_mnist.py's layer sizes`` (dim: int) =
    TestSupport.pinThreads ()
    use c = critic dim NoNormalization 1L
    let d = int64 dim
    // gan_mnist.py Discriminator: 5x5 convolutions 1 -> DIM -> 2 DIM -> 4 DIM (weights + biases), then
    // Linear(4*4*4*DIM, 1).
    let expected = (25L * d + d) + (25L * d * 2L * d + 2L * d) + (25L * 2L * d * 4L * d + 4L * d) + (64L * d + 1L)
    Assert.Equal(expected, count c)

[<Fact>]
let ``batch norm adds a scale and a shift per channel after the second and third convolutions`` () =
    TestSupport.pinThreads ()
    use plain = critic 4 NoNormalization 1L
    use normalised = critic 4 BatchNorm 1L
    // gan_mnist.py's WGAN-clip critic: Batchnorm over 2 DIM and 4 DIM channels.
    Assert.Equal(count plain + 2L * (8L + 16L), count normalised)

[<Fact>]
let ``the generator maps 128-d noise to 28x28 images in (0, 1)`` () =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use g = generator 4 NoNormalization 1L
    use noise = new torch.Generator(2UL)
    let images = g.call (torch.randn([| 6L; 128L |], generator = noise))
    Assert.Equal<int64[]>([| 6L; 1L; 28L; 28L |], images.shape)
    let v = values images
    Assert.True(v |> Array.forall (fun x -> x > 0.0 && x < 1.0), "sigmoid output")

[<Theory>]
[<InlineData(4)>]
[<InlineData(64)>]
let ``the generator has gan_mnist.py's layer sizes`` (dim: int) =
    TestSupport.pinThreads ()
    use g = generator dim NoNormalization 1L
    let d = int64 dim
    // gan_mnist.py Generator: Linear(128, 4*4*4*DIM), 5x5 deconvolutions 4 DIM -> 2 DIM -> DIM -> 1.
    let expected =
        (128L * 64L * d + 64L * d) + (25L * 4L * d * 2L * d + 2L * d) + (25L * 2L * d * d + d) + (25L * d + 1L)
    Assert.Equal(expected, count g)

[<Property(Arbitrary = [| typeof<MnistArbitraries> |], MaxTest = 5)>]
let ``a seed fixes the networks`` (Seed seed) =
    TestSupport.pinThreads ()
    use a = critic 4 NoNormalization seed
    use b = critic 4 NoNormalization seed
    use other = critic 4 NoNormalization (seed + 1L)
    let flat (m: torch.nn.Module) = m.parameters() |> Seq.collect values |> Array.ofSeq
    (flat a = flat b |@ "same seed, same parameters") .&. (flat a <> flat other |@ "another seed, other parameters")

[<Fact>]
let ``weights and biases start within PyTorch's default bound 1/sqrt(fan_in)`` () =
    TestSupport.pinThreads ()
    use g = generator 4 NoNormalization 3L
    let parameters = g.named_parameters() |> Seq.map (fun struct (name, p) -> name, (p :> torch.Tensor)) |> Map.ofSeq
    for KeyValue (name, weight) in parameters do
        if name.EndsWith ".weight" then
            // fan_in as PyTorch computes it: shape[1] x kernel area (a transposed convolution's output channels).
            let fanIn = weight.shape[1] * (weight.shape |> Array.skip 2 |> Array.fold (*) 1L)
            let bound = 1.0 / sqrt (float fanIn)
            for tensor in [ weight; parameters[name.Replace(".weight", ".bias")] ] do
                Assert.True(values tensor |> Array.forall (fun v -> abs v <= bound), $"{name} exceeds {bound}")

[<Fact>]
let ``the classifier gives features and ten logits`` () =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use g = new torch.Generator(1UL)
    use c = new DigitClassifier({ Channels = 4; Features = 12 }, g)
    let x = torch.rand(7L, 1L, 28L, 28L)
    Assert.Equal<int64[]>([| 7L; 12L |], (c.Features x).shape)
    Assert.Equal<int64[]>([| 7L; 10L |], (c.call x).shape)

[<Fact>]
let ``the unfolded and the native convolutions compute the same critic`` () =
    // Same cross-correlation, different summation order: float32 rounding only (relative 1e-5).
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use c = critic 4 NoNormalization 5L
    use data = new torch.Generator(6UL)
    let x = torch.rand([| 8L; 1L; 28L; 28L |], generator = data)
    let native = values (c.call x)
    let unfolded = values (c.call (x.detach().requires_grad_(true)))
    let agree (a: float) (b: float) = Assert.True(abs (a - b) <= 1e-5 * (1.0 + abs a), $"{a} vs {b}")
    Array.iter2 agree native unfolded

/// Whether two arrays agree to a relative tolerance (relative to the larger magnitude in `b`).
let private close (tolerance: float) (a: float[]) (b: float[]) =
    let scale = 1.0 + (b |> Array.map abs |> Array.max)
    a.Length = b.Length && Array.forall2 (fun (x: float) (y: float) -> abs (x - y) <= tolerance * scale) a b

/// The critic's input gradient by autograd, in float64 (where libtorch's convolution gradients are sound).
let private inputGradient64 (c: MnistCritic) (x: torch.Tensor) =
    use c64 = critic c.Spec.Dim c.Spec.Normalization 0L
    c64.load_state_dict(c.state_dict()) |> ignore
    c64.``to``(torch.float64) |> ignore
    let leaf = x.to_type(torch.float64).requires_grad_(true)
    values (torch.autograd.grad([| (c64.call leaf).sum() |], [| leaf |])[0])

[<Property(Arbitrary = [| typeof<MnistArbitraries> |], MaxTest = 5)>]
let ``the critic's explicit input gradient equals autograd's in float64`` (Seed seed) =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use c = critic 6 NoNormalization seed
    use data = new torch.Generator(uint64 seed + 1UL)
    let x = torch.rand([| 5L; 1L; 28L; 28L |], generator = data)
    let explicitGradients = (c :> GradientPenalty.IExplicitInputGradient).InputGradients x
    (explicitGradients.shape = x.shape |@ "same shape as the input")
    .&. (close 1e-5 (values explicitGradients) (inputGradient64 c x) |@ "same values")

[<Theory>]
[<InlineData(4)>]
[<InlineData(8)>]
let ``the critic's float32 input gradient by autograd is right at narrow widths`` (dim: int) =
    // libtorch 2.10's native float32 conv2d input gradient is wrong at 1 -> 4 and 1 -> 8 channels (see
    // MnistCritic.fs); the critic's differentiable forward must not use it (the generator step relies on it).
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use c = critic dim NoNormalization 3L
    use data = new torch.Generator(4UL)
    let x = torch.rand([| 5L; 1L; 28L; 28L |], generator = data)
    let leaf = x.detach().requires_grad_(true)
    let autograd = values (torch.autograd.grad([| (c.call leaf).sum() |], [| leaf |])[0])
    Assert.True(close 1e-5 autograd (inputGradient64 c x), "float32 autograd input gradient differs from float64's")

[<Property(Arbitrary = [| typeof<MnistArbitraries> |], MaxTest = 3)>]
let ``the penalty's weight gradients through the explicit chain equal double back-propagation's`` (Seed seed) =
    // In float64, where libtorch's convolution double backward is sound (see MnistCritic.fs).
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use c = critic 4 NoNormalization seed
    c.``to``(torch.float64) |> ignore
    use data = new torch.Generator(uint64 seed + 7UL)
    let x = torch.rand([| 4L; 1L; 28L; 28L |], dtype = torch.float64, generator = data)
    let weightGradients (penalty: unit -> torch.Tensor) =
        for p in c.parameters() do p.grad <- null
        (penalty ()).backward()
        // A bias changes only the activation pattern, so its penalty gradient is zero: autograd gives
        // zeros, the explicit chain no gradient at all.
        c.parameters() |> Seq.collect TestSupport.gradientOrZeros |> Array.ofSeq
    let squaredNorms (g: torch.Tensor) = Scalars.pow (g.flatten(1L)) 2.0 |> fun t -> t.sum()
    let viaChain =
        weightGradients (fun () -> squaredNorms ((c :> GradientPenalty.IExplicitInputGradient).InputGradients x))
    let viaAutograd =
        weightGradients (fun () ->
            let leaf = x.detach().requires_grad_(true)
            let scores = (c.call leaf).sum()
            squaredNorms (torch.autograd.grad([| scores |], [| leaf |], create_graph = true, retain_graph = true)[0]))
    close 1e-9 viaChain viaAutograd

[<Fact>]
let ``a critic with normalisation has no explicit input gradient`` () =
    TestSupport.pinThreads ()
    use c = critic 4 LayerNorm 1L
    let explicitGradient = c :> GradientPenalty.IExplicitInputGradient
    Assert.False explicitGradient.HasExplicitInputGradient
    Assert.Throws<System.InvalidOperationException>(fun () ->
        explicitGradient.InputGradients(torch.rand(2L, 1L, 28L, 28L)) |> ignore)
    |> ignore

[<Theory>]
[<InlineData(2)>]
[<InlineData(4)>]
let ``critic training steps give finite weight gradients when freed memory holds NaN`` (dim: int) =
    // Regression: libtorch 2.10 computes the float32 conv2d input gradient at 2 -> 4 channels (conv2 at DIM 2)
    // from uninitialised memory; with freed memory filled with NaN first, 53 of 300 such backward passes gave
    // NaN conv1 gradients before the critic trained through its unfolded convolutions below DIM 4.
    TestSupport.pinThreads ()
    use data = new torch.Generator(9UL)
    use real = torch.rand([| 20L; 1L; 28L; 28L |], generator = data)
    use fake = torch.rand([| 20L; 1L; 28L; 28L |], generator = data)
    use nan = System.Double.NaN.ToScalar()
    let nonFinite =
        [ for trial in 1 .. 100 do
              do
                  use _ = torch.NewDisposeScope()
                  for k in 0 .. 40 do torch.empty([| 1L <<< (8 + k % 14) |]).fill_(nan) |> ignore
              use _ = torch.NewDisposeScope()
              use c = critic dim NoNormalization (int64 trial)
              (Losses.criticLoss (c.call real) (c.call fake)).backward()
              for struct (name, p) in c.named_parameters() do
                  if not (p.grad.isfinite().all().ReadBoolean()) then yield $"trial {trial}: {name}" ]
    Assert.Empty(nonFinite)
