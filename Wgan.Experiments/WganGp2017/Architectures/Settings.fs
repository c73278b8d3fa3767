/// Which methods train which architectures (WGAN-GP Figures 2 and 3, WGAN section 4.3): what a manifest sets. Every
/// method of gan_64x64.py's MODEs trains every listed architecture family (Wgan.Core.Architecture) on every listed
/// image set, from the same initial weights, noise and batches for a seed; a classifier trained per image set
/// measures the samples.
module Wgan.Experiments.Architectures.Settings

open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.Json

/// The experiment's id, as its manifests name it in "experiment".
[<Literal>]
let Id = "architectures"

/// The methods' names: gan_64x64.py's MODEs.
let methodNames = [ "dcgan"; "lsgan"; "wgan"; "wgan-gp" ]

/// One of gan_64x64.py's MODEs: its loss, the optimiser of both networks, discriminator steps per generator step,
/// the critic's constraint and the normalisation the discriminator families use.
type Method =
    { /// "dcgan", "lsgan", "wgan" or "wgan-gp" (the metrics' prefix).
      Name: string
      Objective: AdversarialObjective
      /// Both networks' optimiser (gan_64x64.py gives G and D the same one).
      Optimizer: OptimizerSpec
      /// Discriminator (critic) steps per generator step, outside the warm-up.
      DiscriminatorSteps: int
      /// More discriminator steps at some generator iterations (the WGAN paper's main.py); none in gan_64x64.py.
      Warmup: MnistVariant.Warmup
      Constraint: LipschitzConstraint
      /// The discriminator's normalisation in the families that have one (ArchitectureSpec.CriticNormalization).
      CriticNormalization: Normalization
      /// The architectures this method trains, when not every listed one (a scale that cannot afford the whole grid).
      Only: Architecture list option
      /// Where the choices come from (for the report).
      Source: string }

/// The experiment's own settings.
type Settings =
    { /// Fixes each image set's reference/training split, shared by every seed and the cached classifiers.
      DataSeed: int
      DataSets: ImageDataSet list
      Architectures: Architecture list
      Methods: Method list
      BatchSize: int
      /// gan_64x64.py's noise size (128).
      Latent: int
      /// The FC generator's width (FC_DIM, 512 in gan_64x64.py).
      FcWidth: int
      /// ResNet blocks per resolution (6 in gan_64x64.py).
      ResnetBlocks: int
      /// One classifier per image set, each trained with these settings on that set's training images.
      Classifier: SampleQuality.ClassifierSettings
      /// A class is covered when it receives at least this share of the generated images.
      CoverageMinShare: float
      /// A unit trains ("succeeds") when its final score (Measures.score) is at least this.
      SuccessScore: float
      /// Images per cell side in the Figure-2 grid (cells of k x k images).
      GridCell: int }

/// Whether method `m` trains architecture `a` (every listed architecture unless the method names its own).
let trains (s: Settings) (m: Method) (a: Architecture) =
    List.contains a s.Architectures && (m.Only |> Option.forall (List.contains a))

/// The methods that train architecture `a`, in the settings' order.
let methodsOn (s: Settings) (a: Architecture) = s.Methods |> List.filter (fun m -> trains s m a)

/// Whether both wgan and dcgan train architecture `a`, so that its `wganOnly` indicator is measured.
let comparesWganWithGan (s: Settings) (a: Architecture) =
    let names = methodsOn s a |> List.map _.Name
    List.contains "wgan" names && List.contains "dcgan" names

/// The work a scale does.
type ScaleSettings =
    { /// gan_64x64.py's DIM.
      Dim: int
      GeneratorIterations: int
      /// Quality is measured before training, every so many generator iterations, and at the end.
      EvaluateEvery: int
      /// Held-out real images of each set, in two halves: the Frechet reference (first half) and the real-data
      /// reference distance (second half against the first). Generated samples per measurement: one half.
      ReferenceImages: int
      /// Images the GANs and the classifier train on.
      TrainingImages: int
      /// What is known about this scale's outcome, for the notes.
      Note: string option }

