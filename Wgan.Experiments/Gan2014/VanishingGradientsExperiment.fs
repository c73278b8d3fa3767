/// GAN (Goodfellow et al. 2014), section 3, and the WGAN argument (Arjovsky et al. 2017, section 3): against a
/// fixed poor generator, a GAN discriminator trained for more and more steps leaves the generator almost no
/// gradient under the minimax loss E log(1 - D(G(z))) (the sigmoid saturates as D(G(z)) -> 0), while a WGAN
/// critic trained just as long still gives the generator a gradient of the same order. This experiment
/// trains each learner against one frozen, freshly initialised generator and records, at a list of step
/// counts, the norm of the generator's gradient under the minimax, the non-saturating and the WGAN loss.
module Wgan.Experiments.VanishingGradientsExperiment

open System.Collections.Generic
open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan
open Wgan.Experiments.ToyTraining

[<Literal>]
let Id = "vanishing-gradients"

/// What is trained against the frozen generator.
type LearnerKind =
    /// A GAN discriminator (logits; loss -E log D(x) - E log(1 - D(G(z)))).
    | Discriminator
    /// A WGAN critic kept Lipschitz by the constraint (loss E f(G(z)) - E f(x)).
    | Critic of LipschitzConstraint

type Learner = { Id: string; Label: string; Kind: LearnerKind; Optimizer: OptimizerSpec }

/// The work a scale does.
type ScaleSettings =
    { Seeds: int
      /// Width of every hidden layer of the learner and of the generator.
      Width: int
      BatchSize: int
      /// Step counts (increasing, the last one is the training length) at which the gradients are measured.
      MeasureAt: int list
      /// Size of the fixed batch of z on which the generator's gradient is measured.
      MeasurementBatch: int
      /// Save the unit's training state every so many steps (0: never).
      CheckpointEvery: int }

type Settings =
    { Seed: int
      VerifyTolerance: float
      Dataset: ToyDataset
      NoiseDimension: int
      Learner: DeepShape
      Generator: DeepShape
      Learners: Learner list
      Scales: Map<Scale, ScaleSettings>
      Claims: ClaimSpec list }

/// The generator losses whose gradient a learner is probed with.
let lossesOf (learner: Learner) =
    match learner.Kind with
    | Discriminator -> [ "minimax"; "non-saturating" ]
    | Critic _ -> [ "wasserstein" ]

let private curveNames (learner: Learner) = lossesOf learner |> List.map (fun l -> $"{learner.Id}.{l}")

/// Metric names of one learner.
let learnerMetricNames (learner: Learner) =
    [ for c in curveNames learner do
          yield! [ $"{c}.log10Drop"; $"{c}.log10FinalNorm" ]
      $"{learner.Id}.finalMeanFakeOutput" ]

let metrics =
    [ "<learner>.<loss>.log10Drop", "log10 of the generator's gradient norm after the last measured step over its largest value at any measured step (0: never fell; -2: fell by two orders of magnitude)"
      "<learner>.<loss>.log10FinalNorm", "log10 of the generator's gradient norm after the last measured step"
      "<learner>.finalMeanFakeOutput", "after the last step, the mean of D(G(z)) (a probability) for a discriminator or of f(G(z)) for a critic" ]

/// {"id", "label", "kind": "discriminator" | "critic", "constraint" (critic only), "optimizer"}.
let learnerDecoder: Decoder<Learner> =
    Decode.readObject (fun r ->
        let id = r.Required("id", settingId)
        let label = r.Required("label", Decode.nonEmptyString)
        let kind =
            match r.Required("kind", Decode.oneOf [ "discriminator", "discriminator"; "critic", "critic" ]) with
            | "critic" -> Critic(r.Required("constraint", lipschitzConstraint))
            | _ -> Discriminator
        { Id = id; Label = label; Kind = kind; Optimizer = r.Required("optimizer", optimizer) })

let private increasing (xs: int list) = xs |> List.pairwise |> List.forall (fun (a, b) -> a < b)

