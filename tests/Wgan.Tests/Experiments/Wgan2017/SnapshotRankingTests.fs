/// WGAN Figures 3-4 without the clock (snapshot-ranking): frozen generators of runs that differ in their
/// learning rate, fresh critics trained on each, and rankings within one iteration.
module Wgan.Tests.SnapshotRankingTests

open System
open System.IO
open Xunit
open Snapshooter.Xunit
open TorchSharp
open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.SnapshotRanking.Settings
open Wgan.Experiments.SnapshotRanking.Unit
open Wgan.Experiments.SnapshotRanking.Ranking

let private manifestText () = TestSupport.manifestText Id

let private runSmoke () = TestSupport.runSmoke Id

[<Fact>]
let ``snapshot-ranking smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (runSmoke ()))

/// Snapshots of three runs at two iterations, with an estimate `e` given per snapshot.
let private snapshots (w1: float list) (e: float list) =
    List.zip w1 e
    |> List.mapi (fun k (w, x) ->
        let iteration = float (100 * (1 + k / 3))
        { Run = k % 3; Iteration = iteration; EarthMover = w; Estimates = Map [ "e", x; "clock", -iteration ] })

[<Fact>]
let ``the within-iteration ranking is one the iteration counter cannot pass, while the pooled ranking is`` () =
    // Three runs whose W1 falls with time (iteration 100: 1.0, 0.8, 0.6; iteration 200: 0.5, 0.4, 0.3).
    let w1 = [ 1.0; 0.8; 0.6; 0.5; 0.4; 0.3 ]
    // An estimate that orders each iteration's snapshots as W1 does: Spearman 1 within each iteration.
    let s = snapshots w1 [ 3.0; 2.0; 1.0; 30.0; 20.0; 10.0 ]
    Assert.Equal(1.0, withinIterationSpearman s "e", 12)
    // The clock is constant within an iteration: no ranking there (nan: no finite correlation to average).
    Assert.True(Double.IsNaN(withinIterationSpearman s "clock"))
    // Pooled over both iterations the clock ranks the snapshots by W1 well: Spearman(-iteration, W1) is the
    // Pearson correlation of the ranks 5, 5, 5, 2, 2, 2 (ties averaged) and 6, 5, 4, 3, 2, 1, which is
    // 13.5 / sqrt(13.5 * 17.5) = sqrt(27/35), about 0.878 (closed form).
    Assert.Equal(sqrt (27.0 / 35.0), clockSpearman s, 12)
    // An estimate that reverses each iteration's order fails the within-iteration test although it, too, falls
    // with time pooled across iterations.
    let reversed = snapshots w1 [ 1.0; 2.0; 3.0; 0.1; 0.2; 0.3 ]
    Assert.Equal(-1.0, withinIterationSpearman reversed "e", 12)

[<Fact>]
let ``a fresh critic meets every snapshot with the same weights and batches`` () =
    TestSupport.pinThreads ()
    let manifest =
        use document = System.Text.Json.JsonDocument.Parse(manifestText ())
        match Envelope.decoder reading "$" (document.RootElement.Clone()) with
        | Ok m -> m
        | Error e -> failwithf "%A" e
    let settings, scale = manifest.Settings, manifest.Scales[Manifest.Smoke]
    let cpu = torch.CPU
    use g = new torch.Generator(5UL)
    use frozen = new Mlp(ToyWgan.deepSpec settings.Network scale.Width settings.NoiseDimension 2, g)
    use real = ToyData.sample ToyData.EightGaussians 64 g
    use fake = ToyTraining.generate frozen settings.NoiseDimension 64 cpu g
    let snapshot = { Seed = 1L; Dataset = ToyData.EightGaussians; Generator = frozen; Real = real; Fake = fake }
    for k, critic in List.indexed settings.Critics do
        let once = freshEstimates settings scale cpu snapshot k critic
        let again = freshEstimates settings scale cpu snapshot k critic
        Assert.Equal(once, again)
        Assert.True(Double.IsFinite once.Untrained && Double.IsFinite once.Trained, $"{critic.Id}: {once}")

[<Fact>]
let ``a constant critic estimates 0 for both kinds: E f(x) - E f(G(z)) = 0 and JS = -(2 log 2)/2 + log 2 = 0`` () =
    use g = new torch.Generator(2UL)
    let spec = TestSupport.plainMlp 2 [ 4 ] 1 ReLU
    use critic = new Mlp(spec, g)
    do
        use _ = torch.no_grad()
        for p in critic.parameters() do
            p.zero_() |> ignore
    use real = ToyData.sample ToyData.SwissRoll 16 g
    use fake = torch.randn([| 16L; 2L |], generator = g)
    Assert.Equal(0.0, estimate (EarthMoverCritic(WeightClipping(0.01, BeforeStep))) critic real fake, 12)
    // Logit 0 everywhere: the discriminator loss is softplus(0) + softplus(0) = 2 log 2 (Losses.discriminatorLoss),
    // computed in float32 (2 log 2 rounds by about 2e-9 there, hence 6 decimals).
    Assert.Equal(0.0, estimate Discriminator critic real fake, 6)

[<Fact>]
let ``the manifest refuses fewer than three learning rates and unsorted snapshot iterations`` () =
    let text = manifestText ()
    let rates = "\"learningRates\": "
    let bad1 = text.Replace(rates + "[1e-05, 3e-05, 0.0001, 0.0003, 0.001]", rates + "[1e-05, 3e-05]")
    let bad2 = text.Replace("\"snapshotsAt\": [100, 200]", "\"snapshotsAt\": [200, 100]")
    Assert.NotEqual<string>(text, bad1)
    Assert.NotEqual<string>(text, bad2)
    let errors (t: string) = (Harness.ReadManifest t).Errors |> String.concat "\n"
    Assert.Contains("at least 3 distinct learning rates", errors bad1)
    Assert.Contains("must be ascending and distinct", errors bad2)

[<Fact>]
let ``a unit killed after each checkpoint and resumed gives the uninterrupted result`` () =
    // Saves after iterations 1, 2 and 3 of the smoke scale's 4 (snapshots at 2 and 4): three kills.
    TestSupport.assertResumesExactly Id 1 [ 0 ] 3
