/// WGAN (Arjovsky et al. 2017), section 4.2: with a momentum optimiser (Adam, beta1 > 0) on the critic, or a
/// high learning rate, WGAN training with weight clipping became unstable; the authors saw the cosine between
/// Adam's step and the gradient turn negative, and switched to RMSProp. This experiment trains WGAN-clip with
/// RMSProp and with Adam at each of the manifest's learning rates, and measures at every critic step the
/// cosine between the parameter update and the descent direction -gradient, and the roughness of the EM
/// estimate over training.
module Wgan.Experiments.MomentumInstabilityExperiment

open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.ToyTraining

[<Literal>]
let Id = "momentum-instability"

type LearningRate = { Id: string; Value: float }

type ScaleSettings =
    { Seeds: int
      Width: int
      BatchSize: int
      GeneratorIterations: int
      EarthMoverSamples: int
      CheckpointEvery: int }

type Settings =
    { Seed: int
      VerifyTolerance: float
      Dataset: ToyDataset
      NoiseDimension: int
      Critic: DeepShape
      Generator: DeepShape
      NCritic: int
      ClipBound: float
      AdamBeta1: float
      AdamBeta2: float
      /// An iteration is in a blow-up episode when its fixed-batch EM estimate changes from the previous one by more
      /// than this many times the run's median absolute change (episodes).
      EpisodeJump: float
      LearningRates: LearningRate list
      Scales: Map<Scale, ScaleSettings>
      Claims: ClaimSpec list }

/// "rmsprop", "adam", and "rmsprop-replicate": RMSProp again from the same networks on a different minibatch
/// stream, the null pair against which Adam's roughness is judged (two runs that differ only by chance).
let optimizerNames = [ "rmsprop"; "adam"; "rmsprop-replicate" ]

let settingIds (settings: Settings) = [ for lr in settings.LearningRates do for o in optimizerNames -> $"{o}.{lr.Id}", o, lr ]

let private metricNames (lrs: LearningRate list) =
    [ for lr in lrs do
          for o in optimizerNames do
              yield! [ $"{o}.{lr.Id}.meanCosine"; $"{o}.{lr.Id}.negativeCosineShare"; $"{o}.{lr.Id}.emRoughness"; $"{o}.{lr.Id}.fixedRoughness"; $"{o}.{lr.Id}.finalEarthMover" ]
              yield! [ $"{o}.{lr.Id}.episodeShare"; $"{o}.{lr.Id}.negativeCosineShareInEpisodes"; $"{o}.{lr.Id}.negativeCosineShareOutsideEpisodes" ]
          yield! [ $"{lr.Id}.roughnessRatio"; $"{lr.Id}.earthMoverRatio"; $"{lr.Id}.logRoughnessRatio"; $"{lr.Id}.replicateLogRoughnessRatio" ] ]

let metrics =
    [ "<optimizer>.<lr>.meanCosine", "mean over critic steps of cos(update, -gradient): 1 when the step goes straight down the gradient, negative when it climbs"
      "<optimizer>.<lr>.negativeCosineShare", "share of critic steps whose update has a negative cosine with -gradient"
      "<optimizer>.<lr>.emRoughness", "mean |e_k - e_(k-1)| over generator iterations divided by mean |e_k|, e_k the critic's EM estimate on the last minibatch of iteration k: how jumpy the loss curve is, minibatch noise included"
      "<optimizer>.<lr>.fixedRoughness", "the same roughness of the EM estimate on a fixed evaluation batch (the same real samples and noise at every iteration): how much the critic and generator themselves jump, without minibatch noise"
      "<optimizer>.<lr>.finalEarthMover", "exact W1 between generated and real samples after training"
      "<optimizer>.<lr>.episodeShare", "share of generator iterations in a blow-up episode: the fixed-batch EM estimate changed from the previous iteration by more than episodeJump times the run's median absolute change"
      "<optimizer>.<lr>.negativeCosineShareInEpisodes", "share of the critic steps of episode iterations whose update has a negative cosine with -gradient (NaN when the run has no episode)"
      "<optimizer>.<lr>.negativeCosineShareOutsideEpisodes", "the same share over the critic steps of the other iterations"
      "<lr>.roughnessRatio", "adam.<lr>.emRoughness / rmsprop.<lr>.emRoughness"
      "<lr>.earthMoverRatio", "adam.<lr>.finalEarthMover / rmsprop.<lr>.finalEarthMover"
      "<lr>.logRoughnessRatio", "ln(adam.<lr>.fixedRoughness / rmsprop.<lr>.fixedRoughness): > 0 when Adam's fixed-batch EM curve is rougher"
      "<lr>.replicateLogRoughnessRatio", "ln(rmsprop-replicate.<lr>.fixedRoughness / rmsprop.<lr>.fixedRoughness): the same between two RMSProp runs that differ only by their minibatch stream (a control: no optimiser difference)" ]

