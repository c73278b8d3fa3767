/// The notes capacity-underuse's report prints: the set-up, the plateau rule and where each critic stopped, the
/// measured quantities, the controls with the mean captured fractions, and the authors' ingredients.
module Wgan.Experiments.CapacityUnderuse.Notes

open System.Globalization
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.CapacityUnderuse.Settings
open Wgan.Experiments.CapacityUnderuse.Unit

let private fakeBatchText (coupling: FakeBatch) =
    match coupling with
    | ToyWgan.Independent -> "an independent sample of Pr + N(0, sigma^2 I)"
    | ToyWgan.RealPlusNoise -> "the step's own real batch plus N(0, sigma^2 I) (gan_toy.py: fake = real_data + noise)"

/// How long each critic trains, in words.
let stepsText (t: CriticTraining) =
    match t.Plateau with
    | None -> $"{t.MinSteps} steps"
    | Some _ -> $"at least {t.MinSteps} and at most {t.MaxSteps} steps (until its dual estimate plateaus)"

/// Where each data set's real batches come from, in words.
let private trainingSetsText (settings: Settings) (batchSize: int) =
    settings.Datasets
    |> List.map (fun d ->
        match settings.TrainingSets[d] with
        | ToyWgan.Fresh -> $"{d.Name} fresh at every step (gan_toy.py inf_train_gen: a new batch per yield)"
        | ToyWgan.FixedCycled points ->
            let batches = ToyData.cycledBatches points batchSize
            $"{d.Name} from one fixed set of {points} points per critic ({points / 25} rounds of the 25 centres with "
            + $"N(0, 0.05^2 I) noise, shuffled once, divided by 2.828), read as {batches} batches of {batchSize} "
            + $"cycled in the same order, its last {points - batches * batchSize} points never used (gan_toy.py "
            + "inf_train_gen for 25gaussians)")
    |> String.concat "; "

/// The plateau rule and where each critic stopped, when the scale uses the rule.
let private plateauNotes (scale: ScaleSettings) (datasets: ToyDataset list)
    (perSeed: (int64 * Measured list) list) =
    match scale.CriticSteps.Plateau with
    | None -> []
    | Some (rule, samples) ->
        let t = scale.CriticSteps
        let stops =
            [ for i, d in List.indexed datasets ->
                  let perCritic =
                      kinds
                      |> List.map (fun kind ->
                          let values = perSeed |> List.map (fun (_, ms) -> ms[i].Of(kind).StoppedAt)
                          let listed = values |> List.map (fun v -> string (int64 v)) |> String.concat ", "
                          $"{kind.Prefix} {listed}")
                      |> String.concat "; "
                  $"{d.Name}: {perCritic}" ]
            |> String.concat ". "
        let all = [ for _, ms in perSeed do for m in ms do for k in kinds -> m.Of(k).StoppedAt ]
        let capped = all |> List.filter (fun v -> v >= float t.MaxSteps) |> List.length
        let span = rule.Window * rule.EvaluateEvery
        [ "Plateau rule (this harness's, since the paper says only 'trained to optimality'): each critic trains at "
          + $"least {t.MinSteps} steps; its dual estimate E_Pr f - E_Pg f on a fixed batch of {samples} samples of Pr "
          + "and of Pg (drawn once per unit, apart from the evaluation samples) is evaluated after every "
          + $"{rule.EvaluateEvery}th step; after an evaluation at or beyond step {t.MinSteps}, training stops when the "
          + $"median of the last {rule.Window} evaluations differs from the median of the {rule.Window} before them by "
          + $"at most {plainNumber rule.Tolerance} times the later median's magnitude (a window spans {span} steps); "
          + $"otherwise at step {t.MaxSteps}. The evaluations are in plateau.csv. Steps trained per seed (stoppedAt): "
          + $"{stops}. {capped} of {all.Length} critics reached the cap of {t.MaxSteps} steps." ]

/// The controls, with the mean captured fractions per data set.
let private controlsNote (settings: Settings) (metrics: SeedMetrics list) =
    let mean (name: string) =
        (metrics |> List.averageBy (fun m -> m.Values[name])).ToString("F2", CultureInfo.InvariantCulture)
    let fractions =
        settings.Datasets
        |> List.map (fun d ->
            let ofCritic (critic: string) = mean (d.Name + "." + critic + ".capturedFraction")
            let radial, clip, gp = ofCritic "radial", ofCritic "clip", ofCritic "gp"
            $"{d.Name}: radial {radial}, clipped {clip}, penalty {gp}")
        |> String.concat "; "
    "Controls. The radial critic is f(x) = g(||x||) with the best 1-Lipschitz g (the 1-D Kantorovich potential "
    + "between the radii, by sorting: slope sign(F_fake - F_real) where the radii's empirical CDFs differ, flat where "
    + "they agree): it ignores every mode of the data, and it is exact (for 1-Lipschitz g, g(||x||) is 1-Lipschitz, "
    + "and the supremum of E_Pr f - E_Pg f over such f is the 1-D W1 between the radii of the two samples); its "
    + "captured fraction is that distance over the exact W1. "
    + $"Mean captured fractions ({LipschitzQuantile} quantile): {fractions}. "
    + "gp-captures-most is tested again on the radial critic: when a critic that knows nothing of the modes also "
    + "captures 'most' of W1, the test cannot show that the penalty critic captures the data's structure (verdict "
    + "uninformative if the penalty critic passes). clip-underuses is tested again with the clipped critic replaced "
    + "by the gradient-penalty replicate (replicateGap = gp - gp2): two penalty critics that differ only in their "
    + "weights and batches must not show a gap of 0.2, or the gap does not measure clipping (radialGap, gp - radial, "
    + "is reported too)."

