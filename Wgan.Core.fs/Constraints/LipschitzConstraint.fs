/// How a critic is kept (approximately) Lipschitz: nothing, WGAN's weight clipping, or WGAN-GP's penalty.
namespace Wgan.Core

open TorchSharp

/// When weight clipping is applied relative to the optimiser step. The WGAN paper (Algorithm 1) clips
/// after each critic update; the official code clamps before each critic step.
type ClipTiming =
    | BeforeStep
    | AfterStep

/// A Lipschitz constraint on the critic.
type LipschitzConstraint =
    | Unconstrained
    /// Clamp every critic parameter to [-bound, bound] (WGAN: c = 0.01).
    | WeightClipping of bound: float * timing: ClipTiming
    /// Add lambda * gradient penalty to the critic loss (WGAN-GP: lambda = 10, two-sided).
    | GradientPenalty of lambda: float * sides: GradientPenalty.Sides

module LipschitzConstraint =
    /// Clamps every parameter of `network` to [-bound, bound] in place, outside the autograd graph.
    let clipWeights (bound: float) (network: torch.nn.Module) : unit =
        use _ = torch.no_grad()
        for p in network.parameters() do
            Scalars.clamp_ p (-bound) bound |> ignore