let private scaleSettings: Decoder<ScaleSettings> =
    Decode.readObject (fun r ->
        { Seeds = r.Required("seeds", Decode.intInRange 1 1000)
          Width = r.Required("width", Decode.intInRange 1 65536)
          BatchSize = r.Required("batchSize", Decode.intInRange 1 1_000_000)
          GeneratorIterations = r.Required("generatorIterations", Decode.intInRange 2 10_000_000)
          EarthMoverSamples = r.Required("earthMoverSamples", Decode.intInRange 2 4096)
          CheckpointEvery = r.Required("checkpointEvery", Decode.intInRange 0 10_000_000) })

let private learningRate: Decoder<LearningRate> =
    Decode.readObject (fun r -> { Id = r.Required("id", settingId); Value = r.Required("value", Decode.floatInRange 1e-12 10.0) })

let decodeSettings: Decoder<Settings> =
    Decode.readObject (fun r ->
        r.Required("experiment", Decode.string) |> ignore
        let lrs = r.Required("learningRates", uniqueIds (fun l -> l.Id) "learning-rate" learningRate)
        { Seed = r.Required("seed", seed)
          VerifyTolerance = r.Required("verifyTolerance", verifyTolerance)
          Dataset = r.Required("dataset", dataset)
          NoiseDimension = r.Required("noiseDimension", Decode.intInRange 1 4096)
          Critic = r.Required("critic", deepShape)
          Generator = r.Required("generator", deepShape)
          NCritic = r.Required("nCritic", Decode.intInRange 1 1000)
          ClipBound = r.Required("clipBound", Decode.floatInRange 1e-9 100.0)
          AdamBeta1 = r.Required("adamBeta1", Decode.floatInRange 0.0 0.999999)
          AdamBeta2 = r.Required("adamBeta2", Decode.floatInRange 0.0 0.999999)
          EpisodeJump = r.Required("episodeJump", Decode.floatInRange 1.0 1e6)
          LearningRates = lrs
          Scales = r.Required("scales", scaleTable scaleSettings)
          Claims = r.Required("claims", claims (if isNull (box lrs) then [] else metricNames lrs)) })

let optimizerSpec (settings: Settings) (name: string) (lr: LearningRate) =
    if name = "adam" then Adam(lr.Value, settings.AdamBeta1, settings.AdamBeta2) else RmsProp lr.Value

let private flat (tensors: torch.Tensor seq) = torch.cat(tensors |> Seq.map (fun t -> t.detach().flatten()) |> Array.ofSeq, 0L)

/// One WGAN-clip critic step (clipping before the step, as the official code) that also returns the cosine
/// between the optimiser's parameter update and -gradient, and the EM estimate E f(real) - E f(fake).
let criticStepWithCosine (critic: Mlp) (optimizer: Optimizer) (bound: float) (real: torch.Tensor) (fake: torch.Tensor) : float * float =
    use _ = torch.NewDisposeScope()
    LipschitzConstraint.clipWeights bound critic
    optimizer.zero_grad()
    let loss = Losses.criticLoss (critic.call real) (critic.call (fake.detach()))
    loss.backward()
    let parameters = critic.parameters() |> Array.ofSeq
    let gradient = flat (parameters |> Seq.map (fun p -> p.grad))
    let before = (flat (parameters |> Seq.map (fun p -> p :> torch.Tensor))).clone()
    optimizer.step() |> ignore
    let update = Scalars.minus (flat (parameters |> Seq.map (fun p -> p :> torch.Tensor))) before
    let cosine =
        let denominator = (update.norm() * gradient.norm()).ReadDouble()
        if denominator > 0.0 then -(torch.dot(update, gradient).ReadDouble()) / denominator else nan
    cosine, -(loss.ReadDouble())

let unitKey (seed: int64) (id: string) = $"seed-{seed}/{id}"

