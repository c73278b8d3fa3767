/// The parallel-lines experiment at smoke scale: snapshot of claims and rounded metrics and the files a run
/// writes (FinalizerStressTests checks that runs are reproducible).
module Wgan.Tests.ParallelLinesExperimentTests

open System.IO
open System.Text.Json
open Xunit
open Snapshooter.Xunit
open Wgan.Experiments
open Wgan.Tests.ManifestTests
open Wgan.Tests.CliTests

let private runSmoke () = TestSupport.runSmokeText (goodManifest ()) 0

[<Fact>]
let ``smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (runSmoke ()))


[<Fact>]
let ``run writes the result folder with report, data, figures and claims`` () =
    let out = Path.Combine(tempFolder (), "results")
    let r = cli [ "run"; manifestPath; "--scale"; "smoke"; "--seeds"; "2"; "--out"; out ]
    Assert.True(r.Exit = 0, r.Err)
    let folder = Path.Combine(out, "parallel-lines")
    for file in [ "result.json"; "report.md"; "estimates.csv"; "closed-forms.csv"; "figures/earth-mover.png"; "figures/jensen-shannon.png" ] do
        Assert.True(File.Exists(Path.Combine(folder, file)), $"missing {file}")
    use json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "result.json")))
    let root = json.RootElement
    Assert.Equal("smoke", root.GetProperty("scale").GetString())
    Assert.Equal(2, root.GetProperty("seeds").GetArrayLength())
    Assert.Equal("parallel-lines", root.GetProperty("manifest").GetProperty("experiment").GetString())
    let claims = root.GetProperty("claims").EnumerateArray() |> List.ofSeq
    Assert.Equal(6, claims.Length)
    for c in claims do
        Assert.Contains(c.GetProperty("verdict").GetString(), [ "reproduced"; "not-reproduced"; "inconclusive"; "uninformative"; "precondition-failed" ])
        Assert.Equal(2, c.GetProperty("measured").GetProperty("perSeed").GetArrayLength())
        // Every claim records its rule and its control (a measured block, or why there is none).
        Assert.False(System.String.IsNullOrEmpty(c.GetProperty("rule").GetProperty("name").GetString()))
        let control = c.GetProperty("control")
        let mutable none = Unchecked.defaultof<JsonElement>
        Assert.True(control.TryGetProperty("none", &none) || control.GetProperty("measured").GetProperty("perSeed").GetArrayLength() = 2)
    // 5 thetas x 2 seeds + header (smoke scale of experiments/parallel-lines.json).
    Assert.Equal(11, File.ReadAllLines(Path.Combine(folder, "estimates.csv")).Length)
    let png = File.ReadAllBytes(Path.Combine(folder, "figures/earth-mover.png"))
    Assert.Equal<byte[]>([| 0x89uy; byte 'P'; byte 'N'; byte 'G' |], png[0..3])
    Assert.Empty(Directory.GetFiles(out, ".*", SearchOption.AllDirectories))
    // The suite index lists every claim with its verdict and links to the report.
    let index = File.ReadAllText(Path.Combine(out, "README.md"))
    Assert.Contains("| [`parallel-lines`](parallel-lines/report.md) | smoke | `em-tracks-theta`: ", index)
    Assert.Contains("`em.rankCorrelation` >= 0.95", index)
