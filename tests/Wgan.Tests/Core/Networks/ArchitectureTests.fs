/// The architecture families of WGAN-GP Figure 2 (Architecture.fs): each family's defining property read off the
/// built modules (normalisation layers, filter counts, gated units, nonlinearities, depth), parameter counts
/// against closed forms derived here from gan_64x64.py's layer lists, output shapes and ranges, and a gradient that
/// reaches every parameter. Tiny widths and batches keep every test well under a second.
module Wgan.Tests.ArchitectureTests

open Xunit
open TorchSharp
open Wgan.Core
open Wgan.Tests.TestSupport

/// Small sizes: DIM 4 (a multiple of 4, for the ResNets), z of 8, FC_DIM 16, one ResNet block per resolution.
let private small (architecture: Architecture) (criticNormalization: Normalization) : ArchitectureSpec =
    { Architecture = architecture
      Dim = 4
      Latent = 8
      FcWidth = 16
      ResnetBlocks = 1
      CriticNormalization = criticNormalization }

let private parse (name: string) =
    match Architecture.tryParse name with
    | Ok architecture -> architecture
    | Error message -> failwith message

let private build (spec: ArchitectureSpec) (seed: uint64) =
    use generator = new torch.Generator(seed)
    Architecture.build spec generator

let private parameterCount (m: torch.nn.Module) = m.parameters() |> Seq.sumBy (fun p -> p.numel())

/// Every module below `m` (itself excluded).
let private modulesOf (m: torch.nn.Module) =
    m.named_modules()
    |> Seq.map (fun struct (_, child) -> child)
    |> Seq.filter (fun c -> not (obj.ReferenceEquals(c, m)))
    |> List.ofSeq

/// The modules below `m` of type 'T, in registration order.
let private modulesOfType<'T> (m: torch.nn.Module) : 'T list =
    modulesOf m |> List.choose (fun c -> match box c with :? 'T as t -> Some t | _ -> None)

let private countOf<'T> (m: torch.nn.Module) = (modulesOfType<'T> m).Length

let private isNormalization (m: torch.nn.Module) =
    match m with
    | :? Modules.BatchNorm
    | :? ChannelLayerNorm
    | :? Modules.LayerNorm
    | :? Modules.GroupNorm -> true
    | _ -> false

let private normalizationCount (m: torch.nn.Module) = modulesOf m |> List.filter isNormalization |> List.length

/// Activation modules by kind: ReLU, LeakyReLU (Layers.ActivationModule named so), Tanh, GatedUnit.
let private activationCount (kind: string) (m: torch.nn.Module) =
    modulesOf m
    |> List.filter (fun c ->
        match kind, c with
        | "ReLU", (:? Modules.ReLU) -> true
        | "Tanh", (:? Modules.Tanh) -> true
        | "GatedUnit", (:? GatedUnit) -> true
        | "LeakyReLU", (:? Layers.ActivationModule as a) -> a.GetName() = "LeakyReLU"
        | _ -> false)
    |> List.length

let private allNames = Architecture.all |> List.map Architecture.name

[<Fact>]
let ``every family parses from its manifest name and an unknown name lists the valid ones`` () =
    Assert.Equal<string list>(
        [ "dcgan"; "wgan-paper-crippled-dcgan"; "fc"; "dcgan-no-normalization"; "multiplicative-dcgan"; "dcgan-tanh"
          "resnet" ],
        allNames)
    for architecture in Architecture.all do
        Assert.Equal(Ok architecture, Architecture.tryParse (Architecture.name architecture))
        Assert.False(System.String.IsNullOrWhiteSpace(Architecture.source architecture))
    match Architecture.tryParse "DCGAN" with
    | Ok _ -> failwith "names are exact"
    | Error message -> for name in allNames do Assert.Contains($"\"{name}\"", message)

