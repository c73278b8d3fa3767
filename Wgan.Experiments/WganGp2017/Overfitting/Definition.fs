/// WGAN-GP Figure 5b, detecting overfitting: WGAN-GP and WGAN-clip trained on a random 1000-digit subset of MNIST; the
/// negative critic loss measured at regular intervals on training batches and on held-out validation batches. The
/// paper reports that with the gradient penalty the training curve rises while the validation curve falls: the gap
/// between them reveals that the critic overfits its training set.
module Wgan.Experiments.Overfitting.Definition

open Wgan.Experiments
open Wgan.Experiments.Overfitting.Settings

/// The networks a unit holds at once, at a scale (see Footprint): gan_mnist.py's critic and generator, through the
/// batch (every evaluation batch is one).
let footprint (manifest: Envelope.Envelope<Settings, ScaleSettings>) (scale: Manifest.Scale) : Footprint.Demand list =
    let dim = manifest.Scales[scale].Run.Dim
    let gan = manifest.Settings.Gan
    [ { Path = $"scales.{scale.Name}.dim"
        Networks = [ MnistWgan.criticFootprint dim; MnistWgan.generatorFootprint dim gan.Latent ]
        Samples = gan.BatchSize } ]

/// The experiment as the catalogue lists it.
let definition: ExperimentDefinition =
    Experiment.define
        { Id = Id
          Title = "Detecting overfitting of the critic on 1000 MNIST digits"
          Source = "WGAN-GP (Gulrajani et al. 2017), Figure 5b"
          Metrics = metrics
          Reading = reading
          Footprint = footprint
          ImageSets = fun _ -> [ ImageDataSet.Mnist ]
          Units = Unit.units
          Assemble = Assembly.assemble }
