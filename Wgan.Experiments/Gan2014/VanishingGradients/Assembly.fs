/// vanishing-gradients' findings from its units: per seed, how far each generator-gradient curve fell from its peak,
/// the claims judged on that, the curves drawn, and the notes a report prints.
module Wgan.Experiments.VanishingGradients.Assembly

open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.Learners
open Wgan.Experiments.VanishingGradients.Settings
open Wgan.Experiments.VanishingGradients.Unit

/// The per-seed metrics of one learner's unit.
let learnerMetrics (learner: Learner) (m: Measured) =
    [ for l in lossesOf learner do
          let curve = m.Norms(l)
          let final = curve[curve.Length - 1]
          $"{learner.Id}.{l}.log10Drop", log10 final - log10 (Array.max curve)
          $"{learner.Id}.{l}.log10FinalNorm", log10 final
      $"{learner.Id}.finalMeanFakeOutput", m.MeanFakeOutput[m.MeanFakeOutput.Length - 1] ]

let private kindText (learner: Learner) =
    match learner.Kind with
    | Discriminator -> "GAN discriminator (logits; sigmoid in the loss)"
    | Critic c -> $"WGAN critic, {constraintText c}"

/// The report's notes: the set-up, the measured quantity and the controls, from the settings.
let private notes (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (claims: ClaimResult list) =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let last = List.last scale.MeasureAt
    let measuredSteps = scale.MeasureAt |> List.map string |> String.concat ", "
    let mlp (shape: DeepShape) inputs outputs = $"MLP {inputs} -> {shape.Depth} x {scale.Width} -> {outputs}"
    [ $"Data: {settings.Dataset.Name} (gan_toy.py constants). The generator is a freshly initialised "
        + $"{mlp settings.Generator settings.NoiseDimension 2} ({activationText settings.Generator.Activation}), "
        + "z ~ N(0, I), never trained: its samples form a small blob near the origin, far from the real modes (a poor "
        + "generator, as in GAN 2014 section 3 early in training). Every learner of a seed faces the same generator."
      $"Learners: {mlp settings.Learner 2 1} ({activationText settings.Learner.Activation}, normalisation "
        + $"{normalizationText settings.Learner.Normalization}), batch {scale.BatchSize}, fresh real and generated "
        + $"batches every step, trained for {last} steps." ]
    @ [ for l in settings.Learners -> $"Learner {l.Id} ({l.Label}): {kindText l}, {optimizerText l.Optimizer}." ]
    @ [ $"Measured: after each of the steps {measuredSteps}, the Euclidean norm over all generator parameters of the "
          + $"gradient of the generator's loss on one fixed batch of {scale.MeasurementBatch} z: minimax "
          + "E log(1 - D(G(z))) and non-saturating -E log D(G(z)) for the discriminator, -E f(G(z)) for the critics. "
          + "Nothing updates the generator."
        "log10Drop compares the last measurement with the largest one, so an initial rise (a clipped critic starts "
          + "flat) does not count as a collapse. Thresholds: the minimax gradient 'collapses' when it falls by at "
          + "least two orders of magnitude (log10Drop <= -2); a WGAN gradient 'does not collapse' when it stays "
          + "within one order of magnitude of its peak (log10Drop >= -1)."
        "Controls: minimax-gradient-vanishes is tested on the non-saturating loss -E log D(G(z)) under the same "
          + "discriminators at the same steps (GAN 2014 section 3's own fix: the same discriminator, a loss whose "
          + "gradient does not saturate), so a collapse must come from the minimax loss, not from the probe. The WGAN "
          + "claims are tested on the GAN discriminator's minimax gradient, trained just as long against the same "
          + "generator: a test of 'does not collapse' must fail where the papers say the gradient collapses."
        "The claims compare each gradient with its own peak, not across learners: a weight-clipped critic's gradient "
          + "is small in absolute terms throughout (its scale is set by the clip bound c; see log10FinalNorm in the "
          + "metrics), so its 'persisting' gradient can be as small as the GAN's collapsed one." ]
    @ scaleNote run.Scale claims
        ($"This scale trains each learner {last} steps (paper scale: {List.last manifest.Scales[Paper].MeasureAt}); "
         + "how close the discriminator gets to optimality, and so how far the minimax gradient falls, depends on that "
         + "length.")

/// The experiment's findings from its units' measurements.
let assemble (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (measurements: (string * Measured) list) : Findings =
    let settings, scale, seeds = manifest.Settings, manifest.Scales[run.Scale], run.Seeds
    let found = measuredBy measurements
    let metrics = seedMetrics settings.Learners seeds found learnerMetrics
    let claims = manifest.Claims |> List.map (Claims.evaluate metrics)
    let steps = scale.MeasureAt |> List.map float |> Array.ofList
    let curves = [ for learner in settings.Learners do for l in lossesOf learner -> learner, l ]
    // Geometric mean over seeds (the figure has a log axis).
    let geometricMean (learner: Learner) (l: string) i =
        10.0 ** (seeds |> List.averageBy (fun seed -> log10 ((found learner seed).Norms(l)[i])))
    let lines =
        [ for learner, l in curves ->
              { Label = $"{learner.Label}, {l} loss"; X = steps; Y = Array.init steps.Length (geometricMean learner l)
                Markers = true } ]
    { Metrics = metrics
      Claims = claims
      Series =
        [ { Name = "generator-gradient-norms"
            Columns = "step" :: [ for seed in seeds do for learner, l in curves -> $"{key seed learner}.{l}" ]
            Rows =
              [ for i in 0 .. steps.Length - 1 ->
                    let norms = [ for seed in seeds do for learner, l in curves -> (found learner seed).Norms(l)[i] ]
                    Array.ofList (steps[i] :: norms) ] } ]
      Figures =
        [ Figure.ofLines "generator-gradient-norms"
              $"Generator gradient norm as the learner trains ({datasetTitle settings.Dataset}, frozen generator)"
              "learner training steps" "||grad_theta generator loss|| (geometric mean over seeds)" true lines ]
      ImageGrids = []
      Notes = notes manifest run claims @ Experiment.divergenceNotes [ for k, m in measurements -> k, m.Diverged ] }
