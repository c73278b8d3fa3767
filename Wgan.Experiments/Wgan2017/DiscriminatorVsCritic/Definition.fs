/// WGAN (Arjovsky et al. 2017), Figure 2: the optimal GAN discriminator and the WGAN critic between two 1-D Gaussians.
/// The discriminator saturates, so the generator's gradient d/dx log(1 - D(x)) at the generated samples is tiny; the
/// critic is close to linear and gives a clean gradient everywhere. Each learner is trained towards optimality on fresh
/// samples of the two fixed distributions, then evaluated on a grid over the line.
module Wgan.Experiments.DiscriminatorVsCritic.Definition

open Wgan.Experiments
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.DiscriminatorVsCritic.Settings

/// The network a unit holds, at a scale (see Footprint): a learner on the line, through the larger of the batch and
/// the grid.
let footprint (manifest: Envelope.Envelope<Settings, ScaleSettings>) (scale: Manifest.Scale) : Footprint.Demand list =
    let s = manifest.Scales[scale]
    [ { Path = $"scales.{scale.Name}.width"
        Networks = [ Footprint.ofMlp "learner" (deepSpec manifest.Settings.Learner s.Width 1 1) ]
        Samples = max s.BatchSize s.GridPoints } ]

/// The experiment as the catalogue lists it.
let definition: ExperimentDefinition =
    Experiment.define
        { Id = Id
          Title = "Optimal GAN discriminator vs WGAN critic between two 1-D Gaussians"
          Source = "WGAN (Arjovsky et al. 2017), Figure 2"
          Metrics = metrics
          Reading = reading
          Footprint = footprint
          ImageSets = fun _ -> []
          Units = Unit.units
          Assemble = Assembly.assemble }
