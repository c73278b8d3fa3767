/// Sequential seeds (`run --until-decided`): a run adds seeds in batches and judges its claims at each look, with
/// each look's tests at a share of their error rate so that the chance of a false `reproduced` over all the looks
/// stays at most what one look at the rule's own level allows; it stops when every claim is decided, when the
/// undecided ones cannot be decided by the largest seed count (futility), or at that count.
///
/// The design is group-sequential with Bonferroni alpha spending: looks at n0, 2 n0, ... seeds up to N (the last at
/// N), and look k spends the share (n_k - n_(k-1)) / N of every test's one-sided error rate (linear spending in the
/// seeds, Pocock-like: equal batches get equal shares). By the union bound the error rate of any decision over all
/// looks is at most the sum of the shares, 1, times the rule's own rate, whatever the correlation between looks;
/// with one look (N = n0) the rules are exactly those of a run judged once.
module Wgan.Experiments.Sequential

open System
open System.Text.Json

/// The seed counts of the looks: `first`, 2 `first`, ... while below `maximum`, then `maximum`.
let looks (first: int) (maximum: int) : int list =
    if first < 1 || maximum < first then
        invalidArg (nameof maximum) $"looks need 1 <= first ({first}) <= maximum ({maximum})"
    [ for k in 1 .. (maximum + first - 1) / first -> min maximum (k * first) ]

/// The share of every test's error rate spent at look `k` (0-based) of `looks`: the seeds it adds over the largest
/// count. The shares sum to 1.
let share (looks: int list) (k: int) : float =
    let previous = if k = 0 then 0 else looks[k - 1]
    float (looks[k] - previous) / float (List.last looks)

/// Below this predicted power at the largest seed count, an undecided claim is futile.
let futilityPower = 0.10

/// Verdicts that more seeds are not asked to change: the claim stops at its look.
let isDecided (verdict: Verdict) =
    match verdict with
    | Reproduced
    | NotReproduced
    | Uninformative
    | PreconditionFailed -> true
    | Inconclusive -> false

/// A claim judged again on its own per-seed values at `share` of its error rate (`Claims.evaluateAt`): the values
/// of its metric, its control's and its preconditions' are those the experiment assembled, seed by seed.
let rejudge (share: float) (seeds: int64 list) (c: ClaimResult) : ClaimResult =
    let columns =
        [ yield c.Spec.Metric, c.Measured.PerSeed
          match c.Spec.Control, c.Control with
          | ControlMetric (metric, _), Some m -> yield metric, m.PerSeed
          | _ -> ()
          for p in c.Preconditions do yield p.Spec.Metric, p.PerSeed
          for u in c.UnitCriteria do yield u.Spec.Metric, u.PerSeed ]
    let metrics =
        seeds
        |> List.mapi (fun i seed ->
            { Seed = seed
              Values =
                columns
                |> List.filter (fun (_, v) -> i < v.Length)
                |> List.map (fun (m, v) -> m, v[i])
                |> readOnlyDict })
    Claims.evaluateAt share metrics c.Spec

/// The power of the one-sided t test on the finite `values` at `alpha` with `n` values, the measured mean's gap to
/// `reference` (positive on the tested side: `sign` +1 for above, -1 for below) and spread taken as the truth; 0
/// when a value is not finite (the interval rules give no interval then) or there is no spread estimate.
let private tPower (alpha: float) (n: int) (sign: float) (reference: float) (values: float[]) =
    let s = Statistics.standardDeviation values
    if values |> Array.exists (fun v -> not (Double.IsFinite v)) || not (Double.IsFinite s) then 0.0
    elif s = 0.0 then (if sign * (Statistics.mean values - reference) > 0.0 then 1.0 else 0.0)
    else Statistics.tTestPower alpha n (sign * (Statistics.mean values - reference) / s)

/// The power, with `n` seeds at `share` of the error rate, of the claim's treatment passing its rule (`toward` true)
/// or failing it clearly (`toward` false; the control's needed outcome), the measured values taken as the truth.
let private armPower (spec: ClaimSpec) (share: float) (n: int) (toward: bool) (m: Measurement) =
    let alpha = ClaimReport.oneSidedLevel spec.Rule * share
    let claimed = match spec.Comparison with | AtLeast -> 1.0 | AtMost -> -1.0
    let sign = if toward then claimed else -claimed
    match spec.Rule with
    | SignTest _ ->
        // As the rule counts: a seed with no value is not on the claimed side, nor clearly on the other.
        let count = if toward then m.SeedsAgreeing else DecisionRules.seedsAgainst spec m.PerSeed
        ClaimReport.signTestPower alpha (float count / float (max 1 m.PerSeed.Length)) n
    | _ -> tPower alpha n sign spec.Threshold m.PerSeed

