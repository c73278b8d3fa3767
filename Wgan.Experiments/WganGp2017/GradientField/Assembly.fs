/// gradient-field's findings: per seed and data set, how well each function's gradient points along the transport
/// segments, the claims judged on that, and the gradient fields drawn with the coupling segments.
module Wgan.Experiments.GradientField.Assembly

open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.GradientField.Settings
open Wgan.Experiments.GradientField.Unit

/// The four measured functions of one seed and data set, by metric prefix.
let private functions (found: System.Collections.Generic.IDictionary<string, Measured>) seed dataset =
    let penalty, clipped = found[key seed dataset Penalised], found[key seed dataset Clipped]
    [ "exact", penalty.Exact.Value
      "gp", penalty.Critic
      "clip", clipped.Critic
      "gp-untrained", penalty.Untrained.Value ]

/// One seed's metrics.
let private seedMetrics (settings: Settings) found seed =
    readOnlyDict [
        for d in settings.Datasets do
            for name, f in functions found seed d do
                $"{d.Name}.{name}.coupledCosine", f.CoupledCosine
                $"{d.Name}.{name}.independentCosine", f.IndependentCosine
                $"{d.Name}.{name}.alignmentGap", f.CoupledCosine - f.IndependentCosine
                $"{d.Name}.{name}.coupledNormRatio", f.CoupledNormRatio ]

/// The figure of one function of the first seed on a data set: its values, the coupling segments, and its unit gradient
/// at each segment's point x_t drawn as a short stroke.
let private fieldFigure (settings: Settings) (scale: ScaleSettings) (units: Measured) (dataset: ToyDataset)
    (name: string) (f: Directions) : Figure =
    let h, n = settings.PlotHalfWidth, scale.GridResolution
    let strokes (starts: float[][]) (ends: float[][]) (coordinate: int) =
        Array.map2 (fun (a: float[]) (b: float[]) -> [| a[coordinate]; b[coordinate]; nan |]) starts ends
        |> Array.concat
    let tips =
        Array.map2
            (fun (p: float[]) (g: float[]) -> Array.map2 (fun x d -> x + 0.25 * d) p g)
            units.SegmentPoints
            f.Plotted
    let line label (starts, ends) =
        { Label = label; X = strokes starts ends 0; Y = strokes starts ends 1; Markers = false }
    { Figure.ofLines $"field-{dataset.Name}-{name}" $"{name}: gradient on the coupling segments ({dataset.Name})"
          "x1" "x2" false
          [ line "coupling segments (generated to real)" (units.SegmentFake, units.SegmentReal)
            line "unit gradient at x_t" (units.SegmentPoints, tips) ] with
        Surfaces = [ { Label = $"{name} critic's value"; XMin = -h; XMax = h; YMin = -h; YMax = h
                       Values = Array2D.init n n (fun i j -> f.Surface[i * n + j]) } ] }

/// The experiment's findings from its units' measurements.
let assemble (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (measurements: (string * Measured) list) : Findings =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let found = dict measurements
    let metrics = run.Seeds |> List.map (fun seed -> { Seed = seed; Values = seedMetrics settings found seed })
    let claims = manifest.Claims |> List.map (Claims.evaluate metrics)
    let first = run.Seeds.Head
    { Metrics = metrics
      Claims = claims
      Series = []
      Figures =
        [ for d in settings.Datasets do
              let penalty = found[key first d Penalised]
              for name, f in functions found first d do
                  if name <> "gp-untrained" then fieldFigure settings scale penalty d name f ]
      ImageGrids = []
      Notes =
        [ $"Critics: MLP 2 -> {widthsText scale.CriticHidden} -> 1 against the fixed generator Pr + N(0, "
          + $"{plainNumber settings.GeneratorNoise}^2 I), {scale.CriticSteps} steps of batch {scale.BatchSize}; "
          + $"penalty critic {constraintText settings.PenaltyCritic.Constraint}, "
          + $"{optimizerText settings.PenaltyCritic.Optimizer}; "
          + $"clipped critic {constraintText settings.ClippedCritic.Constraint}, "
          + $"{optimizerText settings.ClippedCritic.Optimizer}."
          $"Segments: {scale.EvaluationSamples} fresh samples of Pr and of Pg per seed and data set; coupled segments "
          + "pair them by the exact optimal assignment (Hungarian, Euclidean cost), independent ones by index; one "
          + "t ~ U[0, 1] per segment. The exact critic is the Kantorovich potential of the same samples."
          $"Figures show seed {first}: each function's values over [-{plainNumber settings.PlotHalfWidth}, "
          + $"{plainNumber settings.PlotHalfWidth}]^2 with "
          + $"{min scale.PlottedSegments scale.EvaluationSamples} coupling "
          + "segments and the function's unit gradient at each segment's point x_t (a stroke of length 0.25)." ]
        @ Experiment.divergenceNotes [ for k, m in measurements -> k, m.Diverged ] }
