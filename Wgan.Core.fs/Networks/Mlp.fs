/// Multi-layer perceptrons for critics, discriminators and generators (gan_toy.py's networks and the
/// WGAN-GP paper's 12-layer ones), initialised from an explicit random generator.
namespace Wgan.Core

open TorchSharp

/// The non-linearity between layers.
type Activation =
    | ReLU
    | LeakyReLU of negativeSlope: float
    | Tanh
    | Softplus

/// Normalisation after each hidden linear layer. Batch norm couples the samples of a batch, so the
/// WGAN-GP paper forbids it in a gradient-penalty critic (use layer norm).
type Normalization =
    | NoNormalization
    | LayerNorm
    | BatchNorm

/// inputs -> hidden[0] -> ... -> hidden[k-1] -> outputs, with `Activation` (and `Normalization`) after
/// every hidden linear layer and nothing after the last one (no sigmoid: losses take logits or scores).
type MlpSpec =
    { Inputs: int
      Hidden: int list
      Outputs: int
      Activation: Activation
      Normalization: Normalization }

/// An MLP whose parameters are drawn from the given generator with PyTorch's default nn.Linear scheme
/// (weights and biases uniform in +-1/sqrt(fan_in)), so that a seed fixes the network.
type Mlp(spec: MlpSpec, generator: torch.Generator) as this =
    inherit torch.nn.Module<torch.Tensor, torch.Tensor>("Mlp")

    let widths = spec.Inputs :: spec.Hidden @ [ spec.Outputs ]
    let linears =
        // nn.Linear initialises itself from torch's global generator, which advances it; nothing in the
        // harness draws from that generator, and the parameters are redrawn from `generator` below.
        // (Saving and restoring the global state instead is not thread-safe: networks built on two threads
        // at once corrupted libtorch's heap.)
        widths
        |> List.pairwise
        |> List.map (fun (fanIn, fanOut) -> torch.nn.Linear(int64 fanIn, int64 fanOut))
        |> List.toArray
    let hiddenBlocks =
        spec.Hidden
        |> List.mapi (fun i width ->
            let activation: torch.nn.Module<torch.Tensor, torch.Tensor> =
                match spec.Activation with
                | ReLU -> torch.nn.ReLU()
                | LeakyReLU slope -> new Layers.ActivationModule("LeakyReLU", fun t -> Scalars.leakyRelu t slope)
                | Tanh -> torch.nn.Tanh()
                | Softplus -> new Layers.ActivationModule("Softplus", Scalars.softplus)
            let parts: torch.nn.Module<torch.Tensor, torch.Tensor> list =
                match spec.Normalization with
                | NoNormalization -> [ linears[i]; activation ]
                | LayerNorm -> [ linears[i]; torch.nn.LayerNorm([| int64 width |]); activation ]
                | BatchNorm -> [ linears[i]; new Layers.BatchNorm(int64 width, 2); activation ]
            torch.nn.Sequential(List.toArray parts))
        |> List.toArray
    let output = linears[linears.Length - 1]
    let blocks = torch.nn.ModuleList<torch.nn.Module<torch.Tensor, torch.Tensor>>()

    do
        for block in hiddenBlocks do blocks.Add block
        blocks.Add output
        this.register_module("blocks", blocks)
        use _ = torch.no_grad()
        for linear in linears do
            let bound = 1.0 / sqrt (float linear.weight.shape[1])
            linear.weight.uniform_(-bound, bound, generator) |> ignore
            linear.bias.uniform_(-bound, bound, generator) |> ignore

    /// The specification this network was built from.
    member _.Spec = spec

    /// The linear layers, input first (their weights are what clipping bounds and spectral norms measure).
    member _.Linears: Modules.Linear[] = linears

    override _.forward(x: torch.Tensor) =
        let mutable h = x
        for block in hiddenBlocks do h <- block.call h
        output.call h

    /// The output and the activations of every hidden block (after its non-linearity), input side first;
    /// all are nodes of the autograd graph, so gradients with respect to them can be taken.
    member _.ForwardWithActivations(x: torch.Tensor) : torch.Tensor * torch.Tensor[] =
        let activations = Array.zeroCreate hiddenBlocks.Length
        let mutable h = x
        for i in 0 .. hiddenBlocks.Length - 1 do
            h <- hiddenBlocks[i].call h
            activations[i] <- h
        output.call h, activations