/// The per-unit measures, with what each means.
let unitMeasures =
    [ "score", "log(FD0 / FD) / log(FD0 / FDreal) at the end: the share of the untrained-to-real-data gap closed, on a "
               + "log scale (1: as close as the second half of the real reference; 0: no better than the untrained "
               + "generator; NaN when the run diverged)"
      "success", "1 when the final score is at least successScore, else 0 (a diverged run: 0)"
      "finalFd", "squared Frechet distance to the reference half at the end"
      "coverage", "share of the 10 classes that receive at least coverageMinShare of the final samples"
      "classEntropy", "entropy of the final samples' predicted class histogram over log 10 (1: uniform; 0: one class)"
      "fractionToQuality", "first measured generator iteration whose score reaches successScore, over the run's "
                           + "generator iterations; 2 when none does (not within the run)" ]

/// The metric names and meanings of the settings' image sets, architectures and methods.
let metricsOf (s: Settings) : (string * string) list =
    [ for d in s.DataSets do
          let ds = ImageDataSet.name d
          yield $"{ds}.realHalvesFd", $"{ds}: Frechet distance between the two halves of the held-out real images"
          yield $"{ds}.classifier.testAccuracy", $"{ds}: the classifier's accuracy on the held-out real images"
          for a in s.Architectures do
              let arch = Architecture.name a
              if not (methodsOn s a).IsEmpty then
                  yield $"{ds}.untrainedFd.{arch}", $"{ds}, {arch}: the untrained generator's Frechet distance"
              if comparesWganWithGan s a then
                  yield $"{ds}.wganOnly.{arch}", $"{ds}, {arch}: 1 when wgan trains it and dcgan does not, else 0"
              for m in methodsOn s a do
                  for measure, meaning in unitMeasures ->
                      $"{ds}.{m.Name}.{arch}.{measure}", $"{ds}, {m.Name} on {arch}: {meaning}"
          for m in s.Methods do
              yield $"{ds}.{m.Name}.shareTrained",
                    $"{ds}: share of the architectures that {m.Name} trains (of those it is run on)"
              yield $"{ds}.{m.Name}.othersBestShareTrained",
                    $"{ds}: the largest share of architectures trained by a method other than {m.Name}"
              yield $"{ds}.{m.Name}.minCoverageTrained",
                    $"{ds}: the smallest class coverage among the architectures {m.Name} trains (NaN when none)" ]

let private architecture: Decoder<Architecture> =
    fun path e ->
        match Decode.string path e with
        | Error es -> Error es
        | Ok text ->
            match Architecture.tryParse text with
            | Ok a -> Ok a
            | Error message -> Error [ { Path = path; Message = message } ]

let private dataSet: Decoder<ImageDataSet> =
    fun path e ->
        match Decode.string path e with
        | Error es -> Error es
        | Ok text ->
            match ImageDataSet.tryParse text with
            | Ok d -> Ok d
            | Error message -> Error [ { Path = path; Message = message } ]

let private distinct (describe: 'T -> string) (decoder: Decoder<'T list>) : Decoder<'T list> =
    fun path e ->
        match decoder path e with
        | Ok items when (items |> List.map describe |> List.distinct |> List.length) < items.Length ->
            Error [ { Path = path; Message = "must not list an entry twice" } ]
        | r -> r

let private objective =
    Decode.oneOf
        [ "non-saturating", AdversarialObjective.NonSaturating
          "least-squares", AdversarialObjective.LeastSquares
          "wasserstein", AdversarialObjective.Wasserstein ]

let private anyMethod: Decoder<Method> =
    Decode.object (fields {
        let! name = required "name" (Decode.oneOf [ for n in methodNames -> n, n ])
        and! objective = required "objective" objective
        and! optimizer = required "optimizer" Manifest.optimizer
        and! steps = required "discriminatorSteps" (Decode.intInRange 1 1000)
        and! warmup = optional "warmup" MnistVariant.warmup
        and! constraintSpec = required "constraint" Manifest.lipschitzConstraint
        and! normalization = required "criticNormalization" Manifest.normalization
        and! only = optional "architectures" (Decode.nonEmptyArray architecture |> distinct Architecture.name)
        and! source = required "source" Decode.nonEmptyString
        return
            { Name = name
              Objective = objective
              Optimizer = optimizer
              DiscriminatorSteps = steps
              Warmup = defaultArg warmup MnistVariant.NoWarmup
              Constraint = constraintSpec
              CriticNormalization = normalization
              Only = only
              Source = source } })

