/// WGAN-GP (Gulrajani et al. 2017), section 4 and Appendix C: variants of the gradient-penalty critic. The
/// paper found the one-sided penalty max(0, ||g|| - 1)^2 about as good as the two-sided one, and forbids batch
/// norm in the critic (it couples the samples of a batch, so the per-sample penalty no longer constrains the
/// function the critic computes on one sample); layer norm is its replacement. This experiment trains WGAN-GP
/// with each variant on toy data and compares the exact W1 between generated and real samples at the end.
module Wgan.Experiments.PenaltyVariantsExperiment

open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.ToyTraining
open Wgan.Experiments.Trainers
open Wgan.Experiments.TrainerUnits

[<Literal>]
let Id = "penalty-variants"

/// A critic variant: the penalty's sides and the critic's normalisation.
type Variant = { Id: string; Label: string; Sides: GradientPenalty.Sides; Normalization: Normalization }

/// A pair of variants whose final W1 is compared (variant over reference).
type VariantComparison = { Id: string; Variant: string; Reference: string }

type ScaleSettings =
    { Seeds: int
      Width: int
      BatchSize: int
      GeneratorIterations: int
      EarthMoverSamples: int
      CheckpointEvery: int
      /// Generator iterations after which the exact W1 is measured on a fixed batch (the W1 curve), ascending, the
      /// last one the end of training.
      Horizons: int list }

type Settings =
    { Seed: int
      VerifyTolerance: float
      Datasets: ToyDataset list
      NoiseDimension: int
      Depth: int
      Lambda: float
      NCritic: int
      CriticOptimizer: OptimizerSpec
      GeneratorOptimizer: OptimizerSpec
      Variants: Variant list
      Comparisons: VariantComparison list
      Scales: Map<Scale, ScaleSettings>
      Claims: ClaimSpec list }

let private metricNames (datasets: ToyDataset list) (variants: Variant list) (comparisons: VariantComparison list) =
    [ for v in variants do
          for d in datasets -> $"{v.Id}.{d.Name}.finalEarthMover"
      for v in variants -> $"{v.Id}.meanEarthMover"
      for d in datasets -> $"untrained.{d.Name}.earthMover"
      yield "untrained.meanEarthMover"
      for v in variants do
          yield $"{v.Id}.untrainedLogRatio"
          yield $"{v.Id}.untrainedAbsLogRatio"
      for v in variants do
          yield $"{v.Id}.relativeArea"
          for d in datasets -> $"{v.Id}.{d.Name}.relativeArea"
      for c in comparisons do
          yield $"{c.Id}.earthMoverRatio"
          yield $"{c.Id}.absLogRatio"
          yield $"{c.Id}.areaRatio" ]

let metrics =
    [ "<variant>.<dataset>.finalEarthMover", "exact W1 between generated and real samples after training"
      "<variant>.meanEarthMover", "mean of the final W1 over the data sets"
      "<comparison>.earthMoverRatio", "meanEarthMover of the comparison's variant over that of its reference (> 1: the variant ends further from the data)"
      "<comparison>.absLogRatio", "|ln earthMoverRatio|: 0 when the two end equally close"
      "untrained.<dataset>.earthMover", "exact W1 between the untrained generator's samples and real samples (every variant of a seed and data set starts from this generator)"
      "untrained.meanEarthMover", "mean of the untrained W1 over the data sets"
      "<variant>.untrainedLogRatio", "ln(<variant>.meanEarthMover / untrained.meanEarthMover): negative when training brought the generator closer to the data"
      "<variant>.untrainedAbsLogRatio", "|<variant>.untrainedLogRatio|: the 'about the same' statistic between the trained and the untrained generator (a control: training must make a real difference)"
      "<variant>.<dataset>.relativeArea", "the area under the W1 curve relative to the untrained W1: the mean over the scale's horizons of W1(h) / W1(0), on one fixed batch per seed and data set (1: no progress at any horizon; lower is better)"
      "<variant>.relativeArea", "mean of relativeArea over the data sets"
      "<comparison>.areaRatio", "relativeArea of the comparison's variant over that of its reference (> 1: the variant makes less progress over training)" ]

