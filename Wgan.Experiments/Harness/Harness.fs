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
    /// The largest absolute difference per metric that verification accepts.
    member _.VerifyTolerance = prepared.VerifyTolerance

    /// The seeds a run at `scale` with `seeds` requested (0: the scale's default) uses.
    member _.SeedsAt(scale: string, seeds: int) : int64[] =
        prepared.SeedsAt (Harness.ScaleOf scale) seeds |> Array.ofList

    /// The units of work of a run at `scale` with `seeds` seeds (0: the scale's default) on `device`.
    /// `resources` is the shell's data and cache (NoResources for experiments that need none).
    member _.Plan(scale: string, seeds: int, device: string, resources: IResources) : ExperimentRun =
        ExperimentRun(
            prepared.Plan
                { Scale = Harness.ScaleOf scale
                  Seeds = seeds
                  Device = device
                  Resources = resources }
        )

    /// Runs every unit in order and assembles the result, reporting progress after every unit.
    member this.Run
        (
            scale: string,
            seeds: int,
            device: string,
            resources: IResources,
            progress: Action<Progress>
        ) : ExperimentResult =
        let run = this.Plan(scale, seeds, device, resources)
        Experiment.runAll run.Inner progress.Invoke

    /// Runs an experiment that needs no outside data.
    member this.Run(scale: string, seeds: int, device: string, progress: Action<Progress>) : ExperimentResult =
        this.Run(scale, seeds, device, NoResources(), progress)

    /// `result` with its claims judged on its per-seed values by this manifest's claims, as a run judges them: for a
    /// result read back from a result.json, which records its claims' verdicts but not their definitions.
    member _.Judge(result: ExperimentResult) : ExperimentResult =
        Rejudge.withClaims (prepared.Claims |> List.map (Claims.evaluate result.Metrics)) result

    /// The real image sets the experiment reads, by their manifest names ("mnist", "fashion-mnist"; none for most), so
    /// that the runner can load and check them before any work.
    member _.ImageSets: string[] = prepared.ImageSets |> List.map ImageDataSet.name |> Array.ofList

/// A run split into independent units: run any subset anywhere, then assemble all their results.
and [<Sealed>] ExperimentRun internal (plan: Plan) =
    let units = Array.ofList plan.Units
    member internal _.Inner = plan
    /// The units' keys, unique within the run.
    member _.UnitKeys: string[] = units |> Array.map (fun u -> u.Key)
    /// What each unit does, for progress lines.
    member _.UnitDescriptions: string[] = units |> Array.map (fun u -> u.Description)
    /// Runs unit `index` (its result depends only on the manifest, the options and the unit), resuming
    /// from `loadState()` when it returns bytes and handing its training state to `saveState` as it goes.
    member this.RunUnit(index: int, loadState: Func<byte[]>, saveState: Action<byte[]>) : UnitResult =
        this.RunUnit(index, loadState, saveState, Action<float>(ignore))
    /// As above, telling `progress` how far the unit is (a fraction in [0, 1]) as it goes.
    member _.RunUnit
        (
            index: int,
            loadState: Func<byte[]>,
            saveState: Action<byte[]>,
            progress: Action<float>
        ) : UnitResult =
        units[index].Run
            { Load = (fun () -> Option.ofObj (loadState.Invoke()))
              Save = saveState.Invoke
              Progress = progress.Invoke }
    /// The experiment's result from every unit's result (in any order; matched by key) and the wall-clock seconds
    /// each took, by key (absent where unknown; only figures draw them).
    member _.Assemble
        (
            results: Collections.Generic.IReadOnlyList<UnitResult>,
            seconds: Collections.Generic.IReadOnlyDictionary<string, float>
        ) : ExperimentResult =
        let byKey = results |> Seq.map (fun r -> r.Key, r) |> dict
        let missing = units |> Array.filter (fun u -> not (byKey.ContainsKey u.Key)) |> Array.map (fun u -> u.Key)
        if missing.Length > 0 then
            invalidArg (nameof results) $"""results missing for units: {String.Join(", ", missing)}"""
        plan.Assemble [ for u in units -> byKey[u.Key] ] seconds