/// One unit: WGAN-clip trained with `optimizerName` at `lr`. Vectors: "cosine" (every critic step),
/// "estimate" (the last critic step's EM estimate, every generator iteration), "fixedEstimate" (the EM
/// estimate on a fixed evaluation batch after every generator iteration); scalar "finalEarthMover".
let measure (settings: Settings) (scale: ScaleSettings) (device: torch.Device) (checkpoints: UnitCheckpoints) (seed: int64) (optimizerName: string) (lr: LearningRate) : UnitMeasurement =
    let id = $"{optimizerName}.{lr.Id}"
    // The networks depend on the seed only, so every optimiser starts from the same critic and generator.
    use networkGenerator = new torch.Generator(uint64 (Seeds.derive seed [ 0 ]))
    use trainingGenerator = new torch.Generator(uint64 (Seeds.derive seed [ idCode id; 1 ]))
    use evaluationGenerator = new torch.Generator(uint64 (Seeds.derive seed [ idCode id; 2 ]))
    // The fixed evaluation batch depends on the seed only, so every optimiser of a seed is measured on it.
    use fixedGenerator = new torch.Generator(uint64 (Seeds.derive seed [ 3 ]))
    use critic = new Mlp(deepSpec settings.Critic scale.Width 2 1, networkGenerator)
    use generatorNetwork = new Mlp(deepSpec settings.Generator scale.Width settings.NoiseDimension 2, networkGenerator)
    critic.``to``(device) |> ignore
    generatorNetwork.``to``(device) |> ignore
    let spec = optimizerSpec settings optimizerName lr
    use criticOptimizer = Optimizer.create spec (critic.parameters())
    use generatorOptimizer = Optimizer.create spec (generatorNetwork.parameters())
    use fixedReal = (ToyData.sample settings.Dataset scale.EarthMoverSamples fixedGenerator).``to``(device)
    use fixedNoise = noise settings.NoiseDimension scale.EarthMoverSamples device fixedGenerator
    /// The EM estimate E f(real) - E f(G(z)) of the current critic and generator on the fixed batch.
    let fixedEstimate () =
        use _ = torch.NewDisposeScope()
        use _ = torch.no_grad()
        (Scalars.minus ((critic.call fixedReal).mean()) ((critic.call (generatorNetwork.call fixedNoise)).mean())).ReadDouble()
    let iteration k =
        let steps =
            Array.init settings.NCritic (fun _ ->
                use _ = torch.NewDisposeScope()
                let real = (ToyData.sample settings.Dataset scale.BatchSize trainingGenerator).``to``(device)
                let fake = generate generatorNetwork settings.NoiseDimension scale.BatchSize device trainingGenerator
                criticStepWithCosine critic criticOptimizer settings.ClipBound real fake)
        let generatorLoss =
            use _ = torch.NewDisposeScope()
            (GeneratorStep.wassersteinStep generatorNetwork generatorOptimizer critic (noise settings.NoiseDimension scale.BatchSize device trainingGenerator)).Loss
        let estimate = snd steps[steps.Length - 1]
        if not (System.Double.IsFinite estimate && System.Double.IsFinite generatorLoss) then Error $"a loss is not finite at iteration {k}"
        else Ok(Some(Array.append [| float k; estimate; fixedEstimate () |] (Array.map fst steps)))
    let rows, stopped =
        TrainingLoop.run checkpoints scale.CheckpointEvery
            { Networks = [ critic; generatorNetwork ]; Optimizers = [ criticOptimizer; generatorOptimizer ]; Generators = [ trainingGenerator ] }
            scale.GeneratorIterations iteration
    let finalEarthMover =
        if stopped.IsSome then nan
        else
            use _ = torch.NewDisposeScope()
            let fake = generate generatorNetwork settings.NoiseDimension scale.EarthMoverSamples device evaluationGenerator
            EarthMover.earthMover (toRows fake) (toRows (ToyData.sample settings.Dataset scale.EarthMoverSamples evaluationGenerator))
    { Key = unitKey seed id
      Scalars = readOnlyDict [ "finalEarthMover", finalEarthMover ]
      Vectors = readOnlyDict [ "cosine", rows |> Array.collect (fun r -> r[3..]); "estimate", rows |> Array.map (fun r -> r[1]); "fixedEstimate", rows |> Array.map (fun r -> r[2]) ]
      Texts = readOnlyDict []
      Diverged = defaultArg stopped "" }

/// mean |e_k - e_(k-1)| / mean |e_k|.
let roughness (estimates: float[]) =
    if estimates.Length < 2 then nan
    else (estimates |> Array.pairwise |> Array.averageBy (fun (a, b) -> abs (b - a))) / (estimates |> Array.averageBy abs)

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
        |> Array.filter (fun (j, c) -> chosen (j / nCritic) && System.Double.IsFinite c)
        |> Array.map snd
    if picked.Length = 0 then nan else float (picked |> Array.filter (fun c -> c < 0.0) |> Array.length) / float picked.Length

let private title = "Momentum and instability: WGAN-clip with Adam vs RMSProp"
let private source = "WGAN (Arjovsky et al. 2017), section 4.2"