[<Theory>]
[<InlineData("dcgan")>]
[<InlineData("wgan-paper-crippled-dcgan")>]
[<InlineData("fc")>]
[<InlineData("dcgan-no-normalization")>]
[<InlineData("multiplicative-dcgan")>]
[<InlineData("dcgan-tanh")>]
[<InlineData("resnet")>]
let ``generators map noise to 28x28 images in [-1, 1] and discriminators map images to one value each``
    (name: string)
    =
    pinThreads ()
    use _ = torch.NewDisposeScope()
    use networks = build (small (parse name) BatchNorm) 1UL
    use data = new torch.Generator(2UL)
    let images = networks.Generator.call (torch.randn([| 3L; 8L |], generator = data))
    Assert.Equal<int64[]>([| 3L; 1L; 28L; 28L |], images.shape)
    Assert.True(values images |> Array.forall (fun v -> v >= -1.0 && v <= 1.0), "tanh output")
    let scores = networks.Discriminator.call images
    Assert.Equal<int64[]>([| 3L |], scores.shape)
    Assert.True(values scores |> Array.forall System.Double.IsFinite, "finite scores")
    // Flat 784-pixel rows are accepted too (gan_64x64.py feeds [B, OUTPUT_DIM]).
    Assert.Equal<int64[]>([| 3L |], (networks.Discriminator.call (images.view(3L, 784L))).shape)

/// Parameters whose gradient is zero by construction: the bias of a layer followed directly by batch norm, which
/// subtracts each channel's batch mean and so removes any per-channel constant (gan_64x64.py keeps those biases).
let rec private biasesBeforeBatchNorm (prefix: string) (m: torch.nn.Module) : string list =
    let children = m.named_children() |> Seq.map (fun struct (name, child) -> name, child) |> List.ofSeq
    let here =
        children
        |> List.pairwise
        |> List.choose (fun ((name, layer), (_, next)) ->
            let hasBias = layer.named_parameters() |> Seq.exists (fun struct (n, _) -> n = "bias")
            if next :? Modules.BatchNorm && hasBias then
                Some $"{prefix}{name}.bias"
            else None)
    here @ (children |> List.collect (fun (name, child) -> biasesBeforeBatchNorm $"{prefix}{name}." child))

[<Theory>]
[<InlineData("dcgan", "batch")>]
[<InlineData("dcgan", "layer")>]
[<InlineData("wgan-paper-crippled-dcgan", "batch")>]
[<InlineData("fc", "layer")>]
[<InlineData("dcgan-no-normalization", "batch")>]
[<InlineData("multiplicative-dcgan", "batch")>]
[<InlineData("multiplicative-dcgan", "layer")>]
[<InlineData("dcgan-tanh", "layer")>]
[<InlineData("resnet", "batch")>]
[<InlineData("resnet", "layer")>]
let ``one backward pass reaches every parameter of the generator and the discriminator`` (name: string, norm: string) =
    pinThreads ()
    use _ = torch.NewDisposeScope()
    let normalization = if norm = "batch" then BatchNorm else LayerNorm
    use networks = build (small (parse name) normalization) 3UL
    use data = new torch.Generator(4UL)
    let fake = networks.Generator.call (torch.randn([| 4L; 8L |], generator = data))
    let real = Scalars.sub (Scalars.mul (torch.rand([| 4L; 1L; 28L; 28L |], generator = data)) 2.0) 1.0
    // The sum, not the critic's difference E D(fake) - E D(real): in the difference, whatever enters every score
    // alike (the output bias, a last layer's shift) cancels, and its gradient is rightly zero.
    let fakeScore, realScore = (networks.Discriminator.call fake).mean(), (networks.Discriminator.call real).mean()
    let loss = Scalars.addTensors fakeScore realScore
    loss.backward()
    for network in [ networks.Generator; networks.Discriminator ] do
        let exempt = set (biasesBeforeBatchNorm "" network)
        for struct (parameterName, p) in network.named_parameters() do
            Assert.False(isNull p.grad, $"{name}: {parameterName} has no gradient")
            let g = values p.grad
            Assert.True(g |> Array.forall System.Double.IsFinite, $"{name}: {parameterName} has a non-finite gradient")
            if not (exempt.Contains parameterName) then
                Assert.True(g |> Array.exists (fun v -> v <> 0.0), $"{name}: {parameterName}'s gradient is zero")

// Closed forms, from gan_64x64.py's layer lists at 28 x 28 (three stride-2 layers, as gan_mnist.py): a 5x5 layer
// from a to b channels has 25 a b weights and b biases; batch norm and tflib's layer norm have 2 per channel.

