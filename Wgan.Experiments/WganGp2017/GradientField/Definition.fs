/// WGAN-GP Proposition 1: for the optimal critic f* and (x, y) drawn from the optimal coupling of Pg and Pr, the
/// gradient of f* at every point x_t of the segment between them is the unit vector towards y. The penalty asks for
/// unit gradients on segments between independent pairs; the proposition speaks of coupled ones.
module Wgan.Experiments.GradientField.Definition

open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.GradientField.Settings

/// A unit holds one critic, through its batch and its evaluation points.
let footprint (manifest: Envelope.Envelope<Settings, ScaleSettings>) (scale: Manifest.Scale) : Footprint.Demand list =
    let s = manifest.Scales[scale]
    let critic = manifest.Settings.PenaltyCritic
    let spec: MlpSpec =
        { Inputs = 2
          Hidden = s.CriticHidden
          Outputs = 1
          Activation = critic.Activation
          Normalization = critic.Normalization }
    [ { Path = $"scales.{scale.Name}.criticHidden"
        Networks = [ Footprint.ofMlp "critic" spec ]
        Samples = max s.BatchSize s.EvaluationSamples } ]

let definition: ExperimentDefinition =
    Experiment.define
        { Id = Id
          Title = "The optimal critic's gradient field on the transport segments"
          Source = "WGAN-GP (Gulrajani et al. 2017), Proposition 1"
          Metrics = metrics
          Reading = reading
          Footprint = footprint
          ImageSets = fun _ -> []
          Units = Unit.units
          Assemble = Assembly.assemble }
