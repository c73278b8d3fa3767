/// parallel-lines' findings from its units: per seed, how the critic's EM estimates and the discriminator's JS
/// estimates over the theta grid compare with the closed forms, the claims judged on that, the estimates drawn with the
/// closed forms, and the notes a report prints.
module Wgan.Experiments.ParallelLines.Assembly

open System.Collections.Generic
open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.ParallelLines.Settings
open Wgan.Experiments.ParallelLines.Unit

module Lines = Wgan.Core.ParallelLines

/// Spearman correlation of `values` with |theta|, taken on each side of 0 separately (so the mirror-image
/// ties of |theta| do not cap it below 1) and averaged.
let sideRankCorrelation (thetas: float[]) (values: float[]) =
    let side keep =
        let ks = [| for k in 0 .. thetas.Length - 1 do if keep thetas[k] then k |]
        Statistics.spearman (ks |> Array.map (fun k -> abs thetas[k])) (ks |> Array.map (fun k -> values[k]))
    (side (fun t -> t <= 0.0) + side (fun t -> t >= 0.0)) / 2.0

/// The per-seed metrics from the estimates over the grid.
let seedMetrics (awayFromZero: float) (thetas: float[]) (estimates: Measured[]) : IReadOnlyDictionary<string, float> =
    let away = [| for k in 0 .. thetas.Length - 1 do if abs thetas[k] >= awayFromZero then k |]
    let absTheta = thetas |> Array.map abs
    let relativeError (pick: Measured -> float) =
        away |> Array.averageBy (fun k -> abs (pick estimates[k] - absTheta[k]) / absTheta[k])
    let slopeAway (pick: Measured -> float) =
        Statistics.slope (away |> Array.map (fun k -> absTheta[k])) (away |> Array.map (fun k -> pick estimates[k]))
    let minSaturation (pick: Measured -> float) =
        (away |> Array.map (fun k -> pick estimates[k]) |> Array.min) / log 2.0
    let rank (pick: Measured -> float) = sideRankCorrelation thetas (Array.map pick estimates)
    readOnlyDict [
        "em.rankCorrelation", rank (fun e -> e.EarthMover)
        "em.meanRelativeError", relativeError (fun e -> e.EarthMover)
        "em.slope", slopeAway (fun e -> e.EarthMover)
        "em.absSlope", abs (slopeAway (fun e -> e.EarthMover))
        "js.minSaturation", minSaturation (fun e -> e.JensenShannon)
        "js.absSlope", abs (slopeAway (fun e -> e.JensenShannon))
        "sampleEm.meanRelativeError", relativeError (fun e -> e.SampleEarthMover)
        "untrainedEm.rankCorrelation", rank (fun e -> e.UntrainedEarthMover)
        "untrainedEm.meanRelativeError", relativeError (fun e -> e.UntrainedEarthMover)
        "untrainedEm.slope", slopeAway (fun e -> e.UntrainedEarthMover)
        "untrainedJs.minSaturation", minSaturation (fun e -> e.UntrainedJensenShannon)
    ]

/// The critics that failed to train: (seed, theta, estimate) wherever the trained critic's EM estimate has
/// the wrong sign (<= 0) at theta <> 0, where the closed form |theta| is positive.
let wrongSignCritics (thetas: float[]) (perSeed: (int64 * Measured[]) list) =
    [ for seed, estimates in perSeed do
          for k in 0 .. thetas.Length - 1 do
              let estimate = estimates[k].EarthMover
              if thetas[k] <> 0.0 && not (estimate > 0.0) then yield seed, thetas[k], estimate ]

/// The note on the critics that failed to train, or that none did.
let private failedNote (thetas: float[]) (perSeed: (int64 * Measured[]) list) =
    let trained = perSeed.Length * (thetas.Length - 1)
    match wrongSignCritics thetas perSeed with
    | [] ->
        $"Every trained critic ({trained} at theta <> 0) gave a positive EM estimate: none failed to train by that "
        + "test."
    | failed ->
        let listed =
            failed
            |> List.map (fun (seed, t, e) -> $"seed {seed} at theta = {t:F2} (estimate {e:F3})")
            |> String.concat "; "
        $"Critics that failed to train (EM estimate <= 0 where |theta| > 0), {failed.Length} of {trained}: {listed}. "
        + "They count in their seed's metrics; the sign test of em-tracks-theta and em-matches-closed-form lets one "
        + "failed seed count against the claim without dragging a mean."

