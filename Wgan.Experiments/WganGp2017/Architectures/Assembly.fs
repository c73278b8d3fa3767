/// The architecture experiment's findings from its units: per seed, each method's success on each architecture and
/// image set (its final distance against the same seed's untrained generator and the real-data reference), when it
/// first reached the success score, its class coverage and entropy; the claims judged on them; Figure 2 (samples,
/// methods x architectures) and Figure 3 (quality against generator iterations and against wall-clock seconds), every
/// seed drawn.
module Wgan.Experiments.Architectures.Assembly

open System
open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.MnistWgan
open Wgan.Experiments.Architectures.Settings
open Wgan.Experiments.Architectures.Unit

/// The units' results, looked up by key.
type private Runs(measured: (string * Measured) list) =
    let byKey = dict measured
    member _.Reference(d: ImageDataSet) = byKey[referenceKey d].Reference.Value
    member _.Run(seed, d, a, m) = byKey[trainingKey seed d a m].Run.Value
    /// The run of a method on an architecture, if the method trains it.
    member this.TryRun(seed, d, a, m) =
        if byKey.ContainsKey(trainingKey seed d a m) then Some(this.Run(seed, d, a, m)) else None

/// Each image set's description, checked to be the same in every unit that ran on it (DataException otherwise).
let private dataOf (settings: Settings) (measured: (string * Measured) list) =
    [ for d in settings.DataSets ->
          let name = ImageDataSet.name d
          let mine = measured |> List.filter (fun (key, _) -> key.Split('/') |> Array.contains name)
          d, commonData [ for key, m in mine -> key, m.Data ] ]

/// The measures of one run against its untrained and real references: (name, value) by Settings.unitMeasures.
let unitMetrics (settings: Settings) (iterations: int) (realFd: float) (run: TrainingRun) : (string * float) list =
    let ms = run.Measurements
    let untrained = ms[0].Fd
    let scoreOf fd = Measures.score untrained realFd fd
    let final = ms[ms.Length - 1]
    let trained = run.Diverged.IsNone
    let score = if trained then scoreOf final.Fd else nan
    let whenTrained v = if trained then v else nan
    [ "score", score
      "success", (if Double.IsFinite score && score >= settings.SuccessScore then 1.0 else 0.0)
      "finalFd", whenTrained final.Fd
      "coverage",
      whenTrained (
          float (final.ClassShares |> Array.filter (fun s -> s >= settings.CoverageMinShare) |> Array.length)
          / float final.ClassShares.Length
      )
      "classEntropy", whenTrained (Measures.classEntropy final.ClassShares)
      "fractionToQuality",
      Measures.fractionToQuality settings.SuccessScore iterations [ for m in ms -> m.Iteration, scoreOf m.Fd ] ]

let private seedMetrics (settings: Settings) (iterations: int) (runs: Runs) (seed: int64) : SeedMetrics =
    let values =
        [ for d in settings.DataSets do
              let ds = ImageDataSet.name d
              let reference = runs.Reference d
              yield $"{ds}.realHalvesFd", reference.RealHalvesFd
              yield $"{ds}.classifier.testAccuracy", reference.TestAccuracy
              let perUnit =
                  dict
                      [ for a in settings.Architectures do
                            for m in methodsOn settings a ->
                                (Architecture.name a, m.Name),
                                runs.Run(seed, d, a, m)
                                |> unitMetrics settings iterations reference.RealHalvesFd
                                |> dict ]
              let value a (m: string) measure =
                  match perUnit.TryGetValue((Architecture.name a, m)) with
                  | true, v -> v[measure]
                  | _ -> nan
              for a in settings.Architectures do
                  let arch = Architecture.name a
                  let methods = methodsOn settings a
                  match methods with
                  | first :: _ -> yield $"{ds}.untrainedFd.{arch}", (runs.Run(seed, d, a, first)).Measurements[0].Fd
                  | [] -> ()
                  if comparesWganWithGan settings a then
                      yield $"{ds}.wganOnly.{arch}", value a "wgan" "success" * (1.0 - value a "dcgan" "success")
                  for m in methods do
                      for measure, _ in unitMeasures -> $"{ds}.{m.Name}.{arch}.{measure}", value a m.Name measure
              let share (m: Method) =
                  settings.Architectures
                  |> List.filter (trains settings m)
                  |> List.averageBy (fun a -> value a m.Name "success")
              for m in settings.Methods do
                  yield $"{ds}.{m.Name}.shareTrained", share m
                  let others = settings.Methods |> List.filter (fun o -> o.Name <> m.Name)
                  yield $"{ds}.{m.Name}.othersBestShareTrained",
                        (if others.IsEmpty then nan else others |> List.map share |> List.max)
                  let covered =
                      [ for a in settings.Architectures do
                            if trains settings m a && value a m.Name "success" = 1.0 then value a m.Name "coverage" ]
                  yield $"{ds}.{m.Name}.minCoverageTrained", (if covered.IsEmpty then nan else List.min covered) ]
    { Seed = seed; Values = readOnlyDict values }

