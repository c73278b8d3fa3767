module Wgan.Tests.ClaimsTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open Wgan.Experiments
open Wgan.Tests.Generators

let spec comparison threshold =
    { Id = "c"; Source = "test"; Statement = "s"; Metric = "m"; Comparison = comparison; Threshold = threshold
      ThresholdSource = "test"; Rule = StudentTInterval; OutlierFence = 3.0; Control = NoControl "test"
      Design = Independent; Preconditions = []; UnitCriteria = []; Changes = [] }

/// No compute time per seed: "what would settle" names seed counts without their cost.
let private noCost: float = nan

let private seeds (values: float list) =
    values |> List.mapi (fun i v -> { Seed = int64 i; Values = readOnlyDict [ "m", v ] })

[<Fact>]
let ``interval entirely above an at-least threshold is reproduced`` () =
    let r = Claims.evaluate (seeds [ 0.97; 0.98; 0.99 ]) (spec AtLeast 0.9)
    Assert.Equal(Reproduced, r.Verdict)
    Assert.Equal(3, r.SeedsAgreeing)

[<Fact>]
let ``interval entirely on the wrong side is not reproduced`` () =
    let r = Claims.evaluate (seeds [ 0.5; 0.52; 0.51 ]) (spec AtLeast 0.9)
    Assert.Equal(NotReproduced, r.Verdict)
    Assert.Equal(0, r.SeedsAgreeing)

[<Fact>]
let ``interval straddling the threshold is inconclusive even when the mean passes`` () =
    let r = Claims.evaluate (seeds [ 0.2; 1.5; 1.0 ]) (spec AtLeast 0.8)
    Assert.True(r.Mean >= 0.8)
    Assert.Equal(Inconclusive, r.Verdict)
    Assert.Equal(2, r.SeedsAgreeing)

[<Fact>]
let ``one seed is inconclusive and a missing metric is NaN`` () =
    Assert.Equal(Inconclusive, (Claims.evaluate (seeds [ 1.0 ]) (spec AtLeast 0.5)).Verdict)
    let missing = Claims.evaluate (seeds [ 1.0; 1.0 ]) { spec AtMost 0.5 with Metric = "absent" }
    Assert.Equal(Inconclusive, missing.Verdict)
    Assert.True(System.Double.IsNaN missing.Mean)

[<Fact>]
let ``at-most claims compare downwards`` () =
    Assert.Equal(Reproduced, (Claims.evaluate (seeds [ 0.01; 0.02; 0.015 ]) (spec AtMost 0.1)).Verdict)

[<Fact>]
let ``the seeds offered give the one-sided t test 80% power at the measured mean and spread`` () =
    // Mean 1, sample sd 1, threshold 0, one-sided 2.5% (the 95% interval's lower end): scipy 1.10,
    // stats.nct.sf(stats.t.ppf(0.975, n - 1), n - 1, sqrt(n) * 1) first reaches 0.8 at n = 10 (0.8031).
    let raw = [| 0.0; 1.0; 2.0; 0.0; 1.0; 2.0 |]
    let xs = raw |> Array.map (fun x -> x - Array.average raw + 1.0)
    let sd = Statistics.standardDeviation xs
    let scaled = xs |> Array.map (fun x -> 1.0 + (x - 1.0) / sd)
    Assert.Equal(Some 10, Statistics.valuesFor80PercentPower 0.025 200 0.0 scaled)
    Assert.Equal(None, Statistics.valuesFor80PercentPower 0.025 5 0.0 scaled)
    Assert.Equal(None, Statistics.valuesFor80PercentPower 0.025 200 0.0 [| 1.0 |])

[<Fact>]
let ``a report says what would settle each claim that did not reproduce`` () =
    let settle cost values threshold =
        ClaimReport.whatWouldSettle "quick" cost (Claims.evaluate (seeds values) (spec AtLeast threshold))
    Assert.Equal(None, settle noCost [ 0.97; 0.98; 0.99 ] 0.9)
    let notReproduced = settle noCost [ 0.5; 0.52; 0.51 ] 0.9
    Assert.Contains("more seeds will not change the verdict", notReproduced.Value)
    Assert.Contains("--scale paper", notReproduced.Value)
    // Mean on the claimed side, wide interval: more seeds would decide (mean 1.0333, sd 0.7234: 80% power for the
    // one-sided 2.5% test at effect 0.3226 needs 78 seeds; scipy 1.10, stats.nct as in the power tests).
    let wide = settle noCost [ 0.2; 1.5; 1.4 ] 0.8
    Assert.Contains("on the claimed side", wide.Value)
    Assert.Contains("`--seeds 78`", wide.Value)
    // With the run's compute per seed, the seeds come with their cost: 78 x 30 s = 39 CPU-minutes.
    let priced = settle 30.0 [ 0.2; 1.5; 1.4 ] 0.8
    Assert.Contains("`--seeds 78`, about 39 CPU-minutes at this run's 30 s of compute per seed", priced.Value)
    let diverged = settle noCost [ nan; 1.5; 1.0 ] 0.8
    Assert.Contains("1 of 3 seeds gave no value", diverged.Value)

