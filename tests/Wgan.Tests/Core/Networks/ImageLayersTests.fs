/// The layers of the architecture families (UnfoldedConv2d, ChannelLayerNorm, GatedUnit), each against a reference:
/// libtorch's own convolution in float64, and float[] implementations of tflib's layer norm and of gan_64x64.py's
/// gated nonlinearity.
module Wgan.Tests.ImageLayersTests

open Xunit
open TorchSharp
open Wgan.Core
open Wgan.Tests.TestSupport

/// Whether two arrays agree to `tolerance` relative to the larger magnitude in `b`.
let private close (tolerance: float) (a: float[]) (b: float[]) =
    let scale = 1.0 + (b |> Array.map abs |> Array.max)
    a.Length = b.Length && Array.forall2 (fun (x: float) (y: float) -> abs (x - y) <= tolerance * scale) a b

[<Theory>]
[<InlineData(1, 4, 5, 2, 2)>]
[<InlineData(3, 2, 3, 1, 1)>]
[<InlineData(4, 6, 3, 2, 1)>]
[<InlineData(4, 8, 1, 2, 0)>]
[<InlineData(2, 3, 1, 1, 0)>]
let ``the unfolded convolution is conv2d's cross-correlation, its input gradient too``
    (inChannels: int, outChannels: int, kernel: int, stride: int, padding: int)
    =
    // Reference: libtorch's conv2d in float64, where its gradients are sound (docs/performance.md).
    pinThreads ()
    use _ = torch.NewDisposeScope()
    use layer = new UnfoldedConv2d(int64 inChannels, int64 outChannels, int64 kernel, int64 stride, int64 padding, true)
    use data = new torch.Generator(11UL)
    use _ = torch.no_grad()
    layer.Weight.uniform_(-1.0, 1.0, data) |> ignore
    layer.Bias.uniform_(-1.0, 1.0, data) |> ignore
    let x = torch.rand([| 3L; int64 inChannels; 9L; 9L |], generator = data)
    let referenceOf (x64: torch.Tensor) =
        torch.nn.functional.conv2d(
            x64,
            layer.Weight.detach().to_type(torch.float64),
            layer.Bias.detach().to_type(torch.float64),
            strides = [| int64 stride; int64 stride |],
            padding = [| int64 padding; int64 padding |]
        )
    use _ = torch.enable_grad()
    let leaf = x.detach().requires_grad_(true)
    let y = layer.call leaf
    let gradient = torch.autograd.grad([| (y * y).sum() |], [| leaf |])[0]
    let leaf64 = x.to_type(torch.float64).requires_grad_(true)
    let y64 = referenceOf leaf64
    let gradient64 = torch.autograd.grad([| (y64 * y64).sum() |], [| leaf64 |])[0]
    Assert.Equal<int64[]>(y64.shape, y.shape)
    Assert.True(close 1e-5 (values y) (values y64), "forward")
    Assert.True(close 1e-5 (values gradient) (values gradient64), "input gradient")

[<Fact>]
let ``the channel layer norm is tflib's Layernorm over channels and space, with a scale and offset per channel`` () =
    pinThreads ()
    use _ = torch.NewDisposeScope()
    use norm = new ChannelLayerNorm(3L)
    use data = new torch.Generator(5UL)
    use _ = torch.no_grad()
    let scale, offset = [| 0.5; 2.0; -1.0 |], [| 0.1; -0.3; 0.7 |]
    norm.get_parameter("scale").copy_(torch.tensor(scale, dtype = torch.float32)) |> ignore
    norm.get_parameter("offset").copy_(torch.tensor(offset, dtype = torch.float32)) |> ignore
    let x = torch.randn([| 2L; 3L; 4L; 5L |], generator = data)
    let input = values x
    // tflib/ops/layernorm.py: moments over axes [1, 2, 3] per sample (biased variance), epsilon 1e-5, then
    // scale and offset indexed by the channel.
    let perSample = 3 * 4 * 5
    let expected =
        Array.init input.Length (fun i ->
            let sample = input[(i / perSample) * perSample .. (i / perSample + 1) * perSample - 1]
            let mean = Array.average sample
            let variance = sample |> Array.averageBy (fun v -> (v - mean) ** 2.0)
            let channel = (i % perSample) / 20
            (input[i] - mean) / sqrt (variance + 1e-5) * scale[channel] + offset[channel])
    Assert.True(close 1e-5 (values (norm.call x)) expected, "per-sample normalisation, per-channel affine")
    Assert.Equal(6L, norm.parameters() |> Seq.sumBy (fun p -> p.numel()))

[<Fact>]
let ``the gated unit multiplies the sigmoid of the even channels by the tanh of the odd ones`` () =
    pinThreads ()
    use _ = torch.NewDisposeScope()
    use gate = new GatedUnit()
    use data = new torch.Generator(3UL)
    let x = torch.randn([| 2L; 6L; 3L; 3L |], generator = data)
    let y = gate.call x
    Assert.Equal<int64[]>([| 2L; 3L; 3L; 3L |], y.shape)
    // gan_64x64.py line 92 and its callers: pixcnn_gated_nonlinearity(output[:, ::2], output[:, 1::2]).
    let input = values x
    let at n c p = input[(n * 6 + c) * 9 + p]
    let sigmoid v = 1.0 / (1.0 + exp (-v))
    let expected =
        [| for n in 0..1 do
               for c in 0..2 do
                   for p in 0..8 -> sigmoid (at n (2 * c) p) * tanh (at n (2 * c + 1) p) |]
    Assert.True(close 1e-6 (values y) expected, "sigmoid(a) * tanh(b)")
    Assert.Throws<System.ArgumentException>(fun () -> gate.call (torch.zeros([| 1L; 3L; 2L; 2L |])) |> ignore)
    |> ignore
