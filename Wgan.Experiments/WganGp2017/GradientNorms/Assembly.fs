/// gradient-norms' findings from its units: each curve of per-layer norms summarised by its least-squares slope, the
/// claims judged on the slopes, the curves drawn, and the notes a report prints.
module Wgan.Experiments.GradientNorms.Assembly

open System
open System.Collections.Generic
open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.LayerNorms
open Wgan.Experiments.GradientNorms.Settings
open Wgan.Experiments.GradientNorms.Unit

/// Least-squares slope of log10 norms against the layer index (1 = input side), over the layers with a value (a layer
/// whose gradient is exactly 0 has none); NaN when fewer than two layers have one.
let slope (log10Norms: float[]) =
    let defined =
        log10Norms |> Array.mapi (fun l v -> float (l + 1), v) |> Array.filter (snd >> Double.IsFinite)
    if defined.Length < 2 then nan else Statistics.slope (Array.map fst defined) (Array.map snd defined)

/// max - min of log10 norms over the layers with a value.
let logRange (log10Norms: float[]) =
    let defined = log10Norms |> Array.filter Double.IsFinite
    if defined.Length = 0 then nan else Array.max defined - Array.min defined

/// The per-seed metrics from every setting's unit.
let seedMetrics (measured: (TrainingSetting * Measured) list) : IReadOnlyDictionary<string, float> =
    readOnlyDict [
        for setting, m in measured do
            let id = setting.Id
            let atEnd = m.AtEnd.MeanLog10
            let s = slope atEnd
            $"{id}.slope", s
            $"{id}.absSlope", abs s
            $"{id}.logRange", logRange atEnd
            $"{id}.inputLog10Norm", atEnd[0]
            $"{id}.outputLog10Norm", atEnd[atEnd.Length - 1]
            $"{id}.zeroNormLayers", m.AtEnd.ZeroLayers
            $"{id}.slopeAtStart", slope m.AtStart.MeanLog10
            let afterOne = m.AfterOne.MeanLog10
            $"{id}.firstIteration.slope", slope afterOne
            $"{id}.firstIteration.absSlope", abs (slope afterOne)
            $"{id}.firstIteration.logRange", logRange afterOne ]

/// One line per setting: the mean over seeds per layer, leaving out a layer whose norm was exactly 0 in some seed;
/// and, when some mean lies below float32's smallest positive number, a level line there, so that a reader sees which
/// norms exist only because they were computed in float64.
let private curves (settings: Settings) (perSeed: (int64 * (TrainingSetting * Measured) list) list)
    (phase: Measured -> LayerNormSummary) =
    let depth = settings.Critic.Depth
    let floor32 = log10 SmallestNorm
    let lines =
        settings.TrainingSettings
        |> List.mapi (fun k setting ->
            let mean l = perSeed |> List.averageBy (fun (_, measured) -> (phase (snd measured[k])).MeanLog10[l])
            let points = Array.init depth (fun l -> float (l + 1), mean l) |> Array.filter (snd >> Double.IsFinite)
            { Label = setting.Label; X = Array.map fst points; Y = Array.map snd points; Markers = false })
    let floor =
        { Label = "smallest positive float32 (1.4e-45): below it float32 gives 0"
          X = [| 1.0; float depth |]
          Y = [| floor32; floor32 |]
          Markers = false }
    if lines |> List.exists (fun l -> l.Y |> Array.exists (fun y -> y < floor32)) then lines @ [ floor ] else lines

let private phases = [ "atStart", (fun m -> m.AtStart); "atEnd", (fun m -> m.AtEnd); "afterOne", (fun m -> m.AfterOne) ]

