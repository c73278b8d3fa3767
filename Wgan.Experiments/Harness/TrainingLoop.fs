/// A training loop that checkpoints its whole state every so many iterations and resumes from the last
/// checkpoint, so that a unit killed mid-way continues bit for bit (see Wgan.Core.TrainingState).
module Wgan.Experiments.TrainingLoop

open System
open System.IO
open TorchSharp
open Wgan.Core

/// Everything that carries state from one iteration to the next.
type LoopObjects =
    { Networks: torch.nn.Module list
      Optimizers: Optimizer list
      Generators: torch.Generator list }

/// State a loop carries outside its networks, optimisers and generators, as integers (e.g. a data sampler's
/// permutation and position): `Read` gives it when a checkpoint is saved, `Write` puts it back when one is
/// restored.
type LoopCounters =
    { Read: unit -> int64[]
      Write: int64[] -> unit }

    /// No state besides the iteration.
    static member None = { Read = (fun () -> [||]); Write = ignore }

/// Runs iterations 1 .. `total` as `run` does, with more to keep and to log: `counters` is saved with every
/// checkpoint and restored from it; `before ()` runs first when the loop starts afresh (not when it resumes),
/// e.g. a measurement before training, and its rows are logged first; each iteration may log several rows.
/// After each iteration k the unit's progress is k / total (a loop is taken to be the unit's work).
let runWith
    (checkpoints: UnitCheckpoints)
    (every: int)
    (objects: LoopObjects)
    (counters: LoopCounters)
    (total: int)
    (before: unit -> float[] list)
    (iteration: int -> Result<float[] list, 'Reason>)
    : float[][] * 'Reason option =
    let rows = ResizeArray<float[]>()
    let start =
        match checkpoints.Load() with
        | Some bytes ->
            let state =
                try
                    let state = TrainingState.restore bytes objects.Networks objects.Optimizers objects.Generators
                    if state.Counters.Length = 0 then raise (InvalidDataException "the state has no iteration counter")
                    counters.Write state.Counters[1..]
                    state
                with
                | :? InvalidDataException
                | :? EndOfStreamException
                | :? ArgumentException as e ->
                    raise (UnusableStateException($"does not fit this unit ({e.Message})", e))
            rows.AddRange state.Series
            int state.Counters[0]
        | None ->
            rows.AddRange(before ())
            0
    let rec loop k =
        if k > total then None
        else
            match iteration k with
            | Error reason -> Some reason
            | Ok logged ->
                rows.AddRange logged
                checkpoints.Progress(float k / float total)
                if every > 0 && k % every = 0 && k < total then
                    checkpoints.Save(
                        TrainingState.save objects.Networks objects.Optimizers objects.Generators
                            { Counters = Array.append [| int64 k |] (counters.Read()); Series = rows.ToArray() })
                loop (k + 1)
    let stopped = loop (start + 1)
    rows.ToArray(), stopped

/// Runs iterations 1 .. `total`, starting after the last checkpointed iteration if `checkpoints` has one,
/// and saving the state after every `every`-th iteration (0: never). `iteration k` performs iteration k and
/// returns `Ok (Some row)` to log a row, `Ok None` to log nothing, or `Error reason` to stop (divergence).
/// Returns the logged rows (those before a resume included) and the reason for stopping early, if any.
let run
    (checkpoints: UnitCheckpoints)
    (every: int)
    (objects: LoopObjects)
    (total: int)
    (iteration: int -> Result<float[] option, 'Reason>)
    : float[][] * 'Reason option =
    runWith checkpoints every objects LoopCounters.None total (fun () -> []) (iteration >> Result.map Option.toList)