let private variant: Decoder<Variant> =
    Decode.readObject (fun r ->
        { Id = r.Required("id", settingId)
          Label = r.Required("label", Decode.nonEmptyString)
          Sides = r.Required("sides", Decode.oneOf [ "two-sided", GradientPenalty.TwoSided; "one-sided", GradientPenalty.OneSided ])
          Normalization = r.Required("normalization", normalization) })

let private comparison: Decoder<VariantComparison> =
    Decode.readObject (fun r -> { Id = r.Required("id", settingId); Variant = r.Required("variant", settingId); Reference = r.Required("reference", settingId) })

let private scaleSettings: Decoder<ScaleSettings> =
    Decode.readObject (fun r ->
        { Seeds = r.Required("seeds", Decode.intInRange 1 1000)
          Width = r.Required("width", Decode.intInRange 1 65536)
          BatchSize = r.Required("batchSize", Decode.intInRange 1 1_000_000)
          GeneratorIterations = r.Required("generatorIterations", Decode.intInRange 1 10_000_000)
          EarthMoverSamples = r.Required("earthMoverSamples", Decode.intInRange 2 4096)
          CheckpointEvery = r.Required("checkpointEvery", Decode.intInRange 0 10_000_000)
          Horizons = r.Required("horizons", Decode.nonEmptyArray (Decode.intInRange 1 10_000_000) |> requiring (fun hs -> List.sort (List.distinct hs) = hs) "must be ascending and distinct") })
    |> requiring (fun s -> List.last s.Horizons = s.GeneratorIterations) "the last horizon must be generatorIterations"

let decodeSettings: Decoder<Settings> =
    Decode.readObject (fun r ->
        r.Required("experiment", Decode.string) |> ignore
        let datasets = r.Required("datasets", distinctDatasets)
        let variants = r.Required("variants", uniqueIds (fun (v: Variant) -> v.Id) "variant" variant)
        let known = if isNull (box variants) then Set.empty else variants |> List.map (fun v -> v.Id) |> set
        let comparisons = r.Required("comparisons", Decode.array comparison |> requiring (List.forall (fun c -> known.Contains c.Variant && known.Contains c.Reference)) "comparisons must name known variants")
        let names = if isNull (box datasets) || isNull (box variants) || isNull (box comparisons) then [] else metricNames datasets variants comparisons
        { Seed = r.Required("seed", seed)
          VerifyTolerance = r.Required("verifyTolerance", verifyTolerance)
          Datasets = datasets
          NoiseDimension = r.Required("noiseDimension", Decode.intInRange 1 4096)
          Depth = r.Required("depth", Decode.intInRange 1 64)
          Lambda = r.Required("lambda", Decode.floatInRange 1e-9 1e6)
          NCritic = r.Required("nCritic", Decode.intInRange 1 1000)
          CriticOptimizer = r.Required("criticOptimizer", optimizer)
          GeneratorOptimizer = r.Required("generatorOptimizer", optimizer)
          Variants = variants
          Comparisons = comparisons
          Scales = r.Required("scales", scaleTable scaleSettings)
          Claims = r.Required("claims", claims names) })

/// The area under a W1 curve relative to its start: rows (horizon, W1), the first at horizon 0; the mean of
/// W1(h) / W1(0) over the later rows. 1 when the generator made no progress, lower when it came closer.
let relativeArea (curve: float[][]) =
    if curve.Length < 2 then nan else curve[1..] |> Array.averageBy (fun r -> r[1] / curve[0][1])

let unitKey (seed: int64) (v: Variant) (d: ToyDataset) = $"seed-{seed}/{v.Id}/{d.Name}"

