/// WGAN-GP Figure 1b (left), exploding and vanishing gradients: a WGAN with 12-layer ReLU critic and
/// generator (no batch norm) trained on the Swiss Roll under weight clipping with c in {0.1, 0.01, 0.001}
/// and under the gradient penalty. The paper plots, on a log scale, the norm of the gradient of the critic
/// loss with respect to each layer's activations against the layer's depth: with c = 0.1 the norms explode
/// towards the input, with c = 0.01 and 0.001 they vanish, with the penalty they stay flat. This experiment
/// measures those norms after training and quantifies each curve by its least-squares slope.
module Wgan.Experiments.GradientNormsExperiment

open System.Collections.Generic
open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan

[<Literal>]
let Id = "gradient-norms"

/// The work a scale does.
type ScaleSettings =
    { Seeds: int
      /// Width of every hidden layer of both networks.
      Width: int
      BatchSize: int
      GeneratorIterations: int
      /// Fresh batches over which the per-layer norms are averaged (in log10).
      MeasurementBatches: int
      /// Training state is saved every so many generator iterations (0: never), so a killed unit resumes there.
      CheckpointEvery: int }

type Settings =
    { Seed: int
      VerifyTolerance: float
      Dataset: ToyDataset
      NoiseDimension: int
      NCritic: int
      Critic: DeepShape
      Generator: DeepShape
      TrainingSettings: TrainingSetting list
      Scales: Map<Scale, ScaleSettings>
      Claims: ClaimSpec list }

/// Metric names of one training setting.
let settingMetricNames (id: string) =
    [ $"{id}.slope"; $"{id}.absSlope"; $"{id}.logRange"; $"{id}.inputLog10Norm"; $"{id}.outputLog10Norm"; $"{id}.zeroNormLayers"; $"{id}.slopeAtStart"
      $"{id}.firstIteration.slope"; $"{id}.firstIteration.absSlope"; $"{id}.firstIteration.logRange" ]

let metrics =
    [ "<setting>.slope", "least-squares slope of log10 ||dL/dh_l|| against the layer index l = 1 (input side) .. depth, after training: negative when the norms grow towards the input (explode), positive when they shrink towards it (vanish)"
      "<setting>.absSlope", "|slope|"
      "<setting>.logRange", "max - min over layers of log10 ||dL/dh_l||: the orders of magnitude the norms span"
      "<setting>.inputLog10Norm", "log10 of the norm at the first hidden layer"
      "<setting>.outputLog10Norm", "log10 of the norm at the last hidden layer"
      "<setting>.zeroNormLayers", "mean number of layers whose gradient norm is exactly 0 in float64 (no unit of the layer active; such a layer is left out of its mean and of the slope)"
      "<setting>.slopeAtStart", "the slope at initialisation, before any training step"
      "<setting>.firstIteration.slope, .absSlope, .logRange", "control: the same quantities for the same networks after one generator iteration (the seed's training replayed for one iteration)" ]

let private scaleSettings: Decoder<ScaleSettings> =
    Decode.object (fun r ->
        { Seeds = r.Required("seeds", Decode.intInRange 1 1000)
          Width = r.Required("width", Decode.intInRange 1 65536)
          BatchSize = r.Required("batchSize", Decode.intInRange 1 1_000_000)
          GeneratorIterations = r.Required("generatorIterations", Decode.intInRange 0 10_000_000)
          MeasurementBatches = r.Required("measurementBatches", Decode.intInRange 1 10_000)
          CheckpointEvery = r.Required("checkpointEvery", Decode.intInRange 0 10_000_000) })

