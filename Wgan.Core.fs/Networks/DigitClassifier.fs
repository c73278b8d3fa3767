/// A small convolutional MNIST classifier whose penultimate layer serves as the feature space of the
/// harness's sample-quality measures (a Frechet distance, as FID does with Inception features, and the
/// class coverage of generated digits). Not from the papers: the harness's own measuring instrument.
namespace Wgan.Core

open TorchSharp

/// Convolution widths and feature size.
type DigitClassifierSpec =
    { /// Channels of the first 5x5 stride-2 convolution (the second has twice as many).
      Channels: int
      /// Size of the feature layer (the Frechet distance's space).
      Features: int }

/// conv(1 -> C, 5x5, stride 2) -> ReLU -> conv(C -> 2C) -> ReLU -> Linear to `Features` -> ReLU (the
/// features) -> Linear to 10 logits. Input [B, 1, 28, 28] in [0, 1].
type DigitClassifier(spec: DigitClassifierSpec, generator: torch.Generator) as this =
    inherit torch.nn.Module<torch.Tensor, torch.Tensor>("DigitClassifier")

    let c = int64 spec.Channels
    let conv1 = torch.nn.Conv2d(1L, c, 5L, stride = 2L, padding = 2L)
    let conv2 = torch.nn.Conv2d(c, 2L * c, 5L, stride = 2L, padding = 2L)
    let hidden = torch.nn.Linear(2L * c * 7L * 7L, int64 spec.Features)
    let output = torch.nn.Linear(int64 spec.Features, 10L)

    do
        if spec.Channels < 1 || spec.Features < 1 then invalidArg (nameof spec) "Channels and Features must be positive"
        this.register_module("conv1", conv1)
        this.register_module("conv2", conv2)
        this.register_module("hidden", hidden)
        this.register_module("output", output)
        Initialization.uniformFanIn generator conv1.weight conv1.bias
        Initialization.uniformFanIn generator conv2.weight conv2.bias
        Initialization.uniformFanIn generator hidden.weight hidden.bias
        Initialization.uniformFanIn generator output.weight output.bias

    /// The specification this network was built from.
    member _.Spec = spec

    /// The feature layer's activations, [B, Features].
    member _.Features(x: torch.Tensor) : torch.Tensor =
        let relu (t: torch.Tensor) = torch.nn.functional.relu t
        let h = relu (conv1.call (x.reshape(-1L, 1L, 28L, 28L)))
        let h = relu (conv2.call h)
        relu (hidden.call (h.flatten(1L)))

    /// Class logits, [B, 10].
    override this.forward(x: torch.Tensor) = output.call (this.Features x)
