/// WGAN (Arjovsky et al. 2017), Figures 3-4, meaningful loss: the WGAN critic's Earth-Mover estimate falls as the
/// samples improve, while a GAN discriminator's Jensen-Shannon estimate (L/2 + log 2) tells nothing. On the toy data
/// the harness checks this against ground truth: at regular intervals it computes the exact W1 (optimal transport)
/// between generated and real samples, and measures the rank correlation over training between each loss-based
/// estimate (median-filtered, as the authors plot it) and that exact W1.
module Wgan.Experiments.MeaningfulLoss.Definition

open Wgan.Experiments
open Wgan.Experiments.MeaningfulLoss.Settings

/// The networks a unit holds at once, at a scale (see Footprint): its critic and generator, through the larger of the
/// batch and the Earth-Mover samples.
let footprint (manifest: Envelope.Envelope<Settings, ScaleSettings>) (scale: Manifest.Scale) : Footprint.Demand list =
    let s = manifest.Scales[scale].Training
    Trainers.footprint manifest.Settings.Training scale s (max s.BatchSize s.EarthMoverSamples)

/// The experiment as the catalogue knows it.
let definition: ExperimentDefinition =
    Experiment.define
        { Id = Id
          Title = "Meaningful loss curves: loss-based estimates against the exact Earth-Mover distance"
          Source = "WGAN (Arjovsky et al. 2017), Figures 3-4 (on toy data with ground truth)"
          Metrics = metrics
          Reading = reading
          Footprint = footprint
          ImageSets = fun _ -> []
          Units = Unit.units
          Assemble = Assembly.assemble }