let private scaleSettings: Decoder<ScaleSettings> =
    Decode.readObject (fun r ->
        { Seeds = r.Required("seeds", Decode.intInRange 1 1000)
          Width = r.Required("width", Decode.intInRange 1 65536)
          BatchSize = r.Required("batchSize", Decode.intInRange 1 1_000_000)
          MeasureAt = r.Required("measureAt", Decode.nonEmptyArray (Decode.intInRange 1 10_000_000) |> requiring increasing "must be increasing")
          MeasurementBatch = r.Required("measurementBatch", Decode.intInRange 1 1_000_000)
          CheckpointEvery = r.Required("checkpointEvery", Decode.intInRange 0 10_000_000) })

let decodeSettings: Decoder<Settings> =
    Decode.readObject (fun r ->
        r.Required("experiment", Decode.string) |> ignore
        let learners =
            r.Required("learners", uniqueIds (fun l -> l.Id) "learner" learnerDecoder)
        let names = if isNull (box learners) then [] else learners |> List.collect learnerMetricNames
        { Seed = r.Required("seed", seed)
          VerifyTolerance = r.Required("verifyTolerance", verifyTolerance)
          Dataset = r.Required("dataset", dataset)
          NoiseDimension = r.Required("noiseDimension", Decode.intInRange 1 4096)
          Learner = r.Required("learner", deepShape)
          Generator = r.Required("generator", deepShape)
          Learners = learners
          Scales = r.Required("scales", scaleTable scaleSettings)
          Claims = r.Required("claims", claims names) })

/// The norm of the gradient of `loss (learner (G(z)))` over every generator parameter, without touching any
/// parameter's stored gradient.
let generatorGradientNorm (loss: torch.Tensor -> torch.Tensor) (generatorNetwork: Mlp) (learner: Mlp) (z: torch.Tensor) : float =
    use _ = torch.NewDisposeScope()
    let value = loss (learner.call (generatorNetwork.call z))
    let parameters = generatorNetwork.parameters() |> Seq.map (fun p -> p :> torch.Tensor) |> Array.ofSeq
    let gradients = torch.autograd.grad([| value |], parameters)
    gradients |> Seq.sumBy (fun g -> (Scalars.pow g 2.0).sum().ReadDouble()) |> sqrt

let private generatorLoss (name: string) : torch.Tensor -> torch.Tensor =
    match name with
    | "minimax" -> Losses.minimaxGeneratorLoss
    | "non-saturating" -> Losses.nonSaturatingGeneratorLoss
    | _ -> Losses.wassersteinGeneratorLoss

let unitKey (seed: int64) (learner: Learner) = $"seed-{seed}/{learner.Id}"

/// One unit: trains `learner` against the frozen generator of `seed` (the same generator for every learner
/// of a seed), measuring at every step count of MeasureAt. Vector "curve-<loss>": gradient norms at the
/// MeasureAt steps; vector "meanFakeOutput": mean D(G(z)) or f(G(z)) there.
let measure (settings: Settings) (scale: ScaleSettings) (device: torch.Device) (checkpoints: UnitCheckpoints) (seed: int64) (learner: Learner) : UnitMeasurement =
    // The generator and the measurement noise depend on the seed only: every learner faces the same G.
    use generatorGenerator = new torch.Generator(uint64 (Seeds.derive seed [ 0 ]))
    use measurementGenerator = new torch.Generator(uint64 (Seeds.derive seed [ 1 ]))
    use networkGenerator = new torch.Generator(uint64 (Seeds.derive seed [ idCode learner.Id; 2 ]))
    use trainingGenerator = new torch.Generator(uint64 (Seeds.derive seed [ idCode learner.Id; 3 ]))
    use generatorNetwork =
        new Mlp(deepSpec settings.Generator scale.Width settings.NoiseDimension 2, generatorGenerator)
    use network =
        new Mlp(deepSpec settings.Learner scale.Width 2 1, networkGenerator)
    generatorNetwork.``to``(device) |> ignore
    network.``to``(device) |> ignore
    use z = (noise settings.NoiseDimension scale.MeasurementBatch device measurementGenerator).DetachFromDisposeScope()
    use optimizer = Optimizer.create learner.Optimizer (network.parameters())
    let losses = lossesOf learner
    let measureAt = set scale.MeasureAt
    let step k =
        let loss =
            use _ = torch.NewDisposeScope()
            let real = (ToyData.sample settings.Dataset scale.BatchSize trainingGenerator).``to``(device)
            let fake = generate generatorNetwork settings.NoiseDimension scale.BatchSize device trainingGenerator
            match learner.Kind with
            | Discriminator -> (CriticStep.discriminatorStep network optimizer real fake).Loss
            | Critic lipschitz -> (CriticStep.criticStep network optimizer lipschitz real fake trainingGenerator).Loss
        if not (System.Double.IsFinite loss) then Error $"learner loss is {loss} at step {k}"
        elif measureAt.Contains k then
            let norms = losses |> List.map (fun l -> generatorGradientNorm (generatorLoss l) generatorNetwork network z)
            let meanOutput =
                use _ = torch.no_grad()
                use _ = torch.NewDisposeScope()
                let out = network.call (generatorNetwork.call z)
                (match learner.Kind with Discriminator -> out.sigmoid() | Critic _ -> out).mean().ReadDouble()
            Ok(Some(Array.ofList (float k :: norms @ [ meanOutput ])))
        else Ok None
    let rows, stopped =
        TrainingLoop.run checkpoints scale.CheckpointEvery { Networks = [ network; generatorNetwork ]; Optimizers = [ optimizer ]; Generators = [ trainingGenerator ] } (List.last scale.MeasureAt) step
    let column c = rows |> Array.map (fun r -> r[c])
    let pad (xs: float[]) = Array.init scale.MeasureAt.Length (fun i -> if i < xs.Length then xs[i] else nan)
    { Key = unitKey seed learner
      Scalars = readOnlyDict []
      Vectors =
        readOnlyDict [
            for i, l in List.indexed losses -> $"curve-{l}", pad (column (i + 1))
            yield "meanFakeOutput", pad (column (losses.Length + 1)) ]
      Texts = readOnlyDict []
      Diverged = defaultArg stopped "" }

