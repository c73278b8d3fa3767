/// WGAN (Arjovsky et al. 2017), Example 1 and Figure 1: on P0 = {0} x U[0,1] vs P_theta = {theta} x U[0,1], the
/// Earth-Mover distance is |theta| while JS is stuck at log 2 (and KL at +inf, TV at 1) for every theta <> 0. On a grid
/// of theta, a Lipschitz critic's Kantorovich-Rubinstein estimate, a GAN discriminator's JS estimate and the exact W1
/// between samples are measured and checked against the closed forms.
module Wgan.Experiments.ParallelLines.Definition

open Wgan.Experiments
open Wgan.Experiments.ParallelLines.Settings

/// The networks a unit holds at once, at a scale (see Footprint): the critic, then the discriminator, each through the
/// larger of the training batch and the evaluation samples.
let footprint (manifest: Envelope.Envelope<Settings, ScaleSettings>) (scale: Manifest.Scale) : Footprint.Demand list =
    let settings, s = manifest.Settings, manifest.Scales[scale]
    let samples = max s.BatchSize s.EvaluationSamples
    [ { Path = "critic.hidden"; Networks = [ Footprint.ofMlp "critic" (mlpSpec settings.Critic) ]; Samples = samples }
      { Path = "discriminator.hidden"
        Networks = [ Footprint.ofMlp "discriminator" (mlpSpec settings.Discriminator) ]
        Samples = samples } ]

/// The experiment as the catalogue lists it.
let definition: ExperimentDefinition =
    Experiment.define
        { Id = Id
          Title = "Parallel lines: Earth-Mover vs Jensen-Shannon"
          Source = "WGAN (Arjovsky et al. 2017), Example 1 and Figure 1"
          Metrics = metrics
          Reading = reading
          Footprint = footprint
          ImageSets = fun _ -> []
          Units = Unit.units
          Assemble = Assembly.assemble }
