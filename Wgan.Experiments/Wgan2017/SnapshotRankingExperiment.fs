/// WGAN Figures 3-4 (a meaningful loss), tested so that the clock cannot pass. Several WGAN-GP runs that differ
/// only in their learning rate are frozen at the same generator iterations; each frozen generator (a snapshot)
/// gets fresh critics trained to a fixed budget against it, from the same initial weights on the same batches;
/// and the snapshots of one iteration are ranked by each critic's estimate and by the exact W1 between generated
/// and real samples. Within one iteration the iteration counter is the same for every snapshot, so it cannot
/// rank them, and a fresh critic sees only the frozen generator, so its estimate carries nothing of the run's
/// history: what ranks the snapshots is the estimate's own reading of the distance. WGAN Figure 3 compares runs
/// this way (its curves come from different architectures); Figure 4 contrasts the GAN's Jensen-Shannon
/// estimate, which the same test should find uninformative.
module Wgan.Experiments.SnapshotRankingExperiment

open System
open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.ToyTraining

[<Literal>]
let Id = "snapshot-ranking"

/// What a fresh critic estimates.
type EstimateKind =
    /// A WGAN critic under a Lipschitz constraint: the Earth-Mover estimate E f(x) - E f(G(z)).
    | EarthMoverCritic of LipschitzConstraint
    /// A GAN discriminator: the Jensen-Shannon estimate V/2 + log 2 (V = E log D(x) + E log(1 - D(G(z)))).
    | Discriminator

/// A critic trained afresh on every snapshot.
type FreshCritic = { Id: string; Label: string; Kind: EstimateKind; Optimizer: OptimizerSpec }

/// The training runs whose generators are frozen: one WGAN per learning rate, everything else shared.
type Runs =
    { Label: string
      Constraint: LipschitzConstraint
      NCritic: int
      /// Adam's betas (critic and generator alike); the learning rate is the run's.
      Beta1: float
      Beta2: float
      LearningRates: float list }

type ScaleSettings =
    { Seeds: int
      /// Hidden width of every network (generators and fresh critics).
      Width: int
      /// Batch of the runs' critic and generator steps.
      BatchSize: int
      /// Generator iterations at which every run is frozen and measured, ascending.
      SnapshotsAt: int list
      /// Steps of each fresh critic on each snapshot.
      CriticSteps: int
      CriticBatchSize: int
      /// Real and generated samples of the exact W1 and of every estimate (one fixed evaluation batch).
      EvaluationSamples: int
      CheckpointEvery: int }

type Settings =
    { Seed: int
      VerifyTolerance: float
      Datasets: ToyDataset list
      NoiseDimension: int
      Network: DeepShape
      Runs: Runs
      Critics: FreshCritic list
      Scales: Map<Scale, ScaleSettings>
      Claims: ClaimSpec list }

/// Metric names for the manifest's data sets and fresh critics.
let metricNames (datasets: ToyDataset list) (critics: FreshCritic list) =
    [ for c in critics do
          $"{c.Id}.meanWithinIterationSpearman"
          $"{c.Id}.untrained.meanWithinIterationSpearman"
          $"{c.Id}.meanPooledSpearman"
          for d in datasets do
              $"{d.Name}.{c.Id}.withinIterationSpearman"
              $"{d.Name}.{c.Id}.untrained.withinIterationSpearman"
              $"{d.Name}.{c.Id}.pooledSpearman"
      for d in datasets do
          $"{d.Name}.clock.pooledSpearman"
      "clock.meanPooledSpearman" ]

let metrics =
    [ "<critic>.meanWithinIterationSpearman", "for each data set and snapshot iteration, Spearman(estimate, exact W1) across the runs' snapshots of that iteration; averaged over the iterations, then over the data sets. The iteration counter is constant within an iteration, so it cannot rank there"
      "<critic>.untrained.meanWithinIterationSpearman", "the same for the fresh critic before training (its initial weights): what the architecture alone ranks"
      "<critic>.meanPooledSpearman", "Spearman(estimate, exact W1) over all snapshots of a data set (every run and iteration), averaged over the data sets; the clock competes here"
      "clock.meanPooledSpearman", "Spearman(-iteration, exact W1) over the same snapshots: how much of the pooled ranking time alone explains"
      "<dataset>.<...>", "the same per data set" ]