/// One image set's quality series: every measurement of every seed, architecture and method.
let private series (settings: Settings) (seeds: int64 list) (runs: Runs) (d: ImageDataSet) : Series =
    let realFd = (runs.Reference d).RealHalvesFd
    { Name = $"{ImageDataSet.name d}-quality"
      Columns =
        [ "seed"; "architecture"; "method"; "generator_iteration"; "frechet_distance"; "score" ]
        @ [ for c in 0 .. 9 -> $"share_class_{c}" ]
      Rows =
        [ for seed in seeds do
              for ai, a in List.indexed settings.Architectures do
                  for mi, m in List.indexed settings.Methods do
                      match runs.TryRun(seed, d, a, m) with
                      | None -> ()
                      | Some run ->
                          let ms = run.Measurements
                          for x in ms ->
                              Array.append
                                  [| float seed; float ai; float mi; float x.Iteration; x.Fd
                                     Measures.score ms[0].Fd realFd x.Fd |]
                                  x.ClassShares ] }

/// Figure 3's horizontal axes: generator iterations, or wall-clock seconds.
type private TimeAxis =
    | Iterations
    /// Seconds per generator iteration of a method, where the run measured it.
    | WallClock of (Method -> float option)

/// A method's wall-clock seconds per generator iteration on an image set and architecture: the median over its units
/// of the unit's seconds (measurements included) over its iterations. The median, so that one odd unit (a machine
/// busy with other work, or a unit resumed from a state saved without its time) moves it little. None when no unit's
/// time is known.
let private secondsPerIteration (run: RunContext) (iterations: int) (d: ImageDataSet) (a: Architecture) (m: Method) =
    let perIteration =
        [ for seed in run.Seeds do
              match run.UnitSeconds.TryGetValue(trainingKey seed d a m) with
              | true, seconds when seconds > 0.0 -> seconds / float iterations
              | _ -> () ]
    if perIteration.IsEmpty then None else Some(Statistics.median (Array.ofList perIteration))

