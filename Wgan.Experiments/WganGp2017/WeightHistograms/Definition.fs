/// WGAN-GP Figure 1b (right), weight histograms: after training a WGAN under weight clipping, most critic weights sit
/// at the bounds +-c; under the gradient penalty they spread. The deep Swiss Roll WGAN of Figure 1b trains under both
/// constraints; the fraction of critic weights within 1% of the bounds (of their own extremes, for the unclipped
/// critic) is measured.
module Wgan.Experiments.WeightHistograms.Definition

open Wgan.Experiments
open Wgan.Experiments.WeightHistograms.Settings

/// The networks a unit holds at once, at a scale (see Footprint): its critic and generator, through the batch.
let footprint (manifest: Envelope.Envelope<Settings, ScaleSettings>) (scale: Manifest.Scale) : Footprint.Demand list =
    let settings, s = manifest.Settings, manifest.Scales[scale]
    ToyWgan.deepFootprint scale.Name settings.Networks.Critic settings.Networks.Generator s.Width
        settings.Training.NoiseDimension s.BatchSize

let definition: ExperimentDefinition =
    Experiment.define
        { Id = Id
          Title = "Critic weight histograms under weight clipping and gradient penalty"
          Source = "WGAN-GP (Gulrajani et al. 2017), Figure 1b (right)"
          Metrics = metrics
          Reading = reading
          Footprint = footprint
          ImageSets = fun _ -> []
          Units = Unit.units
          Assemble = Assembly.assemble }