let measure (settings: Settings) (scale: ScaleSettings) (device: torch.Device) (checkpoints: UnitCheckpoints) (seed: int64) (v: Variant) (d: ToyDataset) : UnitMeasurement =
    // The generator network depends on (seed, dataset) only, so that every variant starts from the same one.
    use generatorInit = new torch.Generator(uint64 (Seeds.derive seed [ datasetCode d; 0 ]))
    use criticInit = new torch.Generator(uint64 (Seeds.derive seed [ datasetCode d; 1 ]))
    use trainingGenerator = new torch.Generator(uint64 (Seeds.derive seed [ idCode v.Id; datasetCode d; 2 ]))
    use evaluationGenerator = new torch.Generator(uint64 (Seeds.derive seed [ idCode v.Id; datasetCode d; 3 ]))
    let hidden = List.replicate settings.Depth scale.Width
    use critic = new Mlp({ Inputs = 2; Hidden = hidden; Outputs = 1; Activation = ReLU; Normalization = v.Normalization }, criticInit)
    use generatorNetwork = new Mlp({ Inputs = settings.NoiseDimension; Hidden = hidden; Outputs = 2; Activation = ReLU; Normalization = NoNormalization }, generatorInit)
    critic.``to``(device) |> ignore
    generatorNetwork.``to``(device) |> ignore
    use criticOptimizer = Optimizer.create settings.CriticOptimizer (critic.parameters())
    use generatorOptimizer = Optimizer.create settings.GeneratorOptimizer (generatorNetwork.parameters())
    // W1 of the untrained generator, from its own generator (seed and data set only), so that every variant
    // measures the same value and the training and final evaluation streams are untouched.
    let untrained =
        use untrainedEvaluation = new torch.Generator(uint64 (Seeds.derive seed [ datasetCode d; 4 ]))
        use _ = torch.NewDisposeScope()
        let fake = toRows (generate generatorNetwork settings.NoiseDimension scale.EarthMoverSamples device untrainedEvaluation)
        EarthMover.earthMover fake (toRows (ToyData.sample d scale.EarthMoverSamples untrainedEvaluation))
    let trainer =
        { Id = v.Id; Label = v.Label; Kind = Wgan(GradientPenalty(settings.Lambda, v.Sides)); NCritic = settings.NCritic
          CriticOptimizer = settings.CriticOptimizer; GeneratorOptimizer = settings.GeneratorOptimizer }
    // The W1 curve: one fixed batch per seed and data set (the same for every variant), from its own generator.
    let curveReal, curveNoise =
        use curveEvaluation = new torch.Generator(uint64 (Seeds.derive seed [ datasetCode d; 5 ]))
        toRows (ToyData.sample d scale.EarthMoverSamples curveEvaluation),
        (noise settings.NoiseDimension scale.EarthMoverSamples device curveEvaluation).DetachFromDisposeScope()
    use _ = curveNoise
    let curvePoint (k: int) =
        use _ = torch.NewDisposeScope()
        use _ = torch.no_grad()
        [| float k; EarthMover.earthMover (toRows (generatorNetwork.call curveNoise)) curveReal |]
    let iteration k =
        trainingIteration trainer settings.NCritic critic generatorNetwork criticOptimizer generatorOptimizer d settings.NoiseDimension scale.BatchSize device trainingGenerator k
        |> Result.map (fun _ -> if List.contains k scale.Horizons then [ curvePoint k ] else [])
    let curve, stopped =
        TrainingLoop.runWith checkpoints scale.CheckpointEvery
            { Networks = [ critic; generatorNetwork ]; Optimizers = [ criticOptimizer; generatorOptimizer ]; Generators = [ trainingGenerator ] }
            TrainingLoop.LoopCounters.None scale.GeneratorIterations (fun () -> [ curvePoint 0 ]) iteration
    let w1 =
        if stopped.IsSome then nan
        else
            use _ = torch.NewDisposeScope()
            let fake = toRows (generate generatorNetwork settings.NoiseDimension scale.EarthMoverSamples device evaluationGenerator)
            EarthMover.earthMover fake (toRows (ToyData.sample d scale.EarthMoverSamples evaluationGenerator))
    { Key = unitKey seed v d
      Scalars = readOnlyDict [ "finalEarthMover", w1; "untrainedEarthMover", untrained; "relativeArea", (if stopped.IsSome then nan else relativeArea curve) ]
      Vectors = readOnlyDict [ "horizon", curve |> Array.map (fun r -> r[0]); "curveEarthMover", curve |> Array.map (fun r -> r[1]) ]
      Texts = readOnlyDict []
      Diverged = defaultArg stopped "" }

let private title = "Gradient-penalty variants: one- vs two-sided penalty, critic normalisation"
let private source = "WGAN-GP (Gulrajani et al. 2017), section 4 and Appendix C"

let units (settings: Settings) (run: RunContext) : ToyUnit list =
    let scale = settings.Scales[run.Scale]
    [ for seed in run.Seeds do
          for v in settings.Variants do
              for d in settings.Datasets ->
                  { Key = unitKey seed v d
                    Description = $"seed {seed}, {v.Label}, {datasetTitle d}"
                    Run = fun checkpoints -> measure settings scale run.Device checkpoints seed v d } ]

