/// The results index (`<out>/README.md`) and the README's results summary, rendered from the published results: one
/// table of every claim (paper and figure, statement, measured mean with its 95% interval, control, p-value with its
/// Benjamini-Hochberg adjustment, verdict), each distinct claim counted once, and the runs' machines and commands.
/// The shell finds the result folders and reads their files; this module renders what `PublishedResult` read.
module Wgan.Experiments.IndexRender

open System
open System.Collections.Generic
open System.Text
open Wgan.Experiments.PublishedResult

/// How every index begins; a README.md that does not begin so is someone else's.
[<Literal>]
let Header = "# Published results\n\nEvery claim of every experiment in this folder and its nested publication folders"

/// The first line of the README's results summary block.
[<Literal>]
let SummaryBegin = "<!-- results summary: written by `wgan rejudge`, do not edit -->"

/// The last line of that block.
[<Literal>]
let SummaryEnd = "<!-- end of results summary -->"

/// Publication folders whose name begins so hold exploratory results (ablations).
[<Literal>]
let ExploratoryPrefix = "ablation-"

/// The false-discovery rate the index counts Benjamini-Hochberg discoveries at.
let private falseDiscoveryRate = 0.05

let private verdictOrder = [ "reproduced"; "not-reproduced"; "uninformative"; "inconclusive"; "precondition-failed" ]

/// Whether a folder name marks exploratory results.
let isExploratory (folderName: string) = folderName.StartsWith(ExploratoryPrefix, StringComparison.Ordinal)

let private cell (s: string) = s.Replace("|", "\\|").Replace("\n", " ")

let private pValue (p: float) = if Double.IsNaN p then "n/a" else Render.rounded 4 p

/// A measurement in one cell, as the reports write it (Render.measurementCell).
let private measured (m: RecordedMeasurement) =
    Render.measurementCell (m.Mean, m.Low, m.High, m.SeedsAgreeing, m.Seeds, m.PValue)

/// One published result as the index lists it: its folder relative to the index ('/'-separated), whether a folder on
/// its path marks it exploratory, and what its result.json holds, or why it cannot be read.
[<Sealed>]
type IndexEntry private (folder: string, exploratory: bool, published: Published option, problem: string) =
    /// The result's folder relative to the index, '/'-separated.
    member _.Folder = folder
    member internal _.Exploratory = exploratory
    member internal _.Published = published
    member internal _.Problem = problem
    /// A result whose result.json was read.
    static member Listed(folder: string, exploratory: bool, published: Published) =
        IndexEntry(folder, exploratory, Some published, "")
    /// A result whose result.json cannot be read, and why; the index names it and lists the others.
    static member Unreadable(folder: string, problem: string) = IndexEntry(folder, false, None, problem)

/// One claim's row: its table cells up to the p-value column, its verdict and claim p-value, whether its folder is
/// exploratory, the key under which the same claim coincides, and its per-seed values of both arms.
type private Row =
    { Experiment: string
      Claim: string
      Folder: string
      Text: string
      Verdict: string
      P: float
      Exploratory: bool
      SameClaim: string
      Values: float[]
      ControlValues: float[] }

/// Whether `longer` begins with `prefix` (NaN equal to NaN: the same unmeasured seed).
let private startsWith (longer: float[]) (prefix: float[]) =
    longer.Length >= prefix.Length && Seq.forall2 (fun (v: float) (w: float) -> v.Equals w) prefix longer

/// The row that counts for `row`: among the rows of the same claim, definition and scale whose per-seed values (of
/// both arms) begin with this row's, the one with the most seeds (a sequential run that continued these seeds, or an
/// exact copy), a confirmatory one before an exploratory one, then the first in the table's order.
let private representative (ordered: Row[]) (row: Row) =
    ordered
    |> Array.filter (fun o ->
        o.SameClaim = row.SameClaim && startsWith o.Values row.Values && startsWith o.ControlValues row.ControlValues)
    |> List.ofArray
    |> List.sortBy (fun o -> -o.Values.Length, o.Exploratory)
    |> List.head

