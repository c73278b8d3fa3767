/// What the architecture experiment's report says beside its numbers: the data, the classifiers, the references and
/// the success rule, the methods and architectures with their sources, and how the claims are decided.
module Wgan.Experiments.Architectures.Notes

open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.Architectures.Settings
open Wgan.Experiments.Architectures.Unit

/// The report's notes, given each image set's description and reference facts.
let notes (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (dataSets: (ImageDataSet * string * ReferenceFacts) list) : string list =
    let s, scale = manifest.Settings, manifest.Scales[run.Scale]
    let c = s.Classifier
    let half = scale.ReferenceImages / 2
    [ for d, description, reference in dataSets ->
        $"{ImageDataSet.name d}: {description}. {scale.ReferenceImages} images (split by dataSeed {s.DataSeed}) are "
        + $"held out in two halves of {half}; the GANs and the classifier train on {scale.TrainingImages} others. "
        + $"Classifier test accuracy {reference.TestAccuracy:F4}; Frechet distance between the halves "
        + $"{reference.RealHalvesFd:F4}." ]
    @ [ $"Classifiers: one DigitClassifier per image set ({c.Channels} and {2 * c.Channels} channels, {c.Features} "
        + $"features, {c.Epochs} epochs of batch {c.BatchSize} with {Manifest.optimizerText c.Optimizer}, "
        + $"seed {c.Seed}), "
        + "trained on that set's training images and cached by the runner under a key of its settings, data and thread "
        + "count."
        $"Quality: the squared Frechet distance between Gaussians fitted to the classifier's features of {half} "
        + "samples "
        + $"(the same noise for every architecture and method of a seed and image set) and of the first held-out half. "
        + "References of the same run: the second held-out half (FDreal) and the unit's own untrained generator "
        + "(FD0, the same for every method of a seed, since the methods start from the same weights). score = "
        + "log(FD0 / FD) / log(FD0 / FDreal); a unit trains (success = 1) when its final score is at least "
        + $"{s.SuccessScore} (successScore, stated before any deciding run); a diverged unit does not train."
        $"Mode collapse: classes covered (at least {s.CoverageMinShare * 100.0:F1}%% of the samples predicted as the "
        + "class) and the predicted class histogram's entropy over log 10."
        $"Training: batch {s.BatchSize}, z of {s.Latent}, DIM {scale.Dim}, {scale.GeneratorIterations} generator "
        + $"iterations, measured every {scale.EvaluateEvery}; FC_DIM {s.FcWidth}, {s.ResnetBlocks} ResNet block(s) per "
        + "resolution. Every method of a seed, image set and architecture starts from the same weights and draws its "
        + "noise and batches from the same generators (paired by seed); the networks stay in training mode." ]
    @ [ for m in s.Methods ->
            $"Method {m.Name}: {m.Objective} objective, {Manifest.optimizerText m.Optimizer} for both networks, "
            + $"{m.DiscriminatorSteps} discriminator step(s) per generator step, "
            + (match m.Warmup with
               | MnistVariant.NoWarmup -> ""
               | w -> MnistVariant.warmupText w + ", ")
            + $"{Manifest.constraintText m.Constraint}, discriminator normalisation "
            + $"{Manifest.normalizationText m.CriticNormalization}"
            + (match m.Only with
               | Some only -> "; run on " + (only |> List.map Architecture.name |> String.concat ", ") + " only"
               | None -> "")
            + $". Source: {m.Source}" ]
    @ [ for a in s.Architectures -> $"Architecture {Architecture.name a}: {Architecture.source a}" ]
    @ [ "Figure 3's time axis: the figure against wall-clock seconds places each method's measurements at their "
        + "generator iteration times the method's median seconds per generator iteration over its units in this run "
        + "(training and measurements, each unit on the thread count stated above). Wall-clock time is not "
        + "deterministic: that figure changes from run to run and machine to machine, and no metric or claim uses it."
        "What WGAN-GP section 5.3 says of Figure 3: WGAN-GP converges faster and to a better score than weight "
        + "clipping, even with the same optimiser (RMSProp at clipping's learning rate), and more slowly than DCGAN "
        + "in wall-clock time, with a more stable score at convergence. The claim here compares WGAN-GP with its own "
        + "optimiser (gan_64x64.py's Adam) against clipping; WGAN-GP with RMSProp is not run, and DCGAN's curve is "
        + "drawn beside WGAN-GP's on the DCGAN architecture without a claim." ]
    @ Option.toList scale.Note