let decodeSettings: Decoder<Settings> =
    Decode.object (fun r ->
        r.Required("experiment", Decode.string) |> ignore
        let trainingSettings =
            r.Required("settings", uniqueIds (fun s -> s.Id) "setting" (trainingSetting true))
        let names = if isNull (box trainingSettings) then [] else trainingSettings |> List.collect (fun s -> settingMetricNames s.Id)
        { Seed = r.Required("seed", seed)
          VerifyTolerance = r.Required("verifyTolerance", verifyTolerance)
          Dataset = r.Required("dataset", dataset)
          NoiseDimension = r.Required("noiseDimension", Decode.intInRange 1 4096)
          NCritic = r.Required("nCritic", Decode.intInRange 1 1000)
          Critic = r.Required("critic", deepShape |> requiring (fun s -> s.Depth >= 2) "needs at least 2 hidden layers for a slope")
          Generator = r.Required("generator", deepShape)
          TrainingSettings = trainingSettings
          Scales = r.Required("scales", scaleTable scaleSettings)
          Claims = r.Required("claims", claims names) })

/// The critic and generator specifications at a scale.
let networkSpecs (settings: Settings) (scale: ScaleSettings) =
    deepSpec settings.Critic scale.Width 2 1,
    deepSpec settings.Generator scale.Width settings.NoiseDimension 2

/// The key of the unit that trains `setting` for `seed`.
let unitKey (seed: int64) (setting: TrainingSetting) = $"seed-{seed}/{setting.Id}"

/// One unit of work: trains a WGAN under one setting and measures the per-layer gradient norms before and
/// after (vectors "atStart" and "atEnd": mean log10 norm per layer, input side first). Networks, batches and
/// measurements draw from generators derived from (seed, setting id, role). Training checkpoints to
/// `checkpoints` every CheckpointEvery generator iterations and resumes from the last save (the norms at start
/// are measured again on resume, from the same initial networks and measurement generator).
let measure (settings: Settings) (scale: ScaleSettings) (device: torch.Device) (checkpoints: UnitCheckpoints) (seed: int64) (setting: TrainingSetting) : UnitMeasurement =
    let generatorFor role = new torch.Generator(uint64 (Seeds.derive seed [ idCode setting.Id; role ]))
    use networkGenerator = generatorFor 0
    use trainingGenerator = generatorFor 1
    use measurementGenerator = generatorFor 2
    let criticSpec, generatorSpec = networkSpecs settings scale
    use critic = new Mlp(criticSpec, networkGenerator)
    use generatorNetwork = new Mlp(generatorSpec, networkGenerator)
    critic.``to``(device) |> ignore
    generatorNetwork.``to``(device) |> ignore
    let norms () =
        layerNormSummary critic generatorNetwork settings.Dataset settings.NoiseDimension scale.BatchSize scale.MeasurementBatches device measurementGenerator
    let undefined = { MeanLog10 = Array.create criticSpec.Hidden.Length nan; ZeroLayers = nan }
    // The control: the same networks after one generator iteration, a replay of this seed's first iteration
    // from the same generators (not checkpointed: it is short), measured on the batches of `atStart`.
    let afterOne =
        use replayNetworks = generatorFor 0
        use replayTraining = generatorFor 1
        use replayMeasurement = generatorFor 2
        use critic = new Mlp(criticSpec, replayNetworks)
        use generatorNetwork = new Mlp(generatorSpec, replayNetworks)
        critic.``to``(device) |> ignore
        generatorNetwork.``to``(device) |> ignore
        let diverged =
            trainWgan UnitCheckpoints.None 0 critic generatorNetwork setting settings.Dataset settings.NoiseDimension scale.BatchSize settings.NCritic (min 1 scale.GeneratorIterations) device replayTraining
        if diverged = "" then
            layerNormSummary critic generatorNetwork settings.Dataset settings.NoiseDimension scale.BatchSize scale.MeasurementBatches device replayMeasurement
        else undefined
    let atStart = norms ()
    let diverged =
        trainWgan checkpoints scale.CheckpointEvery critic generatorNetwork setting settings.Dataset settings.NoiseDimension scale.BatchSize settings.NCritic scale.GeneratorIterations device trainingGenerator
    let atEnd = if diverged = "" then norms () else undefined
    { Key = unitKey seed setting
      Scalars = readOnlyDict [ "zeroLayersAtStart", atStart.ZeroLayers; "zeroLayersAfterOne", afterOne.ZeroLayers; "zeroLayersAtEnd", atEnd.ZeroLayers ]
      Vectors = readOnlyDict [ "atStart", atStart.MeanLog10; "afterOne", afterOne.MeanLog10; "atEnd", atEnd.MeanLog10 ]
      Texts = readOnlyDict []
      Diverged = diverged }

