/// WGAN (Arjovsky et al. 2017), section 4.2: with a momentum optimiser (Adam, beta1 > 0) on the critic, or a high
/// learning rate, WGAN training with weight clipping became unstable; the authors saw the cosine between Adam's step
/// and the gradient turn negative, and switched to RMSProp. WGAN-clip trains with RMSProp and with Adam at each of the
/// manifest's learning rates; the cosine between the parameter update and the descent direction -gradient is measured
/// at every critic step, and the roughness of the EM estimate over training.
module Wgan.Experiments.MomentumInstability.Definition

open Wgan.Experiments
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.MomentumInstability.Settings

/// The networks a unit holds at once, at a scale (see Footprint): its critic and generator, through the larger of the
/// batch and the Earth-Mover samples.
let footprint (manifest: Envelope.Envelope<Settings, ScaleSettings>) (scale: Manifest.Scale) : Footprint.Demand list =
    let settings, s = manifest.Settings, manifest.Scales[scale]
    deepFootprint scale.Name settings.Critic settings.Generator s.Width settings.NoiseDimension
        (max s.BatchSize s.EarthMoverSamples)

/// The experiment as the catalogue lists it.
let definition: ExperimentDefinition =
    Experiment.define
        { Id = Id
          Title = "Momentum and instability: WGAN-clip with Adam vs RMSProp"
          Source = "WGAN (Arjovsky et al. 2017), section 4.2"
          Metrics = metrics
          Reading = reading
          Footprint = footprint
          ImageSets = fun _ -> []
          Units = Unit.units
          Assemble = Assembly.assemble }