/// DCGANGenerator-shaped: Linear(z, 16 w1 f), 5x5 deconvolutions w1 -> w2 f -> ..., the last to 1; `f` = 2 for gated
/// layers; `normalized`: a scale and shift per channel after the linear layer and the two hidden deconvolutions.
let private dcganGeneratorCount (z: int64) (w1: int64) (w2: int64) (w3: int64) (f: int64) (normalized: bool) =
    let norm channels = if normalized then 2L * channels else 0L
    (z * 16L * w1 * f + 16L * w1 * f) + norm (w1 * f)
    + (25L * w1 * w2 * f + w2 * f) + norm (w2 * f)
    + (25L * w2 * w3 * f + w3 * f) + norm (w3 * f)
    + (25L * w3 + 1L)

/// DCGANDiscriminator-shaped: 5x5 convolutions 1 -> d f, d -> 2 d f, 2 d -> 4 d f, normalisation after the last two,
/// Linear(4 x 4 x 4 d, 1).
let private dcganDiscriminatorCount (d: int64) (f: int64) (normalized: bool) =
    let norm channels = if normalized then 2L * channels else 0L
    (25L * d * f + d * f) + (25L * d * 2L * d * f + 2L * d * f) + norm (2L * d * f)
    + (25L * 2L * d * 4L * d * f + 4L * d * f) + norm (4L * d * f) + (64L * d + 1L)

/// BottleneckResidualBlock: shortcut (none, 1x1 a -> b, or 1x1 a -> 4 b for the subpixel upsampling), 1x1 a -> a/2,
/// 3x3 a/2 -> b/2, 1x1 b/2 -> b without bias, normalisation of b channels.
let private blockCount (a: int64) (b: int64) (up: bool) (identity: bool) (normalized: bool) =
    let shortcut = if identity then 0L elif up then a * 4L * b + 4L * b else a * b + b
    shortcut + (a * (a / 2L) + a / 2L) + (9L * (a / 2L) * (b / 2L) + b / 2L) + (b / 2L) * b
    + (if normalized then 2L * b else 0L)

/// ResnetGenerator at 28 x 28 with k blocks per resolution: Linear(z, 16 x 4 d), k blocks at 4 d, up to 2 d, k blocks,
/// up to d, k blocks, up to d / 2, k blocks, 1x1 convolution to 1 channel (batch norm in every block).
let private resnetGeneratorCount (z: int64) (d: int64) (k: int64) =
    let keep c = k * blockCount c c false true true
    (z * 64L * d + 64L * d) + keep (4L * d) + blockCount (4L * d) (2L * d) true false true + keep (2L * d)
    + blockCount (2L * d) d true false true + keep d + blockCount d (d / 2L) true false true + keep (d / 2L)
    + (d / 2L + 1L)

/// ResnetDiscriminator at 28 x 28: 1x1 convolution 1 -> d / 2, k blocks, down to d, ..., down to 4 d, k blocks,
/// Linear(4 x 4 x 4 d, 1).
let private resnetDiscriminatorCount (d: int64) (k: int64) (normalized: bool) =
    let keep c = k * blockCount c c false true normalized
    (d / 2L + d / 2L) + keep (d / 2L) + blockCount (d / 2L) d false false normalized + keep d
    + blockCount d (2L * d) false false normalized + keep (2L * d) + blockCount (2L * d) (4L * d) false false normalized
    + keep (4L * d) + (64L * d + 1L)

/// The closed-form counts of a family's generator and discriminator.
let private expectedCounts (spec: ArchitectureSpec) : int64 * int64 =
    let z, d, k = int64 spec.Latent, int64 spec.Dim, int64 spec.ResnetBlocks
    let criticNormalized = spec.CriticNormalization <> NoNormalization
    let dcganD = dcganDiscriminatorCount d 1L criticNormalized
    match spec.Architecture with
    | Architecture.Dcgan -> dcganGeneratorCount z (4L * d) (2L * d) d 1L true, dcganD
    | Architecture.WganPaperCrippledDcgan -> dcganGeneratorCount z d d d 1L false, dcganD
    | Architecture.Fc ->
        // FCGenerator: Linear(z, W), 3 x Linear(W, W), Linear(W, 784).
        let w = int64 spec.FcWidth
        (z * w + w) + 3L * (w * w + w) + (w * 784L + 784L), dcganD
    | Architecture.NoNormalization ->
        dcganGeneratorCount z (4L * d) (2L * d) d 1L false, dcganDiscriminatorCount d 1L false
    | Architecture.Multiplicative ->
        dcganGeneratorCount z (4L * d) (2L * d) d 2L true, dcganDiscriminatorCount d 2L criticNormalized
    | Architecture.Tanh -> dcganGeneratorCount z (4L * d) (2L * d) d 1L true, dcganD
    | Architecture.Resnet -> resnetGeneratorCount z d k, resnetDiscriminatorCount d k criticNormalized

