/// mode-coverage's findings from its units: the scores per seed, the trainers ranked by each score with 95% intervals
/// (no claim is assumed), the scores as a series, the figures and the notes.
module Wgan.Experiments.ModeCoverage.Assembly

open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.Trainers
open Wgan.Experiments.TrainerUnits
open Wgan.Experiments.ModeCoverage.Settings
open Wgan.Experiments.ModeCoverage.Unit

/// A unit's score by name (see `Settings.scores`): the last evaluation's (NaN when training diverged) or the untrained
/// generator's.
let score (name: string) (m: Measured) =
    let last (xs: float[]) = if m.Diverged.IsSome then nan else Array.last xs
    match name with
    | "modesCovered" -> last m.ModesCovered
    | "highQualityShare" -> last m.HighQualityShare
    | "finalEarthMover" -> last m.EarthMover
    | "untrainedModesCovered" -> m.ModesCovered[0]
    | _ -> log (last m.EarthMover / m.EarthMover[0])

let private intervalText (xs: float[]) =
    let f (v: float) = v.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)
    match Statistics.confidenceInterval95 xs with
    | Some (lo, hi) -> $"{f (Statistics.mean xs)} [{f lo}, {f hi}]"
    | None -> f (Statistics.mean xs)

/// The note that ranks the trainers on data set `d` by `metric`, best first, with the mean and 95% interval over seeds.
let private ranking (trainers: Trainer list) (perSeed: string -> float[]) (d: ToyDataset) (metric: string)
    (higherIsBetter: bool) =
    let values (t: Trainer) = perSeed $"{t.Id}.{d.Name}.{metric}"
    let listed =
        trainers
        |> List.sortBy (fun t -> let m = Statistics.mean (values t) in if higherIsBetter then -m else m)
        |> List.map (fun t -> $"{t.Id} {intervalText (values t)}")
        |> String.concat " > "
    $"Ranking on {datasetTitle d} by {metric} (mean [95 percent interval], best first): {listed}."

let private kindText (t: Trainer) =
    match t.Kind with
    | Wgan c -> $"WGAN, {constraintText c}"
    | Gan nonSaturating -> if nonSaturating then "GAN, non-saturating generator loss" else "GAN, minimax generator loss"

/// The note on which trainers share their initial weights and random-number stream.
let private streamNote (trainers: Trainer list) =
    let groups =
        trainers
        |> List.groupBy (fun t -> t.Stream)
        |> List.map (fun (stream, ts) ->
            let ids = ts |> List.map (fun t -> t.Id) |> String.concat ", "
            match stream with
            | Some s -> $"stream {s}: {ids}"
            | None -> $"one stream each: {ids}")
        |> String.concat "; "
    "Trainers on the same random stream start from the same initial weights and draw from the same random-number "
    + $"generator (their batches part once their step counts differ): {groups}."

