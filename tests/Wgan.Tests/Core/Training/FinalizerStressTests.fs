/// Every TorchSharp Scalar the harness hands to libtorch stays alive for the whole native call
/// (Wgan.Core.Scalars): training steps, distances and whole experiments give exactly the quiet run's numbers
/// while another thread collects garbage and runs finalizers without pause (TestSupport.underGarbagePressure);
/// so do the MNIST experiments (OverfittingTests, LossVsQualityTests).
/// Before the harness kept its activations' and sums' Scalars alive, the MNIST critic steps below failed
/// within seconds under this pressure ("Scalar.h toFloat" from leaky_relu or Adam's update, or a NaN loss),
/// and once in a while in a plain test run.
module Wgan.Tests.FinalizerStressTests

open System
open System.IO
open Xunit
open TorchSharp
open Wgan.Core
open Wgan.Experiments

/// The critic losses of alternating trainings of small MNIST critics: weight clipping with RMSProp, the
/// gradient penalty with Adam (plain and, for clipping, batch-normalised critics), with generator steps.
let private mnistTrainings () =
    use data = new torch.Generator(9UL)
    use real = torch.rand([| 20L; 1L; 28L; 28L |], generator = data)
    use fake = torch.rand([| 20L; 1L; 28L; 28L |], generator = data)
    let train
        (normalization: Normalization)
        (constraintSpec: LipschitzConstraint)
        (optimizerSpec: OptimizerSpec)
        (seed: int)
        =
        use _ = torch.NewDisposeScope()
        use g = new torch.Generator(uint64 seed)
        use critic = new MnistCritic({ Dim = 2; Normalization = normalization }, g)
        use generator = new MnistGenerator({ Dim = 2; Latent = 8; Normalization = normalization }, g)
        use criticOptimizer = Optimizer.create optimizerSpec (critic.parameters())
        use generatorOptimizer = Optimizer.create optimizerSpec (generator.parameters())
        [ for _ in 1 .. 3 do
              yield (CriticStep.criticStep critic criticOptimizer constraintSpec real fake g).Loss
              let noise = torch.randn([| 20L; 8L |], generator = g)
              yield (GeneratorStep.wassersteinStep generator generatorOptimizer critic noise).Loss ]
    [ for trial in 1 .. 4 do
          yield! train NoNormalization (WeightClipping(0.01, AfterStep)) (RmsProp 5e-5) trial
          yield! train BatchNorm (WeightClipping(0.01, AfterStep)) (RmsProp 5e-5) trial
          yield! train NoNormalization (GradientPenalty(10.0, GradientPenalty.TwoSided)) (Adam(1e-4, 0.5, 0.9)) trial ]

/// Critic (gradient penalty, explicit chain or double back-propagation) and generator steps of toy MLPs with
/// every activation and normalisation, and the distances computed on tensors.
let private toyTrainings () =
    use data = new torch.Generator(5UL)
    use real = ToyData.sample ToyData.EightGaussians 64 data
    let train (activation: Activation) (normalization: Normalization) =
        use _ = torch.NewDisposeScope()
        use g = new torch.Generator(3UL)
        let spec =
            { Inputs = 2; Hidden = [ 16; 16 ]; Outputs = 1; Activation = activation; Normalization = normalization }
        use critic = new Mlp(spec, g)
        use generator = new Mlp({ spec with Outputs = 2 }, g)
        use criticOptimizer = Optimizer.create (Adam(1e-3, 0.5, 0.9)) (critic.parameters())
        use generatorOptimizer = Optimizer.create (RmsProp 1e-3) (generator.parameters())
        [ for _ in 1 .. 4 do
              let fake = generator.call (torch.randn([| 64L; 2L |], generator = g))
              let gp = GradientPenalty(10.0, GradientPenalty.OneSided)
              yield (CriticStep.criticStep critic criticOptimizer gp real fake g).Loss
              let noise = torch.randn([| 64L; 2L |], generator = g)
              yield (GeneratorStep.wassersteinStep generator generatorOptimizer critic noise).Loss ]
    let distances () =
        use _ = torch.NewDisposeScope()
        let p = torch.softmax(torch.randn([| 6L; 5L |], generator = data), 1)
        let q = torch.softmax(torch.randn([| 6L; 5L |], generator = data), 1)
        let rows (t: torch.Tensor) = t.data<float32>().ToArray() |> Array.map float |> List.ofArray
        rows (TensorDivergence.jensenShannon p q)
        @ rows (TensorDivergence.totalVariation p q)
        @ [ (TensorDivergence.earthMover1D (p.flatten()) (q.flatten())).ReadDouble()
            FrechetDistance.ofFeatures
                (torch.randn([| 40L; 4L |], generator = data))
                (torch.randn([| 30L; 4L |], generator = data)) ]
    [ for activation in [ ReLU; LeakyReLU 0.2; Tanh; Softplus ] do
          for normalization in [ NoNormalization; LayerNorm ] do
              yield! train activation normalization ]
    @ distances ()

