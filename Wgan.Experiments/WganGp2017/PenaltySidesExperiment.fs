/// WGAN-GP (Gulrajani et al. 2017), Appendix C, as the paper tested it: a paired design over random
/// architectures. The paper trained each of many random architectures with the two-sided penalty
/// (||g|| - 1)^2 and the one-sided penalty max(0, ||g|| - 1)^2 and counted which scored better: two-sided 100,
/// one-sided 77, no significant difference. Here every "seed" draws one random toy architecture and its
/// hyperparameters (depth, width, activation, learning rate, lambda) from the manifest's space; each is trained
/// with the two-sided penalty, the one-sided penalty and, as the control, no constraint at all, from the same
/// initial weights and on the same data and noise, and the exact W1 between generated and real samples is
/// measured along training.
module Wgan.Experiments.PenaltySidesExperiment

open System
open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.ToyTraining

[<Literal>]
let Id = "penalty-sides"

/// The space random architectures are drawn from (each choice uniform; the learning rate log-uniform).
type Space =
    { Depths: int list
      Widths: int list
      Activations: Activation list
      /// Log-uniform in [lo, hi], for the critic's and the generator's Adam alike.
      LearningRate: float * float
      Lambdas: float list }

/// One drawn architecture with its hyperparameters.
type Architecture = { Depth: int; Width: int; Activation: Activation; LearningRate: float; Lambda: float }

/// The three ways each architecture is trained: the two penalties compared, and the control.
type Arm =
    | TwoSided
    | OneSided
    /// No Lipschitz constraint: a real difference that the "about the same" test must see.
    | NoConstraint

    member this.Id =
        match this with
        | TwoSided -> "two-sided"
        | OneSided -> "one-sided"
        | NoConstraint -> "unconstrained"

let arms = [ TwoSided; OneSided; NoConstraint ]

type ScaleSettings =
    { Seeds: int
      BatchSize: int
      GeneratorIterations: int
      /// The exact W1 is measured before training and after every so many generator iterations.
      EvaluateEvery: int
      EarthMoverSamples: int
      CheckpointEvery: int }

type Settings =
    { Seed: int
      VerifyTolerance: float
      Dataset: ToyDataset
      NoiseDimension: int
      NCritic: int
      Beta1: float
      Beta2: float
      Space: Space
      /// A run has plateaued when its last two W1 measurements differ by at most this fraction of the last.
      PlateauTolerance: float
      Scales: Map<Scale, ScaleSettings>
      Claims: ClaimSpec list }

let private metricNames =
    [ for a in arms do
          yield $"{a.Id}.finalEarthMover"
          yield $"{a.Id}.plateaued"
      yield "untrainedEarthMover"
      yield "one-vs-two.absLogRatio"
      yield "unconstrained-vs-two.absLogRatio"
      yield "two-sided.wins" ]

let metrics =
    [ "<arm>.finalEarthMover", "mean of the last two exact W1 measurements between generated and real samples (arms: two-sided, one-sided, unconstrained)"
      "<arm>.plateaued", "1 when the arm's last two W1 measurements differ by at most the manifest's plateau tolerance, else 0"
      "untrainedEarthMover", "exact W1 before training (the same for every arm)"
      "one-vs-two.absLogRatio", "|ln(one-sided final W1 / two-sided final W1)|: 0 when the penalties end equally close"
      "unconstrained-vs-two.absLogRatio", "the same against the unconstrained critic (the control)"
      "two-sided.wins", "1 when the two-sided penalty ends closer to the data than the one-sided one, else 0" ]

let private space: Decoder<Space> =
    Decode.readObject (fun r ->
        let lr = r.Required("learningRate", Decode.readObject (fun q -> q.Required("lo", Decode.floatInRange 1e-7 1.0), q.Required("hi", Decode.floatInRange 1e-7 1.0)))
        { Depths = r.Required("depth", Decode.nonEmptyArray (Decode.intInRange 1 16))
          Widths = r.Required("width", Decode.nonEmptyArray (Decode.intInRange 1 4096))
          Activations = r.Required("activation", Decode.nonEmptyArray activation)
          LearningRate = lr
          Lambdas = r.Required("lambda", Decode.nonEmptyArray (Decode.floatInRange 1e-6 1e6)) })
    |> requiring (fun s -> fst s.LearningRate <= snd s.LearningRate) "learningRate.lo must not exceed learningRate.hi"

