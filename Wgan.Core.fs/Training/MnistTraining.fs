/// The steps of WGAN training on images that the critic and generator steps (CriticStep, GeneratorStep) do
/// not cover: the critic's loss measured without an update (for training/validation curves), and a
/// classifier step for the harness's digit classifier. Each runs in its own dispose scope and returns plain numbers.
module Wgan.Core.MnistTraining

open TorchSharp

/// The critic's loss on given batches, without updating it: E f(fake) - E f(real), plus lambda times the
/// gradient penalty under WGAN-GP (as gan_mnist.py's `disc_cost`, which it also evaluates on held-out
/// data). The penalty needs input gradients, so this runs with autograd on but never calls backward().
let criticLoss
    (critic: torch.nn.Module<torch.Tensor, torch.Tensor>)
    (lipschitz: LipschitzConstraint)
    (real: torch.Tensor)
    (fake: torch.Tensor)
    (generator: torch.Generator)
    : CriticStepResult =
    use _ = torch.NewDisposeScope()
    let fake = fake.detach()
    let wassersteinLoss = Losses.criticLoss (critic.call real) (critic.call fake)
    let penalty =
        match lipschitz with
        | GradientPenalty (_, sides) -> (CriticStep.gradientPenalty sides critic real fake generator).ReadDouble()
        | _ -> 0.0
    let lambda =
        match lipschitz with
        | GradientPenalty (lambda, _) -> lambda
        | _ -> 0.0
    let w = wassersteinLoss.ReadDouble()
    { Loss = w + lambda * penalty; EarthMoverEstimate = -w; Penalty = penalty }

/// One classifier step: minimises the cross-entropy of the logits against integer labels [B] (int64).
/// Returns the loss before the update.
let classifierStep
    (classifier: torch.nn.Module<torch.Tensor, torch.Tensor>)
    (optimizer: Optimizer)
    (images: torch.Tensor)
    (labels: torch.Tensor)
    : float =
    use _ = torch.NewDisposeScope()
    optimizer.zero_grad()
    let loss = torch.nn.functional.cross_entropy(classifier.call images, labels)
    loss.backward()
    optimizer.step() |> ignore
    loss.ReadDouble()
