/// One optimisation step of a WGAN critic or a GAN discriminator on given real and fake batches.
/// Each step runs in its own dispose scope and returns plain numbers, so no tensor outlives it.
namespace Wgan.Core

open TorchSharp

/// What one critic step measured (before its parameter update).
type CriticStepResult =
    { /// The minimised loss E f(fake) - E f(real) (+ lambda * penalty under WGAN-GP).
      Loss: float
      /// The critic's Earth-Mover estimate E f(real) - E f(fake) (= -loss without the penalty).
      EarthMoverEstimate: float
      /// The gradient penalty without lambda; 0 when the constraint is not a penalty.
      Penalty: float }

/// What one discriminator step measured (before its parameter update).
type DiscriminatorStepResult =
    { /// The minimised loss -E log D(real) - E log(1 - D(fake)).
      Loss: float
      /// loss-based JS estimate V/2 + log 2, V = -loss.
      JensenShannonEstimate: float }

module CriticStep =
    /// One WGAN critic step: loss E f(fake) - E f(real), the constraint applied as it specifies.
    let criticStep
        (critic: torch.nn.Module<torch.Tensor, torch.Tensor>)
        (optimizer: torch.optim.Optimizer)
        (lipschitz: LipschitzConstraint)
        (real: torch.Tensor)
        (fake: torch.Tensor)
        (generator: torch.Generator)
        : CriticStepResult =
        use _ = torch.NewDisposeScope()
        match lipschitz with
        | WeightClipping (bound, BeforeStep) -> LipschitzConstraint.clipWeights bound critic
        | _ -> ()
        optimizer.zero_grad()
        let fakeDetached = fake.detach()
        let wassersteinLoss = Losses.criticLoss (critic.call real) (critic.call fakeDetached)
        let penalty, loss =
            match lipschitz with
            | GradientPenalty (lambda, sides) ->
                let penalty = GradientPenalty.gradientPenalty sides critic.call real fakeDetached generator
                penalty.ToDouble(), wassersteinLoss + lambda * penalty
            | _ -> 0.0, wassersteinLoss
        loss.backward()
        optimizer.step() |> ignore
        match lipschitz with
        | WeightClipping (bound, AfterStep) -> LipschitzConstraint.clipWeights bound critic
        | _ -> ()
        { Loss = loss.ToDouble()
          EarthMoverEstimate = -(wassersteinLoss.ToDouble())
          Penalty = penalty }

    /// One GAN discriminator step on logits: loss -E log D(real) - E log(1 - D(fake)).
    let discriminatorStep
        (discriminator: torch.nn.Module<torch.Tensor, torch.Tensor>)
        (optimizer: torch.optim.Optimizer)
        (real: torch.Tensor)
        (fake: torch.Tensor)
        : DiscriminatorStepResult =
        use _ = torch.NewDisposeScope()
        optimizer.zero_grad()
        let loss = Losses.discriminatorLoss (discriminator.call real) (discriminator.call (fake.detach()))
        loss.backward()
        optimizer.step() |> ignore
        let value = loss.ToDouble()
        { Loss = value
          JensenShannonEstimate = Losses.jensenShannonEstimate value }