let private freshCritic: Decoder<FreshCritic> =
    Decode.readObject (fun r ->
        let id = r.Required("id", settingId)
        let label = r.Required("label", Decode.nonEmptyString)
        let kind =
            match r.Required("kind", Decode.oneOf [ "wgan", "wgan"; "gan", "gan" ]) with
            | "wgan" -> EarthMoverCritic(r.Required("constraint", lipschitzConstraint))
            | _ -> Discriminator
        { Id = id; Label = label; Kind = kind; Optimizer = r.Required("optimizer", optimizer) })

let private runs: Decoder<Runs> =
    Decode.readObject (fun r ->
        { Label = r.Required("label", Decode.nonEmptyString)
          Constraint = r.Required("constraint", lipschitzConstraint)
          NCritic = r.Required("nCritic", Decode.intInRange 1 1000)
          Beta1 = r.Required("beta1", Decode.floatInRange 0.0 0.999999)
          Beta2 = r.Required("beta2", Decode.floatInRange 0.0 0.999999)
          LearningRates =
            r.Required("learningRates", Decode.nonEmptyArray (Decode.floatInRange 1e-8 1.0) |> requiring (fun xs -> List.length xs >= 3 && List.distinct xs = xs) "must list at least 3 distinct learning rates (a ranking needs 3 snapshots)") })

let private scaleSettings: Decoder<ScaleSettings> =
    Decode.readObject (fun r ->
        { Seeds = r.Required("seeds", Decode.intInRange 1 1000)
          Width = r.Required("width", Decode.intInRange 1 4096)
          BatchSize = r.Required("batchSize", Decode.intInRange 1 1_000_000)
          SnapshotsAt =
            r.Required("snapshotsAt", Decode.nonEmptyArray (Decode.intInRange 1 10_000_000) |> requiring (fun xs -> List.sort (List.distinct xs) = xs) "must be ascending and distinct")
          CriticSteps = r.Required("criticSteps", Decode.intInRange 1 10_000_000)
          CriticBatchSize = r.Required("criticBatchSize", Decode.intInRange 1 1_000_000)
          EvaluationSamples = r.Required("evaluationSamples", Decode.intInRange 2 4096)
          CheckpointEvery = r.Required("checkpointEvery", Decode.intInRange 0 10_000_000) })

let decodeSettings: Decoder<Settings> =
    Decode.readObject (fun r ->
        r.Required("experiment", Decode.string) |> ignore
        let datasets = r.Required("datasets", distinctDatasets)
        let critics =
            r.Required("critics", Decode.nonEmptyArray freshCritic |> requiring (fun cs -> List.distinctBy (fun c -> c.Id) cs = cs) "must not repeat a critic id")
        let names = if isNull (box datasets) || isNull (box critics) then [] else metricNames datasets critics
        { Seed = r.Required("seed", seed)
          VerifyTolerance = r.Required("verifyTolerance", verifyTolerance)
          Datasets = datasets
          NoiseDimension = r.Required("noiseDimension", Decode.intInRange 1 4096)
          Network = r.Required("network", deepShape)
          Runs = r.Required("runs", runs)
          Critics = critics
          Scales = r.Required("scales", scaleTable scaleSettings)
          Claims = r.Required("claims", claims names) })

let unitKey (seed: int64) (dataset: ToyDataset) (run: int) = $"seed-{seed}/{dataset.Name}/lr-{run}"

/// A critic's estimate on the evaluation batch: E f(x) - E f(G(z)) for a WGAN critic, V/2 + log 2 for a
/// discriminator.
let estimate (kind: EstimateKind) (critic: Mlp) (real: torch.Tensor) (fake: torch.Tensor) : float =
    use _ = torch.NewDisposeScope()
    use _ = torch.no_grad()
    let realScores, fakeScores = critic.call real, critic.call fake
    match kind with
    | EarthMoverCritic _ -> (KantorovichRubinstein.dualEstimateOfScores realScores fakeScores).ReadDouble()
    | Discriminator -> Losses.jensenShannonEstimate ((Losses.discriminatorLoss realScores fakeScores).ReadDouble())