let private scaleSettings: Decoder<ScaleSettings> =
    Decode.readObject (fun r ->
        { Seeds = r.Required("seeds", Decode.intInRange 1 1000)
          BatchSize = r.Required("batchSize", Decode.intInRange 1 1_000_000)
          GeneratorIterations = r.Required("generatorIterations", Decode.intInRange 1 10_000_000)
          EvaluateEvery = r.Required("evaluateEvery", Decode.intInRange 1 10_000_000)
          EarthMoverSamples = r.Required("earthMoverSamples", Decode.intInRange 2 4096)
          CheckpointEvery = r.Required("checkpointEvery", Decode.intInRange 0 10_000_000) })
    |> requiring (fun s -> s.GeneratorIterations % s.EvaluateEvery = 0 && s.GeneratorIterations / s.EvaluateEvery >= 2) "generatorIterations must be a multiple of evaluateEvery, at least twice it"

let decodeSettings: Decoder<Settings> =
    Decode.readObject (fun r ->
        r.Required("experiment", Decode.string) |> ignore
        { Seed = r.Required("seed", seed)
          VerifyTolerance = r.Required("verifyTolerance", verifyTolerance)
          Dataset = r.Required("dataset", dataset)
          NoiseDimension = r.Required("noiseDimension", Decode.intInRange 1 4096)
          NCritic = r.Required("nCritic", Decode.intInRange 1 1000)
          Beta1 = r.Required("beta1", Decode.floatInRange 0.0 0.999999)
          Beta2 = r.Required("beta2", Decode.floatInRange 0.0 0.999999)
          Space = r.Required("space", space)
          PlateauTolerance = r.Required("plateauTolerance", Decode.floatInRange 0.0 1.0)
          Scales = r.Required("scales", scaleTable scaleSettings)
          Claims = r.Required("claims", claims metricNames) })