/// The per-seed metrics of one learner's unit.
let learnerMetrics (learner: Learner) (m: UnitMeasurement) =
    [ for l in lossesOf learner do
          let curve = m.Vectors[$"curve-{l}"]
          let final = curve[curve.Length - 1]
          $"{learner.Id}.{l}.log10Drop", log10 final - log10 (Array.max curve)
          $"{learner.Id}.{l}.log10FinalNorm", log10 final
      let outputs = m.Vectors["meanFakeOutput"]
      $"{learner.Id}.finalMeanFakeOutput", outputs[outputs.Length - 1] ]

let private title = "Vanishing generator gradients: GAN discriminator vs WGAN critic trained towards optimality"
let private source = "GAN (Goodfellow et al. 2014), section 3; WGAN (Arjovsky et al. 2017), section 3 and Figure 2"

let units (settings: Settings) (run: RunContext) : ToyUnit list =
    let scale = settings.Scales[run.Scale]
    [ for seed in run.Seeds do
          for learner in settings.Learners ->
              { Key = unitKey seed learner
                Description = $"seed {seed}, {learner.Label}"
                Run = fun checkpoints -> measure settings scale run.Device checkpoints seed learner } ]

let private kindText (learner: Learner) =
    match learner.Kind with
    | Discriminator -> "GAN discriminator (logits; sigmoid in the loss)"
    | Critic c -> $"WGAN critic, {constraintText c}"

