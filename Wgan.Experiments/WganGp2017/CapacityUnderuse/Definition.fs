/// WGAN-GP Figure 1a, capacity underuse: critics trained against the fixed generator Pg = Pr + N(0, I) on the
/// 8 Gaussians, 25 Gaussians and Swiss Roll, one under weight clipping and one under the gradient penalty. The paper
/// shows the clipped critic's value surface as a simple function that ignores the data's structure. Both surfaces are
/// drawn, and how much of the Earth-Mover distance each critic captures is measured: its dual estimate
/// E_Pr f - E_Pg f divided by its own empirical Lipschitz constant, as a fraction of the exact W1 between the same two
/// samples.
module Wgan.Experiments.CapacityUnderuse.Definition

open Wgan.Experiments
open Wgan.Experiments.CapacityUnderuse.Settings

/// The networks a unit holds at once, at a scale (see Footprint): one critic per kind, through the largest of the
/// batch, the evaluation samples, the plateau rule's batch, the plotted samples and the evaluation grid.
let footprint (manifest: Envelope.Envelope<Settings, ScaleSettings>) (scale: Manifest.Scale) : Footprint.Demand list =
    let s = manifest.Scales[scale]
    let plateau = s.CriticSteps.Plateau |> Option.map snd |> Option.defaultValue 0
    [ { Path = $"scales.{scale.Name}.criticHidden"
        Networks = kinds |> List.map (fun _ -> Footprint.mlp "critic" (2 :: s.CriticHidden @ [ 1 ]))
        Samples =
          List.max
              [ s.BatchSize; s.EvaluationSamples; plateau; s.PlottedSamples; s.GridResolution * s.GridResolution ] } ]

let definition: ExperimentDefinition =
    Experiment.define
        { Id = Id
          Title = "Capacity underuse: critics of a fixed generator under weight clipping and gradient penalty"
          Source = "WGAN-GP (Gulrajani et al. 2017), Figure 1a"
          Metrics = metrics
          Reading = Reading.reading
          Footprint = footprint
          ImageSets = fun _ -> []
          Units = Unit.units
          Assemble = Assembly.assemble }
