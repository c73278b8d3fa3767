/// Mode coverage on the Gaussian mixtures: GANs (minimax and non-saturating), WGAN-clip and WGAN-GP trained on
/// 8 and 25 Gaussians, then scored by the modes their samples cover, the share of high-quality samples
/// (within 3 standard deviations of a mode centre) and the exact W1 to real samples. No claim is assumed:
/// the report ranks the trainers with 95% intervals.
module Wgan.Experiments.ModeCoverageExperiment

open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.ToyTraining
open Wgan.Experiments.MeaningfulLossExperiment

[<Literal>]
let Id = "mode-coverage"

type ScaleSettings =
    { Seeds: int
      Width: int
      BatchSize: int
      GeneratorIterations: int
      /// Generated samples scored at the end (modes and quality).
      EvaluationSamples: int
      /// Samples in the exact W1.
      EarthMoverSamples: int
      CheckpointEvery: int }

type Settings =
    { Seed: int
      VerifyTolerance: float
      Datasets: ToyDataset list
      NoiseDimension: int
      Critic: DeepShape
      Generator: DeepShape
      CriticSchedule: CriticSchedule
      /// A mode is covered when at least this many of the evaluation samples are high-quality samples of it.
      MinSamplesPerMode: int
      /// High quality: within this many standard deviations of the nearest mode centre.
      QualityStds: float
      Trainers: Trainer list
      Scales: Map<Scale, ScaleSettings>
      Claims: ClaimSpec list }

let metricNamesOf (datasets: ToyDataset list) (t: Trainer) =
    [ for d in datasets do
          yield! [ $"{t.Id}.{d.Name}.modesCovered"; $"{t.Id}.{d.Name}.highQualityShare"; $"{t.Id}.{d.Name}.finalEarthMover" ] ]

let metrics =
    [ "<trainer>.<dataset>.modesCovered", "share of the mixture's modes with at least minSamplesPerMode high-quality generated samples"
      "<trainer>.<dataset>.highQualityShare", "share of generated samples within qualityStds standard deviations of their nearest mode centre"
      "<trainer>.<dataset>.finalEarthMover", "exact W1 between generated and real samples after training" ]

let private scaleSettings: Decoder<ScaleSettings> =
    Decode.readObject (fun r ->
        { Seeds = r.Required("seeds", Decode.intInRange 1 1000)
          Width = r.Required("width", Decode.intInRange 1 65536)
          BatchSize = r.Required("batchSize", Decode.intInRange 1 1_000_000)
          GeneratorIterations = r.Required("generatorIterations", Decode.intInRange 1 10_000_000)
          EvaluationSamples = r.Required("evaluationSamples", Decode.intInRange 1 10_000_000)
          EarthMoverSamples = r.Required("earthMoverSamples", Decode.intInRange 2 4096)
          CheckpointEvery = r.Required("checkpointEvery", Decode.intInRange 0 10_000_000) })

let private mixture (d: ToyDataset) = d = EightGaussians || d = TwentyFiveGaussians

let decodeSettings: Decoder<Settings> =
    Decode.readObject (fun r ->
        r.Required("experiment", Decode.string) |> ignore
        let datasets =
            r.Required("datasets", Decode.nonEmptyArray dataset |> requiring (fun ds -> List.distinct ds = ds && List.forall mixture ds) "must be distinct Gaussian mixtures (8gaussians, 25gaussians)")
        let trainers =
            r.Required("trainers", uniqueIds (fun t -> t.Id) "trainer" trainerDecoder)
        let names = if isNull (box trainers) || isNull (box datasets) then [] else trainers |> List.collect (metricNamesOf datasets)
        { Seed = r.Required("seed", seed)
          VerifyTolerance = r.Required("verifyTolerance", verifyTolerance)
          Datasets = datasets
          NoiseDimension = r.Required("noiseDimension", Decode.intInRange 1 4096)
          Critic = r.Required("critic", deepShape)
          Generator = r.Required("generator", deepShape)
          CriticSchedule = r.Required("criticSchedule", schedule)
          MinSamplesPerMode = r.Required("minSamplesPerMode", Decode.intInRange 1 1_000_000)
          QualityStds = r.Required("qualityStds", Decode.positiveFloat)
          Trainers = trainers
          Scales = r.Required("scales", scaleTable scaleSettings)
          Claims = r.Required("claims", claims names) })

/// The mode centres and the per-coordinate standard deviation of a mixture, in data coordinates (after the
/// gan_toy.py division).
let modes (d: ToyDataset) : (float * float)[] * float =
    match d with
    | EightGaussians -> eightGaussiansCentres |> Array.map (fun (x, y) -> x / EightGaussiansDivisor, y / EightGaussiansDivisor), EightGaussiansStd / EightGaussiansDivisor
    | TwentyFiveGaussians -> twentyFiveGaussiansCentres |> Array.map (fun (x, y) -> x / TwentyFiveGaussiansDivisor, y / TwentyFiveGaussiansDivisor), TwentyFiveGaussiansStd / TwentyFiveGaussiansDivisor
    | SwissRoll -> invalidArg (nameof d) "the Swiss Roll has no modes"

