/// weight-histograms' findings from its units: the per-seed weight statistics, the claims judged on them, the
/// histograms of the first seed's critics, and the notes a report prints.
module Wgan.Experiments.WeightHistograms.Assembly

open System.Globalization
open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.WeightHistograms.Settings
open Wgan.Experiments.WeightHistograms.WeightStatistics
open Wgan.Experiments.WeightHistograms.Unit

/// The per-seed metrics from the seed's clipped and penalised units.
let seedMetrics (clipped: Measured) (penalised: Measured) =
    readOnlyDict (
        (clipped.Clipped |> Option.map clippedMetrics |> Option.defaultValue [])
        @ (penalised.Penalised |> Option.map penalisedMetrics |> Option.defaultValue []))

/// The report's notes: the set-up, the measured quantities with their means over seeds, and the controls.
let private notes (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (metrics: SeedMetrics list)
    (claims: ClaimResult list) =
    let settings, scale, paper = manifest.Settings, manifest.Scales[run.Scale], manifest.Scales[Paper]
    let c = bound settings
    let mean (name: string) = metrics |> List.averageBy (fun m -> m.Values[name])
    let percent (name: string) = (100.0 * mean name).ToString("F1", CultureInfo.InvariantCulture)
    let plain (name: string) = (mean name).ToString("F2", CultureInfo.InvariantCulture)
    let initBound = (1.0 / sqrt (float scale.Width)).ToString("G3", CultureInfo.InvariantCulture)
    let atStart, atEnd = percent "clip.fractionAtBoundsAtStart", percent "clip.fractionAtBounds"
    let trained, moved = percent "clip.trainedToBounds", percent "gp.relativeChange"
    let afterOne = percent "clip.firstIteration.fractionAtBounds"
    let initialExtremes = percent "gp.initial.fractionAtExtremes"
    let kurtosis, initialKurtosis = plain "gp.excessKurtosis", plain "gp.initial.excessKurtosis"
    let setting (name: string) (s: TrainingSetting) =
        $"{name}: {constraintText s.Constraint}; critic {optimizerText s.CriticOptimizer}, generator "
        + $"{optimizerText s.GeneratorOptimizer}."
    let training, critic, generator = settings.Training, settings.Networks.Critic, settings.Networks.Generator
    [ $"Data: {training.Dataset.Name}. Critic: MLP 2 -> {critic.Depth} x {scale.Width} -> 1, "
      + $"{activationText critic.Activation}, normalisation {normalizationText critic.Normalization}; "
      + $"generator: MLP {training.NoiseDimension} -> {generator.Depth} x {scale.Width} -> 2. The paper does "
      + "not say which networks its histograms come from; this is the Figure 1b setup (Swiss Roll, deep ReLU MLPs)."
      $"Training: {scale.GeneratorIterations} generator iterations, each after {training.NCritic} critic steps, batch "
      + $"{scale.BatchSize}; no critic warm-up schedule."
      setting "Clipping" settings.Clipping
      setting "Gradient penalty" settings.GradientPenalty
      "Weights: every weight of the critic's linear layers, biases excluded. 'Within 1% of the bounds' means "
      + $"| |w| - c | <= 0.01 c with c = {c}. The gradient-penalty critic has no bounds: its claim uses each layer's "
      + "own extremes +-max |w| (per layer, since the initial scale +-1/sqrt(fan_in) differs between layers; uniform "
      + "weights give about 1%), and gp.fractionAtClipBounds reports the fraction near +-c for comparison."
      "clip.fractionAtBoundsAtStart is the fraction the very first clipping produces from the PyTorch-style "
      + "initialisation (uniform in +-1/sqrt(fan_in), wider than c): part of the pile-up at +-c is there before any "
      + "training. clip.trainedToBounds and the relativeChange metrics say how much training itself moved the weights."
      $"Measured here (mean over seeds): {atStart}%% of the clipped critic's weights sat at +-c after the first "
      + $"clipping, {atEnd}%% after training; training moved {trained}%% of the weights that started inside the bounds "
      + $"onto them. The gradient-penalty critic's weights moved by {moved}%% of their norm."
      "Controls. Each claim is tested again on the same network trained under the other constraint, which removes "
      + "the claimed mechanism and keeps everything else: clip-weights-at-bounds on the penalised critic's weights "
      + "near +-c (gp.fractionAtClipBounds), gp-weights-spread on the clipped critic's weights near their extremes "
      + "(clip.fractionAtExtremes). The one-iteration network shows when the pile-up appears "
      + $"(clip.firstIteration.fractionAtBounds, {afterOne}%%): PyTorch's "
      + $"weights are uniform in +-1/sqrt(fan_in) = +-{initBound}, so clamping them to +-{c} puts 1 - c sqrt(fan_in) "
      + "of each hidden layer's weights at the bounds from the first clamp, before training."
      "gp-weights-bell-shaped asks what the paper's histogram shows: a bell shape. Excess kurtosis (m4 / m2^2 - 3, "
      + "per layer, averaged over layers weighted by size) is -1.2 for the uniform initialisation, 0 for a Gaussian, "
      + "-2 for two spikes at +-c; the threshold -0.6 is the midpoint between uniform and Gaussian, and its control is "
      + "the clipped critic's weights (clip.excessKurtosis), as for the other claims; the penalty critic's initial "
      + $"weights give {initialKurtosis} (gp.initial.excessKurtosis), after training {kurtosis}. The penalty "
      + $"critic's initial weights have {initialExtremes}%% of their weights at their extremes."
      $"Figures show seed {run.Seeds.Head}, {settings.HistogramBins} bins over +-1.05 max |w| of each critic." ]
    @ scaleNote run.Scale claims
        ($"The networks here are {scale.Width} wide and train {scale.GeneratorIterations} generator iterations "
         + $"(paper scale: {paper.Width} wide, {paper.GeneratorIterations} iterations); relativeChange says how far "
         + "the weights moved from their start.")

/// The experiment's findings from its units' measurements.
let assemble (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (measurements: (string * Measured) list) : Findings =
    let found = dict measurements
    let metrics =
        run.Seeds
        |> List.map (fun seed ->
            { Seed = seed; Values = seedMetrics found[key seed Clipping] found[key seed Penalty] })
    let claims = manifest.Claims |> List.map (Claims.evaluate metrics)
    let histogram role = found[key run.Seeds.Head role].Histogram
    let figure name role =
        let title = $"{(settingOf manifest.Settings role).Label}: critic weights after training (seed {run.Seeds.Head})"
        { Figure.ofLines name title "weight" "count" false [] with Histograms = [ histogram role ] }
    { Metrics = metrics
      Claims = claims
      Series =
        [ { Name = "histograms"
            Columns = [ "setting"; "bin_lo"; "bin_hi"; "count" ]
            Rows =
              [ for role in roles do
                    let h = histogram role
                    let width = (h.Hi - h.Lo) / float h.Counts.Length
                    for b in 0 .. h.Counts.Length - 1 ->
                        [| float role.Code; h.Lo + float b * width; h.Lo + float (b + 1) * width; h.Counts[b] |] ] } ]
      Figures = [ figure "weights-clipping" Clipping; figure "weights-gradient-penalty" Penalty ]
      ImageGrids = []
      Notes =
        notes manifest run metrics claims
        @ Experiment.divergenceNotes [ for k, m in measurements -> k, m.Diverged ] }
