/// Layers that keep their TorchSharp Scalars alive for the whole native call (see Scalars.fs), in place of
/// TorchSharp modules that create a temporary Scalar on every call.
module Wgan.Core.Layers

open TorchSharp

/// A parameter-free activation computed by a function of Scalars.fs: torch.nn.LeakyReLU and torch.nn.Softplus
/// turn their numeric parameters into a temporary Scalar on every call.
[<Sealed>]
type ActivationModule(name: string, activation: torch.Tensor -> torch.Tensor) =
    inherit torch.nn.Module<torch.Tensor, torch.Tensor>(name)
    override _.forward(x: torch.Tensor) = activation x

/// The integer Scalar 1 by which training counts batches, alive for the whole process.
let private oneBatch = 1L.ToScalar()

/// Batch normalisation exactly as torch.nn.BatchNorm1d (inputs of `dimensions` = 2) and BatchNorm2d
/// (`dimensions` = 4) with their defaults (eps 1e-5, momentum 0.1, affine, running statistics): the same
/// parameters, buffers, names and arithmetic. TorchSharp's own forward counts batches with
/// `num_batches_tracked.add_(1)`, whose temporary Scalars the garbage collector can free mid-call (seen as
/// "For integral input tensors, argument alpha must not be a floating point number").
[<Sealed>]
type BatchNorm(features: int64, dimensions: int) =
    inherit
        Modules.BatchNorm(
            features, 1e-5, 0.1, true, true, null, System.Nullable(),
            (if dimensions = 2 then "BatchNorm1d" else "BatchNorm2d")
        )

    override _.ValidateInputDimensions(input: torch.Tensor) =
        if input.ndim <> int64 dimensions then
            invalidArg (nameof input) $"expected {dimensions}D input, but got {input.ndim}D input"

    override this.forward(input: torch.Tensor) =
        this.ValidateInputDimensions input
        if this.training then
            this.num_batches_tracked.add_(oneBatch, oneBatch) |> ignore
        torch.nn.functional.batch_norm(
            input, this.running_mean, this.running_var, this.weight, this.bias, this.training, 0.1, this.eps)