/// Trains a fresh critic against a frozen generator and returns its estimate before and after training. Its
/// initial weights and batches come from seeds that do not depend on the snapshot, so every snapshot of a
/// seed and data set meets the same critic and the same real batches and noise.
let freshEstimates
    (settings: Settings)
    (scale: ScaleSettings)
    (device: torch.Device)
    (seed: int64)
    (dataset: ToyDataset)
    (index: int)
    (critic: FreshCritic)
    (frozen: Mlp)
    (real: torch.Tensor)
    (fake: torch.Tensor)
    : float * float =
    use init = new torch.Generator(uint64 (Seeds.derive seed [ datasetCode dataset; 10 + index ]))
    use batches = new torch.Generator(uint64 (Seeds.derive seed [ datasetCode dataset; 20 + index ]))
    use network = new Mlp(deepSpec settings.Network scale.Width 2 1, init)
    network.``to``(device) |> ignore
    use optimizer = Optimizer.create critic.Optimizer (network.parameters())
    let untrained = estimate critic.Kind network real fake
    let step () =
        use _ = torch.NewDisposeScope()
        let realBatch = (ToyData.sample dataset scale.CriticBatchSize batches).``to``(device)
        let fakeBatch = generate frozen settings.NoiseDimension scale.CriticBatchSize device batches
        match critic.Kind with
        | EarthMoverCritic c -> (CriticStep.criticStep network optimizer c realBatch fakeBatch batches).Loss
        | Discriminator -> (CriticStep.discriminatorStep network optimizer realBatch fakeBatch).Loss
    let rec train k =
        if k > scale.CriticSteps then ""
        else
            match finite $"{critic.Id} loss" k (step ()) with
            | "" -> train (k + 1)
            | reason -> reason
    match train 1 with
    | "" -> untrained, estimate critic.Kind network real fake
    | _ -> untrained, nan

/// One run (one learning rate) on one data set for one seed: trains the WGAN, and at every snapshot iteration
/// measures the frozen generator: the exact W1 to the real evaluation samples, and each fresh critic's estimate
/// before and after its training. Logged rows: iteration, W1, then per critic untrained and trained estimates.
let measure (settings: Settings) (scale: ScaleSettings) (device: torch.Device) (checkpoints: UnitCheckpoints) (seed: int64) (dataset: ToyDataset) (run: int) : MeasurementBag =
    let code = datasetCode dataset
    // The runs of a seed and data set share their initial weights, batches and noise: only the learning rate
    // differs.
    use generatorInit = new torch.Generator(uint64 (Seeds.derive seed [ code; 0 ]))
    use criticInit = new torch.Generator(uint64 (Seeds.derive seed [ code; 1 ]))
    use training = new torch.Generator(uint64 (Seeds.derive seed [ code; 2 ]))
    use evaluation = new torch.Generator(uint64 (Seeds.derive seed [ code; 3 ]))
    use critic = new Mlp(deepSpec settings.Network scale.Width 2 1, criticInit)
    use generatorNetwork = new Mlp(deepSpec settings.Network scale.Width settings.NoiseDimension 2, generatorInit)
    critic.``to``(device) |> ignore
    generatorNetwork.``to``(device) |> ignore
    let lr = settings.Runs.LearningRates[run]
    let adam = Adam(lr, settings.Runs.Beta1, settings.Runs.Beta2)
    let setting = { Id = $"lr-{run}"; Label = settings.Runs.Label; Constraint = settings.Runs.Constraint; CriticOptimizer = adam; GeneratorOptimizer = adam }
    let real = (ToyData.sample dataset scale.EvaluationSamples evaluation).``to``(device).DetachFromDisposeScope()
    let z = (noise settings.NoiseDimension scale.EvaluationSamples device evaluation).DetachFromDisposeScope()
    use _ = real
    use _ = z
    let realRows = toRows real
    let snapshot (i: int) =
        use _ = torch.NewDisposeScope()
        let fake = (use _ = torch.no_grad() in generatorNetwork.call z)
        let fakeRows = toRows fake
        if fakeRows |> Array.exists (Array.exists (Double.IsFinite >> not)) then Error $"the generated samples are not finite at iteration {i}"
        else
            let w1 = EarthMover.earthMover fakeRows realRows
            let estimates =
                settings.Critics
                |> List.mapi (fun k c -> freshEstimates settings scale device seed dataset k c generatorNetwork real fake)
                |> List.collect (fun (u, t) -> [ u; t ])
            Ok [ Array.ofList (float i :: w1 :: estimates) ]
    let last = List.last scale.SnapshotsAt
    let rows, stopped =
        trainWganLogged checkpoints scale.CheckpointEvery critic generatorNetwork setting dataset settings.NoiseDimension
            scale.BatchSize settings.Runs.NCritic last device training
            (fun () -> []) (fun i -> if List.contains i scale.SnapshotsAt then snapshot i else Ok [])
    let columnOf (j: int) = rows |> Array.map (fun r -> r[j])
    { Key = unitKey seed dataset run
      Scalars = readOnlyDict [ "learningRate", lr ]
      Vectors =
        readOnlyDict
            [ "iteration", columnOf 0
              "w1", columnOf 1
              for k, c in List.indexed settings.Critics do
                  $"{c.Id}.untrained", columnOf (2 + 2 * k)
                  $"{c.Id}.trained", columnOf (3 + 2 * k) ]
      Texts = readOnlyDict []
      Diverged = stopped }

