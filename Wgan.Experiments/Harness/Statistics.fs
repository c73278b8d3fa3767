/// Summary statistics for per-seed measurements and for series.
module Wgan.Experiments.Statistics

open System
open MathNet.Numerics.Distributions

let mean (xs: float[]) = if xs.Length = 0 then nan else Array.average xs

/// The median (the mean of the middle two for an even count): the core's `Plateau.median`, with NaN for no values.
let median (xs: float[]) = if xs.Length = 0 then nan else Wgan.Core.Plateau.median xs

/// The q-quantile of `xs` by linear interpolation between order statistics (q in [0, 1]).
let quantile (q: float) (xs: float[]) =
    let sorted = Array.sort xs
    let h = q * float (sorted.Length - 1)
    let i = int (floor h)
    if i + 1 >= sorted.Length then
        sorted[sorted.Length - 1]
    else
        sorted[i] + (h - float i) * (sorted[i + 1] - sorted[i])

/// Sample standard deviation (n - 1 in the denominator); NaN for fewer than two values.
let standardDeviation (xs: float[]) =
    if xs.Length < 2 then nan
    else
        let m = mean xs
        sqrt ((xs |> Array.sumBy (fun x -> (x - m) ** 2.0)) / float (xs.Length - 1))

/// The two-sided Student-t confidence interval of the mean at `confidence` (e.g. 0.95); None for fewer than two
/// values or a non-finite one.
let confidenceInterval (confidence: float) (xs: float[]) : (float * float) option =
    if xs.Length < 2 || xs |> Array.exists (fun x -> not (Double.IsFinite x)) then None
    else
        let m = mean xs
        let q = StudentT.InvCDF(0.0, 1.0, float (xs.Length - 1), 1.0 - (1.0 - confidence) / 2.0)
        let half = q * standardDeviation xs / sqrt (float xs.Length)
        Some(m - half, m + half)

/// The 95% Student-t confidence interval of the mean; None for fewer than two values.
let confidenceInterval95 (xs: float[]) : (float * float) option = confidenceInterval 0.95 xs

/// The one-sided one-sample t test's p-value for "the mean exceeds `mu`": P(T >= (mean - mu) / se), T with
/// n - 1 degrees of freedom; NaN for fewer than two finite values. Without spread, 0 or 1 by the mean's side.
let tTestPValueAbove (mu: float) (xs: float[]) : float =
    if xs.Length < 2 || xs |> Array.exists (fun x -> not (Double.IsFinite x)) then nan
    else
        let se = standardDeviation xs / sqrt (float xs.Length)
        let gap = mean xs - mu
        if se = 0.0 then (if gap > 0.0 then 0.0 elif gap < 0.0 then 1.0 else 0.5)
        else 1.0 - StudentT.CDF(0.0, 1.0, float (xs.Length - 1), gap / se)

/// P(T > c) for T noncentral Student-t with `df` degrees of freedom and noncentrality `delta`. T is
/// (Z + delta) / U with U = sqrt(V / df), V chi-square with `df` degrees of freedom, so P(T > c) is the integral
/// over U of its density times P(Z > c U - delta); computed by double-exponential quadrature in U (whose density
/// stays finite at 0 for every df, unlike V's for df = 1).
let noncentralTUpperTail (df: float) (delta: float) (c: float) : float =
    let chi = ChiSquared(df)
    // U's density: 2 df u f_V(df u^2); at u = 0 it is 0 for df > 1 and 2 / sqrt(2 pi) for df = 1.
    let density (u: float) =
        if u <= 0.0 then (if df = 1.0 then 2.0 / sqrt (2.0 * Math.PI) else 0.0)
        else 2.0 * df * u * exp (chi.DensityLn(df * u * u))
    let integrand (u: float) = density u * Normal.CDF(0.0, 1.0, delta - c * u)
    // V / df has mean 1 and standard deviation sqrt (2 / df): beyond 40 of them (and 80 / df) nothing is left.
    let upper = sqrt (1.0 + 40.0 * sqrt (2.0 / df) + 80.0 / df)
    let p = MathNet.Numerics.Integrate.OnClosedInterval((fun u -> integrand u), 0.0, upper, 1e-12)
    min 1.0 (max 0.0 p)