let private layers (norms: float[]) = Array.init norms.Length (fun l -> float (l + 1))

/// Least-squares slope of log10 norms against the layer index (1 = input side), over the layers with a
/// value (a layer whose gradient is exactly 0 has none); NaN when fewer than two layers have one.
let slope (log10Norms: float[]) =
    let defined = Array.zip (layers log10Norms) log10Norms |> Array.filter (snd >> System.Double.IsFinite)
    if defined.Length < 2 then nan else Statistics.slope (Array.map fst defined) (Array.map snd defined)

/// max - min of log10 norms over the layers with a value.
let logRange (log10Norms: float[]) =
    let defined = log10Norms |> Array.filter System.Double.IsFinite
    if defined.Length = 0 then nan else Array.max defined - Array.min defined

/// The per-seed metrics from every setting's unit.
let seedMetrics (measured: (TrainingSetting * UnitMeasurement) list) : IReadOnlyDictionary<string, float> =
    readOnlyDict [
        for setting, m in measured do
            let id = setting.Id
            let atEnd = m.Vectors["atEnd"]
            let s = slope atEnd
            $"{id}.slope", s
            $"{id}.absSlope", abs s
            $"{id}.logRange", logRange atEnd
            $"{id}.inputLog10Norm", atEnd[0]
            $"{id}.outputLog10Norm", atEnd[atEnd.Length - 1]
            $"{id}.zeroNormLayers", m.Scalars["zeroLayersAtEnd"]
            $"{id}.slopeAtStart", slope m.Vectors["atStart"]
            let afterOne = m.Vectors["afterOne"]
            $"{id}.firstIteration.slope", slope afterOne
            $"{id}.firstIteration.absSlope", abs (slope afterOne)
            $"{id}.firstIteration.logRange", logRange afterOne ]

let private title = "Exploding and vanishing critic gradients under weight clipping"
let private source = "WGAN-GP (Gulrajani et al. 2017), Figure 1b (left)"

/// The units of a run: one per seed and training setting.
let units (settings: Settings) (run: RunContext) : ToyUnit list =
    let scale = settings.Scales[run.Scale]
    [ for seed in run.Seeds do
          for setting in settings.TrainingSettings ->
              { Key = unitKey seed setting
                Description = $"seed {seed}, {setting.Label}"
                Run = fun checkpoints -> measure settings scale run.Device checkpoints seed setting } ]