/// (share of modes covered, share of high-quality samples) of `samples`.
let coverage (d: ToyDataset) (qualityStds: float) (minPerMode: int) (samples: float[][]) =
    let centres, std = modes d
    let counts = Array.zeroCreate centres.Length
    let mutable good = 0
    for s in samples do
        let distances = centres |> Array.map (fun (x, y) -> sqrt ((s[0] - x) ** 2.0 + (s[1] - y) ** 2.0))
        let nearest = Array.findIndex (fun v -> v = Array.min distances) distances
        if distances[nearest] <= qualityStds * std then
            good <- good + 1
            counts[nearest] <- counts[nearest] + 1
    float (counts |> Array.filter (fun c -> c >= minPerMode) |> Array.length) / float centres.Length, float good / float samples.Length

let unitKey (seed: int64) (t: Trainer) (d: ToyDataset) = $"seed-{seed}/{t.Id}/{d.Name}"

let measure (settings: Settings) (scale: ScaleSettings) (device: torch.Device) (checkpoints: UnitCheckpoints) (seed: int64) (trainer: Trainer) (d: ToyDataset) : UnitMeasurement =
    let generatorFor role = new torch.Generator(uint64 (Seeds.derive seed [ idCode trainer.Id; datasetCode d; role ]))
    use networkGenerator = generatorFor 0
    use trainingGenerator = generatorFor 1
    use evaluationGenerator = generatorFor 2
    use critic = new Mlp(deepSpec settings.Critic scale.Width 2 1, networkGenerator)
    use generatorNetwork = new Mlp(deepSpec settings.Generator scale.Width settings.NoiseDimension 2, networkGenerator)
    critic.``to``(device) |> ignore
    generatorNetwork.``to``(device) |> ignore
    use criticOptimizer = Optimizer.create trainer.CriticOptimizer (critic.parameters())
    use generatorOptimizer = Optimizer.create trainer.GeneratorOptimizer (generatorNetwork.parameters())
    let iteration k =
        trainingIteration trainer (criticSteps settings.CriticSchedule trainer k) critic generatorNetwork criticOptimizer generatorOptimizer d settings.NoiseDimension scale.BatchSize device trainingGenerator k
        |> Result.map (fun _ -> None)
    let _, stopped =
        TrainingLoop.run checkpoints scale.CheckpointEvery
            { Networks = [ critic; generatorNetwork ]; Optimizers = [ criticOptimizer; generatorOptimizer ]; Generators = [ trainingGenerator ] }
            scale.GeneratorIterations iteration
    let scores =
        if stopped.IsSome then [ "modesCovered", nan; "highQualityShare", nan; "finalEarthMover", nan ]
        else
            use _ = torch.NewDisposeScope()
            let samples = toRows (generate generatorNetwork settings.NoiseDimension scale.EvaluationSamples device evaluationGenerator)
            let covered, quality = coverage d settings.QualityStds settings.MinSamplesPerMode samples
            let fake = toRows (generate generatorNetwork settings.NoiseDimension scale.EarthMoverSamples device evaluationGenerator)
            let real = toRows (ToyData.sample d scale.EarthMoverSamples evaluationGenerator)
            [ "modesCovered", covered; "highQualityShare", quality; "finalEarthMover", EarthMover.earthMover fake real ]
    { Key = unitKey seed trainer d
      Scalars = readOnlyDict scores
      Vectors = readOnlyDict []
      Texts = readOnlyDict []
      Diverged = defaultArg stopped "" }

let private title = "Mode coverage and sample quality on Gaussian mixtures: GAN vs WGAN"
let private source = "GAN (Goodfellow et al. 2014), WGAN (Arjovsky et al. 2017), WGAN-GP (Gulrajani et al. 2017): toy comparison, no paper claim"

let units (settings: Settings) (run: RunContext) : ToyUnit list =
    let scale = settings.Scales[run.Scale]
    [ for seed in run.Seeds do
          for trainer in settings.Trainers do
              for d in settings.Datasets ->
                  { Key = unitKey seed trainer d
                    Description = $"seed {seed}, {trainer.Label}, {datasetTitle d}"
                    Run = fun checkpoints -> measure settings scale run.Device checkpoints seed trainer d } ]

let private intervalText (xs: float[]) =
    let f (v: float) = v.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)
    match Statistics.confidenceInterval95 xs with
    | Some (lo, hi) -> $"{f (Statistics.mean xs)} [{f lo}, {f hi}]"
    | None -> f (Statistics.mean xs)