/// The rows of one result's claims, its line in the runs table and its words in the README summary.
let private listed (folder: string) (exploratory: bool) (p: Published) =
    let r, env = p.Result, p.Environment
    let link = $"[`{folder}`]({folder}/report.md)"
    let seeds = r.Seeds.Length
    let machine =
        if env.Platform = Platform.unrecorded then "platform unrecorded; "
        else $"{cell env.Platform.CpuModel}, {env.Platform.Numerics} numerics; "
    let run =
        $"| {link} | {r.Scale} | {seeds} | {env.Device}, {env.Threads} thread(s) | {machine}{env.OperatingSystem}; "
        + $".NET {env.DotnetVersion}; TorchSharp {env.TorchSharpVersion} | `{env.CommandLine}` |\n"
    let rows =
        p.Claims
        |> Array.map (fun c ->
            let control, controlValues =
                match c.Control with
                | NoControlRecorded why -> $"none: {cell why}", [||]
                | ControlRecorded (description, Some m) -> $"{cell description}: {measured m}", m.PerSeed
                | ControlRecorded (description, None) -> $"{cell description}: not measured", [||]
            { Experiment = r.ExperimentId
              Claim = c.Id
              Folder = folder
              Text =
                $"| {link} | {r.Scale} | `{c.Id}`: {cell c.Statement} ({cell c.Source}) | `{c.Metric}` {c.Expected} | "
                + $"{measured c.Measured} | {control} | "
              Verdict = c.Verdict
              P = c.ClaimPValue
              Exploratory = exploratory
              // The same claim, definition and scale published in two folders: exact copies, or a run with more
              // seeds that begins with the other's seeds (a sequential run), are one claim (see representative).
              SameClaim = String.Join("\u0000", r.ExperimentId, c.Id, r.Scale, c.DefinitionSha256)
              Values = c.Measured.PerSeed
              ControlValues = controlValues })
    let byVerdict =
        rows
        |> List.ofArray
        |> List.groupBy (fun c -> c.Verdict)
        |> List.sortBy (fun (v, _) -> List.tryFindIndex ((=) v) verdictOrder |> Option.defaultValue -1)
        |> List.map (fun (v, cs) -> $"""{v} {cs |> List.map (fun c -> $"`{c.Claim}`") |> String.concat ", "}""")
    let kind = if folder.Split('/') |> Array.exists isExploratory then ", exploratory" else ""
    let summary =
        $"({cell r.Source}; {r.Scale} scale, {seeds} seeds{kind}): "
        + (if rows.Length > 0 then String.Join("; ", byVerdict) else "no claims (a comparison)")
        + "."
    rows, run, summary