/// The report's notes: the set-up, the scores, and the rankings over seeds.
let private notes (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (perSeed: string -> float[]) =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let samples = scale.Training.EarthMoverSamples
    [ setupNote settings.Training scale.Training; scheduleNote settings.Training.CriticSchedule ]
    @ [ for t in settings.Training.Trainers -> trainerNote kindText t ]
    @ [ $"Scores on {scale.EvaluationSamples} generated samples, before training, every {scale.EvaluateEvery} "
        + "generator iterations and after the last: a sample is high quality when within "
        + $"{plainNumber settings.QualityStds} standard deviations (Euclidean distance, per-coordinate std after the "
        + $"gan_toy.py division) of its nearest mode centre; a mode is covered with at least "
        + $"{settings.MinSamplesPerMode} such samples. Exact W1 on {samples} generated vs {samples} real samples."
        streamNote settings.Training.Trainers
        $"Each trainer's coverage is compared with {settings.Baseline}'s on the same seed and data set "
        + "(modesOverBaseline)." ]
    @ [ for d in settings.Training.Datasets do
            for metric, higher in [ "modesCovered", true; "highQualityShare", true; "finalEarthMover", false ] ->
                ranking settings.Training.Trainers perSeed d metric higher ]

/// SamplesDrawn real samples of `d` for the figures, drawn from a generator seeded by `seed`.
let private realSamples (d: ToyDataset) (seed: int64) =
    use random = new TorchSharp.torch.Generator(uint64 seed)
    use samples = Wgan.Core.ToyData.sample d SamplesDrawn random
    toRows samples

let private pointSet (label: string) (rows: float[][]) : PointSet =
    { Label = label; X = rows |> Array.map (fun r -> r[0]); Y = rows |> Array.map (fun r -> r[1]) }

/// The experiment's findings from its units' measurements.
let assemble (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (measurements: (string * Measured) list) : Findings =
    let training, seeds = manifest.Settings.Training, run.Seeds
    let found = dict measurements
    let unitOf seed t d = found[key seed t d]
    let baseline = training.Trainers |> List.find (fun t -> t.Id = manifest.Settings.Baseline)
    let metrics =
        seeds
        |> List.map (fun seed ->
            { Seed = seed
              Values =
                readOnlyDict [
                    for t in training.Trainers do
                        for d in training.Datasets do
                            for name in scores do
                                yield $"{t.Id}.{d.Name}.{name}", score name (unitOf seed t d)
                            if t.Id <> manifest.Settings.Baseline then
                                let covered trainer = score "modesCovered" (unitOf seed trainer d)
                                yield $"{t.Id}.{d.Name}.modesOverBaseline", covered t - covered baseline ] })
    let perSeed (name: string) = metrics |> List.map (fun m -> m.Values[name]) |> Array.ofList
    let claims = manifest.Claims |> List.map (Claims.evaluate metrics)
    { Metrics = metrics
      Claims = claims
      Series =
        [ { Name = "coverage"
            Columns =
              [ "seed"; "trainer"; "dataset"; "generator_iteration"; "modes_covered"; "high_quality_share"; "w1" ]
            Rows =
              [ for seed in seeds do
                    for k, t in List.indexed training.Trainers do
                        for d in training.Datasets do
                            let m = unitOf seed t d
                            for i in 0 .. m.Iterations.Length - 1 ->
                                [| float seed; float k; float (datasetCode d); float m.Iterations[i]
                                   m.ModesCovered[i]; m.HighQualityShare[i]; m.EarthMover[i] |] ] } ]
      Figures =
        [ for d in training.Datasets do
              let curves (t: Trainer) (value: Measured -> float[]) =
                  let perSeed = seeds |> List.map (fun seed -> unitOf seed t d)
                  let longest = perSeed |> List.maxBy (fun m -> m.Iterations.Length)
                  let mean =
                      Array.init longest.Iterations.Length (fun i ->
                          let present = perSeed |> List.map value |> List.filter (fun v -> i < v.Length)
                          present |> List.map (fun v -> v[i]) |> Array.ofList |> Statistics.mean)
                  { Label = t.Label; X = Array.map float longest.Iterations; Y = mean; Markers = false }
                  :: [ for m in perSeed ->
                           { Label = ""; X = Array.map float m.Iterations; Y = value m; Markers = false } ]
              Figure.ofLines $"modes-{d.Name}"
                  $"Modes covered on {datasetTitle d} (mean over seeds, each seed faint)"
                  "generator iteration" "share of modes covered" false
                  [ for t in training.Trainers do yield! curves t (fun m -> m.ModesCovered) ]
              Figure.ofLines $"w1-{d.Name}"
                  $"Exact W1 to the data on {datasetTitle d} (mean over seeds, each seed faint)"
                  "generator iteration" "exact W1" true
                  [ for t in training.Trainers do yield! curves t (fun m -> m.EarthMover) ]
              let first = List.head seeds
              let real = realSamples d first
              for t in training.Trainers do
                  let m = unitOf first t d
                  let title = $"{t.Id} on {datasetTitle d}, seed {first}: trained generator's samples over real ones"
                  { Figure.ofLines $"samples-{d.Name}-{t.Id}" title "x" "y" false [] with
                      Points = [ pointSet "real" real; pointSet "generated" m.Samples ] } ]
      ImageGrids = []
      Notes =
        notes manifest run perSeed
        @ Experiment.divergenceNotes [ for k, m in measurements -> k, m.Diverged ]
        @ Option.toList manifest.Scales[run.Scale].Note }
