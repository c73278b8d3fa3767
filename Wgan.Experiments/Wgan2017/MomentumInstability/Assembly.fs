/// momentum-instability's findings from its units: per seed and run, the cosines' mean and negative share (in and
/// outside blow-up episodes), the roughness of the EM estimate and the final W1; Adam against RMSProp and against the
/// RMSProp replicate; the curves drawn, and the notes a report prints.
module Wgan.Experiments.MomentumInstability.Assembly

open System
open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.MomentumInstability.Settings
open Wgan.Experiments.MomentumInstability.Unit

/// mean |e_k - e_(k-1)| / mean |e_k|.
let roughness (estimates: float[]) =
    if estimates.Length < 2 then nan
    else
        let change = estimates |> Array.pairwise |> Array.averageBy (fun (a, b) -> abs (b - a))
        change / (estimates |> Array.averageBy abs)

/// The iterations in a blow-up episode: iteration k (from the second on) when |e_k - e_(k-1)| exceeds `jump` times
/// the median of |e_j - e_(j-1)| over the run (e: the EM estimate on the fixed batch, one per generator iteration).
/// A run whose estimate never changes has no episode.
let episodes (jump: float) (estimates: float[]) : bool[] =
    if estimates.Length < 2 then Array.zeroCreate estimates.Length
    else
        let changes = estimates |> Array.pairwise |> Array.map (fun (a, b) -> abs (b - a))
        let typical = Statistics.median changes
        Array.append [| false |] (changes |> Array.map (fun c -> typical > 0.0 && c > jump * typical))

/// The share of negative values among the finite cosines of the critic steps of the iterations `chosen` picks
/// (nCritic steps per iteration, in order); NaN when there are none.
let negativeShareWhere (nCritic: int) (chosen: int -> bool) (cosines: float[]) =
    let picked =
        cosines
        |> Array.indexed
        |> Array.filter (fun (j, c) -> chosen (j / nCritic) && Double.IsFinite c)
        |> Array.map snd
    if picked.Length = 0 then nan
    else float (picked |> Array.filter (fun c -> c < 0.0) |> Array.length) / float picked.Length

/// The metrics of one training run `runId`.
let runMetrics (settings: Settings) (runId: string) (m: Measured) =
    let inEpisode = episodes settings.EpisodeJump m.FixedEstimates
    let isEpisode i = i < inEpisode.Length && inEpisode[i]
    let episodeShare =
        if inEpisode.Length = 0 then nan
        else float (inEpisode |> Array.filter (fun e -> e) |> Array.length) / float inEpisode.Length
    let negativeShare chosen = negativeShareWhere settings.NCritic chosen m.Cosines
    [ $"{runId}.meanCosine", Statistics.mean (m.Cosines |> Array.filter Double.IsFinite)
      $"{runId}.negativeCosineShare", negativeShare (fun _ -> true)
      $"{runId}.emRoughness", roughness m.Estimates
      $"{runId}.fixedRoughness", roughness m.FixedEstimates
      $"{runId}.finalEarthMover", m.FinalEarthMover
      $"{runId}.episodeShare", episodeShare
      $"{runId}.negativeCosineShareInEpisodes", negativeShare isEpisode
      $"{runId}.negativeCosineShareOutsideEpisodes", negativeShare (isEpisode >> not) ]

/// Adam against RMSProp, and the RMSProp replicate against RMSProp, at each learning rate, from a seed's run metrics.
let ratios (settings: Settings) (table: Collections.Generic.IDictionary<string, float>) =
    [ for lr in settings.LearningRates do
          let value (o: string) (name: string) = table[$"{o}.{lr.Id}.{name}"]
          $"{lr.Id}.roughnessRatio", value "adam" "emRoughness" / value "rmsprop" "emRoughness"
          $"{lr.Id}.earthMoverRatio", value "adam" "finalEarthMover" / value "rmsprop" "finalEarthMover"
          $"{lr.Id}.logRoughnessRatio", log (value "adam" "fixedRoughness" / value "rmsprop" "fixedRoughness")
          $"{lr.Id}.replicateLogRoughnessRatio",
          log (value "rmsprop-replicate" "fixedRoughness" / value "rmsprop" "fixedRoughness") ]

/// The value at iteration i of a per-iteration curve, NaN past its end (after a divergence).
let private at (values: float[]) (i: int) = if i < values.Length then values[i] else nan

/// The mean cosine of generator iteration i's critic steps.
let private iterationCosine (nCritic: int) (m: Measured) (i: int) =
    if (i + 1) * nCritic <= m.Cosines.Length then Statistics.mean m.Cosines[i * nCritic .. (i + 1) * nCritic - 1]
    else nan

