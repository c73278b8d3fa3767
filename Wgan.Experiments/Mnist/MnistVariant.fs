/// The WGAN variants the MNIST experiments train, as a manifest states them (gan_mnist.py's WGAN-GP and WGAN-clip
/// modes), and the GAN set-up both MNIST manifests share.
module Wgan.Experiments.MnistVariant

open Wgan.Core
open Wgan.Experiments.Json

/// Extra critic iterations at some generator iterations.
type Warmup =
    /// n_critic at every generator iteration (gan_mnist.py, WGAN-GP Algorithm 1).
    | NoWarmup
    /// The official WGAN code's hidden schedule: `criticSteps` critic iterations for the first
    /// `firstIterations` generator iterations and at every `every`-th one (100, 25 and 500 there).
    | OfficialWarmup of criticSteps: int * firstIterations: int * every: int

/// One WGAN variant: its networks' normalisation, optimisers, the critic's Lipschitz constraint and the
/// critic schedule.
type Variant =
    { CriticNormalization: Normalization
      CriticOptimizer: OptimizerSpec
      Constraint: LipschitzConstraint
      GeneratorNormalization: Normalization
      GeneratorOptimizer: OptimizerSpec
      NCritic: int
      Warmup: Warmup
      /// Where the manifest's choices for this variant come from (e.g. "gan_mnist.py at fa66c57: ..."), for
      /// the report; absent in manifests that predate the field.
      Source: string option }

/// Which constraint a variant's manifest entry must have.
type VariantKind =
    | GradientPenaltyVariant
    | WeightClippingVariant

/// Critic iterations before generator iteration `t` (0-based; the official WGAN code counts the same way) under
/// `warmup`, with `nCritic` outside it.
let criticStepsAt (warmup: Warmup) (nCritic: int) (t: int) =
    match warmup with
    | OfficialWarmup (steps, first, every) when t < first || t % every = 0 -> steps
    | _ -> nCritic

/// Critic iterations of `variant` before generator iteration `t` (0-based).
let criticIterations (variant: Variant) (t: int) = criticStepsAt variant.Warmup variant.NCritic t

/// A manifest's "warmup": {"kind": "none"} or {"kind": "official-wgan", "criticSteps", "firstGeneratorIterations",
/// "every"}.
let warmup: Decoder<Warmup> =
    let official = fields {
        let! steps = required "criticSteps" (Decode.intInRange 1 100_000)
        and! first = required "firstGeneratorIterations" (Decode.intInRange 0 10_000_000)
        and! every = required "every" (Decode.intInRange 1 10_000_000)
        return OfficialWarmup(steps, first, every) }
    Decode.object (fields {
        let! rest = required "kind" (Decode.oneOf [ "none", Fields.succeed NoWarmup; "official-wgan", official ])
        return! rest })

let private critic = Decode.object (fields {
    let! normalization = required "normalization" Manifest.normalization
    and! optimizer = required "optimizer" Manifest.optimizer
    and! constraintSpec = required "constraint" Manifest.lipschitzConstraint
    return normalization, optimizer, constraintSpec })

let private generator = Decode.object (fields {
    let! normalization = required "normalization" Manifest.normalization
    and! optimizer = required "optimizer" Manifest.optimizer
    return normalization, optimizer })

let private anyVariant: Decoder<Variant> =
    Decode.object (fields {
        let! criticNormalization, criticOptimizer, constraintSpec = required "critic" critic
        and! generatorNormalization, generatorOptimizer = required "generator" generator
        and! nCritic = Manifest.CommonFields.nCritic
        and! warmup = required "warmup" warmup
        and! source = optional "source" Decode.nonEmptyString
        return
            { CriticNormalization = criticNormalization
              CriticOptimizer = criticOptimizer
              Constraint = constraintSpec
              GeneratorNormalization = generatorNormalization
              GeneratorOptimizer = generatorOptimizer
              NCritic = nCritic
              Warmup = warmup
              Source = source } })

let private batchNormMessage =
    "batch norm couples the samples of a batch, so a gradient-penalty critic must not use it (WGAN-GP section 4): "
    + "use \"none\" or \"layer\""