/// The architecture of a seed: every choice drawn from a generator seeded by the seed alone.
let architecture (space: Space) (seed: int64) : Architecture =
    let random = Random(int (Seeds.derive seed [ 7 ] % int64 Int32.MaxValue))
    let pick (xs: 'T list) = xs[random.Next xs.Length]
    let lo, hi = space.LearningRate
    let depth = pick space.Depths
    let width = pick space.Widths
    let activation = pick space.Activations
    let learningRate = exp (log lo + random.NextDouble() * (log hi - log lo))
    { Depth = depth; Width = width; Activation = activation; LearningRate = learningRate; Lambda = pick space.Lambdas }

let architectureText (a: Architecture) =
    $"{a.Depth} x {a.Width} {activationText a.Activation}, lr {a.LearningRate:G3}, lambda {plainNumber a.Lambda}"

let unitKey (seed: int64) (arm: Arm) = $"seed-{seed}/{arm.Id}"

let private constraintOf (arm: Arm) (lambda: float) =
    match arm with
    | TwoSided -> GradientPenalty(lambda, GradientPenalty.TwoSided)
    | OneSided -> GradientPenalty(lambda, GradientPenalty.OneSided)
    | NoConstraint -> LipschitzConstraint.Unconstrained

/// Trains one arm of one architecture; the exact W1 before training and after every `EvaluateEvery`
/// generator iterations, on one fixed evaluation batch (the same real samples and noise for every arm).
let measure (settings: Settings) (scale: ScaleSettings) (device: torch.Device) (checkpoints: UnitCheckpoints) (seed: int64) (arm: Arm) : MeasurementBag =
    let a = architecture settings.Space seed
    // Everything but the constraint depends on the seed alone: the same weights, batches, noise and penalty
    // coefficients for the three arms.
    use generatorInit = new torch.Generator(uint64 (Seeds.derive seed [ 0 ]))
    use criticInit = new torch.Generator(uint64 (Seeds.derive seed [ 1 ]))
    use trainingGenerator = new torch.Generator(uint64 (Seeds.derive seed [ 2 ]))
    let hidden = List.replicate a.Depth a.Width
    use critic = new Mlp({ Inputs = 2; Hidden = hidden; Outputs = 1; Activation = a.Activation; Normalization = NoNormalization }, criticInit)
    use generatorNetwork = new Mlp({ Inputs = settings.NoiseDimension; Hidden = hidden; Outputs = 2; Activation = a.Activation; Normalization = NoNormalization }, generatorInit)
    critic.``to``(device) |> ignore
    generatorNetwork.``to``(device) |> ignore
    let adam = Adam(a.LearningRate, settings.Beta1, settings.Beta2)
    let setting = { Id = arm.Id; Label = arm.Id; Constraint = constraintOf arm a.Lambda; CriticOptimizer = adam; GeneratorOptimizer = adam }
    let evaluationBatch () =
        use evaluation = new torch.Generator(uint64 (Seeds.derive seed [ 3 ]))
        let real = toRows (ToyData.sample settings.Dataset scale.EarthMoverSamples evaluation)
        real, (noise settings.NoiseDimension scale.EarthMoverSamples device evaluation).DetachFromDisposeScope()
    let real, evaluationNoise = evaluationBatch ()
    use z = evaluationNoise
    let earthMover () =
        use _ = torch.NewDisposeScope()
        use _ = torch.no_grad()
        EarthMover.earthMover (toRows (generatorNetwork.call z)) real
    let evaluated i =
        if i % scale.EvaluateEvery <> 0 then Ok []
        else
            let w = earthMover ()
            if Double.IsFinite w then Ok [ [| float i; w |] ] else Error $"the generated samples are not finite at iteration {i}"
    let rows, stopped =
        trainWganLogged checkpoints scale.CheckpointEvery critic generatorNetwork setting settings.Dataset settings.NoiseDimension
            scale.BatchSize settings.NCritic scale.GeneratorIterations device trainingGenerator
            (fun () -> [ [| 0.0; earthMover () |] ]) evaluated
    let curve = rows |> Array.map (fun r -> r[1])
    let final, plateaued =
        if stopped <> "" || curve.Length < 3 then nan, nan
        else
            let last, previous = curve[curve.Length - 1], curve[curve.Length - 2]
            0.5 * (last + previous), (if abs (last - previous) <= settings.PlateauTolerance * last then 1.0 else 0.0)
    { Key = unitKey seed arm
      Scalars = readOnlyDict [ "finalEarthMover", final; "plateaued", plateaued; "untrainedEarthMover", curve[0] ]
      Vectors = readOnlyDict [ "iteration", rows |> Array.map (fun r -> r[0]); "earthMover", curve ]
      Texts = readOnlyDict []
      Diverged = stopped }

/// A number with `digits` decimals for notes, invariant culture ("nan" when not finite).
let private decimals (digits: int) (x: float) =
    if Double.IsFinite x then x.ToString("F" + string digits, Globalization.CultureInfo.InvariantCulture) else "nan"

let private title = "One- vs two-sided gradient penalty over random architectures (paired)"
let private source = "WGAN-GP (Gulrajani et al. 2017), Appendix C"

let units (settings: Settings) (run: RunContext) : WorkUnitOf list =
    let scale = settings.Scales[run.Scale]
    [ for seed in run.Seeds do
          let text = architectureText (architecture settings.Space seed)
          for arm in arms ->
              { Key = unitKey seed arm
                Description = $"architecture {seed} ({text}), {arm.Id}"
                Run = fun checkpoints -> measure settings scale run.Device checkpoints seed arm } ]

/// The one-sided binomial tail P(X >= k), X ~ Bin(n, 1/2), doubled and capped at 1: the two-sided sign test.
let private twoSidedSignTest (k: int) (n: int) =
    if n = 0 then 1.0 else min 1.0 (2.0 * DecisionRules.signTestPValue (max k (n - k)) n)

let assemble (settings: Settings) (run: RunContext) (results: MeasurementBag list) : Findings =
    let scale = settings.Scales[run.Scale]
    let seeds = run.Seeds
    let found = byKey results
    let final seed (arm: Arm) = found[unitKey seed arm].Scalars["finalEarthMover"]
    let metricsPerSeed =
        seeds |> List.map (fun seed ->
            let two, one, free = final seed TwoSided, final seed OneSided, final seed NoConstraint
            { Seed = seed
              Values =
                readOnlyDict [
                    for arm in arms do
                        yield $"{arm.Id}.finalEarthMover", final seed arm
                        yield $"{arm.Id}.plateaued", found[unitKey seed arm].Scalars["plateaued"]
                    yield "untrainedEarthMover", found[unitKey seed TwoSided].Scalars["untrainedEarthMover"]
                    yield "one-vs-two.absLogRatio", abs (log (one / two))
                    yield "unconstrained-vs-two.absLogRatio", abs (log (free / two))
                    yield "two-sided.wins", (if Double.IsFinite one && Double.IsFinite two then (if two < one then 1.0 else 0.0) else nan) ] })
    let claims = settings.Claims |> List.map (Claims.evaluate metricsPerSeed)
    let decided = seeds |> List.filter (fun s -> Double.IsFinite (final s TwoSided) && Double.IsFinite (final s OneSided) && final s TwoSided <> final s OneSided)
    let twoWins = decided |> List.filter (fun s -> final s TwoSided < final s OneSided) |> List.length
    let oneWins = decided.Length - twoWins
    let plateauShare (arm: Arm) =
        let values = seeds |> List.map (fun s -> found[unitKey s arm].Scalars["plateaued"]) |> List.filter Double.IsFinite
        if values.IsEmpty then "none" else $"{List.sum values |> int} of {values.Length}"
    let curve seed (arm: Arm) = found[unitKey seed arm]
    { Metrics = metricsPerSeed
      Claims = claims
      Series =
        [ { Name = "earth-mover-curves"
            Columns = [ "seed"; "arm"; "iteration"; "exact_w1" ]
            Rows =
              [ for seed in seeds do
                    for i, arm in List.indexed arms do
                        let u = curve seed arm
                        for k in 0 .. u.Vectors["iteration"].Length - 1 -> [| float seed; float i; u.Vectors["iteration"][k]; u.Vectors["earthMover"][k] |] ] } ]
      Figures =
        [ Figure.ofLines "paired-final-earth-mover" "Final exact W1 per architecture: one-sided against two-sided (the diagonal: equal)" "two-sided penalty: final exact W1" "final exact W1" false
              [ let xs = seeds |> List.map (fun s -> final s TwoSided) |> Array.ofList
                let finiteXs = xs |> Array.filter Double.IsFinite
                let lo, hi = (if finiteXs.Length = 0 then 0.0, 1.0 else Array.min finiteXs, Array.max finiteXs)
                { Label = "equal"; X = [| lo; hi |]; Y = [| lo; hi |]; Markers = false }
                { Label = "one-sided penalty"; X = xs; Y = seeds |> List.map (fun s -> final s OneSided) |> Array.ofList; Markers = true }
                { Label = "no constraint (control)"; X = xs; Y = seeds |> List.map (fun s -> final s NoConstraint) |> Array.ofList; Markers = true } ] ]
      ImageGrids = []
      Notes =
        [ let listed (xs: string list) = String.concat ", " xs
          $"Data: {datasetTitle settings.Dataset}. Each seed draws one architecture: critic and generator MLPs of the same depth (one of {settings.Space.Depths |> List.map string |> listed}), width (one of {settings.Space.Widths |> List.map string |> listed}) and activation (one of {settings.Space.Activations |> List.map activationText |> listed}), Adam (beta1 {plainNumber settings.Beta1}, beta2 {plainNumber settings.Beta2}) with one learning rate log-uniform in [{plainNumber (fst settings.Space.LearningRate)}, {plainNumber (snd settings.Space.LearningRate)}] for both, lambda one of {settings.Space.Lambdas |> List.map plainNumber |> listed} (the paper's text uses 10 everywhere, its toy script 0.1); nCritic {settings.NCritic}, batch {scale.BatchSize}, {scale.GeneratorIterations} generator iterations. The three arms of an architecture start from the same weights and see the same batches, noise and penalty coefficients."
          yield! seeds |> List.map (fun s ->
              let untrained = found[unitKey s TwoSided].Scalars["untrainedEarthMover"]
              $"Architecture {s}: {architectureText (architecture settings.Space s)}; final W1 two-sided {decimals 4 (final s TwoSided)}, one-sided {decimals 4 (final s OneSided)}, unconstrained {decimals 4 (final s NoConstraint)} (untrained {decimals 4 untrained}).")
          $"Paired comparison, as the paper counted it: the two-sided penalty ended closer to the data in {twoWins} of {decided.Length} architectures, the one-sided in {oneWins}; two-sided sign test p = {decimals 3 (twoSidedSignTest twoWins decided.Length)} (WGAN-GP Appendix C: two-sided better in 100 architectures, one-sided in 77, of 174; not significant)."
          $"Exact W1 between {scale.EarthMoverSamples} generated and {scale.EarthMoverSamples} real samples (a fixed evaluation batch), before training and every {scale.EvaluateEvery} generator iterations; the final W1 is the mean of the last two measurements. Plateau (last two measurements within {plainNumber (100.0 * settings.PlateauTolerance)}%%): two-sided {plateauShare TwoSided}, one-sided {plateauShare OneSided}, unconstrained {plateauShare NoConstraint}."
          "The claim 'about the same' asks that the two penalties end within 25% of each other (|ln ratio| <= ln 1.25) in a significant majority of architectures (sign test); its control asks the same of the unconstrained critic against the two-sided one, a difference the test must see."
          yield! scaleNote run.Scale claims $"This scale trains {scale.GeneratorIterations} generator iterations per arm (paper scale: {settings.Scales[Paper].GeneratorIterations})."
          yield! Experiment.bagDivergenceNotes results ] }

/// The networks a unit holds at once, at a scale (see Footprint): the critic and generator of the deepest and widest
/// architecture of the space, through the larger of the batch and the Earth-Mover samples.
let footprint (settings: Settings) (scale: Scale) : Footprint.Demand list =
    let s = settings.Scales[scale]
    let hidden = List.replicate (List.max settings.Space.Depths) (List.max settings.Space.Widths)
    [ { Path = "space"
        Networks =
          [ Footprint.mlp "critic" (2 :: hidden @ [ 1 ])
            Footprint.mlp "generator" (settings.NoiseDimension :: hidden @ [ 2 ]) ]
        Samples = max s.BatchSize s.EarthMoverSamples } ]

let definition: ExperimentDefinition =
    Experiment.standard Id title source metrics decodeSettings
        Experiment.commonOf
        footprint units assemble