// ---------------------------------------------------------------------------------------------------
// Decision rules and controls
// ---------------------------------------------------------------------------------------------------

let private withRule rule (s: ClaimSpec) = { s with Rule = rule }

/// Seeds' values of a treatment metric "m" and a control metric "c".
let private seedsWithControl (treatment: float list) (control: float list) =
    List.zip treatment control
    |> List.mapi (fun i (t, c) -> { Seed = int64 i; Values = readOnlyDict [ "m", t; "c", c ] })

let private controlled (s: ClaimSpec) : ClaimSpec = { s with Control = ControlMetric("c", "the control") }

[<Fact>]
let ``more seeds are not offered when the control leans to the claimed side too`` () =
    let settle treatment control =
        let r = Claims.evaluate (seedsWithControl treatment control) (controlled (spec AtLeast 0.8))
        Assert.Equal(Inconclusive, r.Verdict)
        (ClaimReport.whatWouldSettle "quick" noCost r).Value
    // The treatment's interval reaches past 0.8 while the control clearly passes: at best uninformative.
    let passing = settle [ 0.2; 1.5; 1.0 ] [ 0.95; 0.96; 0.97 ]
    Assert.Contains("control already passes", passing)
    Assert.Contains("mean 0.9600", passing)
    Assert.DoesNotContain("--seeds", passing)
    // The control is undecided but its mean is on the claimed side too.
    let leaning = settle [ 0.2; 1.5; 1.0 ] [ 0.3; 1.4; 1.0 ]
    Assert.Contains("most likely make the verdict *uninformative*", leaning)
    Assert.DoesNotContain("--seeds", leaning)
    // A control on the other side leaves the advice about seeds as it was.
    let separated = settle [ 0.2; 1.5; 1.4 ] [ 0.1; 0.2; 0.15 ]
    Assert.Contains("--seeds", separated)

[<Fact>]
let ``sign-test p-values are binomial tails`` () =
    // Closed forms: P(X >= 5 | Bin(5, 1/2)) = 1/32; P(X >= 9 | Bin(10, 1/2)) = (10 + 1) / 1024;
    // P(X >= 4 | Bin(5, 1/2)) = 6/32.
    Assert.Equal(1.0 / 32.0, DecisionRules.signTestPValue 5 5, 12)
    Assert.Equal(11.0 / 1024.0, DecisionRules.signTestPValue 9 10, 12)
    Assert.Equal(6.0 / 32.0, DecisionRules.signTestPValue 4 5, 12)
    Assert.Equal(1.0, DecisionRules.signTestPValue 0 5, 12)

[<Fact>]
let ``the sign test counts a failed seed against the claim and needs enough seeds`` () =
    let rule = withRule (SignTest 0.05) (spec AtLeast 0.9)
    Assert.Equal(Reproduced, (Claims.evaluate (seeds [ 1.0; 1.0; 1.0; 1.0; 1.0 ]) rule).Verdict)
    // One failed seed of five: 4/5 has p = 6/32, which decides nothing.
    Assert.Equal(Inconclusive, (Claims.evaluate (seeds [ 1.0; 1.0; nan; 1.0; 1.0 ]) rule).Verdict)
    // One failed seed of ten: 9/10 has p = 11/1024.
    let oneLow = seeds [ 1.0; 1.0; 1.0; 0.1; 1.0; 1.0; 1.0; 1.0; 1.0; 1.0 ]
    Assert.Equal(Reproduced, (Claims.evaluate oneLow rule).Verdict)
    Assert.Equal(NotReproduced, (Claims.evaluate (seeds [ 0.1; 0.2; 0.3; 0.1; 0.2 ]) rule).Verdict)

[<Fact>]
let ``a bootstrap interval stays inside the metric's range where the t interval does not`` () =
    // The published parallel-lines em-tracks-theta values: the t interval [0.93, 1.03] crosses the rank
    // correlation's bound 1.
    let xs = [| 1.0; 1.0; 1.0; 0.905; 0.996 |]
    let _, tHi = (Statistics.confidenceInterval95 xs).Value
    Assert.True(tHi > 1.0)
    let lo, hi = (DecisionRules.bootstrapInterval -1.0 1.0 xs).Value
    Assert.True(hi <= 1.0 && lo >= 0.905 && lo < hi, $"bootstrap interval [{lo}, {hi}]")

