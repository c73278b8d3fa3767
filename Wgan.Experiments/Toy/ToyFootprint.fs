/// What a toy WGAN unit holds at once (see Footprint), for experiments whose widths are a list of hidden layers.
module Wgan.Experiments.ToyFootprint

/// A critic 2 -> hidden -> 1 and a generator noise -> hidden -> 2 through `samples` points; the demand is named by
/// `path`, the manifest field that sets the widths.
let criticAndGenerator (path: string) (hidden: int list) (noise: int) (samples: int) : Footprint.Demand list =
    [ { Path = path
        Networks =
          [ Footprint.mlp "critic" (2 :: hidden @ [ 1 ])
            Footprint.mlp "generator" (noise :: hidden @ [ 2 ]) ]
        Samples = samples } ]
