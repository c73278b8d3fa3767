/// discriminator-vs-critic's findings from its units: per seed, how small each learner's generator gradient is at the
/// generated mode against its largest on the grid, the claims judged on that, the learners drawn over the line, and
/// the notes a report prints.
module Wgan.Experiments.DiscriminatorVsCritic.Assembly

open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.Learners
open Wgan.Experiments.DiscriminatorVsCritic.Settings
open Wgan.Experiments.DiscriminatorVsCritic.Unit

/// The per-seed metrics of one learner's unit.
let learnerMetrics (learner: Learner) (m: Measured) =
    let largest = m.Gradient |> Array.map abs |> Array.max
    let atFake = abs m.GradientAtFake
    let untrainedLargest = m.UntrainedGradient |> Array.map abs |> Array.max
    let untrainedAtFake = abs m.UntrainedGradientAtFake
    [ $"{learner.Id}.log10GradientRatioAtFake", log10 atFake - log10 largest
      $"{learner.Id}.gradientAtFake", atFake
      $"{learner.Id}.maxGradient", largest
      $"{learner.Id}.outputAtFake", m.OutputAtFake
      $"{learner.Id}.untrained.log10GradientRatioAtFake", log10 untrainedAtFake - log10 untrainedLargest
      $"{learner.Id}.untrained.gradientAtFake", untrainedAtFake ]

let private density (g: Gaussian) (x: float) =
    exp (-0.5 * ((x - g.Mean) / g.Std) ** 2.0) / (g.Std * sqrt (2.0 * System.Math.PI))

let private gaussianText (g: Gaussian) = $"N({plainNumber g.Mean}, {plainNumber g.Std}^2)"

/// Critic values shifted and scaled to [0, 1] on the grid, so that they share an axis with D(x) and the densities (the
/// paper's Figure 2 also rescales the critic).
let private rescale (values: float[]) =
    let lo, hi = Array.min values, Array.max values
    if hi > lo then values |> Array.map (fun v -> (v - lo) / (hi - lo)) else values |> Array.map (fun _ -> 0.5)

/// The learners' values over the line with the densities, and their generator gradients.
let private figures (settings: Settings) (scale: ScaleSettings) (seeds: int64 list)
    (found: Learner -> int64 -> Measured) =
    let xs = grid settings scale.GridPoints
    let mean (learner: Learner) (transform: float[] -> float[]) =
        Array.init xs.Length (fun i -> seeds |> List.averageBy (fun seed -> (transform (found learner seed).Output)[i]))
    let line label y = { Label = label; X = xs; Y = y; Markers = false }
    let peak = density settings.Real settings.Real.Mean
    let scaledDensity (g: Gaussian) = xs |> Array.map (fun x -> density g x / peak)
    let valueLines =
        [ yield line $"real density {gaussianText settings.Real}, scaled" (scaledDensity settings.Real)
          yield line $"fake density {gaussianText settings.Fake}, scaled" (scaledDensity settings.Fake)
          for learner in settings.Learners ->
              match learner.Kind with
              | Discriminator -> line $"{learner.Label}: D(x)" (mean learner id)
              | Critic _ -> line $"{learner.Label}: f(x), rescaled to [0, 1]" (mean learner rescale) ]
    let geometricMean (learner: Learner) i =
        10.0 ** (seeds |> List.averageBy (fun seed -> log10 (abs (found learner seed).Gradient[i])))
    let gradientLines =
        [ for learner in settings.Learners ->
              let label =
                  match learner.Kind with
                  | Discriminator -> $"{learner.Label}: |d/dx log(1 - D(x))|"
                  | Critic _ -> $"{learner.Label}: |f'(x)|"
              line label (Array.init xs.Length (geometricMean learner)) ]
    [ Figure.ofLines "discriminator-vs-critic" $"Discriminator and critic after {scale.Steps} steps (mean over seeds)"
          "x" "value" false valueLines
      Figure.ofLines "generator-gradient" "Generator gradient on the line (geometric mean over seeds)" "x" "|gradient|"
          true gradientLines ]