[<Property>]
let ``bootstrap intervals lie within the values' range and contain their mean`` (values: NormalFloat list) =
    let xs = values |> List.map (fun v -> tanh v.Get) |> Array.ofList
    xs.Length >= 2
    ==> lazy
        (let lo, hi = (DecisionRules.bootstrapInterval -1.0 1.0 xs).Value
         let m = Array.average xs
         (lo >= Array.min xs - 1e-12 && hi <= Array.max xs + 1e-12 && lo <= m + 1e-12 && m <= hi + 1e-12)
         |@ $"interval [{lo}, {hi}], mean {m}, values {xs}")

/// How often a rule says "reproduced" when the claim is false at the threshold: values drawn from N(0, 1)
/// around a threshold of 0, `n` seeds, 2000 trials from a fixed generator.
let private falsePositiveRate (rule: DecisionRule) (n: int) =
    let random = System.Random(7)
    let normal () = sqrt (-2.0 * log (1.0 - random.NextDouble())) * cos (2.0 * System.Math.PI * random.NextDouble())
    let claim = withRule rule (spec AtLeast 0.0)
    let trials = 2000
    let hits =
        Seq.init trials (fun _ -> Claims.evaluate (seeds [ for _ in 1 .. n -> normal () ]) claim)
        |> Seq.filter (fun r -> r.Verdict = Reproduced)
        |> Seq.length
    float hits / float trials

[<Fact>]
let ``each rule reproduces a claim that is false at its threshold no more often than its level allows`` () =
    // One-sided 2.5% for the 95% intervals, alpha for the sign test; 2000 trials give a standard error of
    // about 0.35 points, so 1 point of slack is over two standard errors.
    Assert.InRange(falsePositiveRate StudentTInterval 10, 0.0, 0.035)
    Assert.InRange(falsePositiveRate (SignTest 0.05) 10, 0.0, 0.06)
    // The percentile bootstrap is known to be liberal at small n: it must still stay within a few points.
    Assert.InRange(falsePositiveRate (BootstrapInterval(-10.0, 10.0)) 10, 0.0, 0.07)

[<Fact>]
let ``a claim whose control passes too is uninformative, and one whose control fails is reproduced`` () =
    let claim = controlled (spec AtLeast 0.5)
    let bothPass = Claims.evaluate (seedsWithControl [ 0.9; 0.95; 0.92 ] [ 0.88; 0.9; 0.89 ]) claim
    Assert.Equal(Reproduced, bothPass.Measured.Verdict)
    Assert.Equal(Uninformative, bothPass.Verdict)
    let controlFails = Claims.evaluate (seedsWithControl [ 0.9; 0.95; 0.92 ] [ 0.1; 0.05; 0.12 ]) claim
    Assert.Equal(Reproduced, controlFails.Verdict)
    Assert.Equal(NotReproduced, controlFails.Control.Value.Verdict)
    let controlUnclear = Claims.evaluate (seedsWithControl [ 0.9; 0.95; 0.92 ] [ 0.1; 0.9; 0.5 ]) claim
    Assert.Equal(Inconclusive, controlUnclear.Verdict)
    let treatmentFails = Claims.evaluate (seedsWithControl [ 0.1; 0.05; 0.12 ] [ 0.9; 0.95; 0.92 ]) claim
    Assert.Equal(NotReproduced, treatmentFails.Verdict)

[<Property>]
let ``a claim evaluated on its control's own values never comes out reproduced`` (values: NormalFloat list) =
    let xs = values |> List.map (fun v -> v.Get)
    let claim = controlled (spec AtLeast 0.0)
    (Claims.evaluate (seedsWithControl xs xs) claim).Verdict <> Reproduced |@ $"values {xs}"

[<Fact>]
let ``a failed unit is named by the outlier rule from ten finite seeds on`` () =
    // Sorted: 0.905, 0.97, 0.975, 0.98, 0.985, 0.99, 0.99, 0.996, 1, 1. Quartiles by linear interpolation:
    // Q1 = 0.975 + 0.25 * 0.005 = 0.97625, Q3 = 0.99 + 0.75 * 0.006 = 0.9945, IQR = 0.01825; fences with k = 3:
    // [0.92150, 1.04925], so only 0.905 (index 3) lies outside.
    let values = [ 0.99; 1.0; 0.98; 0.905; 0.996; 0.97; 1.0; 0.99; 0.985; 0.975 ]
    let r = Claims.evaluate (seeds values) (withRule (SignTest 0.05) (spec AtLeast 0.95))
    Assert.Equal<(int64 * float) list>([ 3L, 0.905 ], r.Outliers)
    Assert.Empty((Claims.evaluate (seeds values) { spec AtLeast 0.95 with OutlierFence = 0.0 }).Outliers)

