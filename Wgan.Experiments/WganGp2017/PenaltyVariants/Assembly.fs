/// penalty-variants' findings from its units: per seed each variant's final W1 and relative area and their ratios,
/// the claims, the W1 curves and final W1 drawn, and the notes a report prints.
module Wgan.Experiments.PenaltyVariants.Assembly

open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.PenaltyVariants.Settings
open Wgan.Experiments.PenaltyVariants.Unit

/// The per-seed metrics from the seed's units (`measured v d`).
let seedMetrics (settings: Settings) (measured: Variant -> ToyDataset -> Measured) =
    let w v d = (measured v d).FinalEarthMover
    let area v d = (measured v d).RelativeArea
    // A variant's mean over the data sets of w or area.
    let meanOver (valueOf: Variant -> ToyDataset -> float) (id: string) =
        let v = settings.Variants |> List.find (fun v -> v.Id = id)
        settings.Datasets |> List.averageBy (valueOf v)
    let meanOf, meanArea = meanOver w, meanOver area
    let untrained d = (measured settings.Variants.Head d).UntrainedEarthMover
    let untrainedMean = settings.Datasets |> List.averageBy untrained
    readOnlyDict [
        for v in settings.Variants do
            for d in settings.Datasets -> $"{v.Id}.{d.Name}.finalEarthMover", w v d
        for v in settings.Variants -> $"{v.Id}.meanEarthMover", meanOf v.Id
        for v in settings.Variants do
            yield $"{v.Id}.relativeArea", meanArea v.Id
            for d in settings.Datasets -> $"{v.Id}.{d.Name}.relativeArea", area v d
        for c in settings.Comparisons do
            let ratio = meanOf c.Variant / meanOf c.Reference
            yield $"{c.Id}.earthMoverRatio", ratio
            yield $"{c.Id}.absLogRatio", abs (log ratio)
            yield $"{c.Id}.areaRatio", meanArea c.Variant / meanArea c.Reference
        for d in settings.Datasets -> $"untrained.{d.Name}.earthMover", untrained d
        yield "untrained.meanEarthMover", untrainedMean
        for v in settings.Variants do
            let logRatio = log (meanOf v.Id / untrainedMean)
            yield $"{v.Id}.untrainedLogRatio", logRatio
            yield $"{v.Id}.untrainedAbsLogRatio", abs logRatio ]

/// One note per claim: its control and the preconditions it needs on every seed, from the claim's definition.
let private claimNotes (claims: ClaimSpec list) =
    [ for c in claims ->
          let control =
              match c.Control with
              | ControlMetric (metric, description) -> $"control {metric} ({description})"
              | NoControl why -> $"no control ({why})"
          let needs =
              c.Preconditions |> List.map (fun p -> $"{p.Metric} {p.Comparison.Symbol} {plainNumber p.Threshold}")
          let listed = String.concat ", " needs
          let preconditions = if needs.IsEmpty then "" else $"; needs {listed} on every seed"
          $"Claim {c.Id}: {control}{preconditions}." ]

