/// The losses of the three papers, each written as the quantity that its network *minimises*.
/// Discriminator outputs are logits (no sigmoid in the network); critic outputs are unbounded scores.
module Wgan.Core.Losses

open TorchSharp

let private softplus (x: torch.Tensor) = Scalars.softplus x

/// GAN discriminator loss, minimised by D: -E log D(x) - E log(1 - D(G(z))) (the negated GAN value V),
/// with D = sigmoid(logit), computed stably (-log sigmoid(l) = softplus(-l), -log(1 - sigmoid(l)) = softplus(l)).
let discriminatorLoss (realLogits: torch.Tensor) (fakeLogits: torch.Tensor) : torch.Tensor =
    Scalars.addTensors (softplus(-realLogits).mean()) (softplus(fakeLogits).mean())

/// GAN (Goodfellow et al. 2014) minimax generator loss, minimised by G: E log(1 - D(G(z))).
/// Saturates when D(G(z)) -> 0.
let minimaxGeneratorLoss (fakeLogits: torch.Tensor) : torch.Tensor =
    -(softplus fakeLogits).mean()

/// GAN non-saturating generator loss, minimised by G: -E log D(G(z)).
let nonSaturatingGeneratorLoss (fakeLogits: torch.Tensor) : torch.Tensor =
    softplus(-fakeLogits).mean()

/// The Jensen-Shannon estimate of a discriminator: with V = E log D(x) + E log(1 - D(G(z))) = -loss,
/// C(G) = -log 4 + 2 JS at the optimal D (GAN 2014, Theorem 1), so JS ~ V/2 + log 2.
let jensenShannonEstimate (discriminatorLossValue: float) : float =
    -discriminatorLossValue / 2.0 + log 2.0

/// WGAN critic loss, minimised by the critic: E f(G(z)) - E f(x). Its negation is the critic's
/// Earth-Mover estimate E f(x) - E f(G(z)) (the official code's -Loss_D).
let criticLoss (realScores: torch.Tensor) (fakeScores: torch.Tensor) : torch.Tensor =
    Scalars.subtractTensors (fakeScores.mean()) (realScores.mean())

/// WGAN generator loss, minimised by G: -E f(G(z)).
let wassersteinGeneratorLoss (fakeScores: torch.Tensor) : torch.Tensor =
    -fakeScores.mean()