let private learnerText (l: Learner) =
    let kind =
        match l.Kind with
        | Discriminator -> "GAN discriminator, loss -E log D(real) - E log(1 - D(fake))"
        | Critic c -> $"WGAN critic, loss E f(fake) - E f(real), {constraintText c}"
    $"Learner {l.Id} ({l.Label}): {kind}; {optimizerText l.Optimizer}."

/// The report's notes: the set-up, the measured quantity and the controls, from the settings.
let private notes (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext) (claims: ClaimResult list) =
    let settings, scale = manifest.Settings, manifest.Scales[run.Scale]
    [ $"The paper gives no means or variances; this manifest uses real {gaussianText settings.Real} and fake "
        + $"{gaussianText settings.Fake}, both fixed (nothing trains the generator). 'The generated mode' is "
        + $"x = {plainNumber settings.Fake.Mean}."
      $"Learners: MLP 1 -> {settings.Learner.Depth} x {scale.Width} -> 1 "
        + $"({activationText settings.Learner.Activation}), trained {scale.Steps} steps on fresh batches of "
        + $"{scale.BatchSize} from each distribution; evaluated on "
        + $"{scale.GridPoints} points over [{plainNumber settings.GridMin}, {plainNumber settings.GridMax}]." ]
    @ List.map learnerText settings.Learners
    @ [ "Generator gradient: for the discriminator d/dx log(1 - D(x)), the minimax generator loss of a sample at x; "
          + "for a critic d/dx f(x). The saturation claim compares |gradient| at the generated mode with its maximum "
          + "on the grid (at least one order of magnitude smaller: log10 ratio <= -1). The critic claims ask that it "
          + "stays within one order of magnitude of the critic's largest slope on the grid (its effective Lipschitz "
          + "constant; for weight clipping K is set by c and the width, not 1), and, under the penalty, of the bound 1 "
          + "(|f'| >= 0.1)."
        "Controls: every network is also evaluated once before training, in the same unit. discriminator-saturates is "
          + "tested on the untrained discriminator (saturation must come from training, not from the architecture or "
          + "the grid). The critics' clean-gradient claims are tested on the trained GAN discriminator's same ratio, "
          + "and gp-critic-slope-near-bound on the trained GAN discriminator's |generator gradient| at the generated "
          + "mode: the test must fail where the paper says the gradient vanishes. The untrained networks' values are "
          + "listed in the metrics for reference." ]
    @ scaleNote run.Scale claims
        ($"This scale trains {scale.Steps} steps (paper scale: {manifest.Scales[Paper].Steps}); a discriminator "
         + "trained less is further from optimality and saturates less.")

/// The experiment's findings from its units' measurements.
let assemble (manifest: Envelope.Envelope<Settings, ScaleSettings>) (run: RunContext)
    (measurements: (string * Measured) list) : Findings =
    let settings, scale, seeds = manifest.Settings, manifest.Scales[run.Scale], run.Seeds
    let found = measuredBy measurements
    let metrics = seedMetrics settings.Learners seeds found learnerMetrics
    let claims = manifest.Claims |> List.map (Claims.evaluate metrics)
    let xs = grid settings scale.GridPoints
    let cells = [ for seed in seeds do for learner in settings.Learners -> seed, learner ]
    { Metrics = metrics
      Claims = claims
      Series =
        [ { Name = "learners-on-grid"
            Columns =
              "x" :: [ for seed, learner in cells do for c in [ "output"; "gradient" ] -> $"{key seed learner}.{c}" ]
            Rows =
              [ for i in 0 .. xs.Length - 1 ->
                    Array.ofList (
                        xs[i] :: [ for seed, learner in cells do
                                       let m = found learner seed
                                       yield! [ m.Output[i]; m.Gradient[i] ] ]) ] } ]
      Figures = figures settings scale seeds found
      ImageGrids = []
      Notes = notes manifest run claims @ Experiment.divergenceNotes [ for k, m in measurements -> k, m.Diverged ] }
