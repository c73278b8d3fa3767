/// Sequential seeds: the looks and their shares, each rule at a look's level, the power computations behind
/// "what would settle" and futility (against scipy), and the procedure's error rate and early stopping by simulation.
module Wgan.Tests.SequentialTests

open System
open Xunit
open MathNet.Numerics.Distributions
open Wgan.Experiments

let private spec rule design control =
    { Id = "c"; Source = "test"; Statement = "s"; Metric = "m"; Comparison = AtLeast; Threshold = 0.0
      ThresholdSource = "test"; Rule = rule; OutlierFence = 3.0; Control = control; Design = design
      Preconditions = []; UnitCriteria = []; Changes = [] }

let private controlled = ControlMetric("k", "the control")

let private metrics (treatment: float[]) (control: float[]) =
    List.init treatment.Length (fun i ->
        { Seed = int64 (i + 1); Values = readOnlyDict [ "m", treatment[i]; "k", control[i] ] })

[<Fact>]
let ``the looks add the first look's seeds up to the maximum and their shares sum to 1`` () =
    Assert.Equal<int list>([ 5; 10; 15; 20; 25; 30 ], Sequential.looks 5 30)
    Assert.Equal<int list>([ 5; 10; 12 ], Sequential.looks 5 12)
    Assert.Equal<int list>([ 5 ], Sequential.looks 5 5)
    let planned = Sequential.looks 5 12
    Assert.Equal<float list>([ 5.0 / 12.0; 5.0 / 12.0; 2.0 / 12.0 ], List.init 3 (Sequential.share planned))
    Assert.Equal(1.0, Sequential.share [ 5 ] 0)

[<Fact>]
let ``a single look judges every rule exactly as a run judged once`` () =
    let random = Random(7)
    for rule, design in
        [ StudentTInterval, Independent; BootstrapInterval(-10.0, 10.0), Independent; SignTest 0.05, Independent
          StudentTInterval, Paired; Equivalence(0.5, DifferenceScale), Paired ] do
        for n in [ 3; 12 ] do
            let t = Array.init n (fun _ -> 0.3 + random.NextDouble())
            let c = Array.init n (fun _ -> random.NextDouble() - 0.2)
            let once = Claims.evaluate (metrics t c) (spec rule design controlled)
            let atShare1 = Claims.evaluateAt 1.0 (metrics t c) (spec rule design controlled)
            let rejudged = Sequential.rejudge 1.0 [ for i in 1 .. n -> int64 i ] once
            // Records holding NaN (a p-value not computed) are never equal to themselves: compare their text.
            Assert.Equal(sprintf "%A" once, sprintf "%A" atShare1)
            Assert.Equal(sprintf "%A" once, sprintf "%A" rejudged)
            Assert.Equal(once.Interval, rejudged.Interval)
            let pairedInterval (c: ClaimResult) = c.Paired |> Option.map (fun p -> p.Interval)
            Assert.Equal(pairedInterval once, pairedInterval rejudged)

[<Fact>]
let ``a look's share widens the t interval to its one-sided tail times the share`` () =
    // 10 values, mean 1, sd 1; share 1/6 of the 95% interval's 2.5% tail: scipy 1.10,
    // stats.t.ppf(1 - 0.025 / 6, 9) = 3.3642034324399916, so [1 - 3.3642 / sqrt 10, 1 + 3.3642 / sqrt 10].
    let z = [| -1.5; -1.0; -0.5; 0.0; 0.0; 0.0; 0.0; 0.5; 1.0; 1.5 |]
    let sd = Statistics.standardDeviation z
    let xs = z |> Array.map (fun v -> 1.0 + v / sd)
    let r = Claims.evaluateAt (1.0 / 6.0) (metrics xs xs) (spec StudentTInterval Independent (NoControl "test"))
    let lo, hi = r.Interval.Value
    let half = 3.3642034324399916 / sqrt 10.0
    // MathNet's inverse t CDF is iterative: it agrees with scipy's to about 1e-9.
    Assert.Equal(1.0 - half, lo, 7)
    Assert.Equal(1.0 + half, hi, 7)
    // The paired interval's 5% tail likewise: stats.t.ppf(1 - 0.05 / 6, 9) = 2.9333240852817086.
    let p = (Claims.evaluateAt (1.0 / 6.0) (metrics xs (Array.zeroCreate 10)) (spec StudentTInterval Paired controlled))
    let plo, phi = p.Paired.Value.Interval.Value
    Assert.Equal(1.0 - 2.9333240852817086 / sqrt 10.0, plo, 7)
    Assert.Equal(1.0 + 2.9333240852817086 / sqrt 10.0, phi, 7)

[<Fact>]
let ``a look's share multiplies the sign test's alpha`` () =
    // 9 of 10 seeds: p = 11/1024 = 0.0107, below 0.05 but above 0.05 / 6 = 0.0083.
    let xs = [| 1.0; 1.0; 1.0; -1.0; 1.0; 1.0; 1.0; 1.0; 1.0; 1.0 |]
    let rule = spec (SignTest 0.05) Independent (NoControl "test")
    Assert.Equal(Reproduced, (Claims.evaluateAt 1.0 (metrics xs xs) rule).Verdict)
    Assert.Equal(Inconclusive, (Claims.evaluateAt (1.0 / 6.0) (metrics xs xs) rule).Verdict)