/// One look of a sequential run as the runner sees it: the result at the look's seeds with its claims judged at the
/// look's share, a line for the progress display, and whether the run stops here.
and [<Sealed>] SequentialLook
    internal (result: ExperimentResult, line: string, record: Sequential.SequentialRecord option) =
    /// The result at this look's seeds, its claims judged at the look's share of their error rate.
    member _.Result = result
    /// What the look found and why the run stops or goes on, for the progress display.
    member _.Line = line
    /// Whether the run stops after this look (every claim decided or futile, or the largest seed count reached).
    member _.Stopped = record.IsSome
    /// result.json of the stopping look's result, with the looks (call it when `Stopped`).
    member _.ResultJson(environment: Render.RunEnvironment, manifestText: string) =
        ResultJson.renderWith record result environment manifestText
    /// report.md of the stopping look's result, with a line per look (call it when `Stopped`).
    member _.ReportMarkdown(environment: Render.RunEnvironment, manifestText: string) =
        ReportMarkdown.renderWith record result environment manifestText

/// The looks of a sequential run (`run --until-decided`): `firstLook` seeds, then as many again at each look up to
/// `maximumSeeds` (see `Sequential`).
and [<Sealed>] SequentialRun(firstLook: int, maximumSeeds: int) =
    let planned = Sequential.looks firstLook maximumSeeds
    let mutable judged: Sequential.Look list = []
    /// The seed counts of the planned looks, in order.
    member _.PlannedLooks: int[] = Array.ofList planned
    /// Judges look `k` (0-based) on the result assembled at its seeds, after the looks judged before it (0 to k - 1,
    /// each once, in order).
    member _.Judge(k: int, result: ExperimentResult) : SequentialLook =
        if k <> judged.Length then
            invalidArg (nameof k) $"look {k} judged after {judged.Length} looks; looks go in order"
        let claims, look = Sequential.judge planned k result.Seeds result.Claims
        let looks = judged @ [ look ]
        judged <- looks
        let rejudged = Rejudge.withClaims claims result
        let record, line =
            match Sequential.stopAfter planned look with
            | Some reason ->
                let record: Sequential.SequentialRecord =
                    { FirstLook = firstLook
                      MaximumSeeds = maximumSeeds
                      PlannedLooks = planned
                      Looks = looks
                      Stopped = reason }
                Some record,
                $"stopped: {reason.Name}"
            | None -> None, $"continuing: {Sequential.continuing look}"
        let verdicts =
            look.Claims
            |> List.map (fun c -> if c.Futile then $"{c.Id} futile" else $"{c.Id} {c.Verdict.Name}")
            |> String.concat ", "
        SequentialLook(
            rejudged,
            $"look {k + 1} of at most {planned.Length} at {look.Seeds} seeds: {verdicts}; {line}",
            record
        )

/// The outcome of reading a manifest: either an experiment or the problems found, one per line as
/// "$.json.path: message".
and [<Sealed>] ManifestReading internal (experiment: PlannedExperiment option, errors: string[]) =
    member _.IsValid = experiment.IsSome
    /// The experiment of a valid manifest; InvalidOperationException for an invalid one (see `Errors`).
    member _.Experiment =
        match experiment with
        | Some e -> e
        | None -> invalidOp ("the manifest is invalid: " + String.Join("; ", errors))
    member _.Errors = errors

/// An experiment as the `list` command shows it.
and [<Sealed>] ListedExperiment internal (definition: ExperimentDefinition) =
    /// The experiment's id (its manifest's "experiment").
    member _.Id = definition.Id
    member _.Title = definition.Title
    /// The paper and figure or section reproduced.
    member _.Source = definition.Source
    /// The metrics it measures per seed, with what each means.
    member _.Metrics: MetricDescription[] = Array.ofList definition.Metrics

and [<AbstractClass; Sealed>] Harness =
    /// Every experiment the harness knows, in the catalogue's order.
    static member Experiments: ListedExperiment[] = Catalogue.all |> List.map ListedExperiment |> Array.ofList

    /// The scale named `name` (smoke, quick or paper); throws ArgumentException otherwise.
    static member ScaleOf(name: string) : Scale =
        match parseScale name with
        | Some s -> s
        | None -> invalidArg (nameof name) $"unknown scale '{name}' (smoke, quick or paper)"

    /// Decodes and validates a manifest's text.
    static member ReadManifest(text: string) : ManifestReading =
        match Catalogue.decodeManifest text with
        | Ok (definition, prepared) -> ManifestReading(Some(PlannedExperiment(definition, prepared)), [||])
        | Error errors -> ManifestReading(None, errors |> List.map (fun e -> $"{e.Path}: {e.Message}") |> Array.ofList)