[<Fact>]
let ``below ten finite seeds no value is named by the fences, but a seed with no value still is`` () =
    // The published parallel-lines em-tracks-theta values: fences on five values would name seed 4 (index 3).
    let r = Claims.evaluate (seeds [ 1.0; 1.0; 1.0; 0.905; 0.996 ]) (withRule (SignTest 0.05) (spec AtLeast 0.95))
    Assert.Empty(r.Outliers)
    let withNan = Claims.evaluate (seeds [ 1.0; nan; 1.0; 0.905; 0.996 ]) (spec AtLeast 0.95)
    Assert.Equal(1, withNan.Outliers.Length)
    Assert.Equal(1L, fst withNan.Outliers.Head)

// ---------------------------------------------------------------------------------------------------
// Paired design, equivalence, preconditions, small-n rules and the definition hash.
// Reference values by hand: Student-t quantiles from tables, t(0.95, 4) = 2.131847, t(0.975, 4) = 2.776445
// (MathNet's StudentT.InvCDF gives the same to 6 digits); for 4 degrees of freedom the t CDF has the closed
// form F(t) = 1/2 + (3/4) u (1 - u^2 / 3) with u = t / sqrt(4 + t^2), which gives the p-values below.
// ---------------------------------------------------------------------------------------------------

/// Seeds 0, 1, ... with the named metrics' values.
let private seedsOf (columns: (string * float list) list) =
    let n = columns |> List.map (snd >> List.length) |> List.max
    [ for i in 0 .. n - 1 -> { Seed = int64 i; Values = readOnlyDict [ for name, vs in columns -> name, vs[i] ] } ]

let private paired (s: ClaimSpec) = { controlled s with Design = Paired }

// Control values spread widely around 0.5; the treatment is the control plus 0.1, 0.2, 0.3, 0.4, 0.5.
let private controlValues = [ 0.2; 0.9; 0.1; 1.0; 0.3 ]
let private treatmentValues = List.map2 (+) controlValues [ 0.1; 0.2; 0.3; 0.4; 0.5 ]

[<Fact>]
let ``a paired control decides where each arm alone cannot`` () =
    // Treatment [0.3, 1.1, 0.4, 1.4, 0.8]: mean 0.8, 95% t interval [0.2243, 1.3757], above 0.2 (passes).
    // Control: mean 0.5, 95% t interval [-0.0194, 1.0194], straddles 0.2 (inconclusive): independently the
    // claim is inconclusive.
    let independent = Claims.evaluate (seedsWithControl treatmentValues controlValues) (controlled (spec AtLeast 0.2))
    Assert.Equal(Reproduced, independent.Measured.Verdict)
    Assert.Equal(Inconclusive, independent.Control.Value.Verdict)
    Assert.Equal(Inconclusive, independent.Verdict)
    // Paired differences 0.1 .. 0.5: mean 0.3, sd sqrt(0.025), se 0.070711; 90% interval 0.3 -+ 2.131847 se =
    // [0.149256, 0.450744]; t = 4.242641, one-sided p = 1 - F(4.242641) = 0.0066178; all five positive with
    // distinct ranks: exact signed-rank p = 1/32.
    let r = Claims.evaluate (seedsWithControl treatmentValues controlValues) (paired (spec AtLeast 0.2))
    let p = r.Paired.Value
    Assert.Equal("treatment - control", p.Quantity)
    Assert.Equal(0.3, p.Mean, 9)
    Assert.Equal(0.149256, fst p.Interval.Value, 5)
    Assert.Equal(0.450744, snd p.Interval.Value, 5)
    Assert.Equal(0.0066178, p.PValue, 6)
    Assert.Equal(1.0 / 32.0, p.SignedRankPValue, 12)
    Assert.Equal(5, p.SeedsAgreeing)
    Assert.Equal(Reproduced, p.Verdict)
    Assert.Equal(Reproduced, r.Verdict)