/// The power of the one-sided one-sample t test at level `alpha` with `n` values when the true mean lies `effect`
/// standard deviations on the tested side of the null value: P(T > t_{1-alpha}(n - 1)) for T noncentral t with
/// n - 1 degrees of freedom and noncentrality sqrt n x effect (exact, not the normal approximation). NaN below
/// two values or for a non-finite effect.
let tTestPower (alpha: float) (n: int) (effect: float) : float =
    if n < 2 || not (Double.IsFinite effect) then nan
    else
        let df = float (n - 1)
        noncentralTUpperTail df (sqrt (float n) * effect) (StudentT.InvCDF(0.0, 1.0, df, 1.0 - alpha))

/// The fewest values (2 to `limit`) for which the one-sided t test at level `alpha` has at least `power` when the
/// true mean lies `effect` standard deviations on the tested side (the measured mean and spread taken as the truth);
/// None when even `limit` is not enough, or `effect` is not a positive number.
let valuesForPower (alpha: float) (power: float) (limit: int) (effect: float) : int option =
    if not (Double.IsFinite effect) || effect <= 0.0 || limit < 2 || tTestPower alpha limit effect < power then None
    else
        // Power grows with n: the first n reaching it, by bisection over [2, limit].
        let mutable lo, hi = 1, limit
        while hi - lo > 1 do
            let mid = (lo + hi) / 2
            if tTestPower alpha mid effect >= power then hi <- mid else lo <- mid
        Some hi

/// The seeds (at most `limit`) that give the one-sided t test at `alpha` 80% power for the gap between the mean of
/// the finite `xs` and `reference`, if their mean and standard deviation were the truth; None when `limit` is not
/// enough or `xs` has no spread estimate.
let valuesFor80PercentPower (alpha: float) (limit: int) (reference: float) (xs: float[]) : int option =
    let s = standardDeviation xs
    let gap = abs (mean xs - reference)
    if not (Double.IsFinite s) || s = 0.0 then None else valuesForPower alpha 0.8 limit (gap / s)

/// A lower bound on the power of two one-sided t tests at `alpha` (TOST) of "the mean lies inside [-margin,
/// margin]" with `n` values, mean `m` and standard deviation `s` taken as the truth: P(both reject) >=
/// P(lower rejects) + P(upper rejects) - 1 (Bonferroni's inequality); 0 when the bound is negative.
let equivalencePower (alpha: float) (margin: float) (n: int) (m: float) (s: float) : float =
    let lower = tTestPower alpha n ((m + margin) / s)
    let upper = tTestPower alpha n ((margin - m) / s)
    if Double.IsNaN lower || Double.IsNaN upper then nan else max 0.0 (lower + upper - 1.0)

/// The fewest values (2 to `limit`) for which `equivalencePower` at `alpha` reaches 80% with the mean and standard
/// deviation of `xs` taken as the truth; None when `limit` is not enough, the mean is not inside the margin or `xs`
/// has no spread estimate.
let valuesForEquivalencePower (alpha: float) (margin: float) (limit: int) (xs: float[]) : int option =
    let m, s = mean xs, standardDeviation xs
    if not (Double.IsFinite s) || s = 0.0 || not (abs m < margin) then None
    else seq { 2 .. limit } |> Seq.tryFind (fun n -> equivalencePower alpha margin n m s >= 0.8)

/// Ranks starting at 1, ties receiving the average of their ranks.
let ranks (xs: float[]) : float[] =
    let order = Array.init xs.Length id |> Array.sortBy (fun i -> xs[i])
    let result = Array.zeroCreate xs.Length
    let mutable start = 0
    while start < order.Length do
        let mutable stop = start
        while stop + 1 < order.Length && xs[order[stop + 1]] = xs[order[start]] do stop <- stop + 1
        let rank = float (start + stop) / 2.0 + 1.0
        for k in start .. stop do result[order[k]] <- rank
        start <- stop + 1
    result

/// Pearson correlation; NaN when either series is constant.
let pearson (xs: float[]) (ys: float[]) =
    let mx, my = mean xs, mean ys
    let sxy = Array.fold2 (fun acc x y -> acc + (x - mx) * (y - my)) 0.0 xs ys
    let sxx = xs |> Array.sumBy (fun x -> (x - mx) ** 2.0)
    let syy = ys |> Array.sumBy (fun y -> (y - my) ** 2.0)
    if sxx = 0.0 || syy = 0.0 then nan else sxy / sqrt (sxx * syy)

