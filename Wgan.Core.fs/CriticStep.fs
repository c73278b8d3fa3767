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
        |> Seq.exists (fun m -> m :? Modules.BatchNorm1d || m :? Modules.BatchNorm2d || m :? Modules.BatchNorm3d)

    /// Critic scores of real and fake samples and (under a gradient penalty) the penalty at interpolates.
    /// A piecewise-linear MLP critic uses the explicit input-gradient chain (MlpInputGradient); another
    /// critic without batch coupling scores the three batches in one forward pass (one large matrix product
    /// per layer instead of three) with double back-propagation; with batch norm each batch is scored on
    /// its own.
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
            critic.call real, critic.call fake, Some(GradientPenalty.gradientPenalty sides critic.call real fake generator)
        | Some sides when (match critic with :? Mlp as mlp -> MlpInputGradient.applies mlp.Spec && mlp.Spec.Outputs = 1 | _ -> false) ->
            // Piecewise-linear MLP: score real and fake together; the penalty's input gradients come from
            // the explicit chain of MlpInputGradient, whose backward skips the interpolates' forward graph.
            let mlp = critic :?> Mlp
            let interpolates = GradientPenalty.interpolate real fake generator
            let both = critic.call (torch.cat([| real; fake |], 0L))
            let n = real.shape[0]
            let gradients = MlpInputGradient.inputGradients mlp interpolates
            let norms = (Scalars.add ((Scalars.pow gradients 2.0).sum(1L)) GradientPenalty.NormEpsilon).sqrt()
            both.narrow(0L, 0L, n), both.narrow(0L, n, fake.shape[0]), Some(GradientPenalty.penaltyOfNorms sides norms)
        | Some sides ->
            let interpolates = (GradientPenalty.interpolate real fake generator).detach().requires_grad_(true)
            let all = critic.call (torch.cat([| real; fake; interpolates |], 0L))
            let n, m = real.shape[0], fake.shape[0]
            let interpolateScores = all.narrow(0L, n + m, interpolates.shape[0])
            let gradients =
                torch.autograd.grad([| interpolateScores.sum() |], [| interpolates |], create_graph = true, retain_graph = true)
            let norms = (Scalars.add ((Scalars.pow (gradients[0].flatten(1L)) 2.0).sum(1L)) GradientPenalty.NormEpsilon).sqrt()
            all.narrow(0L, 0L, n), all.narrow(0L, n, m), Some(GradientPenalty.penaltyOfNorms sides norms)

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
        optimizer.zero_grad()
        let sides =
            match lipschitz with
            | GradientPenalty (_, sides) -> Some sides
            | _ -> None
        let realScores, fakeScores, penalty = scores critic sides real (fake.detach()) generator
        let wassersteinLoss = Losses.criticLoss realScores fakeScores
        let loss =
            match lipschitz, penalty with
            | GradientPenalty (lambda, _), Some p -> Scalars.plus wassersteinLoss (Scalars.mul p lambda)
            | _ -> wassersteinLoss
        loss.backward()
        optimizer.step() |> ignore
        match lipschitz with
        | WeightClipping (bound, AfterStep) -> LipschitzConstraint.clipWeights bound critic
        | _ -> ()
        { Loss = loss.ToDouble()
          EarthMoverEstimate = -(wassersteinLoss.ToDouble())
          Penalty = penalty |> Option.map (fun p -> p.ToDouble()) |> Option.defaultValue 0.0 }

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
        let value = loss.ToDouble()
        { Loss = value
          JensenShannonEstimate = Losses.jensenShannonEstimate value }
