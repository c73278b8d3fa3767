/// Mode coverage on the Gaussian mixtures (mode-coverage): the smoke-scale snapshot, the coverage score on samples
/// placed by hand, and resuming from checkpoints.
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

[<Fact>]
let ``units killed after each checkpoint and resumed give the uninterrupted results`` () =
    // Saves after iterations 3, 6 and 9 of the smoke scale's 10: three kills; unit 0 is a GAN, the last a WGAN-GP.
    TestSupport.assertResumesExactly Id 3 [ 0; 7 ] 3