[<Theory>]
[<InlineData("dcgan", 4, 1)>]
[<InlineData("dcgan", 16, 1)>]
[<InlineData("wgan-paper-crippled-dcgan", 4, 1)>]
[<InlineData("wgan-paper-crippled-dcgan", 16, 1)>]
[<InlineData("fc", 4, 1)>]
[<InlineData("dcgan-no-normalization", 4, 1)>]
[<InlineData("multiplicative-dcgan", 4, 1)>]
[<InlineData("multiplicative-dcgan", 16, 1)>]
[<InlineData("dcgan-tanh", 8, 1)>]
[<InlineData("resnet", 4, 1)>]
[<InlineData("resnet", 8, 2)>]
[<InlineData("resnet", 16, 1)>]
let ``parameter counts equal the closed forms`` (name: string, dim: int, blocks: int) =
    pinThreads ()
    for normalization in [ BatchNorm; LayerNorm; NoNormalization ] do
        let spec =
            { small (parse name) normalization with Dim = dim; Latent = 128; FcWidth = 512; ResnetBlocks = blocks }
        use networks = build spec 5UL
        let expectedGenerator, expectedDiscriminator = expectedCounts spec
        Assert.Equal(expectedGenerator, parameterCount networks.Generator)
        Assert.Equal(expectedDiscriminator, parameterCount networks.Discriminator)

[<Fact>]
let ``every family's default sizes give the closed-form counts`` () =
    pinThreads ()
    for architecture in Architecture.all do
        let spec = Architecture.defaults architecture
        use networks = build spec 6UL
        Assert.Equal(expectedCounts spec, (parameterCount networks.Generator, parameterCount networks.Discriminator))

[<Fact>]
let ``the DCGAN baseline has batch norm in G and the selected normalisation in D`` () =
    pinThreads ()
    for normalization, batch, layer in [ BatchNorm, 2, 0; LayerNorm, 0, 2; NoNormalization, 0, 0 ] do
        use networks = build (small Architecture.Dcgan normalization) 1UL
        // DCGANGenerator: Normalize after the linear layer and three (here two) hidden deconvolutions; ReLU.
        Assert.Equal(3, countOf<Modules.BatchNorm> networks.Generator)
        Assert.Equal(3, activationCount "ReLU" networks.Generator)
        // DCGANDiscriminator: Normalize after every convolution but the first; LayerNorm in wgan-gp mode.
        Assert.Equal(batch, countOf<Modules.BatchNorm> networks.Discriminator)
        Assert.Equal(layer, countOf<ChannelLayerNorm> networks.Discriminator)
        Assert.Equal(3, activationCount "LeakyReLU" networks.Discriminator)

[<Fact>]
let ``no normalisation anywhere has no normalisation layer in G or D whatever the critic asks`` () =
    pinThreads ()
    for normalization in [ BatchNorm; LayerNorm; NoNormalization ] do
        use networks = build (small Architecture.NoNormalization normalization) 1UL
        Assert.Equal(0, normalizationCount networks.Generator)
        Assert.Equal(0, normalizationCount networks.Discriminator)

[<Fact>]
let ``the crippled generator has no batch norm and the same number of filters in every layer`` () =
    pinThreads ()
    use networks = build { small Architecture.WganPaperCrippledDcgan BatchNorm with Dim = 6 } 1UL
    Assert.Equal(0, normalizationCount networks.Generator)
    let deconvolutions = modulesOfType<Modules.ConvTranspose2d> networks.Generator
    // ConvTranspose2d's weight is [in, out, k, k]: DIM -> DIM, DIM -> DIM, DIM -> 1 (the image).
    let shapes = deconvolutions |> List.map (fun c -> c.weight.shape[0], c.weight.shape[1])
    Assert.Equal<(int64 * int64) list>([ 6L, 6L; 6L, 6L; 6L, 1L ], shapes)
    let linear = modulesOfType<Modules.Linear> networks.Generator |> List.exactlyOne
    Assert.Equal(16L * 6L, linear.weight.shape[0])
    // Its discriminator is the DCGAN one, batch norm included.
    Assert.Equal(2, countOf<Modules.BatchNorm> networks.Discriminator)

