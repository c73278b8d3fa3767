/// WGAN-GP Figure 1a, capacity underuse: critics trained against the fixed generator Pg = Pr + N(0, I) on the
/// 8 Gaussians, 25 Gaussians and Swiss Roll, one under weight clipping and one under the gradient penalty.
/// The paper shows the clipped critic's value surface as a simple function that ignores the data's
/// structure. This experiment draws both surfaces and measures how much of the Earth-Mover distance each
/// critic captures: its dual estimate E_Pr f - E_Pg f divided by its own empirical Lipschitz constant, as a
/// fraction of the exact W1 between the same two samples.
module Wgan.Experiments.CapacityUnderuseExperiment

open System.Collections.Generic
open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest

[<Literal>]
let Id = "capacity-underuse"

/// A critic's training: activation, normalisation, initialisation, optimiser and constraint (its widths are
/// set per scale).
type CriticSettings =
    { Activation: Activation
      Normalization: Normalization
      Initialization: Initialization.Scheme
      Optimizer: OptimizerSpec
      Constraint: LipschitzConstraint }

/// How long each critic trains.
type CriticTraining =
    { /// Steps before the plateau rule may stop a critic (all of them without the rule).
      MinSteps: int
      /// Steps at most (= MinSteps without the rule).
      MaxSteps: int
      /// The plateau rule and the size of its fixed evaluation batch (per distribution); None: MinSteps steps.
      Plateau: (Plateau.Rule * int) option }

/// The work a scale does.
type ScaleSettings =
    { Seeds: int
      /// Hidden widths of both critics.
      CriticHidden: int list
      BatchSize: int
      CriticSteps: CriticTraining
      /// Fresh samples per distribution for the dual estimate, the Lipschitz constant and the exact W1.
      EvaluationSamples: int
      /// Cells per side of the grid on which the value surfaces are drawn.
      GridResolution: int
      /// Real and generated samples drawn over each surface.
      PlottedSamples: int
      /// Training state is saved every so many critic steps (the three critics' MaxSteps counted one after
      /// the other; 0: never), so a killed unit resumes there.
      CheckpointEvery: int
      /// What is known about this scale (e.g. its measured cost), for the notes.
      Note: string option }

type Settings =
    { Seed: int
      VerifyTolerance: float
      Datasets: ToyDataset list
      /// sigma of the fixed generator Pg = Pr + N(0, sigma^2 I).
      GeneratorNoise: float
      /// How a training step's fake batch relates to its real batch.
      FakeBatch: ToyWgan.FakeBatch
      /// Where each data set's real training batches come from.
      TrainingSets: Map<ToyDataset, ToyWgan.TrainingSet>
      /// Equal-count radius bins of the radial fit that the structure measure removes.
      StructureBins: int
      /// The surfaces cover [-h, h]^2.
      PlotHalfWidth: float
      ClippedCritic: CriticSettings
      PenaltyCritic: CriticSettings
      Scales: Map<Scale, ScaleSettings>
      Claims: ClaimSpec list }

/// The trained critics, by the prefix their metrics carry: the clipped one, the penalised one, and a
/// replicate of the penalised one from other initial weights and batches (the control that removes the
/// claimed cause, clipping, while keeping everything else).
type CriticKind =
    | Clipped
    | Penalised
    | Replicate

    member this.Prefix =
        match this with
        | Clipped -> "clip"
        | Penalised -> "gp"
        | Replicate -> "gp2"

    /// The seed coordinate of the critic's generator (2 is the evaluation samples', 4 the plateau batch's).
    member this.Code =
        match this with
        | Clipped -> 0
        | Penalised -> 1
        | Replicate -> 3

    /// The seed coordinate of the generator of the critic's fixed training set, if it has one.
    member this.TrainingSetCode = 10 + this.Code

let kinds = [ Clipped; Penalised; Replicate ]

/// Metric names measured on one data set.
let datasetMetricNames (d: ToyDataset) =
    [ $"{d.Name}.w1"
      for k in kinds do
          $"{d.Name}.{k.Prefix}.dualEstimate"
          $"{d.Name}.{k.Prefix}.lipschitz"
          $"{d.Name}.{k.Prefix}.lipschitzMax"
          $"{d.Name}.{k.Prefix}.capturedFraction"
          $"{d.Name}.{k.Prefix}.capturedFractionAtMax"
          $"{d.Name}.{k.Prefix}.structure"
          $"{d.Name}.{k.Prefix}.stoppedAt"
      $"{d.Name}.radial.capturedFraction"
      $"{d.Name}.radial.structure"
      $"{d.Name}.captureGap"
      $"{d.Name}.radialGap"
      $"{d.Name}.replicateGap"
      $"{d.Name}.structureGap"
      $"{d.Name}.replicateStructureGap" ]

/// Metric names over the data sets of a manifest.
let metricNames (ds: ToyDataset list) =
    (ds |> List.collect datasetMetricNames)
    @ [ "clip.capturedFraction"; "gp.capturedFraction"; "radial.capturedFraction"; "captureGap"; "clip.structure"; "gp.structure"; "radial.structure" ]

/// The quantile of the input-gradient norms taken as a critic's empirical Lipschitz constant: a robust high
/// quantile rather than the maximum, which one point can set (issue 16: the maximum over 3,072 points made
/// the penalty critic's captured fraction jump by 0.15 between checkpoints).
[<Literal>]
let LipschitzQuantile = 0.99

