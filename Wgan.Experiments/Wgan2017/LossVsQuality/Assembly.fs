/// mnist-loss-vs-quality's findings from its units: each run's EM estimates correlated with its samples' quality
/// (levels and changes, each against the clock as control), the claims judged on them, the curves and grids drawn,
/// and the notes a report prints.
module Wgan.Experiments.LossVsQuality.Assembly

open Wgan.Experiments
open Wgan.Experiments.MnistVariant
open Wgan.Experiments.MnistWgan
open Wgan.Experiments.MnistRun
open Wgan.Experiments.LossVsQuality.Settings
open Wgan.Experiments.LossVsQuality.Unit

/// Spearman correlation between the consecutive changes of `xs` and of `ys` (x_(k+1) - x_k against
/// y_(k+1) - y_k): a statistic that a quantity merely trending with time cannot pass. When either series of
/// changes is constant (the clock's, whose steps are all equal) it carries no information about the other, and
/// the correlation is 0; NaN for fewer than two changes or a non-finite value.
let changeRankCorrelation (xs: float[]) (ys: float[]) : float =
    let changes (v: float[]) = v |> Array.pairwise |> Array.map (fun (a, b) -> b - a)
    let dx, dy = changes xs, changes ys
    if dx.Length < 2 || Array.append dx dy |> Array.exists (fun v -> not (System.Double.IsFinite v)) then nan
    elif Array.distinct dx |> Array.length = 1 || Array.distinct dy |> Array.length = 1 then 0.0
    else Statistics.spearman dx dy

/// The metrics of one variant's run for one seed (`prefix` names the variant); correlations use the measurements
/// after training began.
let variantMetrics (prefix: string) (ms: Measurement[]) : (string * float) list =
    let trained = ms |> Array.filter (fun m -> m.Iteration > 0)
    let em = trained |> Array.map (fun m -> m.EarthMover)
    let fd = trained |> Array.map (fun m -> m.Quality.FrechetDistance)
    let clock = trained |> Array.map (fun m -> -(float m.Iteration))
    let correlation (xs: float[]) (pick: Measurement -> float) =
        if trained.Length < 2 then nan else Statistics.spearman xs (trained |> Array.map pick)
    let last = ms[ms.Length - 1]
    [ $"{prefix}.rankCorrelationFd", correlation em (fun m -> m.Quality.FrechetDistance)
      $"{prefix}.clockRankCorrelationFd", correlation clock (fun m -> m.Quality.FrechetDistance)
      $"{prefix}.changeRankCorrelationFd", changeRankCorrelation em fd
      $"{prefix}.clockChangeRankCorrelationFd", changeRankCorrelation clock fd
      $"{prefix}.rankCorrelationCoverage", correlation em (fun m -> m.Quality.Coverage)
      $"{prefix}.initialFd", ms[0].Quality.FrechetDistance
      $"{prefix}.finalFd", last.Quality.FrechetDistance
      $"{prefix}.finalCoverage", last.Quality.Coverage
      $"{prefix}.finalEm", last.EarthMover ]

/// One variant's quality series, every seed's measurements.
let private series (runs: VariantRuns<Measurement>) : Series =
    { Name = $"{runs.Variant.File}-quality"
      Columns =
        [ "seed"; "generator_iteration"; "em_estimate_median"; "generator_loss_mean"; "frechet_distance"
          "class_coverage" ]
        @ [ for c in 0 .. 9 -> $"share_class_{c}" ]
      Rows =
        [ for seed, r in runs.Runs do
              for m in r.Measurements ->
                  Array.append
                      [| float seed; float m.Iteration; m.EarthMover; m.GeneratorLoss; m.Quality.FrechetDistance
                         m.Quality.Coverage |]
                      m.Quality.ClassShares ] }

