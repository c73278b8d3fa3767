/// A meaningful loss on real images (WGAN Figures 3-4, carried to MNIST and to WGAN-GP): while a WGAN trains, its
/// critic's Earth-Mover estimate should fall as the samples get better. The harness measures sample quality itself,
/// with a classifier it trains and caches (SampleQuality): the Frechet distance between generated and held-out real
/// digits in the classifier's feature space, and the class coverage of the generated digits. The claim is a rank
/// correlation over training between the EM estimate and the distance.
module Wgan.Experiments.LossVsQuality.Definition

open Wgan.Experiments
open Wgan.Experiments.LossVsQuality.Settings

/// The networks a unit holds at once, at a scale (see Footprint): gan_mnist.py's critic and generator and the digit
/// classifier, through the larger of the batch and the quality samples (generated in one pass).
let footprint (manifest: Envelope.Envelope<Settings, ScaleSettings>) (scale: Manifest.Scale) : Footprint.Demand list =
    let settings, s = manifest.Settings, manifest.Scales[scale]
    [ { Path = $"scales.{scale.Name}.dim"
        Networks =
          [ MnistWgan.criticFootprint s.Run.Dim
            MnistWgan.generatorFootprint s.Run.Dim settings.Gan.Latent
            SampleQuality.classifierFootprint settings.Classifier ]
        Samples = List.max [ settings.Gan.BatchSize; settings.Classifier.BatchSize; s.QualitySamples ] } ]

/// The experiment as the catalogue lists it.
let definition: ExperimentDefinition =
    Experiment.define
        { Id = Id
          Title = "MNIST: the critic's Earth-Mover estimate vs sample quality"
          Source =
            "WGAN (Arjovsky et al. 2017), Figures 3-4 (meaningful loss), on MNIST with WGAN-clip and WGAN-GP"
          Metrics = metrics
          Reading = reading
          Footprint = footprint
          ImageSets = fun _ -> [ ImageDataSet.Mnist ]
          Units = Unit.units
          Assemble = Assembly.assemble }