let metrics =
    [ "<dataset>.w1", "exact W1 (optimal assignment) between the evaluation samples of Pr and Pg"
      "<dataset>.<clip|gp>.dualEstimate", "the critic's Kantorovich-Rubinstein estimate E_Pr f - E_Pg f on the evaluation samples"
      "<dataset>.<clip|gp>.lipschitz", "the critic's empirical Lipschitz constant: the 0.99 quantile of its input-gradient norms over the evaluation samples and their interpolates"
      "<dataset>.<clip|gp>.lipschitzMax", "the largest of those norms (the Lipschitz estimate before issue 14's conversion)"
      "<dataset>.<clip|gp>.capturedFraction", "(dualEstimate / lipschitz) / w1: the fraction of W1 the critic captures as a 1-Lipschitz function"
      "<dataset>.<clip|gp>.capturedFractionAtMax", "(dualEstimate / lipschitzMax) / w1: the same with the largest norm as the constant"
      "<dataset>.radial.capturedFraction", "control: the fraction the best radial critic f(x) = g(||x||) captures, W1 between the radii of the two samples (1-D, exact) / w1: a critic that ignores the data's structure"
      "<dataset>.captureGap", "gp.capturedFraction - clip.capturedFraction on the data set"
      "<dataset>.radialGap", "gp.capturedFraction - radial.capturedFraction, the same gap with the clipped critic replaced by the radial one"
      "<dataset>.<clip|gp|gp2|radial>.structure", "how much of the exact optimal critic's structure the critic reproduces: the correlation of the two functions' residuals after a piecewise-linear fit of the radius (KantorovichPotential.structureCorrelation) over the evaluation samples; 1 for the optimal critic, about 0 for a function of the radius"
      "<dataset>.<clip|gp|gp2>.stoppedAt", "the critic steps the critic trained: criticSteps, or with the plateau rule the step at which its dual estimate on the fixed plateau batch plateaued (at most maxSteps); the step of a divergence if it diverged"
      "<dataset>.replicateGap", "control: gp.capturedFraction - gp2.capturedFraction, the gap with the clipped critic replaced by a second penalty critic (other weights and batches)"
      "<dataset>.structureGap", "gp.structure - clip.structure"
      "<dataset>.replicateStructureGap", "control: gp.structure - gp2.structure"
      "clip.capturedFraction, gp.capturedFraction, radial.capturedFraction, captureGap, clip.structure, gp.structure, radial.structure", "the same, averaged over the manifest's data sets" ]

let private criticSettings (expected: string) (isExpected: LipschitzConstraint -> bool) : Decoder<CriticSettings> =
    Decode.readObject (fun r ->
        { Activation = r.Required("activation", activation)
          Normalization = r.Required("normalization", normalization)
          Initialization = r.Required("initialization", Decode.oneOf [ "pytorch", Initialization.PyTorchDefault; "tflib", Initialization.Tflib ])
          Optimizer = r.Required("optimizer", optimizer)
          Constraint = r.Required("constraint", lipschitzConstraint |> ToyWgan.requiring isExpected $"must be a {expected} constraint") })

/// "criticSteps": n (every critic trains n steps) or {"kind": "until-plateau", "minSteps", "maxSteps",
/// "evaluateEvery", "window", "tolerance", "evaluationSamples"} (Plateau.Rule: at least minSteps, then until
/// the dual estimate on a fixed batch of evaluationSamples per distribution plateaus, at most maxSteps).
let private criticTraining: Decoder<CriticTraining> =
    let plateau =
        Decode.readObject (fun r ->
            r.Required("kind", Decode.oneOf [ "until-plateau", () ])
            let minSteps = r.Required("minSteps", Decode.intInRange 1 10_000_000)
            let maxSteps = r.Required("maxSteps", Decode.intInRange 1 10_000_000)
            let rule: Plateau.Rule =
                { EvaluateEvery = r.Required("evaluateEvery", Decode.intInRange 1 10_000_000)
                  Window = r.Required("window", Decode.intInRange 1 10_000)
                  Tolerance = r.Required("tolerance", Decode.float |> Decode.check (fun v -> v > 0.0 && v < 1.0) "must be a number in (0, 1)") }
            { MinSteps = minSteps; MaxSteps = maxSteps; Plateau = Some(rule, r.Required("evaluationSamples", Decode.intInRange 1 1_000_000)) })
        |> ToyWgan.requiring (fun t -> t.MinSteps <= t.MaxSteps) "minSteps must not exceed maxSteps"
    fun path e ->
        if e.ValueKind = System.Text.Json.JsonValueKind.Object then plateau path e
        else Decode.intInRange 1 10_000_000 path e |> Result.map (fun n -> { MinSteps = n; MaxSteps = n; Plateau = None })

/// A scale; its batch may not exceed `largestBatch` (the smallest fixed training set).
let private scaleSettings (largestBatch: int) : Decoder<ScaleSettings> =
    Decode.readObject (fun r ->
        { Seeds = r.Required("seeds", Decode.intInRange 1 1000)
          CriticHidden = r.Required("criticHidden", hiddenWidths)
          BatchSize =
            r.Required(
                "batchSize",
                Decode.intInRange 1 1_000_000 |> Decode.check (fun b -> b <= largestBatch) $"must not exceed the {largestBatch} points of the fixed training set (trainingSet)")
          CriticSteps = r.Required("criticSteps", criticTraining)
          EvaluationSamples = r.Required("evaluationSamples", Decode.intInRange 2 4096)
          GridResolution = r.Required("gridResolution", Decode.intInRange 4 1024)
          PlottedSamples = r.Required("plottedSamples", Decode.intInRange 0 1_000_000)
          CheckpointEvery = r.Required("checkpointEvery", Decode.intInRange 0 10_000_000)
          Note = r.Optional("note", Decode.nonEmptyString) })

/// {"8gaussians": {"kind": "fresh"}, "25gaussians": {"kind": "fixed", "points": 100000}, ...}: one entry for
/// each of the manifest's data sets (ToyWgan.trainingSet), no other.
let private trainingSets (datasets: ToyDataset list) : Decoder<Map<ToyDataset, ToyWgan.TrainingSet>> =
    Decode.readObject (fun r -> Map [ for d in datasets -> d, r.Required(d.Name, ToyWgan.trainingSet d) ])