/// An index rendered: its text, the number of results it lists, and the README summary's totals and lines.
[<Sealed>]
type ResultsIndex private (text: string, count: int, totals: string, summaries: (string * string) list) =
    /// The index's text (README.md of the results folder).
    member _.Text = text
    /// The number of results listed (unreadable ones included).
    member _.Count = count

    /// The README's results summary block (from `SummaryBegin` to `SummaryEnd`): the confirmatory totals and one
    /// line per result folder naming each claim with its verdict, the confirmatory results first; links are prefixed
    /// with `linkPrefix` (the results folder as seen from the README).
    member _.Summary(linkPrefix: string) : string =
        let lines =
            summaries
            |> List.sortBy (fun (folder, _) -> folder.Split('/') |> Array.exists isExploratory, folder)
            |> List.map (fun (folder, verdicts) -> $"- [`{folder}`]({linkPrefix}{folder}/report.md) {verdicts}\n")
        SummaryBegin + "\n\n" + totals + "\n\n" + String.concat "" lines + "\n" + SummaryEnd

    /// `readme` with its results summary block replaced by `Summary(linkPrefix)`; null when it holds no such block.
    member this.WithSummary(readme: string, linkPrefix: string) : string =
        let start = readme.IndexOf(SummaryBegin, StringComparison.Ordinal)
        let stop = readme.IndexOf(SummaryEnd, StringComparison.Ordinal)
        if start < 0 || stop < start then null
        else readme.Substring(0, start) + this.Summary linkPrefix + readme.Substring(stop + SummaryEnd.Length)

    /// The index of `entries` (in any order; listed by folder).
    static member Of(entries: IReadOnlyList<IndexEntry>) : ResultsIndex =
        let entries = entries |> List.ofSeq |> List.sortBy (fun e -> e.Folder)
        let read =
            entries |> List.choose (fun e -> e.Published |> Option.map (listed e.Folder e.Exploratory))
        let unreadable =
            entries
            |> List.filter (fun e -> e.Published.IsNone)
            |> List.map (fun e -> $"`{e.Folder}`: result.json cannot be read ({e.Problem})")
        // Each distinct claim counts once (see representative).
        let ordered =
            read |> List.collect (fun (rows, _, _) -> List.ofArray rows)
            |> List.sortBy (fun r -> r.Experiment, r.Claim, r.Folder) |> Array.ofList
        let counted = ordered |> Array.map (representative ordered)
        let isCounted i = obj.ReferenceEquals(counted[i], ordered[i])
        let confirmatory = [| for i in 0 .. ordered.Length - 1 do if not ordered[i].Exploratory && isCounted i then i |]
        let exploratory = [| for i in 0 .. ordered.Length - 1 do if ordered[i].Exploratory && isCounted i then i |]
        let adjusted = Statistics.benjaminiHochberg (confirmatory |> Array.map (fun i -> ordered[i].P))
        let adjustedOf = Seq.zip confirmatory adjusted |> dict
        let countsOf (rows: int[]) =
            rows |> List.ofArray |> List.countBy (fun i -> ordered[i].Verdict) |> List.sortBy fst
            |> List.map (fun (verdict, n) -> $"{n} {verdict}")
        let counts = countsOf confirmatory
        let discoveries = adjusted |> Array.filter (fun q -> q <= falseDiscoveryRate) |> Array.length
        let rate = falseDiscoveryRate.ToString("0.00", Globalization.CultureInfo.InvariantCulture)
        let nConfirmatory = confirmatory.Length
        let totals =
            $"**Confirmatory claims** (every folder but the `{ExploratoryPrefix}*` ablations; a claim published in "
            + "several folders with the same definition and scale counts once, as the run with the most seeds when one "
            + "run's per-seed values continue another's, e.g. a sequential run, or once for exact copies): "
            + $"{nConfirmatory}: " + String.Join(", ", counts) + ". "
            + $"**Exploratory claims** (`{ExploratoryPrefix}*` folders: variations of the authors' setup, not counted "
            + $"in the totals): {exploratory.Length}"
            + (if exploratory.Length > 0 then ": " + String.Join(", ", countsOf exploratory) else "") + ". "
            + $"{discoveries} of {nConfirmatory} confirmatory claims keep a Benjamini-Hochberg adjusted p <= {rate}."
        let text = StringBuilder()
        let add (s: string) = text.Append s |> ignore
        add Header
        add ", as each `result.json` records it, the rows of one claim side by side at every published scale. "
        add "Each claim is judged by its decision rule (in its report) on the per-seed values of its metric and, by "
        add "the same rule and threshold, on its *control*, a measurement in which the claimed effect must be absent. "
        add "*reproduced*: the treatment passes and the control clearly fails; *uninformative*: the control passes "
        add "too; *not-reproduced*: the rule decides against the treatment; *inconclusive*: otherwise. "
        if confirmatory |> Array.exists (fun i -> ordered[i].Verdict = "precondition-failed") then
            add "*precondition-failed*: a precondition the claim declares fails on some seed, "
            add "so its comparison means nothing. "
        add ("\n\n" + totals + "\n\n")
        add "Multiplicity: *p* is the claim's intersection-union p-value, the largest of the tests its *reproduced* "
        add "verdict needs, each on the 5% scale of its rule (see docs/manifests.md); *BH* is its Benjamini-Hochberg "
        add "adjusted p-value across the confirmatory claims. "
        add $"{discoveries} of {nConfirmatory} confirmatory claims have BH <= {rate} "
        add "(a false-discovery rate of 5% among them). The verdicts are each claim's own; BH says which of them "
        add "survive the number of claims tested.\n\n"
        add "| Result | Scale | Claim (paper, figure) | Metric, expected | Measured | Control: measured | p (BH) "
        add "| Verdict |\n|---|---|---|---|---|---|---|---|\n"
        ordered
        |> Array.iteri (fun i row ->
            let first = counted[i]
            let multiplicity =
                if not (isCounted i) then
                    if first.Values.Length = row.Values.Length then $"copy of `{first.Folder}`"
                    else $"its seeds continued in `{first.Folder}` ({first.Values.Length} seeds)"
                elif row.Exploratory then $"{pValue row.P}, exploratory"
                else $"{pValue row.P} ({pValue adjustedOf[i]})"
            add $"{row.Text}{multiplicity} | **{row.Verdict}** |\n")
        add "\n## Runs\n\n| Result | Scale | Seeds | Device | Machine and versions | Command |\n"
        add "|---|---|---|---|---|---|\n"
        for _, run, _ in read do add run
        if not unreadable.IsEmpty then
            add "\n## Not listed\n\n"
            for u in unreadable do add $"- {cell u}\n"
        let summaries = List.zip (entries |> List.filter (fun e -> e.Published.IsSome) |> List.map (fun e -> e.Folder))
                                 (read |> List.map (fun (_, _, summary) -> summary))
        ResultsIndex(text.ToString(), entries.Length, totals, summaries)