/// The report's notes.
let notes (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (metrics: SeedMetrics list)
    (perSeed: (int64 * Measured list) list) (claims: ClaimResult list) =
    let settings, scale, paper = manifest.Settings, manifest.Scales[run.Scale], manifest.Scales[Paper]
    let h, n = settings.PlotHalfWidth, scale.GridResolution
    let describe (c: FixedGeneratorCritic.CriticSettings) =
        $"MLP 2 -> {widthsText scale.CriticHidden} -> 1, {activationText c.Activation}, normalisation "
        + $"{normalizationText c.Normalization}, {optimizerText c.Optimizer}, {constraintText c.Constraint}"
    let noise = plainNumber settings.GeneratorNoise
    let plotted = min scale.PlottedSamples scale.EvaluationSamples
    [ $"Fixed generator: Pg = Pr + N(0, {noise}^2 I) (gan_toy.py FIXED_GENERATOR); only the critics train, "
      + $"{stepsText scale.CriticSteps} of batch {scale.BatchSize}. Real batches: "
      + $"{trainingSetsText settings scale.BatchSize}." ]
    @ plateauNotes scale settings.Datasets perSeed
    @ [ $"Clipped critic: {describe settings.ClippedCritic}."
        $"Penalised critic: {describe settings.PenaltyCritic}."
        $"Evaluation per seed and data set: {scale.EvaluationSamples} fresh samples of Pr and of Pg, shared by both "
        + "critics. The dual estimate is E_Pr f - E_Pg f (the negated critic loss) on them; W1 is the exact "
        + "optimal-assignment cost between them (the Hungarian assignment whose dual is the Kantorovich potential "
        + "below; KantorovichPotentialTests check its cost against OR-Tools)."
        $"Empirical Lipschitz constant: the {LipschitzQuantile} quantile of ||grad f(x)|| over the evaluation samples "
        + "of both distributions and one random interpolate per pair (eps ~ U[0,1] per sample), the segments on which "
        + "Kantorovich-Rubinstein duality needs f to be 1-Lipschitz. It is a lower bound on the true constant, so a "
        + "captured fraction can exceed 1. lipschitzMax and capturedFractionAtMax read the largest norm instead, which "
        + "one point sets."
        "Captured fraction = (dual estimate / empirical Lipschitz constant) / exact W1: 1 means the critic, rescaled "
        + "to be 1-Lipschitz on the points, attains the Earth-Mover distance between the samples. The W1 between "
        + "finite samples exceeds the population W1 (it also pays for sampling noise), which no smooth critic can "
        + "exploit; this caps the fraction below 1 even for an optimal critic."
        $"Figures show seed {run.Seeds.Head}: the critic's value divided by its empirical Lipschitz constant on a "
        + $"{n} x {n} grid over [-{h}, {h}]^2, with {plotted} real (orange) and generated (green) evaluation "
        + "samples. "
        + "The paper draws contours of the raw critic; dividing by the constant only rescales them."
        controlsNote settings metrics
        "CSV codes: dataset 0 = 8gaussians, 1 = 25gaussians, 2 = swissroll; critic 0 = clipped, 1 = gradient penalty, "
        + "2 = the best radial critic (exact, Lipschitz constant 1), 3 = the gradient-penalty replicate."
        "The authors' ingredients (gan_toy.py at fa66c57, FIXED_GENERATOR): clipped critic initialised "
        + $"{initializationText settings.ClippedCritic.Initialization}, penalised critics "
        + $"{initializationText settings.PenaltyCritic.Initialization}; fake batch {fakeBatchText settings.FakeBatch}. "
        + "Each is a manifest option (initialization: pytorch | tflib; fakeBatch: independent | real-plus-noise; "
        + "optimiser kinds rmsprop, adam (PyTorch's) or tf-rmsprop, tf-adam (TensorFlow 1's, as gan_toy.py ran "
        + "them)). The real batches are a fourth option, per data set (trainingSet: fresh | fixed, gan_toy.py's "
        + "inf_train_gen)."
        "Structure: the exact optimal critic between the evaluation samples is their Kantorovich potential "
        + "f*(z) = min_j (||z - y_j|| - v_j), from the optimal assignment's dual (1-Lipschitz everywhere, attaining "
        + "W1); its surface is drawn beside the critics'. A critic's structure score is the correlation of its "
        + $"values' and f*'s residuals after a piecewise-linear fit of the radius in {settings.StructureBins} "
        + $"equal-count bins, over the {2 * scale.EvaluationSamples} evaluation samples: 1 for f* itself, about 0 for "
        + "any function of the radius (the radial critic's score is its control). The gp2 critic is a second penalty "
        + "critic from other weights and batches: replacing the clipped critic by it removes the claimed cause "
        + "(clipping) and keeps everything else, so the gap claims' controls ask whether two penalty critics differ "
        + "as much."
        "The paper does not say how long its critics trained ('to optimality'); the step counts are this harness's "
        + "choice, per scale." ]
    @ scaleNote run.Scale claims
        ($"The critics here are {widthsText scale.CriticHidden} wide and train {stepsText scale.CriticSteps} of batch "
         + $"{scale.BatchSize}; paper scale trains {widthsText paper.CriticHidden} critics for "
         + $"{stepsText paper.CriticSteps} of batch {paper.BatchSize}, closer to the optimal critics the paper plots.")
    @ Option.toList scale.Note
