/// The objectives of gan_64x64.py's MODEs (igul222/improved_wgan_training at fa66c57, lines 476-512), each written
/// as what its network minimises: `dcgan`'s sigmoid cross-entropy (non-saturating generator), `lsgan`'s least
/// squares, and the Wasserstein loss of `wgan` and `wgan-gp` (whose critic step, with clipping or the penalty, is
/// CriticStep.criticStep). One discriminator step and one generator step of each, in their own dispose scopes.
namespace Wgan.Core

open TorchSharp

/// The loss a method trains with.
[<RequireQualifiedAccess>]
type AdversarialObjective =
    /// MODE 'dcgan': D minimises (CE(D(fake), 0) + CE(D(real), 1)) / 2 on logits; G minimises CE(D(G(z)), 1) =
    /// -E log D(G(z)) (GAN 2014's non-saturating loss).
    | NonSaturating
    /// MODE 'lsgan': D minimises (E (D(real) - 1)^2 + E D(fake)^2) / 2; G minimises E (D(G(z)) - 1)^2.
    | LeastSquares
    /// MODEs 'wgan' and 'wgan-gp': the critic minimises E f(fake) - E f(real) (+ its constraint); G minimises
    /// -E f(G(z)).
    | Wasserstein

module AdversarialObjective =
    /// MODE 'dcgan''s discriminator loss: half GAN 2014's -E log D(x) - E log(1 - D(G(z))), on logits.
    let crossEntropyDiscriminatorLoss (realLogits: torch.Tensor) (fakeLogits: torch.Tensor) : torch.Tensor =
        Scalars.mul (Losses.discriminatorLoss realLogits fakeLogits) 0.5

    /// MODE 'lsgan''s discriminator loss: (E (D(real) - 1)^2 + E D(fake)^2) / 2.
    let leastSquaresDiscriminatorLoss (realOutputs: torch.Tensor) (fakeOutputs: torch.Tensor) : torch.Tensor =
        let real = (Scalars.pow (Scalars.sub realOutputs 1.0) 2.0).mean()
        let fake = (Scalars.pow fakeOutputs 2.0).mean()
        Scalars.mul (Scalars.addTensors real fake) 0.5

    /// MODE 'lsgan''s generator loss: E (D(G(z)) - 1)^2.
    let leastSquaresGeneratorLoss (fakeOutputs: torch.Tensor) : torch.Tensor =
        (Scalars.pow (Scalars.sub fakeOutputs 1.0) 2.0).mean()

    /// One discriminator step of a GAN objective (NonSaturating or LeastSquares) on given batches; real and fake are
    /// scored in separate passes, as gan_64x64.py's two Discriminator calls (batch norm sees each batch alone).
    /// Returns the loss before the update.
    let discriminatorStep
        (objective: AdversarialObjective)
        (discriminator: torch.nn.Module<torch.Tensor, torch.Tensor>)
        (optimizer: Optimizer)
        (real: torch.Tensor)
        (fake: torch.Tensor)
        : float =
        use _ = torch.NewDisposeScope()
        let loss =
            match objective with
            | AdversarialObjective.NonSaturating -> crossEntropyDiscriminatorLoss
            | AdversarialObjective.LeastSquares -> leastSquaresDiscriminatorLoss
            | AdversarialObjective.Wasserstein ->
                invalidArg (nameof objective) "a Wasserstein critic steps with CriticStep.criticStep"
        optimizer.zero_grad()
        let value = loss (discriminator.call real) (discriminator.call (fake.detach()))
        value.backward()
        optimizer.step() |> ignore
        value.ReadDouble()

    /// One generator step of the objective against a fixed discriminator; the result's Loss is what the generator
    /// minimises (see AdversarialObjective).
    let generatorStep
        (objective: AdversarialObjective)
        (generatorNetwork: torch.nn.Module<torch.Tensor, torch.Tensor>)
        (optimizer: Optimizer)
        (discriminator: torch.nn.Module<torch.Tensor, torch.Tensor>)
        (noise: torch.Tensor)
        : GeneratorStepResult =
        match objective with
        | AdversarialObjective.NonSaturating ->
            GeneratorStep.nonSaturatingStep generatorNetwork optimizer discriminator noise
        | AdversarialObjective.LeastSquares ->
            GeneratorStep.leastSquaresStep generatorNetwork optimizer discriminator noise
        | AdversarialObjective.Wasserstein ->
            GeneratorStep.wassersteinStep generatorNetwork optimizer discriminator noise