let assemble (settings: Settings) (run: RunContext) (measurements: UnitMeasurement list) : Findings =
    let scale = settings.Scales[run.Scale]
    let seeds = run.Seeds
    let found = byKey measurements
    let metricsPerSeed =
        seeds |> List.map (fun seed ->
            { Seed = seed
              Values =
                readOnlyDict [
                    for t in settings.Trainers do
                        for d in settings.Datasets do
                            let m = found[unitKey seed t d]
                            for name in [ "modesCovered"; "highQualityShare"; "finalEarthMover" ] -> $"{t.Id}.{d.Name}.{name}", m.Scalars[name] ] })
    let perSeed (name: string) = metricsPerSeed |> List.map (fun m -> m.Values[name]) |> Array.ofList
    let claims = settings.Claims |> List.map (Claims.evaluate metricsPerSeed)
    let ranking (d: ToyDataset) (metric: string) (higherIsBetter: bool) =
        let ordered =
            settings.Trainers
            |> List.sortBy (fun t -> let m = Statistics.mean (perSeed $"{t.Id}.{d.Name}.{metric}") in if higherIsBetter then -m else m)
        let listed =
            ordered
            |> List.map (fun t ->
                let values = perSeed (t.Id + "." + d.Name + "." + metric)
                $"{t.Id} {intervalText values}")
            |> String.concat " > "
        $"Ranking on {datasetTitle d} by {metric} (mean [95 percent interval], best first): {listed}."
    let trainerIndex = settings.Trainers |> List.mapi (fun i t -> t.Id, float i) |> dict
    { Metrics = metricsPerSeed
      Claims = claims
      Series =
        [ { Name = "scores"
            Columns = [ "seed"; "trainer"; "dataset"; "modes_covered"; "high_quality_share"; "final_w1" ]
            Rows =
              [ for seed in seeds do
                    for t in settings.Trainers do
                        for d in settings.Datasets ->
                            let m = found[unitKey seed t d]
                            [| float seed; trainerIndex[t.Id]; float (datasetCode d); m.Scalars["modesCovered"]; m.Scalars["highQualityShare"]; m.Scalars["finalEarthMover"] |] ] } ]
      Figures =
        [ for d in settings.Datasets ->
              Figure.ofLines $"coverage-{d.Name}" $"Modes covered vs high-quality share on {datasetTitle d} (one point per seed)" "share of modes covered" "share of high-quality samples" false
                  [ for t in settings.Trainers ->
                        { Label = t.Label
                          X = seeds |> List.map (fun seed -> found[unitKey seed t d].Scalars["modesCovered"]) |> Array.ofList
                          Y = seeds |> List.map (fun seed -> found[unitKey seed t d].Scalars["highQualityShare"]) |> Array.ofList
                          Markers = true } ] ]
      ImageGrids = []
      Notes =
        [ $"""Data: {settings.Datasets |> List.map (fun d -> d.Name) |> String.concat ", "} (gan_toy.py constants). Critic/discriminator MLP 2 -> {settings.Critic.Depth} x {scale.Width} -> 1, generator MLP {settings.NoiseDimension} -> {settings.Generator.Depth} x {scale.Width} -> 2 (ReLU); batch {scale.BatchSize}; {scale.GeneratorIterations} generator iterations."""
          (match settings.CriticSchedule with
           | Constant -> "Critic schedule: nCritic critic steps before every generator iteration."
           | Official (w, n, e) -> $"Critic schedule (WGAN trainers): {n} critic steps for the first {w} generator iterations and every {e}th, nCritic otherwise.")
          yield! settings.Trainers |> List.map (fun t ->
              let kind = match t.Kind with Wgan c -> $"WGAN, {constraintText c}" | Gan ns -> (if ns then "GAN, non-saturating generator loss" else "GAN, minimax generator loss")
              $"Trainer {t.Id} ({t.Label}): {kind}; nCritic {t.NCritic}; critic {optimizerText t.CriticOptimizer}, generator {optimizerText t.GeneratorOptimizer}.")
          $"Scores on {scale.EvaluationSamples} generated samples: a sample is high quality when within {plainNumber settings.QualityStds} standard deviations (Euclidean distance, per-coordinate std after the gan_toy.py division) of its nearest mode centre; a mode is covered with at least {settings.MinSamplesPerMode} such samples. Exact W1 on {scale.EarthMoverSamples} generated vs {scale.EarthMoverSamples} real samples."
          "No claim is assumed to hold here; the rankings below are the result."
          yield! [ for d in settings.Datasets do
                       for metric, higher in [ "modesCovered", true; "highQualityShare", true; "finalEarthMover", false ] -> ranking d metric higher ]
          yield! Experiment.bagDivergenceNotes measurements ] }

/// The networks a unit holds at once, at a scale (see Footprint): its critic and generator, through the largest of the
/// batch, the evaluation samples and the Earth-Mover samples.
let footprint (settings: Settings) (scale: Scale) : Footprint.Demand list =
    let s = settings.Scales[scale]
    deepFootprint scale.Name settings.Critic settings.Generator s.Width settings.NoiseDimension (List.max [ s.BatchSize; s.EvaluationSamples; s.EarthMoverSamples ])

let definition: ExperimentDefinition =
    Experiment.standard Id title source metrics decodeSettings
        Experiment.commonOf
        footprint units assemble
