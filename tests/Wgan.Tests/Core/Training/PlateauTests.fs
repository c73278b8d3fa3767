/// The plateau rule that stops a critic trained against a fixed generator (capacity-underuse), on sequences
/// worked out by hand.
module Wgan.Tests.PlateauTests

open Xunit
open Wgan.Core

let private rule window tolerance : Plateau.Rule = { EvaluateEvery = 100; Window = window; Tolerance = tolerance }

[<Fact>]
let ``the median is the middle value, or the mean of the two middle ones`` () =
    Assert.Equal(2.0, Plateau.median [| 3.0; 1.0; 2.0 |])
    Assert.Equal(2.5, Plateau.median [| 4.0; 1.0; 3.0; 2.0 |])
    Assert.Equal(-1.0, Plateau.median [| -1.0 |])

[<Fact>]
let ``the rule compares the medians of the last two windows`` () =
    // Window 2: fewer than 4 evaluations decide nothing.
    Assert.False(Plateau.reached (rule 2 0.01) [| 1.0; 1.0; 1.0 |])
    Assert.Equal(None, Plateau.windowMedians 2 [| 1.0; 1.0; 1.0 |])
    // [1.0, 1.2 | 1.0, 1.01]: medians 1.1 and 1.005, change 0.095 > 0.01 * 1.005: still moving.
    Assert.Equal(Some(1.1, 1.005), Plateau.windowMedians 2 [| 1.0; 1.2; 1.0; 1.01 |])
    Assert.False(Plateau.reached (rule 2 0.01) [| 1.0; 1.2; 1.0; 1.01 |])
    // [1.0, 1.0 | 1.005, 1.0]: medians 1.0 and 1.0025, change 0.0025 <= 0.01 * 1.0025: a plateau.
    Assert.True(Plateau.reached (rule 2 0.01) [| 1.0; 1.0; 1.005; 1.0 |])
    // Only the last two windows count: an early 100 does not matter.
    Assert.True(Plateau.reached (rule 2 0.01) [| 100.0; 1.0; 1.0; 1.005; 1.0 |])
    // The median ignores one outlier per window of 3: [1, 9, 1 | 1, 1, -7] has medians 1 and 1.
    Assert.True(Plateau.reached (rule 3 0.001) [| 1.0; 9.0; 1.0; 1.0; 1.0; -7.0 |])
    // Relative to the later median's magnitude: a rise from -2 to -1.99 is 0.5% of 1.99.
    Assert.True(Plateau.reached (rule 1 0.006) [| -2.0; -1.99 |])
    Assert.False(Plateau.reached (rule 1 0.004) [| -2.0; -1.99 |])

[<Fact>]
let ``an estimate that is not a number never plateaus`` () =
    Assert.False(Plateau.reached (rule 1 0.5) [| nan; nan |])
    Assert.False(Plateau.reached (rule 1 0.5) [| 1.0; nan |])