/// {"critic": {"normalization", "optimizer", "constraint"}, "generator": {"normalization", "optimizer"},
/// "nCritic", "warmup", optionally "source"}. A gradient-penalty variant must have a gradient-penalty constraint and
/// no batch norm in its critic (WGAN-GP section 4); a weight-clipping variant must clip.
let variant (kind: VariantKind) : Decoder<Variant> =
    fun path e ->
        let problem field message = Error [ { Path = $"{path}.critic.{field}"; Message = message } ]
        match anyVariant path e with
        | Ok v ->
            match kind, v.Constraint, v.CriticNormalization with
            | GradientPenaltyVariant, GradientPenalty _, BatchNorm -> problem "normalization" batchNormMessage
            | GradientPenaltyVariant, GradientPenalty _, _
            | WeightClippingVariant, WeightClipping _, _ -> Ok v
            | GradientPenaltyVariant, _, _ -> problem "constraint.kind" "must be \"gradient-penalty\" for this variant"
            | WeightClippingVariant, _, _ -> problem "constraint.kind" "must be \"weight-clipping\" for this variant"
        | failed -> failed

/// The GAN setup both MNIST experiments' manifests state at their top level: gan_mnist.py's BATCH_SIZE, the
/// latent size, the two variants and the columns of the sample grids.
type GanSetup =
    { BatchSize: int
      Latent: int
      WganGp: Variant
      WganClip: Variant
      GridColumns: int }

/// The GAN setup's fields of a manifest ("batchSize", "latentDimension", "wganGp", "wganClip", "gridColumns").
let ganSetup: Fields<GanSetup> =
    fields {
        let! batchSize = required "batchSize" (Decode.intInRange 1 100_000)
        and! latent = required "latentDimension" (Decode.intInRange 1 100_000)
        and! wganGp = required "wganGp" (variant GradientPenaltyVariant)
        and! wganClip = required "wganClip" (variant WeightClippingVariant)
        and! gridColumns = required "gridColumns" (Decode.intInRange 1 100)
        return
            { BatchSize = batchSize
              Latent = latent
              WganGp = wganGp
              WganClip = wganClip
              GridColumns = gridColumns } }

/// A warm-up schedule in words, for the reports' notes.
let warmupText (warmup: Warmup) =
    match warmup with
    | NoWarmup -> "no warm-up"
    | OfficialWarmup (k, first, every) ->
        $"{k} critic iterations for the first {first} generator iterations and every {every}th"

/// A readable one-line description of a variant, for the report's notes.
let describe (v: Variant) =
    let sourceText = v.Source |> Option.map (fun s -> $" (source: {s})") |> Option.defaultValue ""
    $"critic normalisation {Manifest.normalizationText v.CriticNormalization}, "
    + $"{Manifest.optimizerText v.CriticOptimizer}, {Manifest.constraintText v.Constraint}; "
    + $"generator normalisation {Manifest.normalizationText v.GeneratorNormalization}, "
    + $"{Manifest.optimizerText v.GeneratorOptimizer}; n_critic = {v.NCritic}, {warmupText v.Warmup}{sourceText}"

/// What the report says after a WGAN-clip variant's description when its critic's RMSProp is PyTorch's,
/// where gan_mnist.py ran TensorFlow 1's (a manifest can choose either: "rmsprop" or "tf-rmsprop").
let rmsPropCaveat (v: Variant) =
    match v.CriticOptimizer with
    | RmsProp _ ->
        " RMSProp is PyTorch's (alpha 0.99, eps 1e-8; the harness's own Optimizer), not TensorFlow's (decay 0.9, "
        + "eps 1e-10) that gan_mnist.py ran."
    | _ -> ""

/// One of the two variants an MNIST experiment trains: its metric prefix, its file name (also in unit keys), its
/// label, its position (which derives its random-number generators) and its settings.
type VariantEntry =
    { Prefix: string
      File: string
      Label: string
      Index: int
      Variant: Variant }

/// The two variants each MNIST experiment trains, in unit order: WGAN-GP, then WGAN-clip.
let variantEntries (setup: GanSetup) : VariantEntry list =
    [ { Prefix = "gp"; File = "wgan-gp"; Label = "WGAN-GP"; Index = 0; Variant = setup.WganGp }
      { Prefix = "clip"; File = "wgan-clip"; Label = "WGAN-clip"; Index = 1; Variant = setup.WganClip } ]
