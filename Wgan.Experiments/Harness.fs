/// The C#-facing surface of the experiments: manifests in, results out, no F# options or functions.
namespace Wgan.Experiments

open System
open Wgan.Experiments.Manifest

/// A manifest that decoded and validated, ready to run.
[<Sealed>]
type PlannedExperiment internal (definition: ExperimentDefinition, prepared: PreparedExperiment) =
    /// The experiment's id (its output folder name).
    member _.Id = definition.Id
    member _.Title = definition.Title
    member _.Source = definition.Source

    /// The seeds a run at `scale` with `seeds` requested (0: the scale's default) uses.
    member _.SeedsAt(scale: string, seeds: int) : int64[] =
        prepared.SeedsAt (Harness.ScaleOf scale) seeds |> Array.ofList

    /// Runs the experiment, reporting progress after every unit of work (no data source: for experiments
    /// that need none).
    member this.Run(scale: string, seeds: int, device: string, progress: Action<Progress>) : ExperimentResult =
        this.Run(scale, seeds, device, NoResources(), progress)

    /// Runs the experiment with the shell's data and cache, reporting progress after every unit of work.
    member _.Run(scale: string, seeds: int, device: string, resources: IResources, progress: Action<Progress>) : ExperimentResult =
        prepared.Run { Scale = Harness.ScaleOf scale; Seeds = seeds; Device = device; Resources = resources } progress.Invoke

    /// Whether the experiment reads MNIST digits (so the runner can load and check them before any work).
    member _.UsesMnist = List.contains definition.Id Catalogue.usesMnist

/// The outcome of reading a manifest: either an experiment or the problems found, one per line as
/// "$.json.path: message".
and [<Sealed>] ManifestReading internal (experiment: PlannedExperiment, errors: string[]) =
    member _.IsValid = errors.Length = 0
    /// The experiment; null when the manifest is invalid.
    member _.Experiment = experiment
    member _.Errors = errors

and [<AbstractClass; Sealed>] Harness =
    /// The scale named `name` (smoke, quick or paper); throws ArgumentException otherwise.
    static member ScaleOf(name: string) : Scale =
        match parseScale name with
        | Some s -> s
        | None -> invalidArg (nameof name) $"unknown scale '{name}' (smoke, quick or paper)"

    /// Decodes and validates a manifest's text.
    static member ReadManifest(text: string) : ManifestReading =
        match Catalogue.decodeManifest text with
        | Ok (definition, prepared) -> ManifestReading(PlannedExperiment(definition, prepared), [||])
        | Error errors ->
            ManifestReading(Unchecked.defaultof<_>, errors |> List.map (fun e -> $"{e.Path}: {e.Message}") |> Array.ofList)