[<Fact>]
let ``the noncentral t power agrees with scipy`` () =
    // scipy 1.10: stats.nct.sf(stats.t.ppf(1 - a, n - 1), n - 1, sqrt(n) * d).
    for n, d, a, expected in
        [ 10, 1.0, 0.025, 0.8030962087052335
          5, 0.5, 0.05, 0.2389951719102699
          30, 0.3, 0.025 / 6.0, 0.1374450804849667
          2, 2.0, 0.05, 0.34193338832267284 ] do
        let power = Statistics.tTestPower a n d
        Assert.True(abs (power - expected) < 1e-6, $"n {n}, effect {d}, alpha {a}: {power} vs scipy {expected}")

[<Fact>]
let ``the seeds for 80% power agree with scipy`` () =
    // scipy 1.10: the first n with stats.nct.sf(stats.t.ppf(1 - a, n - 1), n - 1, sqrt(n) * d) >= 0.8.
    for a, d, expected in [ 0.025, 0.5, 34; 0.05, 0.5, 27; 0.025, 1.0, 10; 0.05, 0.25, 101 ] do
        Assert.Equal(Some expected, Statistics.valuesForPower a 0.8 200 d)
    Assert.Equal(None, Statistics.valuesForPower 0.05 0.8 100 0.25)
    Assert.Equal(None, Statistics.valuesForPower 0.05 0.8 100 -0.5)

[<Fact>]
let ``the sign test's power and seeds for 80% power agree with scipy`` () =
    // scipy 1.10: with 10 seeds the test at 5% needs 9 (P(X >= 9 | Bin(10, 1/2)) = 11/1024); its power at share 0.9
    // is stats.binom.sf(8, 10, 0.9) = 0.7360989291. The first n with power >= 0.8: 8 at 0.9, 18 at 0.8, 37 at 0.7.
    Assert.Equal(0.7360989291000001, ClaimReport.signTestPower 0.05 0.9 10, 10)
    for share, expected in [ 0.9, 8; 0.8, 18; 0.7, 37 ] do
        Assert.Equal(Some expected, ClaimReport.seedsForSignTest 200 0.05 share)

[<Fact>]
let ``the equivalence power bound agrees with scipy`` () =
    // Margin 0.2231, mean 0, sd 0.2, TOST at 5%: the bound P(lower) + P(upper) - 1 (scipy 1.10, as above) first
    // reaches 0.8 at n = 9 (0.83882).
    Assert.Equal(0.8388216611692882, Statistics.equivalencePower 0.05 0.2231 9 0.0 0.2, 6)
    let z = [| -1.0; 1.0; -1.0; 1.0; 0.0; 0.0 |]
    let sd = Statistics.standardDeviation z
    let xs = z |> Array.map (fun v -> 0.2 * v / sd)
    Assert.Equal(Some 9, Statistics.valuesForEquivalencePower 0.05 0.2231 200 xs)

/// Runs the sequential procedure (first look 5, at most 30 seeds) on `experiments` simulated experiments whose
/// treatment and control values per seed come from `draw`; returns the final verdicts and the seeds at the stop.
let private simulate (claim: ClaimSpec) (experiments: int) (draw: Random -> float * float) =
    let random = Random(20170126)
    [ for _ in 1 .. experiments do
          let values = Array.init 30 (fun _ -> draw random)
          let claimsAt n =
              let seeds = [ for i in 1 .. n -> int64 i ]
              let ms = metrics (values[.. n - 1] |> Array.map fst) (values[.. n - 1] |> Array.map snd)
              seeds, [ Claims.evaluate ms claim ]
          let claims, record = Sequential.run 5 30 claimsAt
          yield (List.head claims).Verdict, (List.last record.Looks).Seeds, record.Stopped ]

let private normal (random: Random) = Normal.Sample(random, 0.0, 1.0)

[<Fact>]
let ``under the null the sequential rule keeps a false reproduced rate at most 5 percent`` () =
    // The treatment's mean exactly at the threshold, a control that clearly fails: 2,000 experiments.
    let independent = spec StudentTInterval Independent controlled
    let outcomes = simulate independent 2000 (fun r -> normal r, normal r - 10.0)
    let rate = float (outcomes |> List.filter (fun (v, _, _) -> v = Reproduced) |> List.length) / 2000.0
    Assert.True(rate <= 0.05, $"false reproduced rate {rate} (t interval, independent control)")
    // The paired design with no difference between the arms (a shared per-seed effect), both at the threshold.
    let paired = spec StudentTInterval Paired controlled
    let pairedOutcomes =
        simulate paired 2000 (fun r ->
            let shared = normal r
            shared + normal r, shared + normal r)
    let pairedRate = float (pairedOutcomes |> List.filter (fun (v, _, _) -> v = Reproduced) |> List.length) / 2000.0
    Assert.True(pairedRate <= 0.05, $"false reproduced rate {pairedRate} (paired design)")
    // Most null experiments stop before 30 seeds: their predicted power falls below 10% (futility).
    let futile = outcomes |> List.filter (fun (_, _, s) -> s = Sequential.Futility) |> List.length
    Assert.True(futile > 1000, $"{futile} of 2000 null experiments stopped for futility")

[<Fact>]
let ``under a real effect the sequential rule stops early`` () =
    // Treatment mean one standard deviation above the threshold, a control that clearly fails.
    let claim = spec StudentTInterval Independent controlled
    let outcomes = simulate claim 500 (fun r -> 1.0 + normal r, normal r - 10.0)
    let reproduced = outcomes |> List.filter (fun (v, _, _) -> v = Reproduced) |> List.length
    let meanSeeds = outcomes |> List.averageBy (fun (_, n, _) -> float n)
    Assert.True(reproduced >= 450, $"{reproduced} of 500 reproduced")
    Assert.True(meanSeeds < 20.0, $"mean seeds at the stop {meanSeeds}")
