/// WGAN-GP (Gulrajani et al. 2017), section 4 and Appendix C: variants of the gradient-penalty critic. The paper found
/// the one-sided penalty max(0, ||g|| - 1)^2 about as good as the two-sided one, and forbids batch norm in the critic
/// (it couples the samples of a batch, so the per-sample penalty no longer constrains the function the critic computes
/// on one sample); layer norm is its replacement. WGAN-GP trains with each variant on toy data, and the exact W1
/// between generated and real samples is compared.
module Wgan.Experiments.PenaltyVariants.Definition

open Wgan.Experiments
open Wgan.Experiments.PenaltyVariants.Settings

/// The networks a unit holds at once, at a scale (see Footprint): its critic and generator, through the larger of the
/// batch and the Earth-Mover samples.
let footprint (manifest: Envelope.Envelope<Settings, ScaleSettings>) (scale: Manifest.Scale) : Footprint.Demand list =
    let settings, s = manifest.Settings, manifest.Scales[scale]
    let hidden = List.replicate settings.Depth s.Width
    ToyFootprint.criticAndGenerator $"scales.{scale.Name}.width" hidden settings.NoiseDimension
        (max s.BatchSize s.EarthMoverSamples)

let definition: ExperimentDefinition =
    Experiment.define
        { Id = Id
          Title = "Gradient-penalty variants: one- vs two-sided penalty, critic normalisation"
          Source = "WGAN-GP (Gulrajani et al. 2017), section 4 and Appendix C"
          Metrics = metrics
          Reading = reading
          Footprint = footprint
          ImageSets = fun _ -> []
          Units = Unit.units
          Assemble = Assembly.assemble }