let decodeSettings: Decoder<Settings> =
    Decode.readObject (fun r ->
        r.Required("experiment", Decode.string) |> ignore
        let datasets = r.Required("datasets", ToyWgan.distinctDatasets)
        let names = if isNull (box datasets) then [] else metricNames datasets
        // Without valid data sets the training sets cannot be checked: their errors are reported instead.
        let sets = r.Required("trainingSet", if isNull (box datasets) then (fun _ _ -> Ok Map.empty) else trainingSets datasets)
        let largestBatch =
            if isNull (box sets) then 1_000_000
            else sets |> Map.toList |> List.choose (function _, ToyWgan.FixedCycled points -> Some points | _ -> None) |> List.fold min 1_000_000
        { Seed = r.Required("seed", seed)
          VerifyTolerance = r.Required("verifyTolerance", verifyTolerance)
          Datasets = datasets
          GeneratorNoise = r.Required("generatorNoise", Decode.positiveFloat)
          FakeBatch = r.Required("fakeBatch", ToyWgan.fakeBatch)
          TrainingSets = sets
          StructureBins = r.Required("structureBins", Decode.intInRange 1 1024)
          PlotHalfWidth = r.Required("plotHalfWidth", Decode.positiveFloat)
          ClippedCritic = r.Required("clippedCritic", criticSettings "weight-clipping" (function WeightClipping _ -> true | _ -> false))
          PenaltyCritic = r.Required("penaltyCritic", criticSettings "gradient-penalty" (function GradientPenalty _ -> true | _ -> false))
          Scales = r.Required("scales", scaleTable (scaleSettings largestBatch))
          Claims = r.Required("claims", claims names) })

/// What one trained critic measured on the evaluation samples.
type CriticMeasurement =
    { DualEstimate: float
      /// The LipschitzQuantile quantile of the input-gradient norms.
      Lipschitz: float
      /// The largest input-gradient norm.
      LipschitzMax: float
      /// The correlation of its non-radial part with the optimal critic's (KantorovichPotential.structureCorrelation).
      Structure: float
      /// f / Lipschitz on the grid cells, row by row from the bottom (resolution^2 values).
      Surface: float[]
      /// The steps the critic trained (the plateau step, maxSteps or the step of its divergence).
      StoppedAt: float }

let capturedFraction (earthMover: float) (m: CriticMeasurement) = m.DualEstimate / m.Lipschitz / earthMover

let capturedFractionAtMax (earthMover: float) (m: CriticMeasurement) = m.DualEstimate / m.LipschitzMax / earthMover

/// The centres of a resolution x resolution grid of cells over [-h, h]^2, row by row from the bottom, as
/// x1, x2 pairs.
let gridPoints (halfWidth: float) (resolution: int) : float32[] =
    let cell = 2.0 * halfWidth / float resolution
    [| for i in 0 .. resolution - 1 do
           for j in 0 .. resolution - 1 do
               float32 (-halfWidth + (float j + 0.5) * cell)
               float32 (-halfWidth + (float i + 0.5) * cell) |]

/// Measures a trained critic on the evaluation samples.
let measureCritic
    (settings: Settings)
    (scale: ScaleSettings)
    (device: torch.Device)
    (network: Mlp)
    (real: torch.Tensor)
    (fake: torch.Tensor)
    (lipschitzPoints: torch.Tensor)
    (structureOf: float[] -> float)
    : CriticMeasurement =
    let n = scale.GridResolution
    network.eval()
    let norms = LipschitzTools.inputGradientNorms network.call lipschitzPoints
    let lipschitz = Statistics.quantile LipschitzQuantile norms
    use _ = torch.NewDisposeScope()
    use _ = torch.no_grad()
    let realScores, fakeScores = network.call real, network.call fake
    let estimate = (KantorovichRubinstein.dualEstimateOfScores realScores fakeScores).ReadDouble()
    let structure = structureOf (Array.append (ToyWgan.column 0 realScores) (ToyWgan.column 0 fakeScores))
    let grid = torch.tensor(gridPoints settings.PlotHalfWidth n).reshape(int64 (n * n), 2L).``to``(device)
    let values = network.call grid |> ToyWgan.column 0
    { DualEstimate = estimate
      Lipschitz = lipschitz
      LipschitzMax = Array.max norms
      Structure = structure
      Surface = values |> Array.map (fun v -> v / lipschitz)
      StoppedAt = nan }

/// The key of the unit that measures `dataset` for `seed`.
let unitKey (seed: int64) (dataset: ToyDataset) = $"seed-{seed}/{dataset.Name}"

/// The grid points of the surfaces as rows (x1, x2).
let private gridRows (halfWidth: float) (resolution: int) =
    gridPoints halfWidth resolution |> Array.chunkBySize 2 |> Array.map (Array.map float)

/// Tags of the rows a unit's training loop logs: [tag; critic index; step; value].
[<Literal>]
let private DivergenceRow = 0.0

[<Literal>]
let private PlateauRow = 1.0