[<Fact>]
let ``the FC generator is four ReLU layers of FC_DIM units, a linear output and tanh`` () =
    pinThreads ()
    use networks = build { small Architecture.Fc BatchNorm with FcWidth = 24 } 1UL
    let linears = modulesOfType<Modules.Linear> networks.Generator
    let shapes = linears |> List.map (fun l -> l.weight.shape[1], l.weight.shape[0])
    Assert.Equal<(int64 * int64) list>([ 8L, 24L; 24L, 24L; 24L, 24L; 24L, 24L; 24L, 784L ], shapes)
    Assert.Equal(4, activationCount "ReLU" networks.Generator)
    Assert.Equal(1, activationCount "Tanh" networks.Generator)
    Assert.Equal(0, normalizationCount networks.Generator)
    Assert.Equal(0, countOf<Modules.ConvTranspose2d> networks.Generator + countOf<UnfoldedConv2d> networks.Generator)

[<Fact>]
let ``gated units follow every hidden layer, each fed twice the channels it passes on`` () =
    pinThreads ()
    let d = 4L
    use networks = build (small Architecture.Multiplicative LayerNorm) 1UL
    for network in [ networks.Generator; networks.Discriminator ] do
        Assert.Equal(3, activationCount "GatedUnit" network)
        for kind in [ "ReLU"; "LeakyReLU" ] do Assert.Equal(0, activationCount kind network)
    // MultiplicativeDCGANGenerator: Linear(z, 4x4 x 8 DIM x 2) (here 4 DIM x 2), deconvolutions from the gated
    // width to twice the next width; the output deconvolution to the image is not gated (tanh).
    let linear = modulesOfType<Modules.Linear> networks.Generator |> List.exactlyOne
    Assert.Equal(16L * 4L * d * 2L, linear.weight.shape[0])
    let deconvolutions =
        modulesOfType<Modules.ConvTranspose2d> networks.Generator
        |> List.map (fun c -> c.weight.shape[0], c.weight.shape[1])
    Assert.Equal<(int64 * int64) list>([ 4L * d, 2L * d * 2L; 2L * d, d * 2L; d, 1L ], deconvolutions)
    // MultiplicativeDCGANDiscriminator: convolutions 1 -> DIM x 2, DIM -> 2 DIM x 2, 2 DIM -> 4 DIM x 2.
    let convolutions =
        modulesOfType<UnfoldedConv2d> networks.Discriminator |> List.map (fun c -> c.InChannels, c.OutChannels)
    Assert.Equal<(int64 * int64) list>([ 1L, d * 2L; d, 2L * d * 2L; 2L * d, 4L * d * 2L ], convolutions)
    // Normalisation acts on the doubled width, before the gate (gan_64x64.py lines 328-330, 375-377).
    let norms = modulesOfType<ChannelLayerNorm> networks.Discriminator |> List.map (fun n -> n.Channels)
    Assert.Equal<int64 list>([ 2L * d * 2L; 4L * d * 2L ], norms)

[<Fact>]
let ``tanh everywhere has tanh after every layer and no rectifier`` () =
    pinThreads ()
    use networks = build (small Architecture.Tanh BatchNorm) 1UL
    // Three hidden tanh layers and the output tanh in G; three in D; batch norm kept (bn=True).
    Assert.Equal(4, activationCount "Tanh" networks.Generator)
    Assert.Equal(3, activationCount "Tanh" networks.Discriminator)
    for network in [ networks.Generator; networks.Discriminator ] do
        for kind in [ "ReLU"; "LeakyReLU"; "GatedUnit" ] do Assert.Equal(0, activationCount kind network)
    Assert.Equal(3, countOf<Modules.BatchNorm> networks.Generator)
    Assert.Equal(2, countOf<Modules.BatchNorm> networks.Discriminator)

