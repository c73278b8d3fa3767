/// WGAN-GP (Gulrajani et al. 2017), Appendix C, as the paper tested it: a paired design over random architectures.
/// The paper trained each of many random architectures with the two-sided penalty (||g|| - 1)^2 and the one-sided
/// penalty max(0, ||g|| - 1)^2 and counted which scored better: two-sided 100, one-sided 77, no significant difference.
/// Here each architecture is trained with both penalties and, as the control, no constraint, from the same initial
/// weights and on the same data and noise; the exact W1 between generated and real samples is measured.
module Wgan.Experiments.PenaltySides.Definition

open Wgan.Experiments
open Wgan.Experiments.PenaltySides.Settings

/// The networks a unit holds at once, at a scale (see Footprint): the critic and generator of the deepest and widest
/// architecture of the space, through the larger of the batch and the Earth-Mover samples.
let footprint (manifest: Envelope.Envelope<Settings, ScaleSettings>) (scale: Manifest.Scale) : Footprint.Demand list =
    let settings, s = manifest.Settings, manifest.Scales[scale]
    let hidden = List.replicate (List.max settings.Space.Depths) (List.max settings.Space.Widths)
    let samples = max s.BatchSize s.EarthMoverSamples
    ToyFootprint.criticAndGenerator "space" hidden settings.Training.NoiseDimension samples

let definition: ExperimentDefinition =
    Experiment.define
        { Id = Id
          Title = "One- vs two-sided gradient penalty over random architectures (paired)"
          Source = "WGAN-GP (Gulrajani et al. 2017), Appendix C"
          Metrics = metrics
          Reading = reading
          Footprint = footprint
          ImageSets = fun _ -> []
          Units = Unit.units
          Assemble = Assembly.assemble }
