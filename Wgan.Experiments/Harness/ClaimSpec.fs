/// A paper claim as a manifest states it: how its measurement is compared with a threshold, the decision rule,
/// the control and its design, the preconditions, the dated changes of its definition; and the verdicts a claim
/// can get.
namespace Wgan.Experiments

/// How a claim's measurement is compared with its threshold.
type Comparison =
    | AtLeast
    | AtMost

    member this.Symbol =
        match this with
        | AtLeast -> ">="
        | AtMost -> "<="

    member this.Holds(value: float, threshold: float) =
        match this with
        | AtLeast -> value >= threshold
        | AtMost -> value <= threshold

/// A claim's verdict. The decision rule (`DecisionRule`) gives `reproduced`, `not-reproduced` or
/// `inconclusive` for the treatment's per-seed values and, with the same rule and threshold, for the
/// control's. The claim is `reproduced` only when the treatment passes and the control clearly fails;
/// `uninformative` when the control passes the same test (the test cannot tell the claimed effect from its
/// absence); `inconclusive` when the treatment passes but the control neither passes nor clearly fails.
/// `precondition-failed` when a precondition the claim declares does not hold on every seed: the comparison
/// means nothing, whatever its numbers say.
type Verdict =
    | Reproduced
    | NotReproduced
    | Inconclusive
    | Uninformative
    | PreconditionFailed

    member this.Name =
        match this with
        | Reproduced -> "reproduced"
        | NotReproduced -> "not-reproduced"
        | Inconclusive -> "inconclusive"
        | Uninformative -> "uninformative"
        | PreconditionFailed -> "precondition-failed"

/// What an equivalence claim pairs per seed: the difference treatment - control, or log(treatment / control).
type EquivalenceScale =
    | DifferenceScale
    | LogRatioScale

    member this.Name =
        match this with
        | DifferenceScale -> "difference"
        | LogRatioScale -> "log-ratio"

/// How a claim's per-seed values become a verdict; named per claim in the manifest ("rule").
type DecisionRule =
    /// {"kind": "t-interval"}: the 95% Student-t interval of the mean lies entirely on one side of the
    /// threshold. For unbounded, roughly symmetric metrics.
    | StudentTInterval
    /// {"kind": "bootstrap", "lo": a, "hi": b}: the 95% percentile-bootstrap interval of the mean (10,000
    /// resamples from a fixed generator) lies entirely on one side. The interval stays inside the metric's
    /// range [a, b], which the values must respect. For bounded or skewed metrics.
    | BootstrapInterval of lo: float * hi: float
    /// {"kind": "sign-test", "alpha": a}: k of n seeds on the claimed side; reproduced when a one-sided
    /// binomial test against "half the seeds" rejects at level a (P(X >= k) <= a for X ~ Bin(n, 1/2)),
    /// not reproduced when the seeds on the other side reject it likewise. A seed with no value counts
    /// against the claim. For failure-prone metrics: one failed seed cannot drag a mean.
    | SignTest of alpha: float
    /// {"kind": "equivalence", "margin": m, "scale": "difference" | "log-ratio"}: the treatment and its control
    /// (the other arm) are about the same. Two one-sided t tests at 5% on the per-seed paired quantity: decided
    /// for the claim when the 90% t interval of its mean lies inside [-m, m], against it when the interval lies
    /// entirely outside.
    | Equivalence of margin: float * scale: EquivalenceScale

    member this.Name =
        match this with
        | StudentTInterval -> "t-interval"
        | BootstrapInterval _ -> "bootstrap"
        | SignTest _ -> "sign-test"
        | Equivalence _ -> "equivalence"

/// What the claim's metric is measured on when the claimed effect must be absent.
type ControlSpec =
    /// Another metric of the same run and seeds (e.g. the network after one iteration, the iteration
    /// counter, the unclipped network), tested with the claim's own rule, comparison and threshold.
    | ControlMetric of metric: string * description: string
    /// No meaningful control (e.g. a closed-form check), and why.
    | NoControl of why: string

/// How the control's seeds relate to the treatment's.
type ControlDesign =
    /// Each arm judged alone by the claim's rule (the default).
    | Independent
    /// The same seeds measure both arms: the claim is also decided on the per-seed paired difference.
    | Paired
    /// The control is the level the claim is relative to, not an arm in which the effect is absent (e.g. a radial
    /// critic that any critic of the data must beat): decided as `Paired`, but the control passing the claim's own
    /// test does not make the claim uninformative; the treatment must beat it seed by seed.
    | Relative

    member this.Name =
        match this with
        | Independent -> "independent"
        | Paired -> "paired"
        | Relative -> "relative"

    /// Whether the claim is also decided on the per-seed paired difference.
    member this.UsesPairs = this <> Independent

/// What must hold, on every seed, for a claim's comparison to mean anything (e.g. the reference arm trained).
type Precondition = { Metric: string; Comparison: Comparison; Threshold: float; Why: string }

/// A dated change of a claim's definition after a publication: what changed and why, and the definition it
/// replaced (the first hexadecimal digits of that definition's SHA-256, as result.json records it), so that a
/// re-judged result names the change that moved its verdict.
type ClaimChange = { Date: string; Previous: string; What: string; Why: string }

/// A paper claim as the manifest states it.
type ClaimSpec =
    { Id: string
      Source: string
      Statement: string
      Metric: string
      Comparison: Comparison
      Threshold: float
      /// Where the threshold comes from (a paper figure, a closed form, a control, a stated principle).
      ThresholdSource: string
      Rule: DecisionRule
      /// Seeds whose value lies outside the Tukey fences [Q1 - k IQR, Q3 + k IQR] of the per-seed values are
      /// named in the report as failed units (their values still count, by the rule); 0 turns this off.
      OutlierFence: float
      Control: ControlSpec
      /// How the control pairs with the treatment; always `Paired` under an equivalence rule.
      Design: ControlDesign
      Preconditions: Precondition list
      /// What a unit that trained as intended satisfies (e.g. a positive dual estimate): a seed that fails one is named
      /// in the report as a failed unit, by this declared criterion; its values still count by the rule.
      UnitCriteria: Precondition list
      /// The dated changes of the definition since it was first published, oldest first.
      Changes: ClaimChange list }

    member this.Expected =
        match this.Rule with
        | Equivalence (margin, scale) -> $"within +-{margin} of the control ({scale.Name})"
        | _ -> $"{this.Comparison.Symbol} {this.Threshold}"