/// Spearman rank correlation (Pearson on average ranks).
let spearman (xs: float[]) (ys: float[]) = pearson (ranks xs) (ranks ys)

/// Least-squares slope of ys against xs.
let slope (xs: float[]) (ys: float[]) =
    let mx, my = mean xs, mean ys
    let sxx = xs |> Array.sumBy (fun x -> (x - mx) ** 2.0)
    Array.fold2 (fun acc x y -> acc + (x - mx) * (y - my)) 0.0 xs ys / sxx

/// Running median over a centred window of odd length (shrunk at the ends), as the WGAN code plots it.
let medianFilter (window: int) (xs: float[]) =
    let half = window / 2
    xs |> Array.mapi (fun i _ ->
        let lo, hi = max 0 (i - half), min (xs.Length - 1) (i + half)
        median xs[lo..hi])

/// The exact null distribution of Wilcoxon's positive rank sum, in doubled ranks: differences within `zero` of 0
/// are dropped, tied magnitudes get their average rank (doubled, an integer). Returns the probability of each
/// doubled sum and the observed doubled sum; None when nothing is left.
let private signedRankDistribution (zero: float) (differences: float[]) : (float[] * int) option =
    let kept = differences |> Array.filter (fun d -> Double.IsFinite d && abs d > zero)
    if kept.Length = 0 then None
    else
        let doubled = ranks (kept |> Array.map abs) |> Array.map (fun r -> int (round (2.0 * r)))
        let total = Array.sum doubled
        // probability[s]: the chance that the positive ranks sum to s, one rank's sign (a fair coin) at a time.
        let probability = Array.zeroCreate<float> (total + 1)
        probability[0] <- 1.0
        for r in doubled do
            for s in total .. -1 .. 0 do
                probability[s] <- 0.5 * probability[s] + (if s >= r then 0.5 * probability[s - r] else 0.0)
        Some(probability, Array.fold2 (fun acc d r -> if d > 0.0 then acc + r else acc) 0 kept doubled)

/// Wilcoxon's signed-rank test of paired differences, two-sided and exact: differences within `zero` of 0 are
/// dropped (Wilcoxon's treatment of zeros), tied magnitudes get their average rank, and the p-value comes from
/// the exact permutation distribution of the positive rank sum given those ranks (every sign pattern equally
/// likely under the null hypothesis that each difference is symmetric about 0). 1 when nothing is left.
let signedRankPValue (zero: float) (differences: float[]) : float =
    match signedRankDistribution zero differences with
    | None -> 1.0
    | Some (probability, positive) ->
        let atMost = Array.sum probability[.. positive]
        let atLeast = Array.sum probability[positive ..]
        min 1.0 (2.0 * min atMost atLeast)

/// The one-sided exact signed-rank p-value for differences above 0: P(positive rank sum >= observed), as
/// `signedRankPValue` computes its distribution. 1 when nothing is left.
let signedRankPValueAbove (zero: float) (differences: float[]) : float =
    match signedRankDistribution zero differences with
    | None -> 1.0
    | Some (probability, positive) -> min 1.0 (Array.sum probability[positive ..])

/// Holm's step-down adjustment of p-values for multiple tests (each adjusted p-value compared with the family's
/// alpha controls the family-wise error rate); the result is in the order of `pValues`.
let holm (pValues: float[]) : float[] =
    let m = pValues.Length
    let order = Array.init m id |> Array.sortBy (fun i -> pValues[i])
    let adjusted = Array.zeroCreate m
    let mutable running = 0.0
    order |> Array.iteri (fun k i ->
        running <- max running (min 1.0 (float (m - k) * pValues[i]))
        adjusted[i] <- running)
    adjusted

/// Benjamini and Hochberg's step-up adjustment of p-values (an adjusted p-value at or below q keeps the expected
/// share of false discoveries among the rejections at most q, for independent or positively dependent tests); NaN
/// counts as 1. The result is in the order of `pValues`.
let benjaminiHochberg (pValues: float[]) : float[] =
    let m = pValues.Length
    let p i = if Double.IsNaN pValues[i] then 1.0 else pValues[i]
    let order = Array.init m id |> Array.sortByDescending p
    let adjusted = Array.zeroCreate m
    let mutable running = 1.0
    order |> Array.iteri (fun k i ->
        // k = 0 is the largest p-value, whose rank is m.
        running <- min running (float m / float (m - k) * p i)
        adjusted[i] <- min 1.0 running)
    adjusted