let units (settings: Settings) (run: RunContext) : ToyUnit list =
    let scale = settings.Scales[run.Scale]
    [ for seed in run.Seeds do
          for id, o, lr in settingIds settings ->
              { Key = unitKey seed id
                Description = $"seed {seed}, {o} lr {plainNumber lr.Value}"
                Run = fun checkpoints -> measure settings scale run.Device checkpoints seed o lr } ]

let assemble (settings: Settings) (run: RunContext) (measurements: UnitMeasurement list) : Findings =
    let scale = settings.Scales[run.Scale]
    let seeds = run.Seeds
    let found = byKey measurements
    let metrics =
        seeds |> List.map (fun seed ->
            let values =
                [ for id, _, _ in settingIds settings do
                      let m = found[unitKey seed id]
                      let cosines = m.Vectors["cosine"] |> Array.filter System.Double.IsFinite
                      yield $"{id}.meanCosine", Statistics.mean cosines
                      yield $"{id}.negativeCosineShare", negativeShareWhere settings.NCritic (fun _ -> true) m.Vectors["cosine"]
                      yield $"{id}.emRoughness", roughness m.Vectors["estimate"]
                      yield $"{id}.fixedRoughness", roughness m.Vectors["fixedEstimate"]
                      yield $"{id}.finalEarthMover", m.Scalars["finalEarthMover"]
                      let inEpisode = episodes settings.EpisodeJump m.Vectors["fixedEstimate"]
                      let isEpisode i = i < inEpisode.Length && inEpisode[i]
                      yield $"{id}.episodeShare", (if inEpisode.Length = 0 then nan else float (inEpisode |> Array.filter (fun e -> e) |> Array.length) / float inEpisode.Length)
                      yield $"{id}.negativeCosineShareInEpisodes", negativeShareWhere settings.NCritic isEpisode m.Vectors["cosine"]
                      yield $"{id}.negativeCosineShareOutsideEpisodes", negativeShareWhere settings.NCritic (isEpisode >> not) m.Vectors["cosine"] ]
            let table = dict values
            { Seed = seed
              Values =
                readOnlyDict [
                    yield! values
                    for lr in settings.LearningRates do
                        yield $"{lr.Id}.roughnessRatio", table[$"adam.{lr.Id}.emRoughness"] / table[$"rmsprop.{lr.Id}.emRoughness"]
                        yield $"{lr.Id}.earthMoverRatio", table[$"adam.{lr.Id}.finalEarthMover"] / table[$"rmsprop.{lr.Id}.finalEarthMover"]
                        yield $"{lr.Id}.logRoughnessRatio", log (table[$"adam.{lr.Id}.fixedRoughness"] / table[$"rmsprop.{lr.Id}.fixedRoughness"])
                        yield $"{lr.Id}.replicateLogRoughnessRatio", log (table[$"rmsprop-replicate.{lr.Id}.fixedRoughness"] / table[$"rmsprop.{lr.Id}.fixedRoughness"]) ] })
    let claims = settings.Claims |> List.map (Claims.evaluate metrics)
    let firstSeed = List.head seeds
    let ids = settingIds settings
    let iterations = Array.init scale.GeneratorIterations (fun i -> float (i + 1))
    let column (m: UnitMeasurement) (vector: string) (i: int) = let v = m.Vectors[vector] in if i < v.Length then v[i] else nan
    // The mean cosine of each generator iteration's critic steps.
    let iterationCosine (m: UnitMeasurement) (i: int) =
        let c = m.Vectors["cosine"]
        if (i + 1) * settings.NCritic <= c.Length then Statistics.mean c[i * settings.NCritic .. (i + 1) * settings.NCritic - 1] else nan
    { Metrics = metrics
      Claims = claims
      Series =
        [ { Name = "training-curves"
            Columns = "iteration" :: [ for seed in seeds do for id, _, _ in ids do yield $"seed-{seed}/{id}/em_estimate"; yield $"seed-{seed}/{id}/em_fixed_batch"; yield $"seed-{seed}/{id}/cosine" ]
            Rows =
              [ for i in 0 .. iterations.Length - 1 ->
                    Array.ofList (iterations[i] :: [ for seed in seeds do for id, _, _ in ids do let m = found[unitKey seed id] in yield column m "estimate" i; yield column m "fixedEstimate" i; yield iterationCosine m i ]) ] } ]
      Figures =
        [ Figure.ofLines "em-estimate" $"EM estimate over training (seed {firstSeed})" "generator iteration" "-critic loss" false
              [ for id, o, lr in ids -> { Label = $"{o}, lr {plainNumber lr.Value}"; X = iterations; Y = Array.init iterations.Length (column found[unitKey firstSeed id] "estimate"); Markers = false } ]
          Figure.ofLines "em-fixed-batch" $"EM estimate on the fixed evaluation batch over training (seed {firstSeed})" "generator iteration" "E f(real) - E f(G(z)), fixed batch" false
              [ for id, o, lr in ids -> { Label = $"{o}, lr {plainNumber lr.Value}"; X = iterations; Y = Array.init iterations.Length (column found[unitKey firstSeed id] "fixedEstimate"); Markers = false } ]
          Figure.ofLines "update-cosine" $"cos(critic update, -gradient), mean per generator iteration, median-filtered (window 25; seed {firstSeed})" "generator iteration" "cosine" false
              [ for id, o, lr in ids -> { Label = $"{o}, lr {plainNumber lr.Value}"; X = iterations; Y = Statistics.medianFilter 25 (Array.init iterations.Length (iterationCosine found[unitKey firstSeed id])); Markers = false } ] ]
      ImageGrids = []
      Notes =
        [ $"Data: {settings.Dataset.Name}. WGAN with weight clipping to [-{plainNumber settings.ClipBound}, {plainNumber settings.ClipBound}] before each critic step (official code), nCritic {settings.NCritic}, no warm-up schedule; critic MLP 2 -> {settings.Critic.Depth} x {scale.Width} -> 1, generator MLP {settings.NoiseDimension} -> {settings.Generator.Depth} x {scale.Width} -> 2 (ReLU); batch {scale.BatchSize}; {scale.GeneratorIterations} generator iterations. Both networks use the named optimiser; every optimiser starts from the same networks for a seed."
          $"""Optimisers: RMSProp (alpha 0.99) and Adam (beta1 {plainNumber settings.AdamBeta1}, beta2 {plainNumber settings.AdamBeta2}) at learning rates {settings.LearningRates |> List.map (fun l -> $"{l.Id} = {plainNumber l.Value}") |> String.concat ", "}."""
          "Cosine: between the optimiser's parameter update (before the next clipping) and -gradient of the critic loss E f(fake) - E f(real). RMSProp without momentum scales each coordinate of -gradient by a positive number, so its cosine is positive by construction; Adam's momentum can make it negative."
          $"Stability: roughness, the mean absolute change of the EM estimate between generator iterations over its mean absolute value. emRoughness uses the estimate of the last critic step's minibatch ({scale.BatchSize} samples), so it mostly measures minibatch noise (issue 18); fixedRoughness uses the estimate on a fixed evaluation batch ({scale.EarthMoverSamples} real samples and {scale.EarthMoverSamples} noise vectors drawn once per seed, the same for every optimiser), so it moves only when the critic or the generator moves. The claims use fixedRoughness: Adam 'less stable' means ln(adam / rmsprop fixedRoughness) >= ln 1.25 = 0.223 (a quarter rougher)."
          $"Blow-up episodes (issue 18): an iteration is in an episode when its fixed-batch EM estimate changes from the previous iteration by more than {plainNumber settings.EpisodeJump} times the run's median absolute change; the cosines of that iteration's critic steps are counted as in the episode. The paper says the cosine turned negative when the loss blew up, so the episode claims ask for negative cosines in at least a tenth of the episode steps, and take the same share outside episodes as their control: if it is as high there, negativity is not about blow-ups."
          "Controls. Cosine: RMSProp's negative-cosine share, measured the same way; its update is -gradient times a positive diagonal, so its share is 0 and it must fail 'turns negative'. Roughness: a second RMSProp run from the same networks on a different minibatch stream (rmsprop-replicate); ln(replicate / rmsprop fixedRoughness) measures how much two runs of the same optimiser differ by chance, and must fail the 25% margin that Adam must pass. Without the margin (threshold 0) this null pair would sit on the threshold and could never fail clearly."
          yield! scaleNote run.Scale claims $"This scale trains {scale.GeneratorIterations} generator iterations (paper scale: {settings.Scales[Paper].GeneratorIterations})."
          yield! Experiment.bagDivergenceNotes measurements ] }

/// The networks a unit holds at once, at a scale (see Footprint): its critic and generator, through the larger of the
/// batch and the Earth-Mover samples.
let footprint (settings: Settings) (scale: Scale) : Footprint.Demand list =
    let s = settings.Scales[scale]
    deepFootprint scale.Name settings.Critic settings.Generator s.Width settings.NoiseDimension (max s.BatchSize s.EarthMoverSamples)

let definition: ExperimentDefinition =
    Experiment.standard Id title source metrics decodeSettings
        Experiment.commonOf
        footprint units assemble