/// The report's notes: the set-up, the variants and comparisons, the measured quantities and the claims' controls.
let private notes (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (claims: ClaimResult list) =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let datasets = settings.Datasets |> List.map (fun d -> d.Name) |> String.concat ", "
    let horizons = scale.Horizons |> List.map string |> String.concat ", "
    let network inputs outputs normalization =
        $"MLP {inputs} -> {settings.Depth} x {scale.Width} -> {outputs} (ReLU, {normalization})"
    let sidesText (sides: GradientPenalty.Sides) =
        match sides with
        | GradientPenalty.TwoSided -> "two-sided"
        | GradientPenalty.OneSided -> "one-sided"
    let critic, generator = network 2 1 "normalisation per variant", network settings.NoiseDimension 2 "none"
    [ $"Data: {datasets}. WGAN-GP, lambda {plainNumber settings.Lambda}, nCritic {settings.NCritic}; critic "
      + $"{critic}, generator {generator}; critic "
      + $"{optimizerText settings.CriticOptimizer}, generator {optimizerText settings.GeneratorOptimizer}; batch "
      + $"{scale.BatchSize}; {scale.GeneratorIterations} generator iterations. For a seed and data set every variant "
      + "starts from the same generator and critic weights." ]
    @ (settings.Variants
       |> List.mapi (fun i v ->
           $"Variant {i} = {v.Id} ({v.Label}): {sidesText v.Sides} penalty, critic normalisation "
           + $"{normalizationText v.Normalization}."))
    @ [ for c in settings.Comparisons -> $"Comparison {c.Id}: {c.Variant} over {c.Reference}." ]
    @ [ $"Exact W1 between {scale.EarthMoverSamples} generated and {scale.EarthMoverSamples} real samples after "
        + "training (lower is better). With batch norm the critic scores real, fake and interpolates in separate "
        + "forward passes (training mode), as the authors' code would."
        $"W1 curve: the exact W1 on one fixed batch per seed and data set ({scale.EarthMoverSamples} real samples and "
        + "as many noise vectors, the same for every variant) before training and after generator iterations "
        + $"{horizons}. relativeArea, the mean of W1(h) / W1(0) over these horizons, is the area under the curve in "
        + "units of the untrained W1: it sees a variant that moves late, early or not at all, where the final W1 sees "
        + "only the end. <variant>.untrainedLogRatio shows how far each variant moved its generator." ]
    @ claimNotes manifest.Claims
    @ scaleNote run.Scale claims
        ($"This scale trains {scale.GeneratorIterations} generator iterations (paper scale: "
         + $"{manifest.Scales[Paper].GeneratorIterations}).")

/// The W1 curves of a data set, every seed, one colour per variant, and the final W1 per variant and data set.
let private figures (settings: Settings) (seeds: int64 list) (measured: int64 -> Variant -> ToyDataset -> Measured) =
    let variantIndex (v: Variant) = float (settings.Variants |> List.findIndex (fun x -> x.Id = v.Id))
    [ for d in settings.Datasets ->
          Figure.ofLines $"earth-mover-curve-{d.Name}"
              $"{datasetTitle d}: exact W1 over training per variant (every seed)" "generator iteration"
              "exact W1 (fixed batch)" false
              [ for v in settings.Variants do
                    for i, seed in List.indexed seeds ->
                        let u = measured seed v d
                        // The first seed's line carries the label; the other seeds are its faint companions.
                        { Label = (if i = 0 then v.Label else ""); X = u.Horizons; Y = u.CurveEarthMover
                          Markers = false } ] ]
    @ [ Figure.ofLines "final-earth-mover" "Final exact W1 per variant (one line per data set, mean over seeds)"
            "variant (manifest order, from 0)" "exact W1" false
            [ for d in settings.Datasets ->
                  { Label = datasetTitle d
                    X = settings.Variants |> List.map variantIndex |> Array.ofList
                    Y =
                      settings.Variants
                      |> List.map (fun v -> seeds |> List.averageBy (fun seed -> (measured seed v d).FinalEarthMover))
                      |> Array.ofList
                    Markers = true } ] ]

/// The experiment's findings from its units' measurements.
let assemble (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (measurements: (string * Measured) list) : Findings =
    let settings = manifest.Settings
    let found = dict measurements
    let measured seed v d = found[key seed v d]
    let metrics = run.Seeds |> List.map (fun seed -> { Seed = seed; Values = seedMetrics settings (measured seed) })
    let claims = manifest.Claims |> List.map (Claims.evaluate metrics)
    let variantIndex = settings.Variants |> List.mapi (fun i v -> v.Id, float i) |> dict
    let rows (row: int64 -> Variant -> ToyDataset -> float[] list) =
        [ for seed in run.Seeds do
              for v in settings.Variants do
                  for d in settings.Datasets do
                      let keys = [| float seed; variantIndex[v.Id]; float (datasetCode d) |]
                      for r in row seed v d -> Array.append keys r ]
    { Metrics = metrics
      Claims = claims
      Series =
        [ { Name = "earth-mover-curves"
            Columns = [ "seed"; "variant"; "dataset"; "iteration"; "exact_w1" ]
            Rows =
              rows (fun seed v d ->
                  let u = measured seed v d
                  [ for k in 0 .. u.Horizons.Length - 1 -> [| u.Horizons[k]; u.CurveEarthMover[k] |] ]) }
          { Name = "final-earth-mover"
            Columns = [ "seed"; "variant"; "dataset"; "final_w1" ]
            Rows = rows (fun seed v d -> [ [| (measured seed v d).FinalEarthMover |] ]) } ]
      Figures = figures settings run.Seeds measured
      ImageGrids = []
      Notes =
        notes manifest run claims
        @ Experiment.divergenceNotes [ for k, m in measurements -> k, m.Diverged ] }
