/// Mode coverage on the Gaussian mixtures (WGAN Sec. 4.3's "no evidence of mode collapse"; the gradient penalty paper's
/// toy runs): GANs (minimax and non-saturating, with a replicate of the latter), WGAN-clip and WGAN-GP trained on 8 and
/// 25 Gaussians from the same initial weights, scored over training by the modes their samples cover, the share of
/// high-quality samples (within 3 standard deviations of a mode centre) and the exact W1 to real samples; each WGAN's
/// coverage is compared seed by seed with the GAN's, against the replicate GAN's as the control.
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
          Title = "Mode collapse on Gaussian mixtures: the modes GAN, WGAN and WGAN-GP cover"
          Source =
            "WGAN (Arjovsky et al. 2017), Sec. 4.3 (no evidence of mode collapse); WGAN-GP (Gulrajani et al. 2017), "
            + "toy experiments (gan_toy.py)"
          Metrics = metrics
          Reading = reading
          Footprint = footprint
          ImageSets = fun _ -> []
          Units = Unit.units
          Assemble = Assembly.assemble }
