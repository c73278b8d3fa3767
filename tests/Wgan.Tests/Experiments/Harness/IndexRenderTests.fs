/// IndexRender: the results index and the README's results summary, rendered from published results as
/// PublishedResult reads them.
module Wgan.Tests.IndexRenderTests

open System
open System.IO
open Xunit
open Wgan.Experiments
open Wgan.Experiments.IndexRender
open Wgan.Tests.IntegrityTests

/// The smoke run's published parallel-lines result, read.
let private result () =
    PublishedResult.read (File.ReadAllText(Path.Combine(published.Value, "result.json"))) None

let private indexOf (entries: IndexEntry list) = ResultsIndex.Of(Array.ofList entries)

let private count (part: string) (text: string) =
    (text.Length - text.Replace(part, "").Length) / part.Length

[<Fact>]
let ``every claim gets a row and every run a line; an exact copy in another folder counts once`` () =
    let p = result ()
    let one = indexOf [ IndexEntry.Listed("a", false, p) ]
    Assert.StartsWith(Header, one.Text)
    Assert.Equal(1, one.Count)
    Assert.Equal(p.Claims.Length, count "| [`a`](a/report.md) | smoke | `" one.Text)
    Assert.Contains("**Confirmatory claims**", one.Text)
    Assert.Contains($": {p.Claims.Length}: ", one.Text)
    let two = indexOf [ IndexEntry.Listed("b", false, p); IndexEntry.Listed("a", false, p) ]
    Assert.Equal(2, two.Count)
    // The second folder's rows name the first as the one counted, and the totals do not change.
    Assert.Equal(p.Claims.Length, count "copy of `a`" two.Text)
    Assert.Contains($": {p.Claims.Length}: ", two.Text)
    Assert.Equal(2, count "\n| [`" (two.Text.Substring(two.Text.IndexOf "## Runs")))

[<Fact>]
let ``an exploratory folder's claims are not counted in the confirmatory totals`` () =
    let p = result ()
    let index = indexOf [ IndexEntry.Listed("ablation-x/parallel-lines", true, p) ]
    Assert.Contains("or once for exact copies): 0: . ", index.Text)
    Assert.Contains($"not counted in the totals): {p.Claims.Length}: ", index.Text)
    Assert.Equal(p.Claims.Length, count ", exploratory |" index.Text)
    Assert.Contains(", exploratory): ", index.Summary "results/")

[<Fact>]
let ``an unreadable result is named under Not listed and the others are listed`` () =
    let index =
        indexOf
            [ IndexEntry.Unreadable("broken", "$.seeds: is required but missing")
              IndexEntry.Listed("a", false, result ()) ]
    Assert.Equal(2, index.Count)
    Assert.Contains(
        "\n## Not listed\n\n- `broken`: result.json cannot be read ($.seeds: is required but missing)\n", index.Text)
    Assert.Contains("[`a`](a/report.md)", index.Text)

[<Fact>]
let ``the README summary replaces only its own block, and a README without one is left alone`` () =
    let index = indexOf [ IndexEntry.Listed("a", false, result ()) ]
    let summary = index.Summary "results/"
    Assert.StartsWith(SummaryBegin, summary)
    Assert.EndsWith(SummaryEnd, summary)
    Assert.Contains("- [`a`](results/a/report.md) (", summary)
    let readme = $"# Title\n\n{SummaryBegin}\nold\n{SummaryEnd}\n\nAfter.\n"
    Assert.Equal($"# Title\n\n{summary}\n\nAfter.\n", index.WithSummary(readme, "results/"))
    Assert.Null(index.WithSummary("# Title\n\nNo block.\n", "results/"))