/// One unit of work: the three critics on one data set for one seed. The evaluation samples and each critic
/// have their own generator, derived from (seed, data set, role), so units are independent of each other.
/// The critics train one after the other in one TrainingLoop of 3 x MaxSteps iterations (steps 1 .. MaxSteps
/// the clipped critic, then the penalised one, then its replicate; a critic stopped by the plateau rule or a
/// divergence passes its remaining iterations without work), saved to `checkpoints` every CheckpointEvery
/// iterations and resumed from the last save with every critic's stopping state and the current critic's
/// plateau evaluations; a critic whose loss becomes NaN or infinite stops training (the others go on) and
/// measures NaN. A critic with a fixed training set (gan_toy.py's 25 Gaussians) builds it from its own
/// generator and reads batch (s - 1) mod (points / batch) at its step s, so a resumed loop reads the same
/// batches. The exact optimal critic between the evaluation samples (their Kantorovich potential) is the
/// reference of the structure measure.
let measureDataset (settings: Settings) (scale: ScaleSettings) (device: torch.Device) (checkpoints: UnitCheckpoints) (seed: int64) (dataset: ToyDataset) : ToyWgan.UnitMeasurement =
    let generatorFor role = new torch.Generator(uint64 (Seeds.derive seed [ ToyWgan.datasetCode dataset; role ]))
    use evaluationGenerator = generatorFor 2
    use _ = torch.NewDisposeScope()
    let n = scale.EvaluationSamples
    let real = ToyData.sample dataset n evaluationGenerator
    let fake = ToyData.noisyCopy dataset settings.GeneratorNoise n evaluationGenerator
    // The critic must be Lipschitz between the two samples' points (Kantorovich-Rubinstein duality needs it
    // on the union of the supports): look at both samples and at points on segments between them.
    let interpolates = GradientPenalty.interpolate real fake evaluationGenerator
    let lipschitzPoints = torch.cat([| real; fake; interpolates |], 0L).``to``(device)
    let realRows, fakeRows = ToyWgan.toRows real, ToyWgan.toRows fake
    // The exact optimal critic between the evaluation samples, and the best critic of the radius alone (the
    // 1-D potential between the radii, by sorting): the references of the structure measure.
    let optimal = KantorovichPotential.potential realRows fakeRows
    let earthMover = optimal.EarthMover
    let radius = KantorovichPotential.radius
    let radial = KantorovichPotential.potential1D (realRows |> Array.map radius) (fakeRows |> Array.map radius)
    let at = Array.append realRows fakeRows
    let optimalValues = at |> Array.map optimal.At
    let structureOf (values: float[]) = KantorovichPotential.structureCorrelation settings.StructureBins at values optimalValues
    let realOnDevice, fakeOnDevice = real.``to``(device), fake.``to``(device)
    let criticOf (kind: CriticKind) = match kind with Clipped -> settings.ClippedCritic | Penalised | Replicate -> settings.PenaltyCritic
    // Each critic is initialised from, and trains with, its own generator; arrays follow `kinds`.
    let generators = kinds |> List.map (fun k -> generatorFor k.Code) |> Array.ofList
    use _ = { new System.IDisposable with member _.Dispose() = for g in generators do g.Dispose() }
    let networks =
        kinds
        |> List.mapi (fun i kind ->
            let c = criticOf kind
            let m = new Mlp({ Inputs = 2; Hidden = scale.CriticHidden; Outputs = 1; Activation = c.Activation; Normalization = c.Normalization }, generators[i])
            Initialization.apply c.Initialization generators[i] m.Linears
            m.``to``(device) |> ignore
            m)
        |> Array.ofList
    use _ = { new System.IDisposable with member _.Dispose() = for m in networks do m.Dispose() }
    let optimizers = kinds |> List.mapi (fun i kind -> Optimizer.create (criticOf kind).Optimizer (networks[i].parameters())) |> Array.ofList
    use _ = { new System.IDisposable with member _.Dispose() = for o in optimizers do (o :> System.IDisposable).Dispose() }
    // Each critic's fixed training set (gan_toy.py's 25 Gaussians), from a generator of its own that nothing
    // else draws from, so the set is the same whether the unit starts afresh or resumes.
    let trainingSets =
        kinds
        |> List.map (fun kind ->
            match settings.TrainingSets[dataset] with
            | ToyWgan.Fresh -> None
            | ToyWgan.FixedCycled points ->
                use g = generatorFor kind.TrainingSetCode
                Some(ToyData.fixedTwentyFiveGaussians points g))
        |> Array.ofList
    // The plateau rule's fixed evaluation batch: samples of Pr and of Pg as the evaluation samples are drawn,
    // from a generator of their own.
    let plateauBatch =
        scale.CriticSteps.Plateau
        |> Option.map (fun (_, samples) ->
            use g = generatorFor 4
            let pr = ToyData.sample dataset samples g
            let pg = ToyData.noisyCopy dataset settings.GeneratorNoise samples g
            pr.``to``(device), pg.``to``(device))
    let plateauEstimate (network: Mlp) =
        match plateauBatch with
        | None -> nan
        | Some (pr, pg) ->
            use _ = torch.NewDisposeScope()
            use _ = torch.no_grad()
            network.eval()
            let estimate = (KantorovichRubinstein.dualEstimateOfScores (network.call pr) (network.call pg)).ReadDouble()
            network.train()
            estimate
    let steps = scale.CriticSteps.MaxSteps
    // The step at which each critic diverged, and at which the plateau rule stopped it (0: it did not).
    let divergedAt = Array.zeroCreate<int64> kinds.Length
    let plateauAt = Array.zeroCreate<int64> kinds.Length
    // The current critic's plateau evaluations, oldest first (the last two windows are all the rule reads).
    let evaluations = ResizeArray<float>()
    let step k =
        let i = (k - 1) / steps
        let s = k - i * steps
        if s = 1 then evaluations.Clear()
        if divergedAt[i] > 0L || plateauAt[i] > 0L then Ok []
        else
            let kind = kinds[i]
            let c = criticOf kind
            let loss =
                match trainingSets[i] with
                | None -> ToyWgan.criticStepAgainstNoisyCopy networks[i] optimizers[i] c.Constraint dataset settings.FakeBatch settings.GeneratorNoise scale.BatchSize device generators[i]
                | Some set ->
                    use _ = torch.NewDisposeScope()
                    ToyWgan.criticStepOnBatch networks[i] optimizers[i] c.Constraint (ToyData.cycledBatch set scale.BatchSize s) dataset settings.FakeBatch settings.GeneratorNoise device generators[i]
            if not (System.Double.IsFinite loss) then
                divergedAt[i] <- int64 s
                Ok [ [| DivergenceRow; float i; float s; loss |] ]
            else
                match scale.CriticSteps.Plateau with
                | Some (rule, _) when s % rule.EvaluateEvery = 0 ->
                    let estimate = plateauEstimate networks[i]
                    evaluations.Add estimate
                    if evaluations.Count > 2 * rule.Window then evaluations.RemoveAt 0
                    if s >= scale.CriticSteps.MinSteps && Plateau.reached rule (evaluations.ToArray()) then plateauAt[i] <- int64 s
                    Ok [ [| PlateauRow; float i; float s; estimate |] ]
                | _ -> Ok []
    // A checkpoint keeps divergedAt, plateauAt and the evaluations (as their float64 bits).
    let counters: TrainingLoop.LoopCounters =
        { Read =
            fun () ->
                Array.concat
                    [ divergedAt; plateauAt; [| int64 evaluations.Count |]; [| for e in evaluations -> System.BitConverter.DoubleToInt64Bits e |] ]
          Write =
            fun saved ->
                let m = kinds.Length
                Array.blit saved 0 divergedAt 0 m
                Array.blit saved m plateauAt 0 m
                evaluations.Clear()
                for b in saved[2 * m + 1 .. 2 * m + int saved[2 * m]] do evaluations.Add(System.BitConverter.Int64BitsToDouble b) }
    let rows, _ =
        TrainingLoop.runWith checkpoints scale.CheckpointEvery
            { Networks = [ for m in networks -> m :> torch.nn.Module ]; Optimizers = List.ofArray optimizers; Generators = List.ofArray generators }
            counters (kinds.Length * steps) (fun () -> []) step
    let divergence (i: int) =
        match rows |> Array.tryFind (fun r -> r[0] = DivergenceRow && int r[1] = i) with
        | Some r -> ToyWgan.finite "critic loss" (int r[2]) r[3]
        | None -> ""
    let stoppedAt (i: int) =
        if divergedAt[i] > 0L then divergedAt[i] elif plateauAt[i] > 0L then plateauAt[i] else int64 steps
    let plateauTrace (i: int) = rows |> Array.filter (fun r -> r[0] = PlateauRow && int r[1] = i)
    let measured =
        kinds |> List.mapi (fun i _ ->
            let m =
                if divergence i <> "" then
                    { DualEstimate = nan; Lipschitz = nan; LipschitzMax = nan; Structure = nan; Surface = Array.create (scale.GridResolution * scale.GridResolution) nan; StoppedAt = nan }
                else measureCritic settings scale device networks[i] realOnDevice fakeOnDevice lipschitzPoints structureOf
            { m with StoppedAt = float (stoppedAt i) })
    let plotted = min n scale.PlottedSamples
    { Key = unitKey seed dataset
      Scalars =
        readOnlyDict
            [ "w1", earthMover
              "radial.w1", radial.EarthMover
              "radial.structure", structureOf (at |> Array.map (fun z -> radial.At [| radius z |]))
              for kind, c in List.zip kinds measured do
                  $"{kind.Prefix}.dualEstimate", c.DualEstimate
                  $"{kind.Prefix}.lipschitz", c.Lipschitz
                  $"{kind.Prefix}.lipschitzMax", c.LipschitzMax
                  $"{kind.Prefix}.structure", c.Structure
                  $"{kind.Prefix}.stoppedAt", c.StoppedAt ]
      Vectors =
        readOnlyDict
            [ for kind, c in List.zip kinds measured do
                  $"{kind.Prefix}.surface", c.Surface
              if scale.CriticSteps.Plateau.IsSome then
                  for i, kind in List.indexed kinds do
                      $"{kind.Prefix}.plateau.step", plateauTrace i |> Array.map (fun r -> r[2])
                      $"{kind.Prefix}.plateau.estimate", plateauTrace i |> Array.map (fun r -> r[3])
              "optimal.surface", gridRows settings.PlotHalfWidth scale.GridResolution |> Array.map optimal.At
              "real.x1", realRows[.. plotted - 1] |> Array.map (fun p -> p[0])
              "real.x2", realRows[.. plotted - 1] |> Array.map (fun p -> p[1])
              "fake.x1", fakeRows[.. plotted - 1] |> Array.map (fun p -> p[0])
              "fake.x2", fakeRows[.. plotted - 1] |> Array.map (fun p -> p[1]) ]
      Texts = readOnlyDict []
      Diverged =
        [ for i, kind in List.indexed kinds do
              match divergence i with
              | "" -> ()
              | reason -> $"{kind.Prefix} critic: {reason}" ]
        |> String.concat "; " }

