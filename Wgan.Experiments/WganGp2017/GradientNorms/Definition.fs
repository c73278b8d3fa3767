/// WGAN-GP Figure 1b (left), exploding and vanishing gradients: the paper plots, on a log scale, the norm of the
/// critic loss's gradient with respect to each layer's activations against the layer's depth. With c = 0.1 the norms
/// explode towards the input, with c = 0.01 and 0.001 they vanish, with the penalty they stay flat.
module Wgan.Experiments.GradientNorms.Definition

open Wgan.Experiments
open Wgan.Experiments.GradientNorms.Settings

/// The networks a unit holds at once, at a scale (see Footprint): its critic and generator, and their one-iteration
/// replay, through the batch.
let footprint (manifest: Envelope.Envelope<Settings, ScaleSettings>) (scale: Manifest.Scale) : Footprint.Demand list =
    let criticSpec, generatorSpec = networkSpecs manifest.Settings manifest.Scales[scale]
    let pair = [ Footprint.ofMlp "critic" criticSpec; Footprint.ofMlp "generator" generatorSpec ]
    [ { Path = $"scales.{scale.Name}.width"; Networks = pair @ pair; Samples = manifest.Scales[scale].BatchSize } ]

let definition: ExperimentDefinition =
    Experiment.define
        { Id = Id
          Title = "Exploding and vanishing critic gradients under weight clipping"
          Source = "WGAN-GP (Gulrajani et al. 2017), Figure 1b (left)"
          Metrics = metrics
          Reading = reading
          Footprint = footprint
          ImageSets = fun _ -> []
          Units = Unit.units
          Assemble = Assembly.assemble }
