/// vanishing-gradients (GAN 2014 section 3, WGAN section 3): the smoke-scale snapshot, and the claims' controls: the
/// experiment's own manifest and assembly, fed with unit measurements built by hand, give `reproduced` only when the
/// treatment shows the effect and the control does not.
module Wgan.Tests.VanishingGradientsTests

open Xunit
open Snapshooter.Xunit
open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.Learners
open Wgan.Experiments.VanishingGradients
open Wgan.Experiments.VanishingGradients.Unit

[<Fact>]
let ``smoke-scale claims and metrics match the committed snapshot`` () =
    Snapshot.Match(Render.snapshotText (TestSupport.runSmoke Settings.Id))

[<Fact>]
let ``units killed after each checkpoint and resumed give the uninterrupted results`` () =
    // Smoke scale of experiments/vanishing-gradients.json: 20 steps (measureAt ends at 20); saved every 6, after steps
    // 6, 12 and 18. Every learner of seed 1.
    TestSupport.assertResumesExactly Settings.Id 6 [ 0 .. 4 ] 3

let private manifest = lazy (TestSupport.manifestOf Settings.reading Settings.Id)

/// Ten seeds at the smoke scale's three measuring steps; `curve` gives each learner's generator-gradient norms there
/// per loss.
let private run (curve: string -> string -> float[]) =
    let m = manifest.Force()
    let seeds = TestSupport.seedsAt m Smoke 10
    let measurements =
        [ for seed in seeds do
              for learner in m.Settings.Learners ->
                  let jitter = 1.0 + 0.01 * float seed
                  key seed learner,
                  { Curves =
                      [ for l in Settings.lossesOf learner ->
                            let norms = curve learner.Id l |> Array.mapi (fun i v -> if i = 0 then v else v * jitter)
                            { Loss = l; Norms = norms } ]
                    MeanFakeOutput = [| 0.5; 0.1; 0.01 |]
                    Diverged = None } ]
    Assembly.assemble m (TestSupport.cpuRun Smoke seeds) measurements

// The published run's shape (results/vanishing-gradients): minimax falls by more than two orders of magnitude,
// non-saturating stays at its peak, the clipped critic rises, the penalised one falls by about 0.65 of an order, and
// the critics trained without a constraint give a generator gradient that only rises.
let private published id loss =
    match id, loss with
    | "gan", "minimax" -> [| 1.0; 0.1; 0.001 |]
    | "gan", _ -> [| 1.0; 1.5; 2.0 |]
    | "wgan-clip", _ -> [| 1e-4; 2e-4; 2e-4 |]
    | ("wgan-rmsprop-none" | "wgan-adam-none"), _ -> [| 1.0; 10.0; 100.0 |]
    | _ -> [| 1.0; 0.5; 0.22 |]

/// The published shape, but with the unconstrained critics' generator gradient collapsing: what the persistence claims
/// would need to be reproduced.
let private constraintMatters id loss =
    match id with
    | "wgan-rmsprop-none"
    | "wgan-adam-none" -> [| 1.0; 0.01; 0.0001 |]
    | _ -> published id loss

[<Fact>]
let ``the persistence claims reproduce only when an unconstrained critic's gradient collapses`` () =
    let result = run constraintMatters
    let v = TestSupport.verdicts result
    for id in [ "minimax-gradient-vanishes"; "wgan-clip-gradient-persists"; "wgan-gp-gradient-persists" ] do
        Assert.True((v[id] = "reproduced"), $"{id}: {v[id]}")
    for c in result.Claims do
        let control = c.Control.Value
        let message = $"{c.Spec.Id}: control {control.Metric} is {control.Verdict.Name}"
        Assert.True((control.Verdict = NotReproduced), message)
    // As published, the unconstrained critics' gradient persists as well: the persistence claims are uninformative.
    let v = TestSupport.verdicts (run published)
    Assert.Equal("reproduced", v["minimax-gradient-vanishes"])
    for id in [ "wgan-clip-gradient-persists"; "wgan-gp-gradient-persists" ] do
        Assert.True((v[id] = "uninformative"), $"{id}: {v[id]}")

[<Fact>]
let ``a non-saturating gradient that collapses too makes the minimax claim uninformative`` () =
    let result = run (fun id loss -> if id = "gan" then [| 1.0; 0.1; 0.001 |] else published id loss)
    Assert.Equal("uninformative", (TestSupport.verdicts result)["minimax-gradient-vanishes"])