/// A data set's measurements read back from its unit.
type DatasetMeasurement =
    { Dataset: ToyDataset
      EarthMover: float
      /// The best radial critic's estimate (KantorovichPotential.radialEarthMover) and its structure score.
      RadialEarthMover: float
      RadialStructure: float
      Clipped: CriticMeasurement
      Penalised: CriticMeasurement
      Replicate: CriticMeasurement }

    member this.Of(kind: CriticKind) =
        match kind with
        | Clipped -> this.Clipped
        | Penalised -> this.Penalised
        | Replicate -> this.Replicate

let private datasetMeasurement (dataset: ToyDataset) (m: ToyWgan.UnitMeasurement) =
    let critic (kind: CriticKind) =
        { DualEstimate = m.Scalars[$"{kind.Prefix}.dualEstimate"]
          Lipschitz = m.Scalars[$"{kind.Prefix}.lipschitz"]
          LipschitzMax = m.Scalars[$"{kind.Prefix}.lipschitzMax"]
          Structure = m.Scalars[$"{kind.Prefix}.structure"]
          Surface = m.Vectors[$"{kind.Prefix}.surface"]
          StoppedAt = m.Scalars[$"{kind.Prefix}.stoppedAt"] }
    { Dataset = dataset
      EarthMover = m.Scalars["w1"]
      RadialEarthMover = m.Scalars["radial.w1"]
      RadialStructure = m.Scalars["radial.structure"]
      Clipped = critic Clipped
      Penalised = critic Penalised
      Replicate = critic Replicate }