/// One snapshot as assemble reads it back.
type Snapshot = { Run: int; Iteration: float; EarthMover: float; Estimates: Map<string, float> }

/// The snapshots of one seed and data set, over every run.
let snapshotsOf (settings: Settings) (found: Collections.Generic.IReadOnlyDictionary<string, MeasurementBag>) (seed: int64) (dataset: ToyDataset) =
    [ for run in 0 .. settings.Runs.LearningRates.Length - 1 do
          let u = found[unitKey seed dataset run]
          for j in 0 .. u.Vectors["iteration"].Length - 1 ->
              { Run = run
                Iteration = u.Vectors["iteration"][j]
                EarthMover = u.Vectors["w1"][j]
                Estimates =
                  Map [ for c in settings.Critics do
                            c.Id, u.Vectors[$"{c.Id}.trained"][j]
                            c.Id + ".untrained", u.Vectors[$"{c.Id}.untrained"][j] ] } ]

/// Spearman(x, y) over the pairs where both are finite, nan with fewer than 3 such pairs.
let private finiteSpearman (pairs: (float * float) list) =
    let kept = pairs |> List.filter (fun (x, y) -> Double.IsFinite x && Double.IsFinite y)
    if kept.Length < 3 then nan
    else Statistics.spearman (kept |> List.map fst |> Array.ofList) (kept |> List.map snd |> Array.ofList)

/// The mean of the finite values, nan when there are none.
let private finiteMean (xs: float list) =
    match xs |> List.filter Double.IsFinite with
    | [] -> nan
    | kept -> List.average kept

/// Mean over snapshot iterations of Spearman(estimate, W1) across the runs' snapshots of each iteration.
let withinIterationSpearman (snapshots: Snapshot list) (estimate: string) =
    snapshots
    |> List.groupBy (fun s -> s.Iteration)
    |> List.map (fun (_, group) -> finiteSpearman [ for s in group -> s.Estimates[estimate], s.EarthMover ])
    |> finiteMean

/// Spearman(estimate, W1) over all snapshots.
let pooledSpearman (snapshots: Snapshot list) (estimate: string) =
    finiteSpearman [ for s in snapshots -> s.Estimates[estimate], s.EarthMover ]

/// Spearman(-iteration, W1) over all snapshots: the clock's ranking.
let clockSpearman (snapshots: Snapshot list) = finiteSpearman [ for s in snapshots -> -s.Iteration, s.EarthMover ]

let private title = "Snapshot ranking: do fresh critics' estimates rank frozen generators by their exact W1?"
let private source = "WGAN (Arjovsky et al. 2017), Figures 3-4"

let units (settings: Settings) (run: RunContext) : WorkUnitOf list =
    let scale = settings.Scales[run.Scale]
    [ for seed in run.Seeds do
          for dataset in settings.Datasets do
              for index, lr in List.indexed settings.Runs.LearningRates ->
                  { Key = unitKey seed dataset index
                    Description = $"seed {seed}, {dataset.Name}, learning rate {plainNumber lr}"
                    Run = fun checkpoints -> measure settings scale run.Device checkpoints seed dataset index } ]

let private pooledSuffix = ".meanPooledSpearman"
let private clockPooled = "clock.meanPooledSpearman"
let private pooledSeparator = ", "

let private decimals (digits: int) (x: float) =
    if Double.IsFinite x then x.ToString("F" + string digits, Globalization.CultureInfo.InvariantCulture) else "nan"