let private assertSameUnderPressure (run: unit -> float list) =
    TestSupport.pinThreads ()
    let quiet = run ()
    Assert.True(quiet |> List.forall Double.IsFinite, $"a quiet run gave a non-finite value: {quiet}")
    for attempt in 1 .. 2 do
        let stressed = TestSupport.underGarbagePressure run
        Assert.True((stressed = quiet), $"attempt {attempt} under garbage pressure: {stressed} instead of {quiet}")

[<Fact>]
let ``MNIST critic and generator steps give the quiet run's losses under garbage pressure`` () =
    assertSameUnderPressure mnistTrainings

[<Fact>]
let ``toy MLP steps of every activation and tensor distances give the quiet run's values under garbage pressure`` () =
    assertSameUnderPressure toyTrainings

[<Theory>]
[<InlineData("capacity-underuse")>]
[<InlineData("gradient-norms")>]
[<InlineData("weight-histograms")>]
[<InlineData("vanishing-gradients")>]
[<InlineData("discriminator-vs-critic")>]
[<InlineData("meaningful-loss-curves")>]
[<InlineData("momentum-instability")>]
[<InlineData("mode-coverage")>]
[<InlineData("penalty-variants")>]
[<InlineData("penalty-sides")>]
[<InlineData("snapshot-ranking")>]
[<InlineData("parallel-lines")>]
let ``a smoke run under garbage pressure gives the quiet run's results`` (id: string) =
    TestSupport.pinThreads ()
    let manifest = Path.Combine(TestSupport.experimentsFolder.Force(), id + ".json")
    let reading = Harness.ReadManifest(File.ReadAllText manifest)
    Assert.True(reading.IsValid, String.Join("\n", reading.Errors))
    // One seed: a run under garbage pressure takes several times longer.
    let run () = reading.Experiment.Run("smoke", 1, "cpu", Action<Progress>(ignore))
    let quiet = TestSupport.fingerprint (run ())
    Assert.Equal(quiet, TestSupport.fingerprint (TestSupport.underGarbagePressure run))

/// Reading values of one-element tensors (every training step's losses) through TensorValues.
let private readings (read: torch.Tensor -> float) () =
    use _ = torch.NewDisposeScope()
    use values = torch.tensor(Array.init 20000 float)
    [ for k in 0L .. 19999L do
          use v = values[k]
          read v ]
    |> List.sum

[<Fact>]
let ``tensor values read through TensorValues are exact under garbage pressure`` () =
    TestSupport.pinThreads ()
    for _ in 1 .. 5 do
        let total = TestSupport.underGarbagePressure (readings (fun v -> v.ReadDouble()))
        Assert.Equal(float (19999L * 20000L / 2L), total)

/// TorchSharp's own readers (`t.ToDouble()` and the like) leave their Scalar to the garbage collector, so no
/// source file of the harness calls them on a tensor; implicit float -> Scalar conversions are build errors
/// (FS3395, Directory.Build.props).
[<Fact>]
let ``no source file reads a tensor through TorchSharp's loose-Scalar readers`` () =
    let root = Path.GetDirectoryName(TestSupport.experimentsFolder.Force())
    let loose =
        Text.RegularExpressions.Regex(
            @"\.To(Double|Single|Boolean|Int64|Int32|Int16|Byte|SByte|Half|BFloat16|Complex32|Complex64)\(\)")
    let offenders =
        [ for folder in [ "Wgan.Core.fs"; "Wgan.Experiments"; "Wgan.Runner"; "tests" ] do
              for file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.*", SearchOption.AllDirectories) do
                  let inBuildOutput = file.Contains "/bin/" || file.Contains "/obj/"
                  let source = (file.EndsWith ".fs" || file.EndsWith ".cs") && not (file.EndsWith "TensorValues.fs")
                  if not inBuildOutput && source then
                      for i, line in Array.indexed (File.ReadAllLines file) do
                          if loose.IsMatch line && not (line.TrimStart().StartsWith "//") then
                              yield $"{Path.GetRelativePath(root, file)}:{i + 1}: {line.Trim()}" ]
    Assert.True(
        List.isEmpty offenders,
        "read these through TensorValues (ReadDouble, ReadBoolean, ReadInt64):\n" + String.concat "\n" offenders)