/// The predicted power of an undecided claim to be `reproduced` at `n` seeds with `share` of its error rate: the
/// measured means and spreads (or shares of seeds) taken as the truth, the product of the powers of what it needs
/// (the treatment passing; the control failing clearly under the independent design; the paired difference above 0,
/// or the equivalence test, on the pairs). A plug-in estimate for the futility rule, not a guarantee.
let powerToReproduce (share: float) (n: int) (c: ClaimResult) : float =
    let pairedAlpha = (1.0 - PairedContrast.confidence) / 2.0 * share
    match c.Spec.Rule, c.Paired with
    | Equivalence (margin, _), Some p ->
        let s = Statistics.standardDeviation p.Values
        if not (Double.IsFinite s) || s = 0.0 then (if abs p.Mean < margin then 1.0 else 0.0)
        else Statistics.equivalencePower pairedAlpha margin n p.Mean s
    | _ ->
        let treatment = armPower c.Spec share n true c.Measured
        let others =
            match c.Spec.Design, c.Paired, c.Control with
            | (Paired | Relative), Some p, _ -> tPower pairedAlpha n 1.0 0.0 p.Values
            | _, _, Some control -> armPower c.Spec share n false control
            | _ -> 1.0
        treatment * others

/// One claim at one look: its verdict at the look's share and, when undecided, its predicted power to be reproduced
/// at the largest seed count with the last look's share, and whether that makes it futile.
type ClaimLook = { Id: string; Verdict: Verdict; PowerAtMaximum: float; Futile: bool }

/// One look: how many seeds, the share of the error rate it spent, each claim's outcome.
type Look = { Seeds: int; Share: float; Claims: ClaimLook list }

/// Why a sequential run stopped.
type StopReason =
    /// Every claim decided at the last look.
    | AllDecided
    /// Every claim decided or futile, some futile.
    | Futility
    /// The largest seed count reached with a claim neither decided nor futile.
    | MaximumSeeds

    member this.Name =
        match this with
        | AllDecided -> "all-decided"
        | Futility -> "futility"
        | MaximumSeeds -> "maximum-seeds"

/// A sequential run's record: its design (first look, largest count, the planned looks), the looks taken and why
/// it stopped.
type SequentialRecord =
    { FirstLook: int
      MaximumSeeds: int
      PlannedLooks: int list
      Looks: Look list
      Stopped: StopReason }

/// The spending rule in words, for result.json and the report.
let spendingText =
    "Bonferroni alpha spending, linear in the seeds: look k spends (n_k - n_(k-1)) / N of every test's one-sided "
    + "error rate (intervals widened to match), so over all looks a false decision is at most as likely as at one "
    + "look at the rule's own level"

/// Judges look `k` (0-based) of `planned` on the claims as the experiment assembled them for its seeds: each claim
/// again at the look's share (`rejudge`), and its futility from the power at the largest count. Returns the claims
/// at the look's share and the look's record.
let judge (planned: int list) (k: int) (seeds: int64 list) (claims: ClaimResult list) : ClaimResult list * Look =
    let here = share planned k
    let last = share planned (planned.Length - 1)
    let maximum = List.last planned
    let judged = claims |> List.map (rejudge here seeds)
    let outcome (c: ClaimResult) =
        if isDecided c.Verdict then { Id = c.Spec.Id; Verdict = c.Verdict; PowerAtMaximum = nan; Futile = false }
        else
            let power = powerToReproduce last maximum c
            { Id = c.Spec.Id; Verdict = c.Verdict; PowerAtMaximum = power; Futile = power < futilityPower }
    judged, { Seeds = planned[k]; Share = here; Claims = judged |> List.map outcome }

/// Whether to stop after `look`, the last of the planned ones or not: when every claim is decided, when every
/// undecided claim is futile, or at the largest count.
let stopAfter (planned: int list) (look: Look) : StopReason option =
    if look.Claims |> List.forall (fun c -> isDecided c.Verdict) then Some AllDecided
    elif look.Seeds >= List.last planned then Some MaximumSeeds
    elif look.Claims |> List.forall (fun c -> isDecided c.Verdict || c.Futile) then Some Futility
    else None

/// A fraction as a percentage with at most two decimals (invariant culture).
let private percent (x: float) = (100.0 * x).ToString("0.##", Globalization.CultureInfo.InvariantCulture)

