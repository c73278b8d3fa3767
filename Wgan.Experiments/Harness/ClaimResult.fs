/// A claim judged over the seeds: what its decision rule makes of the per-seed values of the treatment and of the
/// control, the paired measurement, the preconditions judged, the outlying seeds and the verdict.
namespace Wgan.Experiments

/// The per-seed values of one metric and what the decision rule makes of them.
type Measurement =
    { Metric: string
      PerSeed: float[]
      Mean: float
      /// The rule's 95% interval of the mean (t or bootstrap); None for the sign test or too few values.
      Interval: (float * float) option
      SeedsAgreeing: int
      /// The sign test's one-sided p-value for the claimed side; NaN for the interval rules.
      PValue: float
      /// The rule's verdict on these values alone (reproduced, not-reproduced or inconclusive).
      Verdict: Verdict
      /// The bootstrap rule with fewer than `DecisionRules.bootstrapMinimumSeeds` finite values: the interval is the
      /// Student-t interval clamped to the metric's range instead.
      BootstrapFallback: bool }

/// A claim decided on per-seed pairs of treatment and control (a paired design or an equivalence rule).
type PairedMeasurement =
    { /// The paired quantity in words: "treatment - control", "control - treatment", "log(treatment / control)".
      Quantity: string
      /// The seeds paired, and their values of the quantity.
      Seeds: int64[]
      Values: float[]
      /// Seeds left out because either arm (or, for a log ratio, its quantity) was not a finite number.
      Dropped: int64[]
      Mean: float
      /// The 90% Student-t interval of the mean: each end is a one-sided 95% bound.
      Interval: (float * float) option
      /// Paired design: the one-sided t test's p for a mean above 0. Equivalence: the larger of the two
      /// one-sided p-values (TOST).
      PValue: float
      /// Paired design: the exact one-sided Wilcoxon signed-rank p for the claimed side (reported, not the rule).
      /// NaN for equivalence.
      SignedRankPValue: float
      /// The equivalence margin; NaN for a paired design.
      Margin: float
      /// Seeds above 0 (paired design) or inside [-margin, margin] (equivalence).
      SeedsAgreeing: int
      /// Reproduced: decided on the claimed side (or equivalent); not-reproduced: decided on the other side (or
      /// outside the margin); inconclusive otherwise.
      Verdict: Verdict }

/// A precondition judged on every seed.
type PreconditionResult =
    { Spec: Precondition
      PerSeed: float[]
      /// Seeds that fail it (no value, or on the wrong side), with their values.
      Failing: (int64 * float) list }

    member this.Holds = this.Failing.IsEmpty

/// A claim evaluated over seeds, with its control.
type ClaimResult =
    { Spec: ClaimSpec
      Measured: Measurement
      /// The control's measurement; None when the claim has no control.
      Control: Measurement option
      /// Seeds flagged as failed units by the outlier rule, with their values.
      Outliers: (int64 * float) list
      /// The paired measurement (paired design or equivalence rule); None otherwise.
      Paired: PairedMeasurement option
      Preconditions: PreconditionResult list
      /// The unit criteria judged on every seed (their failing seeds are the failed units).
      UnitCriteria: PreconditionResult list
      Verdict: Verdict }

    member this.PerSeed = this.Measured.PerSeed
    member this.Mean = this.Measured.Mean
    member this.Interval = this.Measured.Interval
    member this.SeedsAgreeing = this.Measured.SeedsAgreeing