/// The report's notes: the set-up, the measured quantities and the controls, from the settings.
let private notes (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (claims: ClaimResult list) =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let clip = plainNumber settings.ClipBound
    let rates = settings.LearningRates |> List.map (fun l -> $"{l.Id} = {plainNumber l.Value}") |> String.concat ", "
    [ $"Data: {settings.Dataset.Name}. WGAN with weight clipping to [-{clip}, {clip}] before each critic step "
        + $"(official code), nCritic {settings.NCritic}, no warm-up schedule; critic MLP 2 -> "
        + $"{settings.Critic.Depth} x {scale.Width} -> 1, generator MLP {settings.NoiseDimension} -> "
        + $"{settings.Generator.Depth} x {scale.Width} -> 2 (ReLU); batch {scale.BatchSize}; "
        + $"{scale.GeneratorIterations} generator iterations. Both networks use the named optimiser; every "
        + "optimiser starts from the same networks for a seed."
      $"Optimisers: RMSProp (alpha 0.99) and Adam (beta1 {plainNumber settings.AdamBeta1}, beta2 "
        + $"{plainNumber settings.AdamBeta2}) at learning rates {rates}."
      "Cosine: between the optimiser's parameter update (before the next clipping) and -gradient of the critic loss "
        + "E f(fake) - E f(real). RMSProp without momentum scales each coordinate of -gradient by a positive number, "
        + "so its cosine is positive by construction; Adam's momentum can make it negative."
      "Stability: roughness, the mean absolute change of the EM estimate between generator iterations over its mean "
        + "absolute value. emRoughness uses the estimate of the last critic step's minibatch "
        + $"({scale.BatchSize} samples), so it mostly measures minibatch noise; fixedRoughness uses the estimate on a "
        + $"fixed evaluation batch ({scale.EarthMoverSamples} real samples and {scale.EarthMoverSamples} noise vectors "
        + "drawn once per seed, the same for every optimiser), so it moves only when the critic or the generator "
        + "moves. The claims use fixedRoughness: Adam 'less stable' means ln(adam / rmsprop fixedRoughness) >= "
        + "ln 1.25 = 0.223 (a quarter rougher)."
      "Blow-up episodes: an iteration is in an episode when its fixed-batch EM estimate changes from the previous "
        + $"iteration by more than {plainNumber settings.EpisodeJump} times the run's median absolute change; the "
        + "cosines of that iteration's critic steps are counted as in the episode. The paper says the cosine turned "
        + "negative when the loss blew up, so the episode claims ask for negative cosines in at least a tenth of the "
        + "episode steps, and take the same share outside episodes as their control: if it is as high there, "
        + "negativity is not about blow-ups."
      "Controls. Cosine: RMSProp's negative-cosine share, measured the same way; its update is -gradient times a "
        + "positive diagonal, so its share is 0 and it must fail 'turns negative'. Roughness: a second RMSProp run "
        + "from the same networks on a different minibatch stream (rmsprop-replicate); ln(replicate / rmsprop "
        + "fixedRoughness) measures how much two runs of the same optimiser differ by chance, and must fail the 25% "
        + "margin that Adam must pass. Without the margin (threshold 0) this null pair would sit on the threshold and "
        + "could never fail clearly." ]
    @ scaleNote run.Scale claims
        ($"This scale trains {scale.GeneratorIterations} generator iterations (paper scale: "
         + $"{manifest.Scales[Paper].GeneratorIterations}).")

/// The experiment's findings from its units' measurements.
let assemble (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (measurements: (string * Measured) list) : Findings =
    let settings, scale, seeds = manifest.Settings, manifest.Scales[run.Scale], run.Seeds
    let table = dict measurements
    let found seed id = table[key seed id]
    let ids = runs settings
    let metrics =
        [ for seed in seeds ->
              let values = [ for id, _, _ in ids do yield! runMetrics settings id (found seed id) ]
              { Seed = seed; Values = readOnlyDict (values @ ratios settings (dict values)) } ]
    let claims = manifest.Claims |> List.map (Claims.evaluate metrics)
    let firstSeed = List.head seeds
    let iterations = Array.init scale.GeneratorIterations (fun i -> float (i + 1))
    let curve (value: Measured -> int -> float) =
        [ for id, o, lr in ids ->
              { Label = $"{o}, lr {plainNumber lr.Value}"
                X = iterations
                Y = Array.init iterations.Length (value (found firstSeed id))
                Markers = false } ]
    let cosine = iterationCosine settings.NCritic
    let columns =
        [ for seed in seeds do
              for id, _, _ in ids do
                  for c in [ "em_estimate"; "em_fixed_batch"; "cosine" ] -> $"{key seed id}/{c}" ]
    { Metrics = metrics
      Claims = claims
      Series =
        [ { Name = "training-curves"
            Columns = "iteration" :: columns
            Rows =
              [ for i in 0 .. iterations.Length - 1 ->
                    let values =
                        [ for seed in seeds do
                              for id, _, _ in ids do
                                  let m = found seed id
                                  yield! [ at m.Estimates i; at m.FixedEstimates i; cosine m i ] ]
                    Array.ofList (iterations[i] :: values) ] } ]
      Figures =
        [ Figure.ofLines "em-estimate" $"EM estimate over training (seed {firstSeed})" "generator iteration"
              "-critic loss" false (curve (fun m -> at m.Estimates))
          Figure.ofLines "em-fixed-batch" $"EM estimate on the fixed evaluation batch over training (seed {firstSeed})"
              "generator iteration" "E f(real) - E f(G(z)), fixed batch" false (curve (fun m -> at m.FixedEstimates))
          Figure.ofLines "update-cosine"
              ("cos(critic update, -gradient), mean per generator iteration, median-filtered "
               + $"(window 25; seed {firstSeed})")
              "generator iteration" "cosine" false
              [ for line in curve cosine -> { line with Y = Statistics.medianFilter 25 line.Y } ] ]
      ImageGrids = []
      Notes = notes manifest run claims @ Experiment.divergenceNotes [ for k, m in measurements -> k, m.Diverged ] }