/// The per-seed metrics.
let seedMetrics (measurements: DatasetMeasurement list) : IReadOnlyDictionary<string, float> =
    let fraction (m: DatasetMeasurement) (kind: CriticKind) = capturedFraction m.EarthMover (m.Of kind)
    let values =
        [ for m in measurements do
              let d = m.Dataset.Name
              let radial = m.RadialEarthMover / m.EarthMover
              $"{d}.w1", m.EarthMover
              for kind in kinds do
                  let c = m.Of kind
                  $"{d}.{kind.Prefix}.dualEstimate", c.DualEstimate
                  $"{d}.{kind.Prefix}.lipschitz", c.Lipschitz
                  $"{d}.{kind.Prefix}.lipschitzMax", c.LipschitzMax
                  $"{d}.{kind.Prefix}.capturedFraction", capturedFraction m.EarthMover c
                  $"{d}.{kind.Prefix}.capturedFractionAtMax", capturedFractionAtMax m.EarthMover c
                  $"{d}.{kind.Prefix}.structure", c.Structure
                  $"{d}.{kind.Prefix}.stoppedAt", c.StoppedAt
              $"{d}.radial.capturedFraction", radial
              $"{d}.radial.structure", m.RadialStructure
              $"{d}.captureGap", fraction m Penalised - fraction m Clipped
              $"{d}.radialGap", fraction m Penalised - radial
              $"{d}.replicateGap", fraction m Penalised - fraction m Replicate
              $"{d}.structureGap", m.Penalised.Structure - m.Clipped.Structure
              $"{d}.replicateStructureGap", m.Penalised.Structure - m.Replicate.Structure
          let meanOf f = measurements |> List.averageBy f
          "clip.capturedFraction", meanOf (fun m -> fraction m Clipped)
          "gp.capturedFraction", meanOf (fun m -> fraction m Penalised)
          "radial.capturedFraction", meanOf (fun m -> m.RadialEarthMover / m.EarthMover)
          "captureGap", meanOf (fun m -> fraction m Penalised - fraction m Clipped)
          "clip.structure", meanOf (fun m -> m.Clipped.Structure)
          "gp.structure", meanOf (fun m -> m.Penalised.Structure)
          "radial.structure", meanOf (fun m -> m.RadialStructure) ]
    readOnlyDict values

let private initializationText (scheme: Initialization.Scheme) =
    match scheme with
    | Initialization.PyTorchDefault -> "as PyTorch's nn.Linear (uniform in +-1/sqrt(fan_in))"
    | Initialization.Tflib -> "as tflib (He-uniform hidden layers, Glorot-uniform output layer, zero biases)"

let private fakeBatchText (coupling: ToyWgan.FakeBatch) =
    match coupling with
    | ToyWgan.Independent -> "an independent sample of Pr + N(0, sigma^2 I)"
    | ToyWgan.RealPlusNoise -> "the step's own real batch plus N(0, sigma^2 I) (gan_toy.py: fake = real_data + noise)"

/// How long each critic trains, in words.
let private stepsText (t: CriticTraining) =
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
            $"{d.Name} from one fixed set of {points} points per critic ({points / 25} rounds of the 25 centres with N(0, 0.05^2 I) noise, shuffled once, divided by 2.828), read as {batches} batches of {batchSize} cycled in the same order, its last {points - batches * batchSize} points never used (gan_toy.py inf_train_gen for 25gaussians)")
    |> String.concat "; "

/// The plateau rule and where each critic stopped, when the scale uses the rule.
let private plateauNotes (scale: ScaleSettings) (perSeed: (int64 * DatasetMeasurement list) list) =
    match scale.CriticSteps.Plateau with
    | None -> []
    | Some (rule, samples) ->
        let t = scale.CriticSteps
        let stops =
            [ for d in (snd perSeed.Head) |> List.map (fun m -> m.Dataset) do
                  let perCritic =
                      kinds
                      |> List.map (fun kind ->
                          let values = perSeed |> List.map (fun (_, ms) -> (ms |> List.find (fun m -> m.Dataset = d)).Of(kind).StoppedAt)
                          let listed = values |> List.map (fun v -> string (int64 v)) |> String.concat ", "
                          $"{kind.Prefix} {listed}")
                      |> String.concat "; "
                  $"{d.Name}: {perCritic}" ]
            |> String.concat ". "
        let capped =
            perSeed |> List.sumBy (fun (_, ms) -> ms |> List.sumBy (fun m -> kinds |> List.filter (fun k -> m.Of(k).StoppedAt >= float t.MaxSteps) |> List.length))
        let total = perSeed |> List.sumBy (fun (_, ms) -> ms.Length * kinds.Length)
        [ $"Plateau rule (this harness's, since the paper says only 'trained to optimality'): each critic trains at least {t.MinSteps} steps; its dual estimate E_Pr f - E_Pg f on a fixed batch of {samples} samples of Pr and of Pg (drawn once per unit, apart from the evaluation samples) is evaluated after every {rule.EvaluateEvery}th step; after an evaluation at or beyond step {t.MinSteps}, training stops when the median of the last {rule.Window} evaluations differs from the median of the {rule.Window} before them by at most {Manifest.plainNumber rule.Tolerance} times the later median's magnitude (a window spans {rule.Window * rule.EvaluateEvery} steps); otherwise at step {t.MaxSteps}. The evaluations are in plateau.csv. Steps trained per seed (stoppedAt): {stops}. {capped} of {total} critics reached the cap of {t.MaxSteps} steps." ]

let private title = "Capacity underuse: critics of a fixed generator under weight clipping and gradient penalty"
let private source = "WGAN-GP (Gulrajani et al. 2017), Figure 1a"

/// The value surface of a critic (`prefix` clip, gp or gp2) or of the exact optimal critic (`optimal`).
let private surfaceFigure (settings: Settings) (resolution: int) (dataset: ToyDataset) (unit: ToyWgan.UnitMeasurement) (prefix: string) : Figure =
    let title, label =
        match prefix with
        | "clip" -> Manifest.constraintText settings.ClippedCritic.Constraint, "critic value f(x) / empirical Lipschitz constant"
        | "optimal" -> "the exact optimal critic (Kantorovich potential of the evaluation samples)", "optimal critic value (1-Lipschitz)"
        | "gp2" -> $"{Manifest.constraintText settings.PenaltyCritic.Constraint} (replicate)", "critic value f(x) / empirical Lipschitz constant"
        | _ -> Manifest.constraintText settings.PenaltyCritic.Constraint, "critic value f(x) / empirical Lipschitz constant"
    let values = unit.Vectors[$"{prefix}.surface"]
    let h = settings.PlotHalfWidth
    { Name = $"surface-{dataset.Name}-{prefix}"
      Title = $"{ToyWgan.datasetTitle dataset}: {title}"
      XLabel = "x1"
      YLabel = "x2"
      LogY = false
      Lines = []
      Surfaces =
        [ { Label = label
            XMin = -h
            XMax = h
            YMin = -h
            YMax = h
            Values = Array2D.init resolution resolution (fun i j -> values[i * resolution + j]) } ]
      Points =
        [ { Label = "real (Pr)"; X = unit.Vectors["real.x1"]; Y = unit.Vectors["real.x2"] }
          { Label = $"generated (Pr + N(0, {Manifest.plainNumber settings.GeneratorNoise}^2 I))"; X = unit.Vectors["fake.x1"]; Y = unit.Vectors["fake.x2"] } ]
      Histograms = [] }

