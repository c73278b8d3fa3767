/// WGAN Figures 3-4 (a meaningful loss), tested so that the clock cannot pass. Several WGAN-GP runs that differ only
/// in their learning rate are frozen at the same generator iterations; each frozen generator (a snapshot) gets fresh
/// critics trained to a fixed budget against it, from the same initial weights on the same batches; and the snapshots
/// of one iteration are ranked by each critic's estimate and by the exact W1 between generated and real samples.
/// Within one iteration the iteration counter is the same for every snapshot, so it cannot rank them, and a fresh
/// critic sees only the frozen generator, so its estimate carries nothing of the run's history. WGAN Figure 3 compares
/// runs this way; Figure 4 contrasts the GAN's Jensen-Shannon estimate, which the same test should find uninformative.
module Wgan.Experiments.SnapshotRanking.Definition

open Wgan.Experiments
open Wgan.Experiments.SnapshotRanking.Settings

/// The networks a unit holds at once, at a scale (see Footprint): a run's critic and generator and a fresh critic,
/// through the largest of the batches and the evaluation samples.
let footprint (manifest: Envelope.Envelope<Settings, ScaleSettings>) (scale: Manifest.Scale) : Footprint.Demand list =
    let settings, s = manifest.Settings, manifest.Scales[scale]
    let critic = Footprint.ofMlp "critic" (criticSpec settings s)
    [ { Path = $"scales.{scale.Name}.width"
        Networks = [ critic; Footprint.ofMlp "generator" (generatorSpec settings s); critic ]
        Samples = List.max [ s.BatchSize; s.CriticBatchSize; s.EvaluationSamples ] } ]

/// The experiment as the catalogue knows it.
let definition: ExperimentDefinition =
    Experiment.define
        { Id = Id
          Title = "Snapshot ranking: do fresh critics' estimates rank frozen generators by their exact W1?"
          Source = "WGAN (Arjovsky et al. 2017), Figures 3-4"
          Metrics = metrics
          Reading = reading
          Footprint = footprint
          ImageSets = fun _ -> []
          Units = Unit.units
          Assemble = Assembly.assemble }
