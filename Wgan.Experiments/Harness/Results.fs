/// The typed results of an experiment: data first; files and reports are rendered from these.
namespace Wgan.Experiments

open System.Collections.Generic

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

/// One seed's scalar metrics, by name.
type SeedMetrics = { Seed: int64; Values: IReadOnlyDictionary<string, float> }

/// A table written as CSV: a name (the file stem), column names and rows of numbers.
type Series =
    { Name: string
      Columns: string list
      Rows: float[] list }

    // For the C# shell, which sees arrays, not F# lists: the fields above as arrays.
    member this.ColumnArray: string[] = Array.ofList this.Columns
    member this.RowArray: float[][] = Array.ofList this.Rows

/// One line of a figure. A line with an empty label is a companion of the labelled line before it (e.g. one
/// seed beside their mean): drawn thin and faint in the same colour, and left out of the legend.
type Line = { Label: string; X: float[]; Y: float[]; Markers: bool }

/// A function's values over a rectangle of the plane, drawn as a heat map with contour lines.
/// `Values[i, j]` is the value at the centre of cell (i, j): x = XMin + (j + 1/2) (XMax - XMin) / columns,
/// y = YMin + (i + 1/2) (YMax - YMin) / rows (row 0 at the bottom).
type Surface =
    { /// What the colours show (the colour bar's label).
      Label: string
      XMin: float
      XMax: float
      YMin: float
      YMax: float
      Values: float[,] }

/// Points drawn as markers on top of a figure (e.g. real and generated samples).
type PointSet = { Label: string; X: float[]; Y: float[] }

/// A histogram: `Counts[k]` in the k-th of `Counts.Length` equal bins over [Lo, Hi].
type Histogram = { Label: string; Lo: float; Hi: float; Counts: float[] }

/// A figure described as data; the runner draws it. Layers are drawn in this order: surfaces (at most
/// one, under everything), histograms, lines, points.
type Figure =
    { Name: string
      Title: string
      XLabel: string
      YLabel: string
      /// Lines and histograms on a log10 y axis (non-positive values are not drawn).
      LogY: bool
      Lines: Line list
      Surfaces: Surface list
      Points: PointSet list
      Histograms: Histogram list }

    // For the C# shell, which sees arrays, not F# lists: the layers as arrays.
    member this.LineArray: Line[] = Array.ofList this.Lines
    member this.SurfaceArray: Surface[] = Array.ofList this.Surfaces
    member this.PointArray: PointSet[] = Array.ofList this.Points
    member this.HistogramArray: Histogram[] = Array.ofList this.Histograms

module Figure =
    /// A figure of lines only.
    let ofLines name title xLabel yLabel logY (lines: Line list) : Figure =
        { Name = name
          Title = title
          XLabel = xLabel
          YLabel = yLabel
          LogY = logY
          Lines = lines
          Surfaces = []
          Points = []
          Histograms = [] }

/// A grid of grey-level images (e.g. generated digits at several points of training), drawn by the runner as
/// a PNG. Image (r, c) is row r, column c; its pixel (y, x) is
/// Pixels[((r * Columns + c) * Height + y) * Width + x], in [0, 1] (0 black, 1 white).
type ImageGrid =
    { Name: string
      /// Says what the rows and columns are (the report's caption).
      Title: string
      Rows: int
      Columns: int
      Height: int
      Width: int
      Pixels: float[] }

/// Everything one experiment produced.
type ExperimentResult =
    { ExperimentId: string
      Title: string
      Source: string
      Scale: string
      Seeds: int64 list
      Metrics: SeedMetrics list
      Claims: ClaimResult list
      Series: Series list
      Figures: Figure list
      /// Image grids, written as figures/<name>.png.
      ImageGrids: ImageGrid list
      /// Facts a reader of the report needs (choices made, caveats), in order.
      Notes: string list }

    // For the C# shell, which sees arrays, not F# lists: the fields above as arrays.
    member this.MetricArray: SeedMetrics[] = Array.ofList this.Metrics
    member this.ClaimArray: ClaimResult[] = Array.ofList this.Claims
    member this.SeriesArray: Series[] = Array.ofList this.Series
    member this.FigureArray: Figure[] = Array.ofList this.Figures
    member this.ImageGridArray: ImageGrid[] = Array.ofList this.ImageGrids

/// A progress report from a running experiment: `Done` of `Total` units finished.
type Progress = { Done: int; Total: int; Message: string }
