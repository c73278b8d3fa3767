/// One optimisation step of a generator against a fixed critic (WGAN) or discriminator (GAN). Each step runs
/// in its own dispose scope, updates only the generator, adds no gradient to the critic (whose parameters are
/// frozen during the step, so that back-propagation skips their gradients), and returns plain numbers measured
/// before the update.
namespace Wgan.Core

open TorchSharp

/// What one generator step measured (before its parameter update).
type GeneratorStepResult =
    { /// The minimised generator loss (its sign is stated by the step that produced it).
      Loss: float
      /// The mean critic score E f(G(z)), or the mean discriminator probability E D(G(z)) for a GAN.
      MeanFakeOutput: float
      /// The Euclidean norm of the loss's gradient over all generator parameters.
      GradientNorm: float }

module GeneratorStep =
    let private step
        (loss: torch.Tensor -> torch.Tensor)
        (fakeOutput: torch.Tensor -> float)
        (generatorNetwork: torch.nn.Module<torch.Tensor, torch.Tensor>)
        (optimizer: Optimizer)
        (critic: torch.nn.Module<torch.Tensor, torch.Tensor>)
        (noise: torch.Tensor)
        : GeneratorStepResult =
        use _ = torch.NewDisposeScope()
        let criticParameters = critic.parameters() |> Seq.filter (fun p -> p.requires_grad) |> Seq.toArray
        for p in criticParameters do p.requires_grad <- false
        try
            optimizer.zero_grad()
            let outputs = critic.call (generatorNetwork.call noise)
            let value = loss outputs
            value.backward()
            let gradientNorm =
                use _ = torch.no_grad()
                generatorNetwork.parameters()
                |> Seq.sumBy (fun p -> if isNull p.grad then 0.0 else (Scalars.pow p.grad 2.0).sum().ReadDouble())
                |> sqrt
            optimizer.step() |> ignore
            { Loss = value.ReadDouble()
              MeanFakeOutput = fakeOutput outputs
              GradientNorm = gradientNorm }
        finally
            for p in criticParameters do p.requires_grad <- true

    /// E f(G(z)) from the critic's scores.
    let private meanScore (scores: torch.Tensor) = scores.mean().ReadDouble()

    /// E D(G(z)) from the discriminator's logits.
    let private meanProbability (logits: torch.Tensor) = logits.sigmoid().mean().ReadDouble()

    /// One WGAN generator step: minimises -E f(G(z)) (WGAN Algorithm 1, line 10), i.e. raises the critic's
    /// score of the generated samples. `noise` is the batch of z.
    let wassersteinStep generatorNetwork optimizer critic noise : GeneratorStepResult =
        step Losses.wassersteinGeneratorLoss meanScore generatorNetwork optimizer critic noise

    /// One GAN generator step with the minimax (saturating) loss: minimises E log(1 - D(G(z))) (GAN 2014,
    /// eq. 1); its gradient vanishes when the discriminator confidently rejects the samples.
    let minimaxStep generatorNetwork optimizer discriminator noise : GeneratorStepResult =
        step Losses.minimaxGeneratorLoss meanProbability generatorNetwork optimizer discriminator noise

    /// One GAN generator step with the non-saturating loss: minimises -E log D(G(z)) (GAN 2014, section 3).
    let nonSaturatingStep generatorNetwork optimizer discriminator noise : GeneratorStepResult =
        step Losses.nonSaturatingGeneratorLoss meanProbability generatorNetwork optimizer discriminator noise

    /// One generator step of gan_64x64.py's MODE 'lsgan': minimises E (D(G(z)) - 1)^2 on raw outputs.
    let leastSquaresStep generatorNetwork optimizer discriminator noise : GeneratorStepResult =
        let loss (outputs: torch.Tensor) = (Scalars.pow (Scalars.sub outputs 1.0) 2.0).mean()
        step loss (fun outputs -> outputs.mean().ReadDouble()) generatorNetwork optimizer discriminator noise