/// The report's notes: the set-up, the measured quantities and the controls, from the settings.
let private notes (settings: Settings) (scale: ScaleSettings) (failed: string) =
    let mlp (network: NetworkSettings) = $"MLP 2 -> {widthsText network.Hidden} -> 1"
    [ "P0 plays the real distribution and P_theta the generated one; the critic's EM estimate is E_P0 f - E_P_theta f "
      + "(the negated critic loss)."
      $"Critic: {mlp settings.Critic}, {activationText settings.Critic.Activation}, "
      + $"{constraintText settings.Critic.Constraint}, {optimizerText settings.Critic.Optimizer}, {scale.CriticSteps} "
      + $"steps of batch {scale.BatchSize}."
      $"Discriminator: {mlp settings.Discriminator} logit, {optimizerText settings.Discriminator.Optimizer}, "
      + $"{scale.DiscriminatorSteps} steps; its JS estimate is V/2 + log 2 with V = E log D(x) + E log(1 - D(y)) on "
      + $"{scale.EvaluationSamples} fresh samples per side."
      $"Theta grid: {scale.Thetas} points in [-{settings.ThetaMax}, {settings.ThetaMax}]; 'away from 0' means "
      + $"|theta| >= {settings.AwayFromZero}."
      $"Exact W1 between samples: optimal assignment (OR-Tools) between {scale.TransportSamples} samples of each "
      + "distribution; it exceeds |theta| by the sampling noise of the U[0,1] coordinate."
      "KL and TV are not estimated: their closed forms (+inf and 1 off 0) are in closed-forms.csv."
      "Controls: every critic and discriminator is also evaluated once before training, in the same unit and on the "
      + "same number of fresh samples (from a random-number generator of its own, so the training draws are "
      + "unchanged). The EM claims are tested on the untrained critics' estimates, and js-saturated on the untrained "
      + "discriminators' (D near 1/2, so V/2 + log 2 near 0): a claim is reproduced only if training produced the "
      + "effect. An untrained discriminator's estimate is flat too, so it cannot control js-has-no-gradient; that "
      + "claim's control is the trained critic's absolute EM slope on the same grid, which must fail the same "
      + "'no gradient' test."
      "sample-w1-matches-closed-form has no control: it tests the transport solver (the exact W1 between samples) on a "
      + "known answer, not a claim of the paper."
      failed
      "Under the two-sided gradient penalty the optimal critic's slope slightly exceeds 1 (it maximises "
      + "s theta - lambda (s - 1)^2, so s = 1 + theta / (2 lambda)); the EM estimate therefore runs a few percent "
      + "above |theta| for large theta." ]

/// A figure of estimates over the theta grid against their closed form: `lines` besides the closed form.
let private figure name title yLabel (lines: Line list) : Figure =
    { Name = name; Title = title; XLabel = "theta"; YLabel = yLabel; LogY = false; Lines = lines; Surfaces = []
      Points = []; Histograms = [] }

/// The experiment's findings from its units' measurements.
let assemble (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (measurements: (string * Measured) list) : Findings =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let thetas = thetaGrid settings.ThetaMax scale.Thetas
    let found = dict measurements
    let perSeed = run.Seeds |> List.map (fun seed -> seed, Array.init thetas.Length (fun k -> found[key seed k]))
    let metrics =
        perSeed
        |> List.map (fun (seed, estimates) ->
            { Seed = seed; Values = seedMetrics settings.AwayFromZero thetas estimates })
    let fine = thetaGrid settings.ThetaMax 401
    let closedForm label (f: float -> float) = { Label = label; X = fine; Y = Array.map f fine; Markers = false }
    let meanOver label (pick: Measured -> float) =
        let y = thetas |> Array.mapi (fun k _ -> perSeed |> List.averageBy (fun (_, es) -> pick es[k]))
        { Label = label; X = thetas; Y = y; Markers = true }
    // Each seed's estimates as faint companions of the mean (an empty label), so the spread shows.
    let everySeed (pick: Measured -> float) =
        [ for _, estimates in perSeed -> { Label = ""; X = thetas; Y = Array.map pick estimates; Markers = true } ]
    let divergences =
        [ for k, m in measurements do
              for d in [ m.CriticDiverged; m.DiscriminatorDiverged ] -> k, d ]
    { Metrics = metrics
      Claims = manifest.Claims |> List.map (Claims.evaluate metrics)
      Series =
        [ { Name = "estimates"
            Columns =
              [ "seed"; "theta"; "earth_mover_closed_form"; "jensen_shannon_closed_form"; "earth_mover_critic"
                "jensen_shannon_discriminator"; "earth_mover_samples" ]
            Rows =
              [ for seed, estimates in perSeed do
                    for k in 0 .. thetas.Length - 1 ->
                        let t, e = thetas[k], estimates[k]
                        [| float seed; t; Lines.earthMover t; Lines.jensenShannon t; e.EarthMover; e.JensenShannon
                           e.SampleEarthMover |] ] }
          { Name = "closed-forms"
            Columns = [ "theta"; "earth_mover"; "jensen_shannon"; "kullback_leibler"; "total_variation" ]
            Rows =
              [ for t in thetas ->
                    [| t; Lines.earthMover t; Lines.jensenShannon t; Lines.kullbackLeibler t
                       Lines.totalVariation t |] ] } ]
      Figures =
        [ figure "earth-mover" "Earth-Mover distance W(P0, P_theta)" "distance"
              [ closedForm "closed form |theta|" Lines.earthMover
                meanOver "critic estimate (mean over seeds; each seed faint)" (fun e -> e.EarthMover)
                yield! everySeed (fun e -> e.EarthMover)
                meanOver "exact W1 between samples (mean)" (fun e -> e.SampleEarthMover) ]
          figure "jensen-shannon" "Jensen-Shannon divergence JS(P0, P_theta)" "divergence (nats)"
              [ closedForm "closed form (log 2 off 0)" Lines.jensenShannon
                meanOver "discriminator estimate V/2 + log 2 (mean; each seed faint)" (fun e -> e.JensenShannon)
                yield! everySeed (fun e -> e.JensenShannon) ] ]
      ImageGrids = []
      Notes = notes settings scale (failedNote thetas perSeed) @ Experiment.divergenceNotes divergences }