/// The experiment's result from its units' measurements.
let assemble (settings: Settings) (run: RunContext) (measurements: UnitMeasurement list) : Findings =
    let scale = settings.Scales[run.Scale]
    let seeds = run.Seeds
    let found = byKey measurements
    let perSeed = seeds |> List.map (fun seed -> seed, settings.TrainingSettings |> List.map (fun s -> s, found[unitKey seed s]))
    let metrics = perSeed |> List.map (fun (seed, measured) -> { Seed = seed; Values = seedMetrics measured })
    let depth = settings.Critic.Depth
    // One line per setting: the mean over seeds per layer, leaving out a layer whose norm was exactly 0 in
    // some seed (no value to average); and, when some value lies below float32's smallest positive number,
    // a level line there, so that a reader sees which norms exist only because they were computed in float64.
    let floor32 = log10 SmallestNorm
    let curves (vector: string) =
        let lines =
            settings.TrainingSettings |> List.map (fun setting ->
                let mean l = seeds |> List.averageBy (fun seed -> found[unitKey seed setting].Vectors[vector][l])
                let points = Array.init depth (fun l -> float (l + 1), mean l) |> Array.filter (snd >> System.Double.IsFinite)
                { Label = setting.Label; X = Array.map fst points; Y = Array.map snd points; Markers = false })
        if lines |> List.exists (fun l -> l.Y |> Array.exists (fun y -> y < floor32)) then
            lines @ [ { Label = "smallest positive float32 (1.4e-45): below it float32 gives 0"; X = [| 1.0; float depth |]; Y = [| floor32; floor32 |]; Markers = false } ]
        else lines
    let criticSpec, generatorSpec = networkSpecs settings scale
    let meanOf (name: string) =
        let values = metrics |> List.map (fun m -> match m.Values.TryGetValue name with | true, v -> v | _ -> nan)
        (List.average values).ToString("F2", System.Globalization.CultureInfo.InvariantCulture)
    let afterOneSlopes =
        settings.TrainingSettings
        |> List.map (fun s ->
            let afterOne, trained = meanOf (s.Id + ".firstIteration.slope"), meanOf (s.Id + ".slope")
            let moved =
                [ for seed in seeds do
                      let m = found[unitKey seed s]
                      yield! Array.map2 (fun a b -> abs (a - b)) m.Vectors["atEnd"] m.Vectors["afterOne"] ]
                |> List.filter System.Double.IsFinite
            let largest = (if moved.IsEmpty then nan else List.max moved).ToString("G2", System.Globalization.CultureInfo.InvariantCulture)
            $"{s.Id} {afterOne} (after training {trained}; training after the first iteration moved the per-layer log10 norms by at most {largest})")
        |> String.concat ", "
    let slowest = meanOf "clip-0.001.slope"
    let controlNote =
        "Controls. Every slope is also measured on the same networks after one generator iteration (firstIteration.*, a replay of the seed's first iteration from the same generators, measured on the batches of the initial measurement; figure gradient-norms-after-one-iteration). "
        + $"Mean slopes after one iteration: {afterOneSlopes}. "
        + "(Where training moved the norms by almost nothing, as under c = 0.01 and 0.001 at quick scale, the first clamp has put nearly every weight at +-c and the gradients are so small that RMSProp's steps, about lr g / epsilon, barely change the critic or the generator.) "
        + "The claims' controls are the same network trained under the other constraint, which removes the claimed "
        + "mechanism and keeps everything else: the clipping claims (c = 0.1 explodes, c = 0.01 and 0.001 vanish) are "
        + "tested again on the penalised network (gp.slope), the penalty claims (flat, within one order) on the network "
        + "clipped at c = 0.01 (clip-0.01.*). The one-iteration measurements show when an effect appears: clamping the "
        + "initial weights to +-c already makes every layer shrink gradients by about c sqrt(width) / sqrt(2), so under "
        + "c = 0.01 and 0.001 the gradients vanish from the first clamp; PyTorch's initialisation shrinks gradients by "
        + "about 0.4 per layer, so only training makes the penalised network flat."
    let claims = settings.Claims |> List.map (Claims.evaluate metrics)
    { Metrics = metrics
      Claims = claims
      Series =
        [ { Name = "layer-norms"
            Columns = [ "seed"; "setting"; "after_training"; "layer"; "log10_gradient_norm" ]
            Rows =
              [ for seed, measured in perSeed do
                    for k, (_, m) in List.indexed measured do
                        for phase, vector in [ 0.0, "atStart"; 1.0, "atEnd"; 2.0, "afterOne" ] do
                            let values = m.Vectors[vector]
                            for l in 0 .. values.Length - 1 -> [| float seed; float k; phase; float (l + 1); values[l] |] ] } ]
      Figures =
        [ Figure.ofLines "gradient-norms" $"Critic gradient norms after {scale.GeneratorIterations} generator iterations ({settings.Dataset.Name})" "critic layer (1 = next to the input)" "log10 ||dL/dh|| (mean over seeds)" false (curves "atEnd")
          Figure.ofLines "gradient-norms-after-one-iteration" "Critic gradient norms after one generator iteration (the controls)" "critic layer (1 = next to the input)" "log10 ||dL/dh|| (mean over seeds)" false (curves "afterOne")
          Figure.ofLines "gradient-norms-at-start" "Critic gradient norms at initialisation" "critic layer (1 = next to the input)" "log10 ||dL/dh|| (mean over seeds)" false (curves "atStart") ]
      ImageGrids = []
      Notes =
        [ $"Data: {settings.Dataset.Name} (gan_toy.py constants). Critic: MLP 2 -> {settings.Critic.Depth} x {scale.Width} -> 1, {activationText settings.Critic.Activation}, normalisation {normalizationText settings.Critic.Normalization}; generator: MLP {settings.NoiseDimension} -> {settings.Generator.Depth} x {scale.Width} -> 2, {activationText settings.Generator.Activation}, normalisation {normalizationText settings.Generator.Normalization}; z ~ N(0, I)."
          $"Training: {scale.GeneratorIterations} generator iterations, each after {settings.NCritic} critic steps, batch {scale.BatchSize}; no critic warm-up schedule."
          yield! settings.TrainingSettings |> List.map (fun s ->
              $"Setting {s.Id} ({s.Label}): {constraintText s.Constraint}; critic {optimizerText s.CriticOptimizer}, generator {optimizerText s.GeneratorOptimizer}.")
          $"Measured quantity: for each hidden layer l of the critic, the norm ||dL/dh_l|| over the whole [2 x batch, width] activation tensor, with L = E f(fake) - E f(real) the critic loss (sign: minimised by the critic; the penalty term is excluded, its forward pass runs on interpolates). log10 of it is averaged over {scale.MeasurementBatches} fresh batches (real and generated, batch {scale.BatchSize})."
          $"The norms are computed in float64, on a float64 copy of the trained float32 critic (widening its weights is exact). In float32 a norm squares its elements, and gradients below about 1e-23 per element (c = 0.001 gives layer 1 a norm of about 1e-26 at quick scale) have squares below float32's range, so a float32 norm is exactly 0 although the gradient itself is representable; deeper or narrower clipped critics also reach below float32's smallest positive number, 1.4e-45 (log10 -44.85), where figures draw a level line if some mean lies below it. A norm that is exactly 0 even in float64 means no unit of the layer was active; such a layer is left out of its mean and of the slope, and zeroNormLayers counts it. Metric change (issue 14): earlier versions computed the norms in float32 and counted such zeros as 1.4e-45, which drew c = 0.001 on a floor at -44.85 for layers 1-3 and steepened its slope (published at quick scale: 4.07; this run: {slowest}). The threshold was not changed."
          "At start means before any training step and before the first clipping: the PyTorch-style initialisation (uniform in +-1/sqrt(fan_in)) itself shrinks gradients towards the input (a ReLU layer of width n multiplies their norm by about sqrt(n / (3 n) / 2) = 0.41, i.e. -0.39 decades per layer), so slopeAtStart is positive for every setting; the claims are about the norms after training."
          controlNote
          "Slope: least-squares slope of log10 norm against layer index 1..depth, 1 next to the input. Exploding towards the input gives a negative slope, vanishing a positive one. A threshold of 0.0909 = 1/11 per layer is one order of magnitude over the 11 steps between 12 layers."
          $"The networks have {criticSpec.Hidden.Length} (critic) and {generatorSpec.Hidden.Length} (generator) hidden layers; the paper calls them 12-layer networks and does not give their width or training length, which are this harness's choices per scale."
          yield! scaleNote run.Scale claims $"The networks here are {scale.Width} wide and train {scale.GeneratorIterations} generator iterations (paper scale: {settings.Scales[Paper].Width} wide, {settings.Scales[Paper].GeneratorIterations} iterations); whether c = 0.1 explodes depends on the width (a clipped layer scales gradients by about c sqrt(width) when its weights sit at +-c)."
          yield! Experiment.divergenceNotes measurements ] }

/// The networks a unit holds at once, at a scale (see Footprint): its critic and generator, and their replay for the
/// control, through the batch.
let footprint (settings: Settings) (scale: Scale) : Footprint.Demand list =
    let criticSpec, generatorSpec = networkSpecs settings settings.Scales[scale]
    let pair = [ Footprint.ofMlp "critic" criticSpec; Footprint.ofMlp "generator" generatorSpec ]
    [ { Path = $"scales.{scale.Name}.width"; Networks = pair @ pair; Samples = settings.Scales[scale].BatchSize } ]

let definition: ExperimentDefinition =
    Experiment.standard Id title source metrics decodeSettings
        Experiment.commonOf
        footprint units assemble
