/// Mode coverage on the Gaussian mixtures (mode-coverage): the smoke-scale snapshot, the coverage score on samples
/// placed by hand, resuming from checkpoints, shared random streams, and which evaluation each score takes.
module Wgan.Tests.ModeCoverageTests

open Xunit
open Snapshooter.Xunit
open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.ModeCoverage.Settings
open Wgan.Experiments.ModeCoverage.Unit

[<Fact>]
let ``mode-coverage smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (TestSupport.runSmoke Id))

[<Fact>]
let ``samples on two of the eight centres cover a quarter of the modes and are all of high quality`` () =
    let centres, _ = modes EightGaussians
    // Three samples exactly on each of two centres, none elsewhere: with 3 per mode required, 2 of 8 modes covered.
    let samples = [| for k in [ 0; 1 ] do for _ in 1 .. 3 -> [| fst centres[k]; snd centres[k] |] |]
    Assert.Equal((0.25, 1.0), coverage EightGaussians 3.0 3 samples)
    // With 4 per mode required neither is covered; the samples are still of high quality.
    Assert.Equal((0.0, 1.0), coverage EightGaussians 3.0 4 samples)

[<Theory>]
[<InlineData("8gaussians")>]
[<InlineData("25gaussians")>]
let ``real samples of a mixture cover every mode, 98.9 percent of them within 3 standard deviations`` (name: string) =
    // The oracle: the data themselves. A 2-D Gaussian puts 1 - exp(-9/2) = 0.9889 of its mass within 3 standard
    // deviations of its centre, so 20,000 samples give a share within a few 0.001 of it and every mode hundreds.
    let d = if name = "8gaussians" then EightGaussians else TwentyFiveGaussians
    use random = new TorchSharp.torch.Generator(7UL)
    use samples = sample d 20_000 random
    let covered, quality = coverage d 3.0 100 (Wgan.Experiments.ToyWgan.toRows samples)
    Assert.Equal(1.0, covered)
    Assert.InRange(quality, 0.9889 - 0.005, 0.9889 + 0.005)
    // Shifted by half the distance between neighbouring modes, the same samples sit between the modes: none is of
    // high quality and no mode is covered.
    let shift = if d = EightGaussians then 0.5 else 0.5 * 2.0 / 2.828
    let shifted = Wgan.Experiments.ToyWgan.toRows samples |> Array.map (fun r -> [| r[0] + shift; r[1] + shift |])
    Assert.Equal((0.0, 0.0), coverage d 3.0 1 shifted)

[<Fact>]
let ``units killed after each checkpoint and resumed give the uninterrupted results`` () =
    // Saves after iterations 3, 6 and 9 of the smoke scale's 10: three kills; unit 0 is a GAN, the last a WGAN-GP,
    // each scoring its samples every iteration from a generator the checkpoint saves.
    TestSupport.assertResumesExactly Id 3 [ 0; 9 ] 3

/// The configuration of the smoke-scale unit that trains `trainerId` on the 25 Gaussians.
let private smokeConfiguration (trainerId: string) : Wgan.Experiments.TrainerUnits.Configuration =
    let manifest = TestSupport.manifestOf reading Id
    let training = manifest.Settings.Training
    { Training = training
      Scale = manifest.Scales[Manifest.Scale.Smoke].Training
      Trainer = training.Trainers |> List.find (fun t -> t.Id = trainerId)
      Dataset = TwentyFiveGaussians
      CheckpointEvery = 0
      Device = TorchSharp.torch.CPU }

/// Every weight and bias of a network's linear layers, flattened, input side first.
let private weightsOf (mlp: Wgan.Core.Mlp) =
    [| for linear in mlp.Linears do
           yield! linear.weight.data<float32>().ToArray()
           yield! linear.bias.data<float32>().ToArray() |]

[<Fact>]
let ``trainers on one stream start from the same weights, a trainer on another stream from others`` () =
    let networks trainerId = new Wgan.Experiments.TrainerUnits.UnitNetworks(smokeConfiguration trainerId, 3L)
    use gan = networks "gan-ns"
    use gp = networks "wgan-gp"
    use replicate = networks "gan-ns-replicate"
    Assert.Equal<float32[]>(weightsOf gan.Critic, weightsOf gp.Critic)
    Assert.Equal<float32[]>(weightsOf gan.Generator, weightsOf gp.Generator)
    Assert.NotEqual<float32[]>(weightsOf gan.Generator, weightsOf replicate.Generator)
    // tflib's scheme, as the manifest asks: every bias starts at zero (PyTorch's default draws them).
    for linear in gan.Generator.Linears do
        Assert.All(linear.bias.data<float32>().ToArray(), fun b -> Assert.Equal(0.0f, b))

[<Fact>]
let ``the final scores are the last evaluation's, the untrained ones the first's, and a diverged unit has none`` () =
    let m =
        { Iterations = [| 0; 5; 10 |]
          ModesCovered = [| 0.04; 0.5; 0.96 |]
          HighQualityShare = [| 0.0; 0.3; 0.7 |]
          EarthMover = [| 2.0; 1.0; 0.5 |]
          Samples = [||]
          Diverged = None }
    Assert.Equal(0.96, Wgan.Experiments.ModeCoverage.Assembly.score "modesCovered" m)
    Assert.Equal(0.04, Wgan.Experiments.ModeCoverage.Assembly.score "untrainedModesCovered" m)
    Assert.Equal(log 0.25, Wgan.Experiments.ModeCoverage.Assembly.score "untrainedLogRatio" m, 12)
    let diverged = { m with Diverged = Some { Quantity = "critic estimate"; Value = nan; Step = 11 } }
    Assert.True(System.Double.IsNaN(Wgan.Experiments.ModeCoverage.Assembly.score "modesCovered" diverged))
    Assert.Equal(0.04, Wgan.Experiments.ModeCoverage.Assembly.score "untrainedModesCovered" diverged)