[<Fact>]
let ``a paired claim fails when the difference lies on the wrong side and compares downwards for at-most`` () =
    // Arms swapped: differences -0.1 .. -0.5, 90% interval [-0.450744, -0.149256] below 0.
    let wrong = Claims.evaluate (seedsWithControl controlValues treatmentValues) (paired (spec AtLeast 0.2))
    Assert.Equal(NotReproduced, wrong.Paired.Value.Verdict)
    Assert.Equal(NotReproduced, wrong.Verdict)
    // The same numbers negated under "<= -0.2": the difference is control - treatment, the same 0.1 .. 0.5.
    let negate = List.map (fun v -> -v)
    let negated = seedsWithControl (negate treatmentValues) (negate controlValues)
    let down = Claims.evaluate negated (paired (spec AtMost -0.2))
    Assert.Equal("control - treatment", down.Paired.Value.Quantity)
    Assert.Equal(0.3, down.Paired.Value.Mean, 9)
    Assert.Equal(Reproduced, down.Verdict)

[<Fact>]
let ``a paired claim whose control passes the claim's own test is uninformative`` () =
    // Both arms pass ">= 0.05" by their 95% intervals, and the difference is significant: still uninformative.
    let treatment = [ 0.9; 1.0; 0.95; 1.05; 1.0 ]
    let control = [ 0.5; 0.55; 0.5; 0.6; 0.52 ]
    let r = Claims.evaluate (seedsWithControl treatment control) (paired (spec AtLeast 0.05))
    Assert.Equal(Reproduced, r.Paired.Value.Verdict)
    Assert.Equal(Uninformative, r.Verdict)

[<Fact>]
let ``seeds where either arm has no value are dropped from the pairing`` () =
    let values = seedsWithControl (treatmentValues @ [ 2.0 ]) (controlValues @ [ nan ])
    let r = Claims.evaluate values (paired (spec AtLeast 0.2))
    Assert.Equal<int64[]>([| 5L |], r.Paired.Value.Dropped)
    Assert.Equal<int64[]>([| 0L; 1L; 2L; 3L; 4L |], r.Paired.Value.Seeds)
    Assert.Equal(0.3, r.Paired.Value.Mean, 9)

[<Fact>]
let ``a paired claim with an undecided treatment stays inconclusive`` () =
    // The treatment's 95% interval [0.2243, 1.3757] straddles 0.5, though the difference is significant.
    let r = Claims.evaluate (seedsWithControl treatmentValues controlValues) (paired (spec AtLeast 0.5))
    Assert.Equal(Reproduced, r.Paired.Value.Verdict)
    Assert.Equal(Inconclusive, r.Verdict)

let private equivalent margin scale =
    { controlled (spec AtMost margin) with Rule = Equivalence(margin, scale); Design = Paired }

[<Fact>]
let ``equivalence on the difference: inside, straddling and outside the margin`` () =
    let control = [ 1.0; 1.0; 1.0; 1.0; 1.0 ]
    let judge qs =
        Claims.evaluate (seedsWithControl (List.map2 (+) control qs) control) (equivalent 0.1 DifferenceScale)
    // Differences [0.01, -0.02, 0.03, 0, -0.01]: mean 0.002, sd 0.019235, 90% interval [-0.016339, 0.020339]
    // inside [-0.1, 0.1]; TOST p = max(1 - F(11.857), F(-11.392)) = 0.00016931.
    let inside = judge [ 0.01; -0.02; 0.03; 0.0; -0.01 ]
    Assert.Equal(-0.016339, fst inside.Paired.Value.Interval.Value, 5)
    Assert.Equal(0.020339, snd inside.Paired.Value.Interval.Value, 5)
    Assert.Equal(0.00016931, inside.Paired.Value.PValue, 7)
    Assert.Equal(5, inside.Paired.Value.SeedsAgreeing)
    Assert.Equal(Reproduced, inside.Verdict)
    // [0.05, -0.1, 0.15, 0, 0.1]: mean 0.04, 90% interval [-0.051694, 0.131694] reaches past 0.1; TOST p = 0.11775.
    let straddling = judge [ 0.05; -0.1; 0.15; 0.0; 0.1 ]
    Assert.Equal(0.131694, snd straddling.Paired.Value.Interval.Value, 5)
    Assert.Equal(0.11775, straddling.Paired.Value.PValue, 5)
    Assert.Equal(Inconclusive, straddling.Verdict)
    let settle: string option = ClaimReport.whatWouldSettle "quick" noCost (straddling: ClaimResult)
    Assert.Contains("--seeds", settle.Value)
    // [0.3, 0.35, 0.25, 0.3, 0.3]: 90% interval [0.266293, 0.333707], entirely above 0.1.
    let outside = judge [ 0.3; 0.35; 0.25; 0.3; 0.3 ]
    Assert.Equal(0.266293, fst outside.Paired.Value.Interval.Value, 5)
    Assert.Equal(NotReproduced, outside.Verdict)