/// The units of a run: one per seed and data set.
let units (settings: Settings) (run: RunContext) : ToyWgan.ToyUnit list =
    let scale = settings.Scales[run.Scale]
    [ for seed in run.Seeds do
          for dataset in settings.Datasets ->
              { Key = unitKey seed dataset
                Description = $"seed {seed}, {dataset.Name}: clipped, gradient-penalty and replicate critics"
                Run = fun checkpoints -> measureDataset settings scale run.Device checkpoints seed dataset } ]

/// The experiment's result from its units' measurements.
let assemble (settings: Settings) (run: RunContext) (measurements: ToyWgan.UnitMeasurement list) : Findings =
    let scale = settings.Scales[run.Scale]
    let seeds = run.Seeds
    let found = ToyWgan.byKey measurements
    let perSeed =
        seeds |> List.map (fun seed -> seed, settings.Datasets |> List.map (fun d -> datasetMeasurement d found[unitKey seed d]))
    let metrics = perSeed |> List.map (fun (seed, ms) -> { Seed = seed; Values = seedMetrics ms })
    let h = settings.PlotHalfWidth
    let n = scale.GridResolution
    let cell = 2.0 * h / float n
    let describe (c: CriticSettings) =
        $"MLP 2 -> {Manifest.widthsText scale.CriticHidden} -> 1, {Manifest.activationText c.Activation}, normalisation {Manifest.normalizationText c.Normalization}, {Manifest.optimizerText c.Optimizer}, {Manifest.constraintText c.Constraint}"
    let claims = settings.Claims |> List.map (Claims.evaluate metrics)
    let meanText (name: string) =
        (metrics |> List.averageBy (fun m -> m.Values[name])).ToString("F2", System.Globalization.CultureInfo.InvariantCulture)
    let fractions =
        settings.Datasets
        |> List.map (fun d ->
            let ofCritic (critic: string) = meanText (d.Name + "." + critic + ".capturedFraction")
            let radial, clip, gp = ofCritic "radial", ofCritic "clip", ofCritic "gp"
            $"{d.Name}: radial {radial}, clipped {clip}, penalty {gp}")
        |> String.concat "; "
    let radialNote =
        "Controls. The radial critic is f(x) = g(||x||) with the best 1-Lipschitz g (the 1-D Kantorovich potential between the radii, by sorting: slope sign(F_fake - F_real) where the radii's empirical CDFs differ, flat where they agree; until issue 16 it was the Hungarian assignment's dual, an optimal potential too, which may differ where the CDFs agree, so the radial structure score moved slightly): it ignores every mode of the data, and it is exact (for 1-Lipschitz g, g(||x||) is 1-Lipschitz, and the supremum of E_Pr f - E_Pg f over such f is the 1-D W1 between the radii of the two samples); its captured fraction is that distance over the exact W1. "
        + $"Mean captured fractions ({LipschitzQuantile} quantile): {fractions}. "
        + "gp-captures-most is tested again on the radial critic: when a critic that knows nothing of the modes also captures 'most' of W1, the test cannot show that the penalty critic captures the data's structure (verdict uninformative if the penalty critic passes). "
        + "clip-underuses is tested again with the clipped critic replaced by the gradient-penalty replicate (replicateGap = gp - gp2): two penalty critics that differ only in their weights and batches must not show a gap of 0.2, or the gap does not measure clipping (radialGap, gp - radial, is reported too)."
    { Metrics = metrics
      Claims = claims
      Series =
        [ { Name = "critics"
            Columns = [ "seed"; "dataset"; "critic"; "dual_estimate"; "lipschitz"; "lipschitz_max"; "w1"; "captured_fraction"; "structure"; "stopped_at" ]
            Rows =
              [ for seed, ms in perSeed do
                    for m in ms do
                        for kind in kinds do
                            let c = m.Of kind
                            [| float seed; float (ToyWgan.datasetCode m.Dataset); float kind.Code; c.DualEstimate; c.Lipschitz; c.LipschitzMax; m.EarthMover; capturedFraction m.EarthMover c; c.Structure; c.StoppedAt |]
                        // The radial critic is exactly 1-Lipschitz: its estimate is its captured distance; it is
                        // not trained (stopped_at 0).
                        [| float seed; float (ToyWgan.datasetCode m.Dataset); 2.0; m.RadialEarthMover; 1.0; 1.0; m.EarthMover; m.RadialEarthMover / m.EarthMover; m.RadialStructure; 0.0 |] ] }
          if scale.CriticSteps.Plateau.IsSome then
              { Name = "plateau"
                Columns = [ "seed"; "dataset"; "critic"; "step"; "dual_estimate" ]
                Rows =
                  [ for seed in seeds do
                        for d in settings.Datasets do
                            let unit = found[unitKey seed d]
                            for kind in kinds do
                                let steps, estimates = unit.Vectors[$"{kind.Prefix}.plateau.step"], unit.Vectors[$"{kind.Prefix}.plateau.estimate"]
                                for k in 0 .. steps.Length - 1 -> [| float seed; float (ToyWgan.datasetCode d); float kind.Code; steps[k]; estimates[k] |] ] }
          { Name = "surfaces"
            Columns = [ "dataset"; "critic"; "x1"; "x2"; "value_over_lipschitz" ]
            Rows =
              [ for m in snd perSeed.Head do
                    for kind in kinds do
                        let c = m.Of kind
                        for i in 0 .. n - 1 do
                            for j in 0 .. n - 1 ->
                                [| float (ToyWgan.datasetCode m.Dataset); float kind.Code; -h + (float j + 0.5) * cell; -h + (float i + 0.5) * cell; c.Surface[i * n + j] |] ] } ]
      Figures =
        [ for d in settings.Datasets do
              for prefix in [ "optimal"; "clip"; "gp" ] -> surfaceFigure settings n d found[unitKey seeds.Head d] prefix ]
      ImageGrids = []
      Notes =
        [ $"Fixed generator: Pg = Pr + N(0, {Manifest.plainNumber settings.GeneratorNoise}^2 I) (gan_toy.py FIXED_GENERATOR); only the critics train, {stepsText scale.CriticSteps} of batch {scale.BatchSize}. Real batches: {trainingSetsText settings scale.BatchSize}."
          yield! plateauNotes scale perSeed
          $"Clipped critic: {describe settings.ClippedCritic}."
          $"Penalised critic: {describe settings.PenaltyCritic}."
          $"Evaluation per seed and data set: {scale.EvaluationSamples} fresh samples of Pr and of Pg, shared by both critics. The dual estimate is E_Pr f - E_Pg f (the negated critic loss) on them; W1 is the exact optimal-assignment cost between them (the Hungarian assignment whose dual is the Kantorovich potential below; KantorovichPotentialTests check its cost against OR-Tools)."
          $"Empirical Lipschitz constant: the {LipschitzQuantile} quantile of ||grad f(x)|| over the evaluation samples of both distributions and one random interpolate per pair (eps ~ U[0,1] per sample), the segments on which Kantorovich-Rubinstein duality needs f to be 1-Lipschitz. It is a lower bound on the true constant, so a captured fraction can exceed 1. Metric change (issue 14): until this version the constant was the largest norm, which one point sets (issue 16 saw the penalty critic's fraction jump by 0.15 between checkpoints); lipschitzMax and capturedFractionAtMax keep that reading. The thresholds were not changed."
          "Captured fraction = (dual estimate / empirical Lipschitz constant) / exact W1: 1 means the critic, rescaled to be 1-Lipschitz on the points, attains the Earth-Mover distance between the samples. The W1 between finite samples exceeds the population W1 (it also pays for sampling noise), which no smooth critic can exploit; this caps the fraction below 1 even for an optimal critic."
          $"Figures show seed {seeds.Head}: the critic's value divided by its empirical Lipschitz constant on a {n} x {n} grid over [-{h}, {h}]^2, with {min scale.PlottedSamples scale.EvaluationSamples} real (orange) and generated (green) evaluation samples. The paper draws contours of the raw critic; dividing by the constant only rescales them."
          radialNote
          "CSV codes: dataset 0 = 8gaussians, 1 = 25gaussians, 2 = swissroll; critic 0 = clipped, 1 = gradient penalty, 2 = the best radial critic (exact, Lipschitz constant 1), 3 = the gradient-penalty replicate."
          $"The authors' ingredients (gan_toy.py at fa66c57, FIXED_GENERATOR): clipped critic initialised {initializationText settings.ClippedCritic.Initialization}, penalised critics {initializationText settings.PenaltyCritic.Initialization}; fake batch {fakeBatchText settings.FakeBatch}. Each is a manifest option (initialization: pytorch | tflib; fakeBatch: independent | real-plus-noise; optimiser kinds rmsprop, adam (PyTorch's) or tf-rmsprop, tf-adam (TensorFlow 1's, as gan_toy.py ran them)). The real batches are a fourth option, per data set (trainingSet: fresh | fixed, gan_toy.py's inf_train_gen)."
          $"Structure: the exact optimal critic between the evaluation samples is their Kantorovich potential f*(z) = min_j (||z - y_j|| - v_j), from the optimal assignment's dual (1-Lipschitz everywhere, attaining W1); its surface is drawn beside the critics'. A critic's structure score is the correlation of its values' and f*'s residuals after a piecewise-linear fit of the radius in {settings.StructureBins} equal-count bins, over the {2 * scale.EvaluationSamples} evaluation samples: 1 for f* itself, about 0 for any function of the radius (the radial critic's score is its control). The gp2 critic is a second penalty critic from other weights and batches: replacing the clipped critic by it removes the claimed cause (clipping) and keeps everything else, so the gap claims' controls ask whether two penalty critics differ as much."
          "The paper does not say how long its critics trained ('to optimality'); the step counts are this harness's choice, per scale."
          yield! ToyWgan.scaleNote run.Scale claims $"The critics here are {Manifest.widthsText scale.CriticHidden} wide and train {stepsText scale.CriticSteps} of batch {scale.BatchSize}; paper scale trains {Manifest.widthsText settings.Scales[Paper].CriticHidden} critics for {stepsText settings.Scales[Paper].CriticSteps} of batch {settings.Scales[Paper].BatchSize}, closer to the optimal critics the paper plots."
          yield! Option.toList scale.Note
          yield! Experiment.bagDivergenceNotes measurements ] }

/// The networks a unit holds at once, at a scale (see Footprint): one critic per kind, through the largest of the
/// batch, the evaluation samples, the plateau rule's batch, the plotted samples and the evaluation grid.
let footprint (settings: Settings) (scale: Scale) : Footprint.Demand list =
    let s = settings.Scales[scale]
    let plateau = s.CriticSteps.Plateau |> Option.map snd |> Option.defaultValue 0
    [ { Path = $"scales.{scale.Name}.criticHidden"
        Networks = kinds |> List.map (fun _ -> Footprint.mlp "critic" (2 :: s.CriticHidden @ [ 1 ]))
        Samples =
          List.max
              [ s.BatchSize; s.EvaluationSamples; plateau; s.PlottedSamples; s.GridResolution * s.GridResolution ] } ]

let definition: ExperimentDefinition =
    Experiment.standard Id title source metrics decodeSettings
        Experiment.commonOf
        footprint units assemble