/// One variant's figures: the mean EM estimate and Frechet distance over training, and the two against each other.
let private figures (runs: VariantRuns<Measurement>) : Figure list =
    let file, label = runs.Variant.File, runs.Variant.Label
    let x = evaluationIterations runs.Measurements (fun m -> m.Iteration)
    let mean pick = meanOverRuns runs.Measurements pick
    let em = Array.zip x (mean (fun m -> m.EarthMover)) |> Array.filter (fun (i, _) -> i > 0.0)
    let scatter (seed: int64, r: RunRecord<Measurement>) =
        let ms = r.Measurements |> Array.filter (fun m -> m.Iteration > 0)
        { Label = $"seed {seed}"
          X = ms |> Array.map (fun m -> m.Quality.FrechetDistance)
          Y = ms |> Array.map (fun m -> m.EarthMover)
          Markers = true }
    [ lineFigure $"{file}-em-estimate"
          $"{label}: the critic's EM estimate during training (median per interval, mean over seeds)"
          "generator iterations" "EM estimate E f(real) - E f(fake)"
          [ { Label = "EM estimate"; X = Array.map fst em; Y = Array.map snd em; Markers = false } ]
      lineFigure $"{file}-frechet-distance"
          $"{label}: Frechet distance to held-out digits (classifier features, mean over seeds)"
          "generator iterations" "squared Frechet distance"
          [ { Label = "Frechet distance"; X = x; Y = mean (fun m -> m.Quality.FrechetDistance); Markers = false } ]
      lineFigure $"{file}-em-vs-fd" $"{label}: EM estimate against Frechet distance (every measurement, every seed)"
          "squared Frechet distance" "EM estimate" (runs.Runs |> List.map scatter) ]

/// The report's notes: the data, the classifier, the measured quantities, the set-up and the controls.
let private notes (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (data: string)
    (classifier: ClassifierFacts) =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let c = settings.Classifier
    [ $"Data: {data}. {scale.ReferenceDigits} digits (split by dataSeed {settings.DataSeed}) are held out as the "
      + $"quality reference and the classifier's test set; the GANs and the classifier train on "
      + $"{scale.TrainingDigits} others."
      $"Classifier: DigitClassifier with {c.Channels} and {2 * c.Channels} channels and {c.Features} features, "
      + $"{c.Epochs} epochs of batch {c.BatchSize} with {c.Optimizer}, seed {c.Seed}; test accuracy "
      + $"{classifier.TestAccuracy:F4}. Its training is deterministic (settings, data and thread count); the runner "
      + "caches its weights under a key of all three, so every unit measures with the same classifier."
      $"Quality: squared Frechet distance between Gaussians fitted to the classifier's {c.Features}-d features of "
      + $"{scale.QualitySamples} generated digits (fixed noise) and of the {scale.ReferenceDigits} reference digits; "
      + "class coverage = share of the 10 classes predicted for at least "
      + $"{settings.CoverageMinShare * 100.0:F1}%% of the generated digits."
      "Sign convention: the EM estimate is E f(real) - E f(fake) on training batches, the negated critic loss "
      + "without the penalty term (the official WGAN code's -Loss_D); at each measurement it is the median over the "
      + "interval since the previous one (the WGAN README median-filters it)." ]
    @ trainingNotes settings.Gan scale.Run $", measured every {scale.Run.EvaluateEvery}"
    @ [ "The correlations use the measurements after training began (the EM estimate has no interval before the "
        + "first iteration); the Frechet distance falls as quality improves, so the claim expects a positive "
        + "correlation, and a negative one with coverage."
        "Controls: the iteration counter. Anything that trends with training time correlates with a Frechet "
        + "distance that trends too, so each claim is tested again on -iteration in place of the EM estimate "
        + "(`clockRankCorrelationFd`); when the clock passes as well, the verdict is *uninformative*. The change "
        + "claims correlate consecutive changes of the estimate with those of the Frechet distance "
        + "(`changeRankCorrelationFd`), which a clock cannot pass: its changes are all equal, so its change "
        + "correlation is 0 by definition (`clockChangeRankCorrelationFd`)." ]

/// The experiment's findings from its units' measurements.
let assemble (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (measured: (string * Measured) list) : Findings =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    let units = gather settings.Gan run.Seeds [ for key, m in measured -> key, m.Data, m.Run ]
    let runs = units.Runs
    let classifier = measured |> List.pick (fun (_, m) -> m.Classifier)
    let shared = [ "classifier.testAccuracy", classifier.TestAccuracy ]
    let metrics = seedMetrics run.Seeds runs (fun v -> variantMetrics v.Prefix) shared
    let columns = settings.Gan.GridColumns
    { Metrics = metrics
      Claims = manifest.Claims |> List.map (Claims.evaluate metrics)
      Series = runs |> List.map series
      Figures = runs |> List.collect figures
      ImageGrids =
        imageGrid "real-digits" $"Real reference digits (held out), the first {columns * 2}" columns
            (List.ofArray classifier.RealDigits)
        :: (runs |> List.map (sampleGrid columns))
      Notes =
        notes manifest run units.Data classifier @ units.DivergenceNotes @ Option.toList scale.Run.Note }
