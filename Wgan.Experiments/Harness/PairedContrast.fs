/// Claims decided on per-seed pairs of treatment and control values: the paired design (is the treatment on the
/// claimed side of its control?) and equivalence (are the two arms about the same, within a stated margin?).
module Wgan.Experiments.PairedContrast

open System

/// The confidence of the paired interval: each end of a 90% two-sided interval is a one-sided 95% bound, so
/// "lower end above 0" is the one-sided test at 5%, and "inside [-m, m]" is two one-sided tests at 5% (TOST).
let confidence = 0.90

/// Pairs the seeds whose quantity `f treatment control` is finite; the others are dropped.
let private pair (f: float -> float -> float) (seeds: int64[]) (treatment: float[]) (control: float[]) =
    let all = Array.init seeds.Length (fun i -> seeds[i], f treatment[i] control[i])
    let kept = all |> Array.filter (fun (_, v) -> Double.IsFinite v)
    let dropped = all |> Array.filter (fun (_, v) -> not (Double.IsFinite v)) |> Array.map fst
    Array.map fst kept, Array.map snd kept, dropped

/// The paired values of `f treatment control`, their mean and t interval at `level` (90% for a run judged once),
/// and the verdict `decide` gives the interval; the tests' p-values, the margin and the agreeing seeds are left for
/// the design to fill in.
let private measure level quantity f seeds treatment control decide : PairedMeasurement =
    let kept, values, dropped = pair f seeds treatment control
    let interval = Statistics.confidenceInterval level values
    { Quantity = quantity
      Seeds = kept
      Values = values
      Dropped = dropped
      Mean = Statistics.mean values
      Interval = interval
      PValue = nan
      SignedRankPValue = nan
      Margin = nan
      SeedsAgreeing = 0
      Verdict = decide interval }

/// The paired design: the per-seed difference oriented so that positive is the claimed side (treatment -
/// control for ">=", control - treatment for "<="). Reproduced when the 90% t interval's lower end is above 0
/// (one-sided t test at 5%), not-reproduced when its upper end is below 0, inconclusive otherwise (and below
/// two pairs). The exact one-sided Wilcoxon signed-rank p is reported beside it. `level`: the interval's
/// confidence (`confidence` for a run judged once; higher at a sequential run's look).
let differenceAt (level: float) (comparison: Comparison) (seeds: int64[]) (treatment: float[]) (control: float[]) =
    let quantity, f =
        match comparison with
        | AtLeast -> "treatment - control", (fun t c -> t - c)
        | AtMost -> "control - treatment", (fun t c -> c - t)
    let decide =
        function
        | Some (lo, _) when lo > 0.0 -> Reproduced
        | Some (_, hi) when hi < 0.0 -> NotReproduced
        | _ -> Inconclusive
    let m = measure level quantity f seeds treatment control decide
    { m with
        PValue = Statistics.tTestPValueAbove 0.0 m.Values
        SignedRankPValue = if m.Values.Length = 0 then nan else Statistics.signedRankPValueAbove 0.0 m.Values
        SeedsAgreeing = m.Values |> Array.filter (fun d -> d > 0.0) |> Array.length }

/// Equivalence within `margin` on the difference treatment - control or on log(treatment / control) (a log
/// ratio needs both values positive). Two one-sided t tests at 5%: reproduced when the 90% t interval of the
/// mean lies inside [-margin, margin], not-reproduced when it lies entirely outside, inconclusive otherwise.
/// The p-value is the larger of the two one-sided tests' (H0: mean <= -margin; H0: mean >= margin). `level`: the
/// interval's confidence (`confidence` for a run judged once; higher at a sequential run's look).
let equivalenceAt level (margin: float) (scale: EquivalenceScale) (seeds: int64[]) (treatment: float[]) control =
    let quantity, f =
        match scale with
        | DifferenceScale -> "treatment - control", (fun t c -> t - c)
        | LogRatioScale -> "log(treatment / control)", (fun t c -> if t > 0.0 && c > 0.0 then log (t / c) else nan)
    let decide =
        function
        | Some (lo, hi) when lo > -margin && hi < margin -> Reproduced
        | Some (lo, hi) when lo > margin || hi < -margin -> NotReproduced
        | _ -> Inconclusive
    let m = measure level quantity f seeds treatment control decide
    let pBelow = Statistics.tTestPValueAbove -margin m.Values
    // H0: mean >= margin, tested as "above" on the values reflected about the margin.
    let pAbove = Statistics.tTestPValueAbove margin (m.Values |> Array.map (fun v -> 2.0 * margin - v))
    { m with
        PValue = max pBelow pAbove
        Margin = margin
        SeedsAgreeing = m.Values |> Array.filter (fun v -> abs v <= margin) |> Array.length }

/// The paired design judged once (`differenceAt` at the 90% `confidence`).
let difference (comparison: Comparison) (seeds: int64[]) (treatment: float[]) (control: float[]) =
    differenceAt confidence comparison seeds treatment control

/// Equivalence judged once (`equivalenceAt` at the 90% `confidence`).
let equivalence (margin: float) (scale: EquivalenceScale) (seeds: int64[]) (treatment: float[]) (control: float[]) =
    equivalenceAt confidence margin scale seeds treatment control

/// A paired claim's verdict: not-reproduced when the treatment's own test decides against the claim or the
/// paired difference lies significantly on the other side; uninformative when the treatment and the control
/// both pass the claim's own test; reproduced when the treatment passes and the paired difference is
/// significantly on the claimed side; inconclusive otherwise.
let combine (treatment: Verdict) (paired: Verdict) (control: Verdict option) : Verdict =
    match treatment, paired, control with
    | NotReproduced, _, _
    | _, NotReproduced, _ -> NotReproduced
    | Reproduced, _, Some Reproduced -> Uninformative
    | Reproduced, Reproduced, _ -> Reproduced
    | _ -> Inconclusive