[<Fact>]
let ``equivalence on the log ratio, and a control that passes too does not make it uninformative`` () =
    // Ratios 1.1, 0.95, 1.05, 1, 1.02: log ratios mean 0.0225219, 90% interval [-0.0295917, 0.0746356], inside
    // ln 1.25 = 0.2231436; TOST p = 0.00060060. Both arms are positive, so they would pass "<= margin"'s
    // sibling tests alike: an equivalence claim has no such control test.
    let control = [ 1.0; 2.0; 4.0; 1.0; 2.0 ]
    let treatment = List.map2 (*) control [ 1.1; 0.95; 1.05; 1.0; 1.02 ]
    let r = Claims.evaluate (seedsWithControl treatment control) (equivalent (log 1.25) LogRatioScale)
    Assert.Equal("log(treatment / control)", r.Paired.Value.Quantity)
    Assert.Equal(0.0225219, r.Paired.Value.Mean, 6)
    Assert.Equal(-0.0295917, fst r.Paired.Value.Interval.Value, 6)
    Assert.Equal(0.0746356, snd r.Paired.Value.Interval.Value, 6)
    Assert.Equal(0.00060060, r.Paired.Value.PValue, 7)
    Assert.Equal(Reproduced, r.Verdict)
    Assert.Equal(Reproduced, r.Measured.Verdict)
    // A non-positive value has no log ratio: its seed is dropped.
    let withNegative = seedsWithControl (treatment @ [ -1.0 ]) (control @ [ 1.0 ])
    let dropped = Claims.evaluate withNegative (equivalent (log 1.25) LogRatioScale)
    Assert.Equal<int64[]>([| 5L |], dropped.Paired.Value.Dropped)
    Assert.Equal(Reproduced, dropped.Verdict)

[<Fact>]
let ``a failed precondition is its own verdict, with the failing seeds`` () =
    let reference why = { Metric = "r"; Comparison = AtLeast; Threshold = 0.0; Why = why }
    let s = { controlled (spec AtLeast 0.5) with Preconditions = [ reference "the reference must train" ] }
    let judge (r: float list) =
        Claims.evaluate (seedsOf [ "m", [ 0.9; 0.95; 0.92 ]; "c", [ 0.1; 0.05; 0.12 ]; "r", r ]) s
    let holds = judge [ 0.1; 0.2; 0.0 ]
    Assert.True(holds.Preconditions.Head.Holds)
    Assert.Equal(Reproduced, holds.Verdict)
    let fails = judge [ 0.1; -0.3; 0.2 ]
    Assert.Equal<(int64 * float) list>([ 1L, -0.3 ], fails.Preconditions.Head.Failing)
    Assert.Equal(PreconditionFailed, fails.Verdict)
    Assert.Equal("precondition-failed", fails.Verdict.Name)
    let settle: string option = ClaimReport.whatWouldSettle "quick" noCost (fails: ClaimResult)
    Assert.Contains("seed 1 (-0.3000)", settle.Value)
    // A seed with no value fails it too.
    Assert.Equal(PreconditionFailed, (judge [ 0.1; nan; 0.2 ]).Verdict)

[<Fact>]
let ``below ten finite seeds the bootstrap rule takes the clamped t interval`` () =
    // [0.9, 0.95, 1, 1, 0.98]: mean 0.966, sd 0.0421900, 95% t interval 0.966 -+ 2.776445 * 0.018868 =
    // [0.913614, 1.018386], clamped to the range's 1.
    let rule = withRule (BootstrapInterval(-1.0, 1.0)) (spec AtLeast 0.9)
    let r = Claims.evaluate (seeds [ 0.9; 0.95; 1.0; 1.0; 0.98 ]) rule
    Assert.True(r.Measured.BootstrapFallback)
    Assert.Equal(0.913614, fst r.Interval.Value, 5)
    Assert.Equal(1.0, snd r.Interval.Value)
    Assert.Equal(Reproduced, r.Verdict)
    Assert.Contains("clamped to [-1, 1] instead", ClaimReport.claimRuleText r)
    // Ten finite seeds: the percentile bootstrap itself.
    let ten = Claims.evaluate (seeds [ 0.9; 0.95; 1.0; 1.0; 0.98; 0.9; 0.95; 1.0; 1.0; 0.98 ]) rule
    Assert.False(ten.Measured.BootstrapFallback)
    let expected = DecisionRules.bootstrapInterval -1.0 1.0 [| 0.9; 0.95; 1.0; 1.0; 0.98; 0.9; 0.95; 1.0; 1.0; 0.98 |]
    Assert.Equal(expected, ten.Interval)

