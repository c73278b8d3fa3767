/// capacity-underuse's findings from its units: per seed each critic's captured fraction and structure with the gaps
/// between them, the claims, the critics' series, the value surfaces drawn, and the notes.
module Wgan.Experiments.CapacityUnderuse.Assembly

open System.Collections.Generic
open Wgan.Experiments
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.CapacityUnderuse.Settings
open Wgan.Experiments.CapacityUnderuse.Evaluation
open Wgan.Experiments.CapacityUnderuse.Unit

/// The per-seed metrics from the seed's units, in the order of the manifest's data sets.
let seedMetrics (datasets: Wgan.Core.ToyData.ToyDataset list) (measured: Measured list)
    : IReadOnlyDictionary<string, float> =
    let fraction (m: Measured) (kind: CriticKind) = capturedFraction m.EarthMover (m.Of kind).Measurement
    let structure (m: Measured) (kind: CriticKind) = (m.Of kind).Measurement.Structure
    let measuredOn = List.zip datasets measured
    let values =
        [ for d, m in measuredOn do
              let d = d.Name
              let radial = m.RadialEarthMover / m.EarthMover
              $"{d}.w1", m.EarthMover
              for kind in kinds do
                  let c = (m.Of kind).Measurement
                  $"{d}.{kind.Prefix}.dualEstimate", c.DualEstimate
                  $"{d}.{kind.Prefix}.lipschitz", c.Lipschitz
                  $"{d}.{kind.Prefix}.lipschitzMax", c.LipschitzMax
                  $"{d}.{kind.Prefix}.capturedFraction", capturedFraction m.EarthMover c
                  $"{d}.{kind.Prefix}.capturedFractionAtMax", capturedFractionAtMax m.EarthMover c
                  $"{d}.{kind.Prefix}.structure", c.Structure
                  $"{d}.{kind.Prefix}.stoppedAt", (m.Of kind).StoppedAt
              $"{d}.radial.capturedFraction", radial
              $"{d}.radial.structure", m.RadialStructure
              $"{d}.captureGap", fraction m Penalised - fraction m Clipped
              $"{d}.radialGap", fraction m Penalised - radial
              $"{d}.replicateGap", fraction m Penalised - fraction m Replicate
              $"{d}.structureGap", structure m Penalised - structure m Clipped
              $"{d}.replicateStructureGap", structure m Penalised - structure m Replicate
          let meanOf f = measured |> List.averageBy f
          "clip.capturedFraction", meanOf (fun m -> fraction m Clipped)
          "gp.capturedFraction", meanOf (fun m -> fraction m Penalised)
          "radial.capturedFraction", meanOf (fun m -> m.RadialEarthMover / m.EarthMover)
          "captureGap", meanOf (fun m -> fraction m Penalised - fraction m Clipped)
          "clip.structure", meanOf (fun m -> structure m Clipped)
          "gp.structure", meanOf (fun m -> structure m Penalised)
          "radial.structure", meanOf (fun m -> m.RadialStructure) ]
    readOnlyDict values

/// The value surface of a critic or of the exact optimal critic (`kind` None), with the plotted samples.
let private surfaceFigure (settings: Settings) (resolution: int) (dataset: Wgan.Core.ToyData.ToyDataset)
    (m: Measured) (kind: CriticKind option) : Figure =
    let penalty = Manifest.constraintText settings.PenaltyCritic.Constraint
    let scaled = "critic value f(x) / empirical Lipschitz constant"
    let prefix, title, label, values =
        match kind with
        | None ->
            "optimal", "the exact optimal critic (Kantorovich potential of the evaluation samples)",
            "optimal critic value (1-Lipschitz)", m.OptimalSurface
        | Some Clipped ->
            "clip", Manifest.constraintText settings.ClippedCritic.Constraint, scaled, m.Clipped.Measurement.Surface
        | Some Replicate -> "gp2", $"{penalty} (replicate)", scaled, m.Replicate.Measurement.Surface
        | Some Penalised -> "gp", penalty, scaled, m.Penalised.Measurement.Surface
    let h = settings.PlotHalfWidth
    let xs (rows: float[][]) = rows |> Array.map (fun p -> p[0])
    let ys (rows: float[][]) = rows |> Array.map (fun p -> p[1])
    { Name = $"surface-{dataset.Name}-{prefix}"
      Title = $"{datasetTitle dataset}: {title}"
      XLabel = "x1"
      YLabel = "x2"
      LogY = false
      Lines = []
      Surfaces =
        [ { Label = label
            XMin = -h
            XMax = h
            YMin = -h
            YMax = h
            Values = Array2D.init resolution resolution (fun i j -> values[i * resolution + j]) } ]
      Points =
        [ { Label = "real (Pr)"; X = xs m.RealPlotted; Y = ys m.RealPlotted }
          { Label = $"generated (Pr + N(0, {Manifest.plainNumber settings.GeneratorNoise}^2 I))"
            X = xs m.FakePlotted
            Y = ys m.FakePlotted } ]
      Histograms = [] }

