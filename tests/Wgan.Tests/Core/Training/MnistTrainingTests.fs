/// The image-training steps (MnistTraining) and the pieces of a training run (MnistWgan): what each step
/// changes and measures, the critic schedule, shuffled epochs, and that repeated steps do not leak tensors.
[<Xunit.Collection(Wgan.Tests.MnistTestData.Collection)>]
module Wgan.Tests.MnistTrainingTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TorchSharp
open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.MnistVariant
open Wgan.Experiments.MnistWgan
open Wgan.Tests.Generators

let private flat (m: torch.nn.Module) =
    m.parameters() |> Seq.collect TestSupport.values |> Array.ofSeq

let private networks seed =
    use g = new torch.Generator(uint64 seed)
    new MnistCritic({ Dim = 2; Normalization = NoNormalization }, g),
    new MnistGenerator({ Dim = 2; Latent = 8; Normalization = NoNormalization }, g)

[<Fact>]
let ``the generator step updates the generator only and returns -E f(G(z)) before the update`` () =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let critic, generator = networks 1L
    use critic = critic
    use generator = generator
    use optimizer = Optimizer.create (Adam(1e-3, 0.5, 0.9)) (generator.parameters())
    use noiseGenerator = new torch.Generator(2UL)
    let z = torch.randn([| 4L; 8L |], generator = noiseGenerator)
    let expected = (-(critic.call (generator.call z)).mean()).ReadDouble()
    let criticBefore, generatorBefore = flat critic, flat generator
    let loss = (GeneratorStep.wassersteinStep generator optimizer critic z).Loss
    // WGAN Algorithm 1, line 10: the generator minimises -E f(G(z)); the value is measured before the step.
    Assert.Equal(expected, loss, 6)
    Assert.Equal<float[]>(criticBefore, flat critic)
    Assert.NotEqual<float[]>(generatorBefore, flat generator)
    Assert.True(critic.parameters() |> Seq.forall (fun p -> p.requires_grad), "the critic is unfrozen again")
    Assert.True(critic.parameters() |> Seq.forall (fun p -> isNull p.grad), "no gradient accumulated on the critic")

[<Fact>]
let ``the critic loss without an update matches the critic step's own measurement`` () =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let critic, generator = networks 3L
    use critic = critic
    use generator = generator
    use optimizer = Optimizer.create (Adam(1e-3, 0.5, 0.9)) (critic.parameters())
    use data = new torch.Generator(4UL)
    let real = torch.rand([| 6L; 1L; 28L; 28L |], generator = data)
    let fake = generator.call(torch.randn([| 6L; 8L |], generator = data)).detach()
    let lipschitz = GradientPenalty(10.0, GradientPenalty.TwoSided)
    let before = flat critic
    // The same eps (same generator seed) in both: the loss is E f(fake) - E f(real) + 10 GP either way.
    let measured = (use eps = new torch.Generator(5UL) in MnistTraining.criticLoss critic lipschitz real fake eps)
    Assert.Equal<float[]>(before, flat critic)
    let stepped = (use eps = new torch.Generator(5UL) in CriticStep.criticStep critic optimizer lipschitz real fake eps)
    Assert.Equal(stepped.Loss, measured.Loss, 5)
    Assert.Equal(stepped.EarthMoverEstimate, measured.EarthMoverEstimate, 5)
    Assert.Equal(stepped.Penalty, measured.Penalty, 5)

[<Fact>]
let ``the official WGAN warm-up gives 100 critic iterations for the first 25 generator iterations and every 500th`` () =
    // WGAN reference code: Diters = 100 if gen_iterations < 25 or gen_iterations % 500 == 0, else 5.
    let v =
        { CriticNormalization = NoNormalization
          CriticOptimizer = RmsProp 5e-5
          Constraint = WeightClipping(0.01, BeforeStep)
          GeneratorNormalization = NoNormalization
          GeneratorOptimizer = RmsProp 5e-5
          NCritic = 5
          Warmup = OfficialWarmup(100, 25, 500)
          Source = None }
    Assert.Equal<int list>([ 100; 100; 5; 5; 100; 5 ], [ 0; 24; 25; 499; 500; 501 ] |> List.map (criticIterations v))
    Assert.Equal<int list>([ 5; 5 ], [ 0; 500 ] |> List.map (criticIterations { v with Warmup = NoWarmup }))

