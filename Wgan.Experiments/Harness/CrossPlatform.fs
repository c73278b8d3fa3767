/// What `verify` checks when a result is re-run on another platform, where the last bits of every number may
/// differ and training can amplify them: every claim must reach the published verdict, and no claim's per-seed
/// values may move systematically (Wilcoxon's exact signed-rank test of the per-seed differences, Holm-adjusted
/// over every claim and arm of the experiment, at alpha = 0.05).
namespace Wgan.Experiments

open System

/// A claim as result.json publishes it: its verdict and its per-seed values (NaN where a seed has none).
type PublishedClaim =
    { Id: string
      Verdict: string
      Measured: float[]
      /// Empty when the claim has no control measurement.
      Control: float[] }

/// One arm (the claim's measurement or its control) of one claim, published against re-run, seed by seed.
type ArmComparison =
    { /// measured or control.
      Arm: string
      Seeds: int
      /// Seeds whose values differ by more than the manifest's verify tolerance.
      Differing: int
      /// Seeds with a value on one side and none (NaN) on the other.
      OneSided: int
      MaxAbsoluteDifference: float
      /// The largest difference relative to the published values' spread (their standard deviation over seeds).
      MaxDifferenceInSpreads: float
      /// Two-sided exact signed-rank p-value of the re-run minus published differences (1 when none differ).
      PValue: float
      /// Holm-adjusted over every arm of every claim of the experiment.
      AdjustedPValue: float }

/// One claim, published against re-run.
type ClaimComparison =
    { Id: string
      PublishedVerdict: string
      RerunVerdict: string
      Arms: ArmComparison[] }

/// How far the metrics moved in all (not only the claims' values).
type MetricDrift =
    { Compared: int
      Identical: int
      WithinTolerance: int
      OneSided: int
      MaxAbsoluteDifference: float
      MaxRelativeDifference: float }

/// The outcome of a cross-platform comparison.
type CrossPlatformReport =
    { Claims: ClaimComparison[]
      /// Claims published but not re-run, or re-run but not published.
      Unmatched: string[]
      Metrics: MetricDrift
      Alpha: float
      VerdictsAgree: bool
      NoSystematicShift: bool }
    member this.Agree = this.VerdictsAgree && this.NoSystematicShift