/// The report's notes: the set-up, the measured quantity and the controls, from the settings.
let private notes (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (claims: ClaimResult list) =
    let settings, scale, paper = manifest.Settings, manifest.Scales[run.Scale], manifest.Scales[Paper]
    let network (shape: DeepShape) inputs outputs =
        $"MLP {inputs} -> {shape.Depth} x {scale.Width} -> {outputs}, {activationText shape.Activation}, "
        + $"normalisation {normalizationText shape.Normalization}"
    [ $"Data: {settings.Dataset.Name} (gan_toy.py constants). Critic: {network settings.Critic 2 1}; generator: "
        + $"{network settings.Generator settings.NoiseDimension 2}; z ~ N(0, I)."
      $"Training: {scale.GeneratorIterations} generator iterations, each after {settings.NCritic} critic steps, batch "
        + $"{scale.BatchSize}; no critic warm-up schedule." ]
    @ [ for s in settings.TrainingSettings ->
            $"Setting {s.Id} ({s.Label}): {constraintText s.Constraint}; critic {optimizerText s.CriticOptimizer}, "
            + $"generator {optimizerText s.GeneratorOptimizer}." ]
    @ [ "Measured quantity: for each hidden layer l of the critic, the norm ||dL/dh_l|| over the whole [2 x batch, "
          + "width] activation tensor, with L = E f(fake) - E f(real) the critic loss (the penalty term excluded); "
          + $"log10 of it averaged over {scale.MeasurementBatches} fresh batches. The norms are computed in float64 on "
          + "a float64 copy of the trained critic, since clipped critics reach gradients whose squares lie below "
          + "float32's range; a layer whose norm is exactly 0 even in float64 has no active unit and is left out of "
          + "its mean and of the slope."
        "Slope: least-squares slope of log10 norm against layer index 1..depth, 1 next to the input: negative when the "
          + "norms explode towards the input, positive when they vanish. 0.0909 = 1/11 per layer is one order of "
          + "magnitude over the 11 steps between 12 layers."
        "Controls: each claim is tested again on the network trained under the other constraint (the clipping claims "
          + "on gp, the penalty claims on clip-0.01), and every slope is also measured after one generator iteration "
          + "(firstIteration.*), to show when an effect appears." ]
    @ ToyWgan.scaleNote run.Scale claims
        ($"The networks here are {scale.Width} wide and train {scale.GeneratorIterations} generator iterations "
         + $"(paper scale: {paper.Width} wide, {paper.GeneratorIterations} iterations).")

/// The experiment's findings from its units' measurements.
let assemble (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (measurements: (string * Measured) list) : Findings =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let found = dict measurements
    let perSeed =
        run.Seeds |> List.map (fun seed -> seed, settings.TrainingSettings |> List.map (fun s -> s, found[key seed s]))
    let metrics = perSeed |> List.map (fun (seed, measured) -> { Seed = seed; Values = seedMetrics measured })
    let claims = manifest.Claims |> List.map (Claims.evaluate metrics)
    let figure name title phase =
        Figure.ofLines name title "critic layer (1 = next to the input)" "log10 ||dL/dh|| (mean over seeds)" false
            (curves settings perSeed phase)
    { Metrics = metrics
      Claims = claims
      Series =
        [ { Name = "layer-norms"
            Columns = [ "seed"; "setting"; "after_training"; "layer"; "log10_gradient_norm" ]
            Rows =
              [ for seed, measured in perSeed do
                    for k, (_, m) in List.indexed measured do
                        for p, (_, phase) in [ 0.0, phases[0]; 1.0, phases[1]; 2.0, phases[2] ] do
                            let values = (phase m).MeanLog10
                            for l in 0 .. values.Length - 1 ->
                                [| float seed; float k; p; float (l + 1); values[l] |] ] } ]
      Figures =
        [ figure "gradient-norms"
              $"Critic gradient norms after {scale.GeneratorIterations} generator iterations ({settings.Dataset.Name})"
              (fun m -> m.AtEnd)
          figure "gradient-norms-after-one-iteration"
              "Critic gradient norms after one generator iteration (the controls)"
              (fun m -> m.AfterOne)
          figure "gradient-norms-at-start" "Critic gradient norms at initialisation" (fun m -> m.AtStart) ]
      ImageGrids = []
      Notes =
        notes manifest run claims
        @ Experiment.divergenceNotes [ for k, m in measurements -> k, m.Diverged ] }
