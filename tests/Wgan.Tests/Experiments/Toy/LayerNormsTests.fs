/// Per-layer gradient norms of a toy critic (LayerNorms): measured in float64 where float32 would underflow to 0.
module Wgan.Tests.LayerNormsTests

open System
open Xunit
open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments

[<Fact>]
let ``gradient norms below float32's range are measured in float64 instead of underflowing to 0`` () =
    TestSupport.pinThreads ()
    use networks = new torch.Generator(1UL)
    // 12 layers of width 4 with every weight 1e-5 and zero biases: the gradient reaching layer 1 is a product of
    // 11 such layers and the output layer, about (4e-5)^11 * 1e-5 / batch, far below float32's 1.4e-45.
    use critic = new Mlp(TestSupport.plainMlp 2 (List.replicate 12 4) 1 ReLU, networks)
    use generatorNetwork = new Mlp(TestSupport.plainMlp 2 [ 4 ] 2 ReLU, networks)
    do
        use _ = torch.no_grad()
        use small = (1e-5).ToScalar()
        use zero = 0.0.ToScalar()
        for linear in critic.Linears do
            linear.weight.fill_(small) |> ignore
            linear.bias.fill_(zero) |> ignore
    let cpu = torch.CPU
    use batches = new torch.Generator(2UL)
    let real = ToyData.sample SwissRoll 32 batches
    let fake = ToyTraining.generate generatorNetwork 2 32 cpu batches
    let inFloat32 = LipschitzTools.perLayerGradientNorms critic real fake
    Assert.Equal(0.0, inFloat32[0])
    use sameBatches = new torch.Generator(2UL)
    let summary = LayerNorms.layerNormSummary critic generatorNetwork SwissRoll 2 32 1 cpu sameBatches
    Assert.Equal(0.0, summary.ZeroLayers)
    let first = summary.MeanLog10[0]
    Assert.True(Double.IsFinite first && first < log10 LayerNorms.SmallestNorm, $"layer 1: {first}")
    // Where float32 can represent the norms (the last layer), the float64 measurement agrees with it.
    Assert.Equal(log10 inFloat32[11], summary.MeanLog10[11], 4)