[<Fact>]
let ``a claim's definition hash follows its definition, not its wording`` () =
    let baseline =
        { paired (spec AtLeast 0.5) with
            Preconditions = [ { Metric = "r"; Comparison = AtLeast; Threshold = 0.0; Why = "trained" } ] }
    Assert.Equal(
        "metric=m\ncomparison=>=\nthreshold=0.5\nrule=t-interval\noutlierFence=3\ncontrol=c design=paired\n"
        + "precondition=r >= 0\n",
        ClaimDefinition.canonicalText baseline)
    let hash = ClaimDefinition.sha256 baseline
    Assert.Equal(64, hash.Length)
    let reworded =
        [ { baseline with
              Statement = "other words"; Source = "elsewhere"; ThresholdSource = "another reason"; Id = "d" }
          { baseline with Control = ControlMetric("c", "another description") }
          { baseline with Preconditions = [ { baseline.Preconditions.Head with Why = "other" } ] } ]
    for s in reworded do Assert.Equal(hash, ClaimDefinition.sha256 s)
    let precondition = baseline.Preconditions.Head
    let changed =
        [ { baseline with Metric = "m2" }
          { baseline with Comparison = AtMost }
          { baseline with Threshold = 0.6 }
          { baseline with Rule = SignTest 0.05 }
          { baseline with Rule = BootstrapInterval(0.0, 1.0) }
          { baseline with Rule = BootstrapInterval(0.0, 2.0) }
          { baseline with OutlierFence = 2.0 }
          { baseline with Control = ControlMetric("c2", "the control") }
          { baseline with Design = Independent }
          { baseline with Control = NoControl "none" }
          { baseline with Preconditions = [] }
          { baseline with Preconditions = [ { precondition with Metric = "r2" } ] }
          { baseline with Preconditions = [ { precondition with Threshold = 0.1 } ] }
          { baseline with Preconditions = [ { precondition with Comparison = AtMost } ] }
          { baseline with Rule = Equivalence(0.1, DifferenceScale) }
          { baseline with Rule = Equivalence(0.2, DifferenceScale) }
          { baseline with Rule = Equivalence(0.1, LogRatioScale) } ]
    let hashes = changed |> List.map ClaimDefinition.sha256
    for h in hashes do Assert.NotEqual<string>(hash, h)
    Assert.Equal(hashes.Length, List.distinct hashes |> List.length)

[<Fact>]
let ``result.json, the report and the snapshot text show the paired block, the preconditions and the hash`` () =
    let metrics = seedsOf [ "m", treatmentValues; "c", controlValues; "r", [ 0.1; -0.3; 0.2; 0.1; 0.1 ] ]
    let pairedClaim = { paired (spec AtLeast 0.2) with Id = "paired" }
    let guarded =
        { paired (spec AtLeast 0.2) with
            Id = "guarded"
            Preconditions = [ { Metric = "r"; Comparison = AtLeast; Threshold = 0.0; Why = "the reference trains" } ] }
    let result =
        { ExperimentId = "e"; Title = "t"; Source = "s"; Scale = "smoke"; Seeds = [ 0L .. 4L ]; Metrics = metrics
          Claims = [ Claims.evaluate metrics pairedClaim; Claims.evaluate metrics guarded ]
          Series = []; Figures = []; ImageGrids = []; Notes = [] }
    let environment: Render.RunEnvironment =
        { HarnessVersion = "test"; Commit = ""; JudgedBy = ""; TorchSharpVersion = "test"; DotnetVersion = "test"
          OperatingSystem = "test"; Device = "cpu"; Threads = 1; CommandLine = "test"; Platform = Platform.unrecorded
          ComputeSeconds = 0.0 }
    let json = System.Text.Json.Nodes.JsonNode.Parse(ResultJson.render result environment "{}")
    let first = json.["claims"].[0]
    Assert.Equal(ClaimDefinition.sha256 pairedClaim, first.["definitionSha256"].GetValue<string>())
    Assert.Equal("paired", first.["control"].["design"].GetValue<string>())
    Assert.Equal("reproduced", first.["paired"].["verdict"].GetValue<string>())
    Assert.Equal(0.149256, first.["paired"].["interval90"].[0].GetValue<float>(), 5)
    let second = json.["claims"].[1]
    Assert.Equal("precondition-failed", second.["verdict"].GetValue<string>())
    Assert.Equal(1L, second.["preconditions"].[0].["failingSeeds"].[0].GetValue<int64>())
    let report = ReportMarkdown.render result environment "{}"
    Assert.Contains("**precondition-failed**", report)
    Assert.Contains("**fails** on seed 1 (-0.3000)", report)
    Assert.Contains("treatment - control per seed", report)
    let snapshot = Render.snapshotText result
    Assert.Contains("  paired treatment - control: per seed [0.100, 0.200, 0.300, 0.400, 0.500]", snapshot)
    Assert.Contains("  precondition r >= 0: per seed [0.100, -0.300, 0.200, 0.100, 0.100]; failing [1]", snapshot)
    Assert.Contains("  verdict precondition-failed", snapshot)

