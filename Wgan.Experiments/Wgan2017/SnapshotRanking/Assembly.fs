/// snapshot-ranking's findings from its units: per seed, the rankings of every data set's snapshots by each fresh
/// critic and by the clock, the claims judged on them, the snapshots as a series, the figures and the notes.
module Wgan.Experiments.SnapshotRanking.Assembly

open System
open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.SnapshotRanking.Settings
open Wgan.Experiments.SnapshotRanking.Unit
open Wgan.Experiments.SnapshotRanking.Ranking

/// The per-seed metrics from the snapshots of every data set of the seed.
let seedMetrics (settings: Settings) (snapshotsOfDataset: ToyDataset -> Snapshot list) =
    let perDataset =
        [ for d in settings.Datasets do
              let s = snapshotsOfDataset d
              for c in settings.Critics do
                  $"{d.Name}.{c.Id}.withinIterationSpearman", withinIterationSpearman s c.Id
                  $"{d.Name}.{c.Id}.untrained.withinIterationSpearman", withinIterationSpearman s (c.Id + ".untrained")
                  $"{d.Name}.{c.Id}.pooledSpearman", pooledSpearman s c.Id
              $"{d.Name}.clock.pooledSpearman", clockSpearman s ]
    let table = Map perDataset
    let overDatasets (suffix: string) = settings.Datasets |> List.averageBy (fun d -> table[$"{d.Name}.{suffix}"])
    readOnlyDict [
        yield! perDataset
        for c in settings.Critics do
            let untrained = c.Id + ".untrained"
            yield $"{c.Id}.meanWithinIterationSpearman", overDatasets $"{c.Id}.withinIterationSpearman"
            yield $"{untrained}.meanWithinIterationSpearman", overDatasets $"{untrained}.withinIterationSpearman"
            yield $"{c.Id}.meanPooledSpearman", overDatasets $"{c.Id}.pooledSpearman"
        yield "clock.meanPooledSpearman", overDatasets "clock.pooledSpearman" ]

let private decimals (digits: int) (x: float) =
    if Double.IsFinite x then x.ToString("F" + string digits, Globalization.CultureInfo.InvariantCulture) else "nan"

let private kindText (c: FreshCritic) =
    match c.Kind with
    | EarthMoverCritic lipschitz ->
        $"WGAN critic, {constraintText lipschitz}, {optimizerText c.Optimizer}; estimate E f(x) - E f(G(z))"
    | Discriminator -> $"GAN discriminator, {optimizerText c.Optimizer}; estimate JS = V/2 + log 2"

