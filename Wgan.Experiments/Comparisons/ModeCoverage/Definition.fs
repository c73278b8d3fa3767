/// Mode coverage on the Gaussian mixtures: GANs (minimax and non-saturating), WGAN-clip and WGAN-GP trained on 8 and 25
/// Gaussians, then scored by the modes their samples cover, the share of high-quality samples (within 3 standard
/// deviations of a mode centre) and the exact W1 to real samples. No claim is assumed: the report ranks the trainers
/// with 95% intervals.
module Wgan.Experiments.ModeCoverage.Definition

open Wgan.Experiments
open Wgan.Experiments.ModeCoverage.Settings

/// The networks a unit holds at once, at a scale (see Footprint): its critic and generator, through the largest of the
/// batch, the evaluation samples and the Earth-Mover samples.
let footprint (manifest: Envelope.Envelope<Settings, ScaleSettings>) (scale: Manifest.Scale) : Footprint.Demand list =
    let s = manifest.Scales[scale]
    let samples = List.max [ s.Training.BatchSize; s.EvaluationSamples; s.Training.EarthMoverSamples ]
    Trainers.footprint manifest.Settings.Training scale s.Training samples

/// The experiment as the catalogue knows it.
let definition: ExperimentDefinition =
    Experiment.define
        { Id = Id
          Title = "Mode coverage and sample quality on Gaussian mixtures: GAN vs WGAN"
          Source =
            "GAN (Goodfellow et al. 2014), WGAN (Arjovsky et al. 2017), WGAN-GP (Gulrajani et al. 2017): toy "
            + "comparison, no paper claim"
          Metrics = metrics
          Reading = reading
          Footprint = footprint
          Units = Unit.units
          Assemble = Assembly.assemble }
