/// How snapshot-ranking ranks snapshots: Spearman correlations between an estimate and the exact W1, within one
/// snapshot iteration (where the iteration counter cannot rank) and pooled over all iterations (where it can).
module Wgan.Experiments.SnapshotRanking.Ranking

open System
open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.SnapshotRanking.Settings
open Wgan.Experiments.SnapshotRanking.Unit

/// One snapshot as the assembly reads it: its run (the index of the learning rate), iteration, exact W1 and
/// estimates by name (`<critic>` trained, `<critic>.untrained` before training).
type Snapshot = { Run: int; Iteration: float; EarthMover: float; Estimates: Map<string, float> }

/// The snapshots of one seed and data set, over every run.
let snapshotsOf (settings: Settings) (found: Collections.Generic.IDictionary<string, Measured>) (seed: int64)
    (dataset: ToyDataset) : Snapshot list =
    [ for run in 0 .. settings.Runs.LearningRates.Length - 1 do
          for s in found[key seed dataset run].Snapshots ->
              { Run = run
                Iteration = float s.Iteration
                EarthMover = s.EarthMover
                Estimates =
                  Map [ for c, e in Seq.zip settings.Critics s.Estimates do
                            c.Id, e.Trained
                            c.Id + ".untrained", e.Untrained ] } ]

/// Spearman(x, y) over the pairs where both are finite, nan with fewer than 3 such pairs.
let private finiteSpearman (pairs: (float * float) list) =
    let kept = pairs |> List.filter (fun (x, y) -> Double.IsFinite x && Double.IsFinite y)
    if kept.Length < 3 then nan
    else Statistics.spearman (kept |> List.map fst |> Array.ofList) (kept |> List.map snd |> Array.ofList)

/// The mean of the finite values, nan when there are none.
let finiteMean (xs: float list) =
    match xs |> List.filter Double.IsFinite with
    | [] -> nan
    | kept -> List.average kept

/// Mean over snapshot iterations of Spearman(estimate, W1) across the runs' snapshots of each iteration.
let withinIterationSpearman (snapshots: Snapshot list) (estimate: string) =
    snapshots
    |> List.groupBy (fun s -> s.Iteration)
    |> List.map (fun (_, group) -> finiteSpearman [ for s in group -> s.Estimates[estimate], s.EarthMover ])
    |> finiteMean

/// Spearman(estimate, W1) over all snapshots.
let pooledSpearman (snapshots: Snapshot list) (estimate: string) =
    finiteSpearman [ for s in snapshots -> s.Estimates[estimate], s.EarthMover ]

/// Spearman(-iteration, W1) over all snapshots: the clock's ranking.
let clockSpearman (snapshots: Snapshot list) = finiteSpearman [ for s in snapshots -> -s.Iteration, s.EarthMover ]