/// Figure 3 for one image set and architecture: each method's Frechet distance over generator iterations (or over
/// wall-clock seconds), its mean over seeds and every seed, beside the real reference.
let private qualityFigure (settings: Settings) (seeds: int64 list) (runs: Runs) (d: ImageDataSet) (a: Architecture)
    (axis: TimeAxis) : Figure =
    let ds, arch = ImageDataSet.name d, Architecture.name a
    let realFd = (runs.Reference d).RealHalvesFd
    let lines =
        [ for m in methodsOn settings a do
              let scaleOf =
                  match axis with
                  | Iterations -> Some 1.0
                  | WallClock perIteration -> perIteration m
              match scaleOf with
              | None -> ()
              | Some cost ->
                  let perSeed = [ for seed in seeds -> (runs.Run(seed, d, a, m)).Measurements ]
                  let x (ms: Measurement[]) = ms |> Array.map (fun p -> float p.Iteration * cost)
                  let longest = perSeed |> List.maxBy Array.length
                  let mean =
                      longest
                      |> Array.mapi (fun i _ ->
                          perSeed |> List.choose (fun r -> Array.tryItem i r) |> List.averageBy _.Fd)
                  yield { Label = m.Name; X = x longest; Y = mean; Markers = false }
                  for ms in perSeed -> { Label = ""; X = x ms; Y = ms |> Array.map _.Fd; Markers = false } ]
    let xs = lines |> List.collect (fun l -> List.ofArray l.X)
    let span = if xs.IsEmpty then [| 0.0; 1.0 |] else [| List.min xs; List.max xs |]
    let reference = { Label = "real halves"; X = span; Y = [| realFd; realFd |]; Markers = false }
    let suffix, xLabel =
        match axis with
        | Iterations -> "", "generator iterations"
        | WallClock _ ->
            "-wall-clock",
            "seconds: iterations x the method's median seconds per iteration (not reproducible)"
    Figure.ofLines $"{ds}-{arch}-quality{suffix}"
        $"{ds}, {arch}: Frechet distance to held-out images by method (mean, and every seed thin)" xLabel
        "squared Frechet distance (log scale)" true (lines @ [ reference ])

/// Figure 2 for one image set: the first seed's final samples, a GridCell x GridCell block per method (rows) and
/// architecture (columns).
let private sampleGrid (settings: Settings) (seed: int64) (runs: Runs) (d: ImageDataSet) : ImageGrid =
    let g = settings.GridCell
    let size = MnistFormats.Side * MnistFormats.Side
    let rows, columns = settings.Methods.Length * g, settings.Architectures.Length * g
    let pixels = Array.zeroCreate<float> (rows * columns * size)
    for mi, m in List.indexed settings.Methods do
        for ai, a in List.indexed settings.Architectures do
            // A cell of a method the scale does not run on the architecture stays black.
            for run in Option.toList (runs.TryRun(seed, d, a, m)) do
                for j in 0 .. g * g - 1 do
                    let r, c = mi * g + j / g, ai * g + j % g
                    Array.blit run.FinalImages (j * size) pixels ((r * columns + c) * size) size
    let methods = settings.Methods |> List.map _.Name |> String.concat ", "
    let archs = settings.Architectures |> List.map Architecture.name |> String.concat ", "
    { Name = $"{ImageDataSet.name d}-samples"
      Title =
        $"{ImageDataSet.name d}, seed {seed}: final samples from the same noise, {g} x {g} per cell; rows: "
        + $"{methods}; columns: {archs}"
      Rows = rows
      Columns = columns
      Height = MnistFormats.Side
      Width = MnistFormats.Side
      Pixels = pixels }

/// The experiment's findings from its units' measurements.
let assemble (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (measured: (string * Measured) list) : Findings =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let runs = Runs(measured)
    let data = dataOf settings measured
    let metrics = run.Seeds |> List.map (seedMetrics settings scale.GeneratorIterations runs)
    let g = settings.GridCell
    { Metrics = metrics
      Claims = manifest.Claims |> List.map (Claims.evaluate metrics)
      Series = settings.DataSets |> List.map (series settings run.Seeds runs)
      Figures =
        [ for d in settings.DataSets do
              for a in settings.Architectures do
                  if not (methodsOn settings a).IsEmpty then qualityFigure settings run.Seeds runs d a Iterations
              let first = settings.Architectures.Head
              let timed = secondsPerIteration run scale.GeneratorIterations d first
              qualityFigure settings run.Seeds runs d first (WallClock timed) ]
      ImageGrids =
        [ for d in settings.DataSets do
              sampleGrid settings run.Seeds.Head runs d
              imageGrid $"{ImageDataSet.name d}-real" $"{ImageDataSet.name d}: held-out real images" g
                  [ for r in 0 .. g - 1 -> (runs.Reference d).RealImages[r * g * 784 .. (r + 1) * g * 784 - 1] ] ]
      Notes =
        Notes.notes manifest run [ for d, description in data -> d, description, runs.Reference d ]
        @ Experiment.divergenceNotes [ for key, m in measured do if m.Run.IsSome then key, m.Run.Value.Diverged ] }
