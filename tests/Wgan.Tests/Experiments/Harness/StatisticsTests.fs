module Wgan.Tests.StatisticsTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open Wgan.Experiments

[<Fact>]
let ``ranks give ties their average rank`` () =
    // By hand: sorted 1, 2, 2, 3 -> ranks 1, 2.5, 2.5, 4.
    Assert.Equal<float[]>([| 2.5; 1.0; 4.0; 2.5 |], Statistics.ranks [| 2.0; 1.0; 3.0; 2.0 |])

[<Property>]
let ``spearman is 1 for any strictly increasing transform`` (NonEmptyArray (xs: NormalFloat[])) =
    let xs = xs |> Array.map (fun (NormalFloat x) -> x) |> Array.distinct
    xs.Length >= 2 ==> lazy (
        let ys = xs |> Array.map (fun x -> Math.Exp(x / 1e3) + x) // strictly increasing
        abs (Statistics.spearman xs ys - 1.0) < 1e-12 |> Prop.label $"spearman {Statistics.spearman xs ys}")

[<Fact>]
let ``slope of an exact line is its coefficient`` () =
    // y = 3x - 1 by construction.
    let xs = [| 0.0; 1.0; 2.0; 5.0 |]
    Assert.Equal(3.0, Statistics.slope xs (xs |> Array.map (fun x -> 3.0 * x - 1.0)), 12)

[<Fact>]
let ``95 percent interval of two values uses the t quantile with one degree of freedom`` () =
    // t_{0.975, 1} = 12.7062047 (standard t table); mean 1, sd sqrt 2, n 2 -> half width 12.7062047.
    match Statistics.confidenceInterval95 [| 0.0; 2.0 |] with
    | Some (lo, hi) ->
        Assert.Equal(1.0 - 12.7062047, lo, 6)
        Assert.Equal(1.0 + 12.7062047, hi, 6)
    | None -> failwith "expected an interval"

[<Fact>]
let ``no interval from one value or a non-finite value`` () =
    Assert.True((Statistics.confidenceInterval95 [| 1.0 |]).IsNone)
    Assert.True((Statistics.confidenceInterval95 [| 1.0; nan |]).IsNone)

[<Fact>]
let ``the median is the middle value, or the mean of the middle two`` () =
    Assert.Equal(2.0, Statistics.median [| 3.0; 1.0; 2.0 |])
    Assert.Equal(2.5, Statistics.median [| 4.0; 1.0; 2.0; 3.0 |])
    Assert.True(Double.IsNaN(Statistics.median [||]))

[<Fact>]
let ``median filter removes an isolated spike`` () =
    // Window 3 around the spike sees {1, 100, 1}: median 1.
    Assert.Equal<float[]>([| 1.0; 1.0; 1.0; 1.0; 1.0 |], Statistics.medianFilter 3 [| 1.0; 1.0; 100.0; 1.0; 1.0 |])