let assemble (settings: Settings) (run: RunContext) (measurements: UnitMeasurement list) : Findings =
    let scale = settings.Scales[run.Scale]
    let seeds = run.Seeds
    let found = byKey measurements
    let metricsPerSeed =
        seeds |> List.map (fun seed ->
            let w (v: Variant) (d: ToyDataset) = found[unitKey seed v d].Scalars["finalEarthMover"]
            let area (v: Variant) (d: ToyDataset) = found[unitKey seed v d].Scalars["relativeArea"]
            // A variant's mean over the data sets of w or area.
            let meanOver (valueOf: Variant -> ToyDataset -> float) (id: string) =
                let v = settings.Variants |> List.find (fun v -> v.Id = id)
                settings.Datasets |> List.averageBy (valueOf v)
            let meanOf, meanArea = meanOver w, meanOver area
            let untrained (d: ToyDataset) = found[unitKey seed settings.Variants.Head d].Scalars["untrainedEarthMover"]
            let untrainedMean = settings.Datasets |> List.averageBy untrained
            { Seed = seed
              Values =
                readOnlyDict [
                    for v in settings.Variants do
                        for d in settings.Datasets -> $"{v.Id}.{d.Name}.finalEarthMover", w v d
                    for v in settings.Variants -> $"{v.Id}.meanEarthMover", meanOf v.Id
                    for v in settings.Variants do
                        yield $"{v.Id}.relativeArea", meanArea v.Id
                        for d in settings.Datasets -> $"{v.Id}.{d.Name}.relativeArea", area v d
                    for c in settings.Comparisons do
                        let ratio = meanOf c.Variant / meanOf c.Reference
                        yield $"{c.Id}.earthMoverRatio", ratio
                        yield $"{c.Id}.absLogRatio", abs (log ratio)
                        yield $"{c.Id}.areaRatio", meanArea c.Variant / meanArea c.Reference
                    for d in settings.Datasets -> $"untrained.{d.Name}.earthMover", untrained d
                    yield "untrained.meanEarthMover", untrainedMean
                    for v in settings.Variants do
                        let logRatio = log (meanOf v.Id / untrainedMean)
                        yield $"{v.Id}.untrainedLogRatio", logRatio
                        yield $"{v.Id}.untrainedAbsLogRatio", abs logRatio ] })
    let claims = settings.Claims |> List.map (Claims.evaluate metricsPerSeed)
    let variantIndex = settings.Variants |> List.mapi (fun i v -> v.Id, float i) |> dict
    { Metrics = metricsPerSeed
      Claims = claims
      Series =
        [ { Name = "earth-mover-curves"
            Columns = [ "seed"; "variant"; "dataset"; "iteration"; "exact_w1" ]
            Rows =
              [ for seed in seeds do
                    for v in settings.Variants do
                        for d in settings.Datasets do
                            let u = found[unitKey seed v d]
                            for k in 0 .. u.Vectors["horizon"].Length - 1 ->
                                [| float seed; variantIndex[v.Id]; float (datasetCode d); u.Vectors["horizon"][k]; u.Vectors["curveEarthMover"][k] |] ] }
          { Name = "final-earth-mover"
            Columns = [ "seed"; "variant"; "dataset"; "final_w1" ]
            Rows =
              [ for seed in seeds do
                    for v in settings.Variants do
                        for d in settings.Datasets -> [| float seed; variantIndex[v.Id]; float (datasetCode d); found[unitKey seed v d].Scalars["finalEarthMover"] |] ] } ]
      Figures =
        [ for d in settings.Datasets do
              yield Figure.ofLines $"earth-mover-curve-{d.Name}" $"{datasetTitle d}: exact W1 over training per variant (every seed)" "generator iteration" "exact W1 (fixed batch)" false
                  [ for v in settings.Variants do
                        for i, seed in List.indexed seeds ->
                            let u = found[unitKey seed v d]
                            // The first seed's line carries the label; the other seeds are its faint companions.
                            { Label = (if i = 0 then v.Label else ""); X = u.Vectors["horizon"]; Y = u.Vectors["curveEarthMover"]; Markers = false } ]
          yield Figure.ofLines "final-earth-mover" "Final exact W1 per variant (one line per data set, mean over seeds)" "variant (manifest order, from 0)" "exact W1" false
              [ for d in settings.Datasets ->
                    { Label = datasetTitle d
                      X = settings.Variants |> List.map (fun v -> variantIndex[v.Id]) |> Array.ofList
                      Y = settings.Variants |> List.map (fun v -> seeds |> List.averageBy (fun seed -> found[unitKey seed v d].Scalars["finalEarthMover"])) |> Array.ofList
                      Markers = true } ] ]
      ImageGrids = []
      Notes =
        [ $"""Data: {settings.Datasets |> List.map (fun d -> d.Name) |> String.concat ", "}. WGAN-GP, lambda {plainNumber settings.Lambda}, nCritic {settings.NCritic}; critic MLP 2 -> {settings.Depth} x {scale.Width} -> 1 (ReLU, normalisation per variant), generator MLP {settings.NoiseDimension} -> {settings.Depth} x {scale.Width} -> 2 (ReLU, none); critic {optimizerText settings.CriticOptimizer}, generator {optimizerText settings.GeneratorOptimizer}; batch {scale.BatchSize}; {scale.GeneratorIterations} generator iterations. For a seed and data set every variant starts from the same generator and critic weights."""
          yield! settings.Variants |> List.mapi (fun i v ->
              let sides = match v.Sides with GradientPenalty.TwoSided -> "two-sided" | GradientPenalty.OneSided -> "one-sided"
              $"Variant {i} = {v.Id} ({v.Label}): {sides} penalty, critic normalisation {normalizationText v.Normalization}.")
          yield! settings.Comparisons |> List.map (fun c -> $"Comparison {c.Id}: {c.Variant} over {c.Reference}.")
          $"Exact W1 between {scale.EarthMoverSamples} generated and {scale.EarthMoverSamples} real samples after training (lower is better). With batch norm the critic scores real, fake and interpolates in separate forward passes (training mode), as the authors' code would."
          $"""W1 curve: the exact W1 on one fixed batch per seed and data set ({scale.EarthMoverSamples} real samples and as many noise vectors, the same for every variant) before training and after generator iterations {scale.Horizons |> List.map string |> String.concat ", "}. relativeArea, the mean of W1(h) / W1(0) over these horizons, is the area under the curve in units of the untrained W1 (issue 18): it sees a variant that moves late, early or not at all, where the final W1 sees only the end."""
          "Claims: 'about the same' means the two final W1 are within 25% of each other (|ln ratio| <= ln 1.25 = 0.223); batch norm 'hurts' means a W1 ratio of at least 1 against the un-normalised two-sided critic."
          "Controls. 'About the same' is tested again, with the same rule and threshold, between the two-sided critic's generator after training and the same generator untrained (`two-sided.untrainedAbsLogRatio`, its W1 measured before the first iteration): training makes a real difference, so this pair must fail 'about the same'; if it passes too, the test cannot see a real difference at this scale and the verdict is *uninformative*. 'Batch norm hurts' is tested again on layer norm, the paper's recommended replacement, which must not hurt (`layer-norm-vs-none.earthMoverRatio` >= 1 must fail). `<variant>.untrainedLogRatio` shows how far each variant moved its generator (issue 18: with batch norm the generator hardly moves)."
          yield! scaleNote run.Scale claims $"This scale trains {scale.GeneratorIterations} generator iterations (paper scale: {settings.Scales[Paper].GeneratorIterations})."
          yield! Experiment.bagDivergenceNotes measurements ] }

/// The networks a unit holds at once, at a scale (see Footprint): its critic and generator, through the larger of the
/// batch and the Earth-Mover samples.
let footprint (settings: Settings) (scale: Scale) : Footprint.Demand list =
    let s = settings.Scales[scale]
    let hidden = List.replicate settings.Depth s.Width
    [ { Path = $"scales.{scale.Name}.width"
        Networks =
          [ Footprint.mlp "critic" (2 :: hidden @ [ 1 ])
            Footprint.mlp "generator" (settings.NoiseDimension :: hidden @ [ 2 ]) ]
        Samples = max s.BatchSize s.EarthMoverSamples } ]

let definition: ExperimentDefinition =
    Experiment.standard Id title source metrics decodeSettings
        Experiment.commonOf
        footprint units assemble
