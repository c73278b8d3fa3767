/// Which methods train which architectures, and how fast (WGAN-GP Figures 2 and 3, WGAN section 4.3), on MNIST and
/// Fashion-MNIST: gan_64x64.py's four MODEs (dcgan, lsgan, wgan, wgan-gp) each train every listed architecture family
/// from the same initial weights, noise and batches for a seed; a classifier per image set measures the samples'
/// Frechet distance, classes covered and class entropy against references of the same run.
module Wgan.Experiments.Architectures.Definition

open Wgan.Experiments
open Wgan.Experiments.Architectures.Settings

/// The networks a unit holds at once, at a scale (see Footprint), bounded from above: gan_mnist.py-shaped networks
/// at twice DIM (the gated families double every width), the FC generator's MLP and the classifier, through the
/// larger of the batch and the quality samples.
let footprint (manifest: Envelope.Envelope<Settings, ScaleSettings>) (scale: Manifest.Scale) : Footprint.Demand list =
    let s, sc = manifest.Settings, manifest.Scales[scale]
    [ { Path = $"scales.{scale.Name}.dim"
        Networks =
          [ MnistWgan.criticFootprint (2 * sc.Dim)
            MnistWgan.generatorFootprint (2 * sc.Dim) s.Latent
            Footprint.mlp "FC generator" [ s.Latent; s.FcWidth; s.FcWidth; s.FcWidth; s.FcWidth; 784 ]
            SampleQuality.classifierFootprint s.Classifier ]
        Samples = List.max [ s.BatchSize; s.Classifier.BatchSize; sc.ReferenceImages ] } ]

/// The metrics, by pattern (`<set>`: an image set, `<method>`: a MODE, `<arch>`: an architecture family).
let metrics =
    [ "<set>.realHalvesFd", "Frechet distance between the two halves of the held-out real images"
      "<set>.classifier.testAccuracy", "the set's classifier's accuracy on the held-out real images"
      "<set>.untrainedFd.<arch>", "the untrained generator's Frechet distance (the same for every method)"
      "<set>.wganOnly.<arch>", "1 when wgan trains the architecture and dcgan does not, else 0" ]
    @ [ for measure, meaning in unitMeasures -> $"<set>.<method>.<arch>.{measure}", meaning ]
    @ [ "<set>.<method>.shareTrained", "share of the architectures the method trains"
        "<set>.<method>.othersBestShareTrained", "the largest share of architectures trained by another method"
        "<set>.<method>.minCoverageTrained", "the smallest class coverage among the architectures the method trains" ]

/// The experiment as the catalogue lists it.
let definition: ExperimentDefinition =
    Experiment.define
        { Id = Id
          Title = "Which methods train which architectures, and how fast, on MNIST and Fashion-MNIST"
          Source = "WGAN-GP (Gulrajani et al. 2017), Figures 2 and 3; WGAN (Arjovsky et al. 2017), section 4.3"
          Metrics = metrics
          Reading = reading
          Footprint = footprint
          ImageSets = fun manifest -> manifest.Settings.DataSets
          Units = Unit.units
          Assemble = Assembly.assemble }