let private kindText (c: FreshCritic) =
    match c.Kind with
    | EarthMoverCritic lipschitz -> $"WGAN critic, {constraintText lipschitz}, {optimizerText c.Optimizer}; estimate E f(x) - E f(G(z))"
    | Discriminator -> $"GAN discriminator, {optimizerText c.Optimizer}; estimate JS = V/2 + log 2"

let assemble (settings: Settings) (run: RunContext) (results: MeasurementBag list) : Findings =
    let scale = settings.Scales[run.Scale]
    let seeds = run.Seeds
    let found = byKey results
    let snapshots = Map [ for seed in seeds do for d in settings.Datasets -> (seed, d.Name), snapshotsOf settings found seed d ]
    let metricsPerSeed =
        seeds |> List.map (fun seed ->
            let perDataset =
                [ for d in settings.Datasets do
                      let s = snapshots[(seed, d.Name)]
                      for c in settings.Critics do
                          $"{d.Name}.{c.Id}.withinIterationSpearman", withinIterationSpearman s c.Id
                          $"{d.Name}.{c.Id}.untrained.withinIterationSpearman", withinIterationSpearman s (c.Id + ".untrained")
                          $"{d.Name}.{c.Id}.pooledSpearman", pooledSpearman s c.Id
                      $"{d.Name}.clock.pooledSpearman", clockSpearman s ]
            let table = Map perDataset
            let overDatasets (suffix: string) = settings.Datasets |> List.averageBy (fun d -> table[$"{d.Name}.{suffix}"])
            { Seed = seed
              Values =
                readOnlyDict [
                    yield! perDataset
                    for c in settings.Critics do
                        yield $"{c.Id}.meanWithinIterationSpearman", overDatasets $"{c.Id}.withinIterationSpearman"
                        yield $"{c.Id}.untrained.meanWithinIterationSpearman", overDatasets $"{c.Id}.untrained.withinIterationSpearman"
                        yield $"{c.Id}.meanPooledSpearman", overDatasets $"{c.Id}.pooledSpearman"
                    yield "clock.meanPooledSpearman", overDatasets "clock.pooledSpearman" ] })
    let claims = settings.Claims |> List.map (Claims.evaluate metricsPerSeed)
    let first = seeds.Head
    let meanOf (name: string) = metricsPerSeed |> List.map (fun m -> m.Values[name]) |> finiteMean
    let lrText = settings.Runs.LearningRates |> List.map plainNumber |> String.concat ", "
    { Metrics = metricsPerSeed
      Claims = claims
      Series =
        [ { Name = "snapshots"
            Columns =
              [ "seed"; "dataset"; "run"; "learning_rate"; "iteration"; "exact_w1"
                for c in settings.Critics do
                    c.Id.Replace('-', '_') + "_untrained"
                    c.Id.Replace('-', '_') + "_trained" ]
            Rows =
              [ for seed in seeds do
                    for d in settings.Datasets do
                        for s in snapshots[(seed, d.Name)] ->
                            [| float seed; float (datasetCode d); float s.Run; settings.Runs.LearningRates[s.Run]; s.Iteration; s.EarthMover
                               for c in settings.Critics do
                                   s.Estimates[c.Id + ".untrained"]
                                   s.Estimates[c.Id] |] ] } ]
      Figures =
        [ for d in settings.Datasets do
              let s = snapshots[(first, d.Name)]
              // Every estimate rescaled to [0, 1] over this seed's snapshots, so that estimates of different
              // units share the W1 axis; a ranking is unchanged by the rescaling.
              let rescaled (name: string) =
                  let values = s |> List.map (fun x -> x.Estimates[name]) |> List.filter Double.IsFinite
                  let lo, hi = (if values.IsEmpty then 0.0, 1.0 else List.min values, List.max values)
                  s |> List.map (fun x -> if hi > lo then (x.Estimates[name] - lo) / (hi - lo) else nan) |> Array.ofList
              yield
                  Figure.ofLines $"ranking-{d.Name}" $"{datasetTitle d}, seed {first}: estimates against exact W1" "exact W1 (snapshot to real samples)" "estimate, rescaled to [0, 1] per critic" false
                      [ for c in settings.Critics -> { Label = c.Label; X = s |> List.map (fun x -> x.EarthMover) |> Array.ofList; Y = rescaled c.Id; Markers = true } ]
              yield
                  Figure.ofLines $"runs-{d.Name}" $"{datasetTitle d}, seed {first}: exact W1 of each run's snapshots" "generator iteration" "exact W1" false
                      [ for run, lr in List.indexed settings.Runs.LearningRates ->
                            let ofRun = s |> List.filter (fun x -> x.Run = run)
                            { Label = $"learning rate {plainNumber lr}"; X = ofRun |> List.map (fun x -> x.Iteration) |> Array.ofList; Y = ofRun |> List.map (fun x -> x.EarthMover) |> Array.ofList; Markers = false } ] ]
      ImageGrids = []
      Notes =
        [ let snapshotText = scale.SnapshotsAt |> List.map string |> String.concat ", "
          $"Runs: {settings.Runs.Label}: {constraintText settings.Runs.Constraint}, nCritic {settings.Runs.NCritic}, Adam (beta1 {plainNumber settings.Runs.Beta1}, beta2 {plainNumber settings.Runs.Beta2}) for critic and generator with learning rate {lrText} (one run each); generator and critic MLPs {settings.NoiseDimension} (2) -> {settings.Network.Depth} x {scale.Width} -> 2 (1), {activationText settings.Network.Activation}; batch {scale.BatchSize}. The runs of a seed and data set share their initial weights, batches and noise: only the learning rate differs, so at one iteration their generators differ in quality."
          $"Snapshots: every run's generator is frozen after generator iterations {snapshotText}. On each, every fresh critic is trained {scale.CriticSteps} steps of batch {scale.CriticBatchSize} (real batches and generated batches of the frozen generator), from initial weights and batches that are the same for every snapshot of a seed and data set; its estimate and the exact W1 (optimal assignment) are taken on one evaluation batch of {scale.EvaluationSamples} real samples and {scale.EvaluationSamples} samples of the frozen generator (fixed noise)."
          yield! settings.Critics |> List.map (fun c -> $"Fresh critic {c.Id} ({c.Label}): {kindText c}.")
          "The fresh critics' budget is set so that they leave their transient: in a trial at the quick scale (one seed, 8 Gaussians), 500 steps left the penalty critic's estimate below zero on snapshots whose exact W1 was about 1.3 (a critic worse than a constant), while after 3000 steps it was within 5% of the exact W1; the quick scale trains 2000. The thresholds were set before any run."
          "Decision: within one snapshot iteration the iteration counter is equal for every snapshot, so it has no ranking to offer (its within-iteration Spearman is 0 by construction): the within-iteration Spearman is a test the clock cannot pass. Each EM claim is tested twice, against the GAN discriminator's JS estimate on the same snapshots (WGAN Fig. 4's contrast: if it ranks as well, the test cannot tell the EM estimate's meaning from the JS estimate's) and against the same critic untrained (if an untrained critic ranks as well, training adds nothing the test can see)."
          let pooled (c: FreshCritic) = $"{c.Id} {decimals 3 (meanOf (c.Id + pooledSuffix))}"
          $"Pooled over all snapshots, where the clock competes: clock Spearman(-iteration, W1) {decimals 3 (meanOf clockPooled)}; {settings.Critics |> List.map pooled |> String.concat pooledSeparator} (means over seeds)."
          "CSV codes: dataset 0 = 8gaussians, 1 = 25gaussians, 2 = swissroll; run = index of the learning rate in the manifest's list."
          yield! scaleNote run.Scale claims $"This scale freezes generators after {snapshotText} iterations of {scale.Width}-wide networks and trains each fresh critic {scale.CriticSteps} steps (paper scale: {settings.Scales[Paper].Width} wide, critics {settings.Scales[Paper].CriticSteps} steps)."
          yield! Experiment.bagDivergenceNotes results ] }

/// The networks a unit holds at once, at a scale (see Footprint): a run's critic and generator and a fresh critic,
/// through the largest of the batches and the evaluation samples.
let footprint (settings: Settings) (scale: Scale) : Footprint.Demand list =
    let s = settings.Scales[scale]
    let critic = Footprint.ofMlp "critic" (deepSpec settings.Network s.Width 2 1)
    [ { Path = $"scales.{scale.Name}.width"
        Networks =
          [ critic
            Footprint.ofMlp "generator" (deepSpec settings.Network s.Width settings.NoiseDimension 2)
            critic ]
        Samples = List.max [ s.BatchSize; s.CriticBatchSize; s.EvaluationSamples ] } ]

let definition: ExperimentDefinition =
    Experiment.standard Id title source metrics decodeSettings
        Experiment.commonOf
        footprint units assemble
