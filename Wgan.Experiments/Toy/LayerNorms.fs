/// Per-layer gradient norms of a toy critic (WGAN-GP Figure 1b), measured in float64 so that norms below float32's
/// range are seen.
module Wgan.Experiments.LayerNorms

open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments.ToyTraining

/// The smallest positive float32 (a subnormal, 1.4e-45, log10 -44.85): values below it underflow to 0 in
/// float32. layerNormSummary computes in float64, so that such norms are measured; a figure can mark them.
[<Literal>]
let SmallestNorm = 1.401298464324817e-45

/// Per-layer gradient norms of a critic, summarised over several batches.
type LayerNormSummary =
    { /// Mean over batches of log10 norm, per hidden layer, input side first, over the batches in which the
      /// layer's norm was positive; NaN for a layer whose norm was exactly 0 in every batch (in float64 that
      /// means no unit of the layer was active: its gradient is truly 0).
      MeanLog10: float[]
      /// Mean over batches of the number of layers whose norm was exactly 0.
      ZeroLayers: float }

/// A float64 copy of `network` on the same device (its parameters and buffers widened, which is exact),
/// so that a measurement can leave float32's range without changing the function measured.
let float64Copy (network: Mlp) : Mlp =
    use scratch = new torch.Generator(0UL)
    let copy = new Mlp(network.Spec, scratch)
    copy.``to``(network.Linears[0].weight.device) |> ignore
    copy.load_state_dict(network.state_dict()) |> ignore
    copy.``to``(torch.ScalarType.Float64) |> ignore
    copy

/// log10 of each hidden layer's gradient norm (LipschitzTools.perLayerGradientNorms), averaged over
/// `batches` fresh pairs of real and generated batches; input side first. The critic's part runs in float64
/// (on a float64 copy of `critic`, fed the float32 batches widened): a clipped critic's gradients reach 1e-26
/// per element, whose squares are below float32's range, so a float32 norm gives exactly 0 for gradients
/// float32 can hold (and gradients themselves can fall below its range).
let layerNormSummary
    (critic: Mlp)
    (generatorNetwork: Mlp)
    (dataset: ToyDataset)
    (noiseDimension: int)
    (batchSize: int)
    (batches: int)
    (device: torch.Device)
    (generator: torch.Generator)
    : LayerNormSummary =
    use wide = float64Copy critic
    let perBatch =
        Array.init batches (fun _ ->
            use _ = torch.NewDisposeScope()
            let real = (ToyData.sample dataset batchSize generator).``to``(device)
            let fake = generate generatorNetwork noiseDimension batchSize device generator
            LipschitzTools.perLayerGradientNorms wide (real.to_type(torch.float64)) (fake.to_type(torch.float64)))
    let meanLog10 layer =
        let positive = perBatch |> Array.map (fun norms -> norms[layer]) |> Array.filter (fun v -> v > 0.0)
        if positive.Length = 0 then nan else positive |> Array.averageBy log10
    { MeanLog10 = Array.init perBatch[0].Length meanLog10
      ZeroLayers =
        perBatch |> Array.averageBy (fun norms -> norms |> Array.sumBy (fun v -> if v = 0.0 then 1.0 else 0.0)) }