[<Property(Arbitrary = [| typeof<MnistArbitraries> |], MaxTest = 20)>]
let ``each epoch of the sampler visits distinct items`` (Seed seed) =
    use g = new torch.Generator(uint64 seed)
    let n, batch = 23, 5
    let sampler = EpochSampler(n, batch, g)
    // 23 items in batches of 5: four batches per epoch, the last 3 items of each epoch's order dropped.
    let epoch () = Array.init 4 (fun _ -> sampler.Next()) |> Array.concat
    let first, second = epoch (), epoch ()
    (Array.distinct first = first |@ "no repeats within an epoch")
    .&. (Array.forall (fun i -> i >= 0L && i < int64 n) first |@ "indices in range")
    .&. (Array.distinct second = second |@ "no repeats in the second epoch")

[<Fact>]
let ``evaluation points include 0 and the last iteration`` () =
    Assert.Equal<int list>([ 0; 25; 50; 60 ], evaluationPoints 60 25)
    Assert.Equal<int list>([ 0; 25; 50 ], evaluationPoints 50 25)
    Assert.Equal<int list>([ 0; 3; 6 ], snapshotPoints 6 3)

[<Fact>]
let ``repeated training steps do not leak tensors`` () =
    TestSupport.pinThreads ()
    let digits = MnistTestData.slice ()
    use images = imagesTensor digits (Array.init 100 id) (torch.device "cpu")
    let v =
        { CriticNormalization = NoNormalization
          CriticOptimizer = Adam(1e-4, 0.5, 0.9)
          Constraint = GradientPenalty(10.0, GradientPenalty.TwoSided)
          GeneratorNormalization = NoNormalization
          GeneratorOptimizer = Adam(1e-4, 0.5, 0.9)
          NCritic = 2
          Warmup = NoWarmup
          Source = None }
    let config: MnistTrainer.Configuration =
        { Variant = v
          Dim = 2
          Latent = 8
          BatchSize = 10
          Iterations = 13
          CheckpointEvery = 0
          Device = torch.device "cpu" }
    use state = MnistTrainer.start config 1L 0 100
    use optimizers = MnistTrainer.optimizers config state
    let step t = MnistTrainer.step config images state optimizers t |> ignore
    for t in 0 .. 2 do step t
    let live () = DisposeScopeManager.Statistics.ThreadTotalLiveCount
    let before = live ()
    for t in 3 .. 12 do step t
    // Optimiser state is created on the first steps; afterwards every step frees what it made.
    Assert.Equal(before, live ())

let private decodeVariant (kind: VariantKind) (json: string) =
    use document = System.Text.Json.JsonDocument.Parse json
    variant kind "$.wganClip" (document.RootElement.Clone())

let private clipVariantJson (optimizer: string) (extra: string) =
    $"""{{ "critic": {{ "normalization": "batch", "optimizer": {{ "kind": "{optimizer}", "learningRate": 0.00005 }},
                    "constraint": {{ "kind": "weight-clipping", "bound": 0.01, "timing": "after-step" }} }},
         "generator": {{ "normalization": "batch", "optimizer": {{ "kind": "{optimizer}", "learningRate": 0.00005 }} }},
         "nCritic": 5,
         "warmup": {{ "kind": "official-wgan", "criticSteps": 100, "firstGeneratorIterations": 25,
                     "every": 500 }}{extra} }}"""

[<Fact>]
let ``a variant's source is decoded, printed in its description, and optional`` () =
    let withSource = clipVariantJson "tf-rmsprop" ", \"source\": \"gan_mnist.py, MODE = 'wgan'\""
    match decodeVariant WeightClippingVariant withSource with
    | Ok v ->
        Assert.Equal(Some "gan_mnist.py, MODE = 'wgan'", v.Source)
        Assert.Equal(OfficialWarmup(100, 25, 500), v.Warmup)
        Assert.Equal(TfRmsProp 5e-5, v.CriticOptimizer)
        Assert.EndsWith(
            "100 critic iterations for the first 25 generator iterations and every 500th "
            + "(source: gan_mnist.py, MODE = 'wgan')",
            describe v)
        // TensorFlow's RMSProp needs no caveat; PyTorch's does.
        Assert.Equal("", rmsPropCaveat v)
    | Error e -> failwithf "%A" e
    match decodeVariant WeightClippingVariant (clipVariantJson "rmsprop" "") with
    | Ok v ->
        Assert.Equal(None, v.Source)
        Assert.EndsWith("every 500th", describe v)
        Assert.StartsWith(" RMSProp is PyTorch's", rmsPropCaveat v)
    | Error e -> failwithf "%A" e

[<Fact>]
let ``an empty source is rejected with its path`` () =
    match decodeVariant WeightClippingVariant (clipVariantJson "tf-rmsprop" ", \"source\": \"\"") with
    | Ok _ -> failwith "an empty source was accepted"
    | Error errors -> Assert.Contains(errors, fun e -> e.Path = "$.wganClip.source")