/// Building and rendering the comparison.
[<AbstractClass; Sealed>]
type CrossPlatform =
    /// The family-wise error rate of the shift tests.
    static member Alpha = 0.05

    /// Published against re-run values of all metrics (pairs in any order).
    static member MetricDrift(published: float[], rerun: float[], tolerance: float) : MetricDrift =
        let pairs = Array.zip published rerun
        let finite = pairs |> Array.filter (fun (a, b) -> Double.IsFinite a && Double.IsFinite b)
        let differences = finite |> Array.map (fun (a, b) -> abs (a - b))
        let relative = finite |> Array.map (fun (a, b) -> if a = b then 0.0 else abs (a - b) / max (abs a) (abs b))
        { Compared = pairs.Length
          Identical = pairs |> Array.filter (fun (a, b) -> a = b || (Double.IsNaN a && Double.IsNaN b)) |> Array.length
          WithinTolerance = differences |> Array.filter (fun d -> d <= tolerance) |> Array.length
          OneSided = pairs |> Array.filter (fun (a, b) -> Double.IsFinite a <> Double.IsFinite b) |> Array.length
          MaxAbsoluteDifference = (if differences.Length = 0 then 0.0 else Array.max differences)
          MaxRelativeDifference = (if relative.Length = 0 then 0.0 else Array.max relative) }

    /// Compares the published claims with the re-run's; `tolerance` is the manifest's verify tolerance.
    static member Compare(published: PublishedClaim[], rerun: ExperimentResult, drift: MetricDrift, tolerance: float) =
        let rerunById = rerun.Claims |> List.map (fun c -> c.Spec.Id, c) |> Map.ofList
        let arm name (before: float[]) (after: float[]) =
            let n = min before.Length after.Length
            let pairs = Array.init n (fun i -> before[i], after[i])
            let both = pairs |> Array.filter (fun (a, b) -> Double.IsFinite a && Double.IsFinite b)
            let differences = both |> Array.map (fun (a, b) -> b - a)
            let largest = if differences.Length = 0 then 0.0 else differences |> Array.map abs |> Array.max
            let spread = Statistics.standardDeviation (before |> Array.filter Double.IsFinite)
            { Arm = name
              Seeds = n
              Differing = differences |> Array.filter (fun d -> abs d > tolerance) |> Array.length
              OneSided = pairs |> Array.filter (fun (a, b) -> Double.IsFinite a <> Double.IsFinite b) |> Array.length
              MaxAbsoluteDifference = largest
              MaxDifferenceInSpreads = (if largest = 0.0 then 0.0 elif spread > 0.0 then largest / spread else infinity)
              PValue = Statistics.signedRankPValue tolerance differences
              AdjustedPValue = nan }
        let matched =
            published
            |> Array.choose (fun p ->
                rerunById.TryFind p.Id
                |> Option.map (fun c ->
                    let arms =
                        [| yield arm "measured" p.Measured c.Measured.PerSeed
                           match c.Control with
                           | Some control when p.Control.Length > 0 -> yield arm "control" p.Control control.PerSeed
                           | _ -> () |]
                    { Id = p.Id; PublishedVerdict = p.Verdict; RerunVerdict = c.Verdict.Name; Arms = arms }))
        let adjusted = matched |> Array.collect (fun c -> c.Arms |> Array.map (fun a -> a.PValue)) |> Statistics.holm
        let mutable k = -1
        let claims =
            matched
            |> Array.map (fun c ->
                { c with Arms = c.Arms |> Array.map (fun a -> k <- k + 1; { a with AdjustedPValue = adjusted[k] }) })
        let publishedIds = published |> Array.map (fun p -> p.Id) |> Set.ofArray
        let unmatched =
            [| for p in published do if not (rerunById.ContainsKey p.Id) then yield $"{p.Id} (published, not re-run)"
               for c in rerun.Claims do
                   if not (publishedIds.Contains c.Spec.Id) then yield $"{c.Spec.Id} (re-run, not published)" |]
        { Claims = claims
          Unmatched = unmatched
          Metrics = drift
          Alpha = CrossPlatform.Alpha
          VerdictsAgree = unmatched.Length = 0 && claims |> Array.forall (fun c -> c.PublishedVerdict = c.RerunVerdict)
          NoSystematicShift =
            claims
            |> Array.forall (fun c -> c.Arms |> Array.forall (fun a -> a.AdjustedPValue >= CrossPlatform.Alpha)) }

    /// The report's lines, as `verify` prints them.
    static member Render(report: CrossPlatformReport) : string[] =
        let r = Render.rounded
        let m = report.Metrics
        [| yield $"metrics: {m.Compared} compared, {m.Identical} identical, "
                 + $"{m.WithinTolerance} within the verify tolerance, "
                 + $"{m.OneSided} NaN on one side only; largest difference {r 6 m.MaxAbsoluteDifference} absolute, "
                 + $"{r 4 (100.0 * m.MaxRelativeDifference)} percent relative"
           yield "claims (verdict published -> re-run; per arm: seeds differing, largest difference in units of the "
                 + "published values' standard deviation, Holm-adjusted signed-rank p):"
           for c in report.Claims do
               let mark = if c.PublishedVerdict = c.RerunVerdict then "same" else "CHANGED"
               let arms =
                   c.Arms
                   |> Array.map (fun a ->
                       let oneSided = if a.OneSided > 0 then $", {a.OneSided} NaN on one side" else ""
                       $"{a.Arm} {a.Differing}/{a.Seeds} differ, {r 3 a.MaxDifferenceInSpreads} sd, "
                       + $"p = {r 4 a.AdjustedPValue}{oneSided}")
                   |> String.concat "; "
               yield $"  {mark,-7} {c.Id}: {c.PublishedVerdict} -> {c.RerunVerdict}; {arms}"
           for u in report.Unmatched do yield $"  CHANGED {u}"
           let verdicts =
               if report.VerdictsAgree then "every verdict holds"
               else "verdicts differ"
           let shift =
               if report.NoSystematicShift then
                   $"no claim's per-seed values moved systematically (every adjusted p >= {report.Alpha})"
               else $"some claim's per-seed values moved systematically (an adjusted p < {report.Alpha})"
           yield $"{verdicts}; {shift}" |]