/// A method, checked: only a Wasserstein critic is constrained, and a gradient-penalty critic has no batch norm
/// (WGAN-GP section 4; gan_64x64.py's Normalize uses layer norm in the wgan-gp critic).
let private methodEntry: Decoder<Method> =
    fun path e ->
        let problem field message = Error [ { Path = $"{path}.{field}"; Message = message } ]
        match anyMethod path e with
        | Ok m ->
            match m.Objective, m.Constraint, m.CriticNormalization with
            | AdversarialObjective.Wasserstein, GradientPenalty _, BatchNorm ->
                problem "criticNormalization" "a gradient-penalty critic must not use batch norm: use \"layer\""
            | AdversarialObjective.Wasserstein, _, _ -> Ok m
            | _, Unconstrained, _ -> Ok m
            | _ -> problem "constraint.kind" "must be \"none\" for a non-Wasserstein objective"
        | failed -> failed

/// The methods, checked: a method's own architectures are among the listed ones.
let private methodsOnListed (architectures: Architecture list) (methods: Method list) : Fields<Method list> =
    let problems =
        [ for i, m in List.indexed methods do
              for a in defaultArg m.Only [] do
                  if not (List.contains a architectures) then
                      $"methods[{i}].architectures", $"\"{Architecture.name a}\" is not in \"architectures\"" ]
    if problems.IsEmpty then Fields.succeed methods else Fields.failures problems

let private settings: Fields<Settings> =
    let share = Decode.float |> Decode.check (fun v -> v > 0.0 && v <= 0.1) "must be a number in (0, 0.1]"
    let score = Decode.float |> Decode.check (fun v -> v > 0.0 && v <= 1.0) "must be a number in (0, 1]"
    fields {
        let! dataSeed = required "dataSeed" Manifest.seed
        and! dataSets = required "dataSets" (Decode.nonEmptyArray dataSet |> distinct ImageDataSet.name)
        and! architectures =
            required "architectures" (Decode.nonEmptyArray architecture |> distinct Architecture.name)
        and! methods = required "methods" (Decode.nonEmptyArray methodEntry |> distinct (fun m -> m.Name))
        and! batchSize = required "batchSize" (Decode.intInRange 1 100_000)
        and! latent = required "latentDimension" (Decode.intInRange 1 100_000)
        and! fcWidth = required "fcWidth" (Decode.intInRange 1 100_000)
        and! resnetBlocks = required "resnetBlocks" (Decode.intInRange 1 100)
        and! classifier = required "classifier" SampleQuality.classifierSettings
        and! coverageMinShare = required "coverageMinShare" share
        and! successScore = required "successScore" score
        and! gridCell = required "gridCell" (Decode.intInRange 1 10)
        let! methods = methodsOnListed architectures methods
        return
            { DataSeed = dataSeed
              DataSets = dataSets
              Architectures = architectures
              Methods = methods
              BatchSize = batchSize
              Latent = latent
              FcWidth = fcWidth
              ResnetBlocks = resnetBlocks
              Classifier = classifier
              CoverageMinShare = coverageMinShare
              SuccessScore = successScore
              GridCell = gridCell } }

let private scaleSettings (s: Settings) : Fields<ScaleSettings> =
    let batch = max s.BatchSize s.Classifier.BatchSize
    let even = Decode.intInRange 4 10_000_000 |> Decode.check (fun n -> n % 2 = 0) "must be an even number of images"
    let training =
        Decode.intInRange 1 10_000_000
        |> Decode.check (fun n -> n >= batch) "must hold a batch of the GANs and classifier"
    fields {
        let! dim = required "dim" (Decode.intInRange 1 1024)
        and! iterations = required "generatorIterations" (Decode.intInRange 1 10_000_000)
        and! evaluateEvery = required "evaluateEvery" (Decode.intInRange 1 10_000_000)
        and! reference = required "referenceImages" even
        and! trainingImages = required "trainingImages" training
        and! note = optional "note" Decode.nonEmptyString
        return
            { Dim = dim
              GeneratorIterations = iterations
              EvaluateEvery = evaluateEvery
              ReferenceImages = reference
              TrainingImages = trainingImages
              Note = note } }

/// How the experiment reads its manifest.
let reading: Envelope.Reading<Settings, ScaleSettings> =
    { Settings = settings
      Scale = scaleSettings
      Checkpoints = true
      MetricNames = fun s -> metricsOf s |> List.map fst }

/// The architecture spec of a family for a method at a scale.
let spec (s: Settings) (scale: ScaleSettings) (m: Method) (a: Architecture) : ArchitectureSpec =
    { Architecture = a
      Dim = scale.Dim
      Latent = s.Latent
      FcWidth = s.FcWidth
      ResnetBlocks = s.ResnetBlocks
      CriticNormalization = m.CriticNormalization }