[<Fact>]
let ``a claim's p-value is the largest of the tests its reproduced verdict needs, on its rule's 5% scale`` () =
    // scipy 1.10 stats.ttest_1samp: the treatment 0.3, 1.1, 0.4, 1.4, 0.8 above 0.2, one-sided p 0.0222043, doubled
    // for the 95% two-sided rule 0.0444085; the control 0.2, 0.9, 0.1, 1, 0.3 below 0.2 (its failing side), one-sided
    // 0.907963, doubled and capped 1; the paired difference above 0, one-sided p 0.0066178.
    let t, c = [ 0.3; 1.1; 0.4; 1.4; 0.8 ], [ 0.2; 0.9; 0.1; 1.0; 0.3 ]
    let independent = Claims.evaluate (seedsWithControl t c) (controlled (spec AtLeast 0.2))
    Assert.Equal(1.0, Claims.pValue independent, 9)
    let pairedClaim = Claims.evaluate (seedsWithControl t c) (paired (spec AtLeast 0.2))
    Assert.Equal(0.0066178, pairedClaim.Paired.Value.PValue, 6)
    Assert.Equal(0.0444085, Claims.pValue pairedClaim, 7)
    Assert.Equal(Reproduced, pairedClaim.Verdict)
    // No control: the treatment's own test alone.
    Assert.Equal(0.0444085, Claims.pValue (Claims.evaluate (seeds t) (spec AtLeast 0.2)), 7)

[<Fact>]
let ``Benjamini-Hochberg adjusts as R's p.adjust(p, "BH") does`` () =
    // p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") = 0.02 0.04 0.04 0.02; a NaN counts as 1.
    let adjusted =
        Statistics.benjaminiHochberg [| 0.01; 0.04; 0.03; 0.005 |] |> Array.map (fun x -> System.Math.Round(x, 12))
    Assert.Equal<float[]>([| 0.02; 0.04; 0.04; 0.02 |], adjusted)
    let withNaN = Statistics.benjaminiHochberg [| 0.01; nan |] |> Array.map (fun x -> System.Math.Round(x, 12))
    Assert.Equal<float[]>([| 0.02; 1.0 |], withNaN)

[<Fact>]
let ``a declared unit criterion names the failed units without changing the verdict`` () =
    let trained = { Metric = "r"; Comparison = AtLeast; Threshold = 0.0; Why = "a positive dual estimate" }
    let s = { controlled (spec AtLeast 0.5) with UnitCriteria = [ trained ] }
    let metrics = seedsOf [ "m", [ 0.9; 0.95; 0.92 ]; "c", [ 0.1; 0.05; 0.12 ]; "r", [ 0.4; -0.2; 0.3 ] ]
    let judged = Claims.evaluate metrics s
    let plain = Claims.evaluate metrics (controlled (spec AtLeast 0.5))
    Assert.Equal(plain.Verdict, judged.Verdict)
    Assert.Equal<(int64 * float) list>([ 1L, -0.2 ], judged.UnitCriteria.Head.Failing)
    let result =
        { ExperimentId = "e"; Title = "t"; Source = "s"; Scale = "smoke"; Seeds = [ 0L .. 2L ]; Metrics = metrics
          Claims = [ judged ]; Series = []; Figures = []; ImageGrids = []; Notes = [] }
    let environment: Render.RunEnvironment =
        { HarnessVersion = "test"; Commit = ""; JudgedBy = ""; TorchSharpVersion = "test"; DotnetVersion = "test"
          OperatingSystem = "test"; Device = "cpu"; Threads = 1; CommandLine = "test"; Platform = Platform.unrecorded
          ComputeSeconds = 0.0 }
    let report = ReportMarkdown.render result environment "{}"
    Assert.Contains("**Failed units** (they fail `r` >= 0 (a positive dual estimate)): seed 1 (-0.2000)", report)
    Assert.Contains("\"unitCriteria\": [", ResultJson.render result environment "{}")