/// Why the run goes on after `look`, in words for the progress line: the claims still open with their power.
let continuing (look: Look) : string =
    look.Claims
    |> List.filter (fun c -> not (isDecided c.Verdict) && not c.Futile)
    |> List.map (fun c -> $"{c.Id} (power to reproduce at the largest count {percent c.PowerAtMaximum}%%)")
    |> String.concat ", "
    |> sprintf "undecided: %s"

/// A whole sequential procedure on a function that gives the claims as assembled at n seeds: the looks in turn until
/// `stopAfter` says stop. Returns the claims of the last look at its share and the record. The runner does the same
/// look by look with its work folder; this is the procedure the tests simulate.
let run (first: int) (maximum: int) (claimsAt: int -> int64 list * ClaimResult list) =
    let planned = looks first maximum
    let rec go k taken =
        let seeds, claims = claimsAt planned[k]
        let judged, look = judge planned k seeds claims
        let taken = taken @ [ look ]
        match stopAfter planned look with
        | Some reason ->
            judged,
            { FirstLook = first; MaximumSeeds = maximum; PlannedLooks = planned; Looks = taken; Stopped = reason }
        | None -> go (k + 1) taken
    go 0 []

/// The confidence of the rule's intervals at `share` of the error rate, in words ("99.17% intervals, 98.33% for
/// the paired"), or the sign test's alpha.
let private levelText (share: float) =
    $"{percent (DecisionRules.confidenceAt share 0.95)}%% intervals for the 95%% ones, "
    + $"{percent (DecisionRules.confidenceAt share PairedContrast.confidence)}%% for the paired and equivalence "
    + $"90%% ones, "
    + $"{percent share}%% of a sign test's alpha"

/// result.json's "sequential" block: the design, each look's seeds, share and claims, and why the run stopped.
let writeJson (w: Utf8JsonWriter) (r: SequentialRecord) =
    let writeNumber (name: string) (x: float) = if Double.IsFinite x then w.WriteNumber(name, x) else w.WriteNull(name)
    w.WriteStartObject("sequential")
    w.WriteString("spending", spendingText)
    w.WriteNumber("firstLook", r.FirstLook)
    w.WriteNumber("maximumSeeds", r.MaximumSeeds)
    w.WriteStartArray("plannedLooks")
    for n in r.PlannedLooks do w.WriteNumberValue n
    w.WriteEndArray()
    w.WriteNumber("futilityPower", futilityPower)
    w.WriteStartArray("looks")
    for look in r.Looks do
        w.WriteStartObject()
        w.WriteNumber("seeds", look.Seeds)
        w.WriteNumber("share", look.Share)
        w.WriteNumber("confidence95", DecisionRules.confidenceAt look.Share 0.95)
        w.WriteNumber("confidence90", DecisionRules.confidenceAt look.Share PairedContrast.confidence)
        w.WriteStartArray("claims")
        for c in look.Claims do
            w.WriteStartObject()
            w.WriteString("id", c.Id)
            w.WriteString("verdict", c.Verdict.Name)
            writeNumber "powerAtMaximum" c.PowerAtMaximum
            w.WriteBoolean("futile", c.Futile)
            w.WriteEndObject()
        w.WriteEndArray()
        w.WriteEndObject()
    w.WriteEndArray()
    w.WriteString("stopped", r.Stopped.Name)
    w.WriteNumber("seeds", (List.last r.Looks).Seeds)
    w.WriteEndObject()

/// The report's lines on the looks: the design, one line per look, why it stopped.
let reportLines (r: SequentialRecord) : string list =
    [ yield
          $"Seeds were added in looks of {r.FirstLook} up to {r.MaximumSeeds} (planned looks at "
          + (r.PlannedLooks |> List.map string |> String.concat ", ")
          + $" seeds); {spendingText}. A claim undecided at a look whose predicted power to reproduce at "
          + $"{r.MaximumSeeds} seeds is below {percent futilityPower}%% is futile."
      yield ""
      for i, look in List.indexed r.Looks do
          let claims =
              look.Claims
              |> List.map (fun c ->
                  let futile = if c.Futile then $", futile (power {percent c.PowerAtMaximum}%%)" else ""
                  $"`{c.Id}` {c.Verdict.Name}{futile}")
              |> String.concat "; "
          yield $"- Look {i + 1}, {look.Seeds} seeds, {percent look.Share}%% of the error rate: {claims}."
      yield ""
      let last = List.last r.Looks
      yield
          $"Stopped: {r.Stopped.Name} after {List.length r.Looks} look(s) at {last.Seeds} seeds. The claims above are "
          + $"judged at the last look's share ({levelText last.Share}), not at the levels their rules state." ]