[<Theory>]
[<InlineData(1)>]
[<InlineData(2)>]
let ``the ResNets have 4 k + 3 bottleneck blocks and ResnetDepth's layer count`` (blocks: int) =
    pinThreads ()
    // gan_64x64.py: 6 + 6 + 6 + 6 + 5 blocks at five resolutions, 4 resampling blocks, 3 layers each, plus the
    // input and output layers, in each of G and D.
    Assert.Equal(ResnetDepth.Authors, 3 * (6 + 6 + 6 + 6 + 5 + 4) + 2)
    use networks = build { small Architecture.Resnet LayerNorm with ResnetBlocks = blocks } 1UL
    for network in [ networks.Generator; networks.Discriminator ] do
        let blockModules = modulesOfType<BottleneckBlock> network
        Assert.Equal(4 * blocks + 3, blockModules.Length)
        // Weight layers on the main path: each block's three convolutions, the input and the output layers.
        Assert.Equal(ResnetDepth.layers blocks, 3 * blockModules.Length + 2)
        Assert.Equal(blockModules.Length, normalizationCount network)
    let resamples (network: torch.nn.Module) =
        modulesOfType<BottleneckBlock> network |> List.map (fun b -> b.Resample) |> List.filter ((<>) Resample.Keep)
    Assert.Equal<Resample list>(List.replicate 3 Resample.Up, resamples networks.Generator)
    Assert.Equal<Resample list>(List.replicate 3 Resample.Down, resamples networks.Discriminator)
    // Batch norm in G (gan_64x64.py's generators), the selected layer norm in D.
    Assert.Equal(4 * blocks + 3, countOf<Modules.BatchNorm> networks.Generator)
    Assert.Equal(4 * blocks + 3, countOf<ChannelLayerNorm> networks.Discriminator)

[<Fact>]
let ``DCGAN weights start uniform with stdev 0.02 and every bias at zero`` () =
    pinThreads ()
    use networks = build (Architecture.defaults Architecture.Dcgan) 7UL
    // gan_64x64.py lines 235-237 and 431-433: set_weights_stdev(0.02); tflib draws U(-0.02 sqrt 3, 0.02 sqrt 3).
    let bound = 0.02 * sqrt 3.0
    for network in [ networks.Generator; networks.Discriminator ] do
        for struct (name, p) in network.named_parameters() do
            let v = values p
            if name.EndsWith "bias" && not (name.StartsWith "norm") then Assert.True(Array.forall ((=) 0.0) v, name)
            elif name.EndsWith "weight" && not (name.StartsWith "norm") then
                Assert.True(Array.forall (fun w -> abs w <= bound) v, $"{name} within the bound")
                Assert.True(Array.exists (fun w -> abs w > 0.9 * bound) v, $"{name} reaches near the bound")

[<Theory>]
[<InlineData("dcgan")>]
[<InlineData("resnet")>]
[<InlineData("multiplicative-dcgan")>]
let ``the discriminators' float32 input gradients equal float64's at a narrow width`` (name: string) =
    // libtorch 2.10's float32 conv2d input gradient is wrong at 1 -> 4 channels (docs/performance.md); the first
    // layers here have 1 -> 4 (dcgan), 1 -> 2 (resnet) and 1 -> 8 (gated) channels.
    pinThreads ()
    use _ = torch.NewDisposeScope()
    let spec = small (parse name) LayerNorm
    use networks = build spec 9UL
    use wide = build spec 0UL
    wide.Discriminator.load_state_dict(networks.Discriminator.state_dict()) |> ignore
    wide.Discriminator.``to``(torch.float64) |> ignore
    use data = new torch.Generator(10UL)
    let x = torch.rand([| 3L; 1L; 28L; 28L |], generator = data)
    let gradientOf (network: torch.nn.Module<torch.Tensor, torch.Tensor>) (input: torch.Tensor) =
        let leaf = input.detach().requires_grad_(true)
        values (torch.autograd.grad([| (network.call leaf).sum() |], [| leaf |])[0])
    let narrow = gradientOf networks.Discriminator x
    let reference = gradientOf wide.Discriminator (x.to_type(torch.float64))
    let scale = 1.0 + (reference |> Array.map abs |> Array.max)
    Assert.True(Array.forall2 (fun (a: float) b -> abs (a - b) <= 1e-5 * scale) narrow reference, "float32 vs float64")

[<Theory>]
[<InlineData("dcgan")>]
[<InlineData("fc")>]
[<InlineData("resnet")>]
let ``a seed fixes both networks`` (name: string) =
    pinThreads ()
    let flat (networks: GeneratorAndDiscriminator) =
        [ networks.Generator; networks.Discriminator ] |> Seq.collect (fun n -> n.parameters()) |> Seq.collect values
        |> Array.ofSeq
    let spec = small (parse name) BatchNorm
    use a = build spec 21UL
    use b = build spec 21UL
    use other = build spec 22UL
    Assert.Equal<float[]>(flat a, flat b)
    Assert.NotEqual<float[]>(flat a, flat other)
