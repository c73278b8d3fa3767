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
    /// Whether a network mixes the samples of a batch (batch normalisation), so that scoring several
    /// batches in one forward pass would change the mathematics.
    let couplesBatch (network: torch.nn.Module) : bool =
        network.modules()
        |> Seq.exists (fun m -> m :? Modules.BatchNorm)

    /// Per-sample input gradients of a critic at `points`, differentiable with respect to its weights: by
    /// the explicit chain of a piecewise-linear MLP (MlpInputGradient) or of a critic that implements
    /// IExplicitInputGradient, otherwise by double back-propagation.
    let inputGradients (critic: torch.nn.Module<torch.Tensor, torch.Tensor>) (points: torch.Tensor) : torch.Tensor =
        match box critic with
        | _ when MlpInputGradient.appliesTo critic -> MlpInputGradient.inputGradients (critic :?> Mlp) points
        | :? GradientPenalty.IExplicitInputGradient as explicit when explicit.HasExplicitInputGradient ->
            explicit.InputGradients points
        | _ ->
            let x = points.detach().requires_grad_(true)
            // TorchSharp needs retain_graph as well as create_graph for the penalty's backward() to work.
            torch.autograd.grad([| (critic.call x).sum() |], [| x |], create_graph = true, retain_graph = true)[0]

    /// The gradient penalty (without lambda) of a critic at interpolates between `real` and `fake`, its input
    /// gradients taken by `inputGradients`.
    let gradientPenalty
        (sides: GradientPenalty.Sides)
        (critic: torch.nn.Module<torch.Tensor, torch.Tensor>)
        (real: torch.Tensor)
        (fake: torch.Tensor)
        (generator: torch.Generator)
        : torch.Tensor =
        GradientPenalty.interpolate real fake generator
        |> inputGradients critic
        |> GradientPenalty.normsOf
        |> GradientPenalty.penaltyOfNorms sides

    /// Critic scores of real and fake samples and (under a gradient penalty) the penalty at interpolates.
    /// Without batch coupling, real and fake samples are scored in one forward pass (one large matrix
    /// product per layer instead of two) and the interpolates on their own, since scoring them in the same
    /// pass would make the penalty's differentiation run over all three batches; with batch norm each batch
    /// is scored on its own.
    let private scores
        (critic: torch.nn.Module<torch.Tensor, torch.Tensor>)
        (penalty: GradientPenalty.Sides option)
        (real: torch.Tensor)
        (fake: torch.Tensor)
        (generator: torch.Generator)
        : torch.Tensor * torch.Tensor * torch.Tensor option =
        match penalty with
        | None -> critic.call real, critic.call fake, None
        | Some sides when couplesBatch critic ->
            // In this order: with batch norm, each call moves the running statistics.
            let realScores, fakeScores = critic.call real, critic.call fake
            realScores, fakeScores, Some(GradientPenalty.gradientPenalty sides critic.call real fake generator)
        | Some sides ->
            let both = critic.call (torch.cat([| real; fake |], 0L))
            let n = real.shape[0]
            let realScores, fakeScores = both.narrow(0L, 0L, n), both.narrow(0L, n, fake.shape[0])
            realScores, fakeScores, Some(gradientPenalty sides critic real fake generator)

    /// The critic loss of a step (the Wasserstein loss E f(fake) - E f(real), plus lambda times the penalty
    /// under WGAN-GP), its Wasserstein part and the penalty without lambda, with the loss's gradients in the
    /// parameters' gradients. A piecewise-linear MLP critic under the penalty has its gradients written out
    /// (MlpPenaltyGradients, which replaces what was there); every other critic goes through autograd, which
    /// accumulates into gradients zeroed first through `optimizer`.
    let private lossAndGradients
        (critic: torch.nn.Module<torch.Tensor, torch.Tensor>)
        (optimizer: Optimizer)
        (lipschitz: LipschitzConstraint)
        (real: torch.Tensor)
        (fake: torch.Tensor)
        (generator: torch.Generator)
        : torch.Tensor * torch.Tensor * torch.Tensor option =
        match lipschitz with
        | GradientPenalty (lambda, sides) when MlpPenaltyGradients.applies critic ->
            let wassersteinLoss, penalty =
                MlpPenaltyGradients.writeGradients (critic :?> Mlp) lambda sides real fake generator
            Scalars.addTensors wassersteinLoss (Scalars.mul penalty lambda), wassersteinLoss, Some penalty
        | _ ->
            optimizer.zero_grad()
            let sides =
                match lipschitz with
                | GradientPenalty (_, sides) -> Some sides
                | _ -> None
            let realScores, fakeScores, penalty = scores critic sides real fake generator
            let wassersteinLoss = Losses.criticLoss realScores fakeScores
            let loss =
                match lipschitz, penalty with
                | GradientPenalty (lambda, _), Some p -> Scalars.addTensors wassersteinLoss (Scalars.mul p lambda)
                | _ -> wassersteinLoss
            loss.backward()
            loss, wassersteinLoss, penalty

    /// One WGAN critic step: loss E f(fake) - E f(real) (+ lambda * penalty), the constraint applied as it
    /// specifies (clipping before or after the optimiser step, or the penalty in the loss).
    let criticStep
        (critic: torch.nn.Module<torch.Tensor, torch.Tensor>)
        (optimizer: Optimizer)
        (lipschitz: LipschitzConstraint)
        (real: torch.Tensor)
        (fake: torch.Tensor)
        (generator: torch.Generator)
        : CriticStepResult =
        use _ = torch.NewDisposeScope()
        match lipschitz with
        | WeightClipping (bound, BeforeStep) -> LipschitzConstraint.clipWeights bound critic
        | _ -> ()
        let loss, wassersteinLoss, penalty = lossAndGradients critic optimizer lipschitz real (fake.detach()) generator
        optimizer.step() |> ignore
        match lipschitz with
        | WeightClipping (bound, AfterStep) -> LipschitzConstraint.clipWeights bound critic
        | _ -> ()
        { Loss = loss.ReadDouble()
          EarthMoverEstimate = -(wassersteinLoss.ReadDouble())
          Penalty = penalty |> Option.map (fun p -> p.ReadDouble()) |> Option.defaultValue 0.0 }

    /// One GAN discriminator step on logits: loss -E log D(real) - E log(1 - D(fake)).
    let discriminatorStep
        (discriminator: torch.nn.Module<torch.Tensor, torch.Tensor>)
        (optimizer: Optimizer)
        (real: torch.Tensor)
        (fake: torch.Tensor)
        : DiscriminatorStepResult =
        use _ = torch.NewDisposeScope()
        optimizer.zero_grad()
        let loss = Losses.discriminatorLoss (discriminator.call real) (discriminator.call (fake.detach()))
        loss.backward()
        optimizer.step() |> ignore
        let value = loss.ReadDouble()
        { Loss = value
          JensenShannonEstimate = Losses.jensenShannonEstimate value }
