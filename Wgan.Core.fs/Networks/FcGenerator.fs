/// gan_64x64.py's FCGenerator (line 220; igul222/improved_wgan_training at fa66c57), the "512-dim 4-layer ReLU MLP
/// G" of WGAN-GP Figure 2 and of WGAN section 4.3: four ReLU layers of FC_DIM = 512 units (He-initialised tflib
/// `ReLULayer`s), a Glorot-initialised linear output layer of one unit per pixel, tanh. No convolution and no
/// normalisation. (The WGAN authors' own MLP_G, models/mlp.py, has three hidden ReLU layers and no tanh; this
/// follows gan_64x64.py, whose list Figure 2 is.)
namespace Wgan.Core

open TorchSharp
open Wgan.Core.Initialization
open Wgan.Core.ImageInitialization

/// The MLP generator's sizes.
type FcGeneratorSpec =
    { /// Size of the noise z (128 in gan_64x64.py).
      Latent: int
      /// Units of each of the four hidden layers (FC_DIM, 512 in gan_64x64.py).
      Width: int }

/// The generator; input z [B, Latent], output images [B, 1, 28, 28] in (-1, 1). Parameters are drawn from
/// `generator` layer by layer from the input.
type FcGenerator(spec: FcGeneratorSpec, generator: torch.Generator) as this =
    inherit torch.nn.Module<torch.Tensor, torch.Tensor>("FcGenerator")

    do
        if spec.Latent < 1 || spec.Width < 1 then invalidArg (nameof spec) "Latent and Width must be positive"

    let width = int64 spec.Width
    let hidden =
        [| torch.nn.Linear(int64 spec.Latent, width)
           torch.nn.Linear(width, width)
           torch.nn.Linear(width, width)
           torch.nn.Linear(width, width) |]
    let activations = Array.init hidden.Length (fun _ -> torch.nn.ReLU())
    let output = torch.nn.Linear(width, 28L * 28L)
    let outputActivation = torch.nn.Tanh()

    do
        hidden |> Array.iteri (fun i layer -> this.register_module($"hidden{i + 1}", layer))
        activations |> Array.iteri (fun i act -> this.register_module($"act{i + 1}", act))
        this.register_module("output", output)
        this.register_module("outputActivation", outputActivation)
        for layer in hidden do
            linear generator FanBased He layer
        linear generator FanBased Glorot output

    /// The specification this network was built from.
    member _.Spec = spec

    override _.forward(z: torch.Tensor) =
        let layer (h: torch.Tensor) (linear: Modules.Linear) (act: Modules.ReLU) = act.call (linear.call h)
        let h = Array.fold2 layer z hidden activations
        (outputActivation.call (output.call h)).view(-1L, 1L, 28L, 28L)
