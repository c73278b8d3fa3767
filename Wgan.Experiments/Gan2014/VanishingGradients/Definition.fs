/// GAN (Goodfellow et al. 2014), section 3, and the WGAN argument (Arjovsky et al. 2017, section 3): against a fixed
/// poor generator, a GAN discriminator trained for more and more steps leaves the generator almost no gradient under
/// the minimax loss E log(1 - D(G(z))) (the sigmoid saturates as D(G(z)) -> 0), while a WGAN critic trained just as
/// long still gives the generator a gradient of the same order. Each learner trains against one frozen, freshly
/// initialised generator; at a list of step counts the norm of the generator's gradient is recorded under the
/// minimax, the non-saturating and the WGAN loss.
module Wgan.Experiments.VanishingGradients.Definition

open Wgan.Experiments
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.VanishingGradients.Settings

/// The networks a unit holds at once, at a scale (see Footprint): the generator and a learner, through the larger of
/// the batch and the measurement batch.
let footprint (manifest: Envelope.Envelope<Settings, ScaleSettings>) (scale: Manifest.Scale) : Footprint.Demand list =
    let settings, s = manifest.Settings, manifest.Scales[scale]
    [ { Path = $"scales.{scale.Name}.width"
        Networks =
          [ Footprint.ofMlp "generator" (deepSpec settings.Generator s.Width settings.NoiseDimension 2)
            Footprint.ofMlp "learner" (deepSpec settings.Learner s.Width 2 1) ]
        Samples = max s.BatchSize s.MeasurementBatch } ]

/// The experiment as the catalogue lists it.
let definition: ExperimentDefinition =
    Experiment.define
        { Id = Id
          Title = "Vanishing generator gradients: GAN discriminator vs WGAN critic trained towards optimality"
          Source = "GAN (Goodfellow et al. 2014), section 3; WGAN (Arjovsky et al. 2017), section 3 and Figure 2"
          Metrics = metrics
          Reading = reading
          Footprint = footprint
          ImageSets = fun _ -> []
          Units = Unit.units
          Assemble = Assembly.assemble }