let assemble (settings: Settings) (run: RunContext) (measurements: UnitMeasurement list) : Findings =
    let scale = settings.Scales[run.Scale]
    let seeds = run.Seeds
    let found = byKey measurements
    let metrics =
        seeds |> List.map (fun seed ->
            { Seed = seed
              Values = readOnlyDict [ for learner in settings.Learners do yield! learnerMetrics learner found[unitKey seed learner] ] })
    let claims = settings.Claims |> List.map (Claims.evaluate metrics)
    let steps = scale.MeasureAt |> List.map float |> Array.ofList
    let curves = [ for learner in settings.Learners do for l in lossesOf learner -> learner, l ]
    let lines =
        curves |> List.map (fun (learner, l) ->
            { Label = $"{learner.Label}, {l} loss"
              X = steps
              // Geometric mean over seeds (the figure has a log axis).
              Y = Array.init steps.Length (fun i -> 10.0 ** (seeds |> List.averageBy (fun seed -> log10 (found[unitKey seed learner].Vectors[$"curve-{l}"][i]))))
              Markers = true })
    let last = List.last scale.MeasureAt
    let measuredSteps = scale.MeasureAt |> List.map string |> String.concat ", "
    { Metrics = metrics
      Claims = claims
      Series =
        [ { Name = "generator-gradient-norms"
            Columns = "step" :: [ for seed in seeds do for learner, l in curves -> $"seed-{seed}/{learner.Id}.{l}" ]
            Rows =
              [ for i in 0 .. steps.Length - 1 ->
                    Array.ofList (steps[i] :: [ for seed in seeds do for learner, l in curves -> found[unitKey seed learner].Vectors[$"curve-{l}"][i] ]) ] } ]
      Figures =
        [ Figure.ofLines "generator-gradient-norms" $"Generator gradient norm as the learner trains ({datasetTitle settings.Dataset}, frozen generator)" "learner training steps" "||grad_theta generator loss|| (geometric mean over seeds)" true lines ]
      ImageGrids = []
      Notes =
        [ $"Data: {settings.Dataset.Name} (gan_toy.py constants). The generator is a freshly initialised MLP {settings.NoiseDimension} -> {settings.Generator.Depth} x {scale.Width} -> 2 ({activationText settings.Generator.Activation}), z ~ N(0, I), never trained: its samples form a small blob near the origin, far from the real modes (a poor generator, as in GAN 2014 section 3 early in training). Every learner of a seed faces the same generator."
          $"Learners: MLP 2 -> {settings.Learner.Depth} x {scale.Width} -> 1 ({activationText settings.Learner.Activation}, normalisation {normalizationText settings.Learner.Normalization}), batch {scale.BatchSize}, fresh real and generated batches every step, trained for {last} steps."
          yield! settings.Learners |> List.map (fun l -> $"Learner {l.Id} ({l.Label}): {kindText l}, {optimizerText l.Optimizer}.")
          $"Measured: after each of the steps {measuredSteps}, the Euclidean norm over all generator parameters of the gradient of the generator's loss on one fixed batch of {scale.MeasurementBatch} z: minimax E log(1 - D(G(z))) and non-saturating -E log D(G(z)) for the discriminator, -E f(G(z)) for the critics. Nothing updates the generator."
          "log10Drop compares the last measurement with the largest one, so an initial rise (a clipped critic starts flat) does not count as a collapse. Thresholds: the minimax gradient 'collapses' when it falls by at least two orders of magnitude (log10Drop <= -2); a WGAN gradient 'does not collapse' when it stays within one order of magnitude of its peak (log10Drop >= -1)."
          "Controls: minimax-gradient-vanishes is tested on the non-saturating loss -E log D(G(z)) under the same discriminators at the same steps (GAN 2014 section 3's own fix: the same discriminator, a loss whose gradient does not saturate), so a collapse must come from the minimax loss, not from the probe. The WGAN claims are tested on the GAN discriminator's minimax gradient, trained just as long against the same generator: a test of 'does not collapse' must fail where the papers say the gradient collapses."
          "The claims compare each gradient with its own peak, not across learners: a weight-clipped critic's gradient is small in absolute terms throughout (its scale is set by the clip bound c; see log10FinalNorm in the metrics), so its 'persisting' gradient can be as small as the GAN's collapsed one."
          yield! scaleNote run.Scale claims $"This scale trains each learner {last} steps (paper scale: {List.last settings.Scales[Paper].MeasureAt}); how close the discriminator gets to optimality, and so how far the minimax gradient falls, depends on that length."
          yield! Experiment.bagDivergenceNotes measurements ] }

/// The networks a unit holds at once, at a scale (see Footprint): the generator and a learner, through the larger of
/// the batch and the measurement batch.
let footprint (settings: Settings) (scale: Scale) : Footprint.Demand list =
    let s = settings.Scales[scale]
    [ { Path = $"scales.{scale.Name}.width"
        Networks =
          [ Footprint.ofMlp "generator" (deepSpec settings.Generator s.Width settings.NoiseDimension 2)
            Footprint.ofMlp "learner" (deepSpec settings.Learner s.Width 2 1) ]
        Samples = max s.BatchSize s.MeasurementBatch } ]

let definition: ExperimentDefinition =
    Experiment.standard Id title source metrics decodeSettings
        Experiment.commonOf
        footprint units assemble