/// The report's notes: the set-up, the measured quantity, the controls and the pooled rankings, from the settings.
let private notes (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (claims: ClaimResult list)
    (meanOf: string -> float) =
    let settings, scale, paper = manifest.Settings, manifest.Scales[run.Scale], manifest.Scales[Paper]
    let runs = settings.Runs
    let listed (xs: 'T list) (text: 'T -> string) = xs |> List.map text |> String.concat ", "
    let snapshotText = listed scale.SnapshotsAt string
    let pooled (c: FreshCritic) = c.Id + " " + decimals 3 (meanOf (c.Id + ".meanPooledSpearman"))
    let clock = decimals 3 (meanOf "clock.meanPooledSpearman")
    [ $"Runs: {runs.Label}: {constraintText runs.Constraint}, nCritic {runs.NCritic}, Adam (beta1 "
      + $"{plainNumber runs.Beta1}, beta2 {plainNumber runs.Beta2}) for critic and generator with learning rate "
      + $"{listed runs.LearningRates plainNumber} (one run each); generator and critic MLPs {settings.NoiseDimension} "
      + $"(2) -> {settings.Network.Depth} x {scale.Width} -> 2 (1), {activationText settings.Network.Activation}; "
      + $"batch {scale.BatchSize}. The runs of a seed and data set share their initial weights, batches and noise: "
      + "only the learning rate differs, so at one iteration their generators differ in quality."
      $"Snapshots: every run's generator is frozen after generator iterations {snapshotText}. On each, every fresh "
      + $"critic is trained {scale.CriticSteps} steps of batch {scale.CriticBatchSize} (real batches and generated "
      + "batches of the frozen generator), from initial weights and batches that are the same for every snapshot of a "
      + "seed and data set; its estimate and the exact W1 (optimal assignment) are taken on one evaluation batch of "
      + $"{scale.EvaluationSamples} real samples and {scale.EvaluationSamples} samples of the frozen generator "
      + "(fixed noise)." ]
    @ [ for c in settings.Critics -> $"Fresh critic {c.Id} ({c.Label}): {kindText c}." ]
    @ [ "Decision: within one snapshot iteration the iteration counter is equal for every snapshot, so it has no "
        + "ranking to offer: the within-iteration Spearman is a test the clock cannot pass. Controls: each EM claim is "
        + "tested against the GAN discriminator's JS estimate on the same snapshots (WGAN Fig. 4's contrast) and "
        + "against the same critic untrained (if it ranks as well, training adds nothing the test can see)."
        $"Pooled over all snapshots, where the clock competes: clock Spearman(-iteration, W1) {clock}; "
        + $"{listed settings.Critics pooled} (means over seeds)."
        "CSV codes: dataset 0 = 8gaussians, 1 = 25gaussians, 2 = swissroll; run = index of the learning rate in the "
        + "manifest's list." ]
    @ scaleNote run.Scale claims
        ($"This scale freezes generators after {snapshotText} iterations of {scale.Width}-wide networks and trains "
         + $"each fresh critic {scale.CriticSteps} steps (paper scale: {paper.Width} wide, critics "
         + $"{paper.CriticSteps} steps).")

/// The first seed's figures of data set `d`: the estimates against the exact W1, and each run's W1 over time.
let private figures (settings: Settings) (seed: int64) (d: ToyDataset) (s: Snapshot list) =
    // Every estimate rescaled to [0, 1] over this seed's snapshots, so that estimates of different units share the W1
    // axis; a ranking is unchanged by the rescaling.
    let rescaled (name: string) =
        let values = s |> List.map (fun x -> x.Estimates[name]) |> List.filter Double.IsFinite
        let lo, hi = (if values.IsEmpty then 0.0, 1.0 else List.min values, List.max values)
        s |> List.map (fun x -> if hi > lo then (x.Estimates[name] - lo) / (hi - lo) else nan) |> Array.ofList
    let along (xs: Snapshot list) (f: Snapshot -> float) = xs |> List.map f |> Array.ofList
    [ Figure.ofLines $"ranking-{d.Name}" $"{datasetTitle d}, seed {seed}: estimates against exact W1"
          "exact W1 (snapshot to real samples)" "estimate, rescaled to [0, 1] per critic" false
          [ for c in settings.Critics ->
                { Label = c.Label; X = along s (fun x -> x.EarthMover); Y = rescaled c.Id; Markers = true } ]
      Figure.ofLines $"runs-{d.Name}" $"{datasetTitle d}, seed {seed}: exact W1 of each run's snapshots"
          "generator iteration" "exact W1" false
          [ for run, lr in List.indexed settings.Runs.LearningRates ->
                let ofRun = s |> List.filter (fun x -> x.Run = run)
                { Label = $"learning rate {plainNumber lr}"
                  X = along ofRun (fun x -> x.Iteration)
                  Y = along ofRun (fun x -> x.EarthMover)
                  Markers = false } ] ]

/// The experiment's findings from its units' measurements.
let assemble (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (measurements: (string * Measured) list) : Findings =
    let settings = manifest.Settings
    let found = dict measurements
    let snapshots =
        Map [ for seed in run.Seeds do
                  for d in settings.Datasets -> (seed, d.Name), snapshotsOf settings found seed d ]
    let metrics =
        run.Seeds
        |> List.map (fun seed ->
            { Seed = seed; Values = seedMetrics settings (fun d -> snapshots[(seed, d.Name)]) })
    let claims = manifest.Claims |> List.map (Claims.evaluate metrics)
    let meanOf (name: string) = metrics |> List.map (fun m -> m.Values[name]) |> finiteMean
    let first = run.Seeds.Head
    let column (id: string) = id.Replace('-', '_')
    { Metrics = metrics
      Claims = claims
      Series =
        [ { Name = "snapshots"
            Columns =
              [ "seed"; "dataset"; "run"; "learning_rate"; "iteration"; "exact_w1"
                for c in settings.Critics do
                    column c.Id + "_untrained"
                    column c.Id + "_trained" ]
            Rows =
              [ for seed in run.Seeds do
                    for d in settings.Datasets do
                        for s in snapshots[(seed, d.Name)] ->
                            [| float seed; float (datasetCode d); float s.Run; settings.Runs.LearningRates[s.Run]
                               s.Iteration; s.EarthMover
                               for c in settings.Critics do
                                   s.Estimates[c.Id + ".untrained"]
                                   s.Estimates[c.Id] |] ] } ]
      Figures = [ for d in settings.Datasets do yield! figures settings first d snapshots[(first, d.Name)] ]
      ImageGrids = []
      Notes =
        notes manifest run claims meanOf
        @ Experiment.divergenceNotes [ for k, m in measurements -> k, m.Diverged ] }