/// The series: every critic's measurements (the radial critic as critic 2), the plateau evaluations when the scale
/// uses the rule, and the first seed's surfaces.
let private series (settings: Settings) (scale: ScaleSettings) (perSeed: (int64 * Measured list) list) =
    let h, n = settings.PlotHalfWidth, scale.GridResolution
    let cell = 2.0 * h / float n
    let code (d: Wgan.Core.ToyData.ToyDataset) = float (datasetCode d)
    [ { Name = "critics"
        Columns =
          [ "seed"; "dataset"; "critic"; "dual_estimate"; "lipschitz"; "lipschitz_max"; "w1"; "captured_fraction"
            "structure"; "stopped_at" ]
        Rows =
          [ for seed, ms in perSeed do
                for d, m in List.zip settings.Datasets ms do
                    for kind in kinds do
                        let r = m.Of kind
                        let c = r.Measurement
                        [| float seed; code d; float kind.Code; c.DualEstimate; c.Lipschitz; c.LipschitzMax
                           m.EarthMover; capturedFraction m.EarthMover c; c.Structure; r.StoppedAt |]
                    // The radial critic is exactly 1-Lipschitz: its estimate is its captured distance; it is
                    // not trained (stopped_at 0).
                    [| float seed; code d; 2.0; m.RadialEarthMover; 1.0; 1.0; m.EarthMover
                       m.RadialEarthMover / m.EarthMover; m.RadialStructure; 0.0 |] ] }
      if scale.CriticSteps.Plateau.IsSome then
          { Name = "plateau"
            Columns = [ "seed"; "dataset"; "critic"; "step"; "dual_estimate" ]
            Rows =
              [ for seed, ms in perSeed do
                    for d, m in List.zip settings.Datasets ms do
                        for kind in kinds do
                            let r = m.Of kind
                            for k in 0 .. r.PlateauSteps.Length - 1 ->
                                [| float seed; code d; float kind.Code; r.PlateauSteps[k]; r.PlateauEstimates[k] |] ] }
      { Name = "surfaces"
        Columns = [ "dataset"; "critic"; "x1"; "x2"; "value_over_lipschitz" ]
        Rows =
          [ for d, m in List.zip settings.Datasets (snd perSeed.Head) do
                for kind in kinds do
                    let surface = (m.Of kind).Measurement.Surface
                    for i in 0 .. n - 1 do
                        for j in 0 .. n - 1 ->
                            [| code d; float kind.Code; -h + (float j + 0.5) * cell; -h + (float i + 0.5) * cell
                               surface[i * n + j] |] ] } ]

/// The experiment's findings from its units' measurements.
let assemble (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (measurements: (string * Measured) list) : Findings =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let found = dict measurements
    let perSeed = run.Seeds |> List.map (fun seed -> seed, settings.Datasets |> List.map (fun d -> found[key seed d]))
    let metrics = perSeed |> List.map (fun (seed, ms) -> { Seed = seed; Values = seedMetrics settings.Datasets ms })
    let claims = manifest.Claims |> List.map (Claims.evaluate metrics)
    let divergences =
        [ for k, m in measurements do
              for kind in kinds -> k, (m.Of kind).Diverged ]
    { Metrics = metrics
      Claims = claims
      Series = series settings scale perSeed
      Figures =
        [ for d in settings.Datasets do
              for kind in [ None; Some Clipped; Some Penalised ] ->
                  surfaceFigure settings scale.GridResolution d found[key run.Seeds.Head d] kind ]
      ImageGrids = []
      Notes =
        Notes.notes manifest run metrics perSeed claims
        @ Experiment.divergenceNotes divergences }
