/// The parts of a manifest that every experiment shares: scales, seeds, networks, optimisers and Lipschitz
/// constraints, decoded with their JSON paths (claims: ClaimDecoding).
module Wgan.Experiments.Manifest

open Wgan.Core
open Wgan.Experiments.Json

/// How much work a run does: `smoke` (seconds, for tests), `quick` (the default), `paper` (the papers' sizes).
type Scale =
    | Smoke
    | Quick
    | Paper

    member this.Name =
        match this with
        | Smoke -> "smoke"
        | Quick -> "quick"
        | Paper -> "paper"

let scales = [ Smoke; Quick; Paper ]

let parseScale (name: string) = scales |> List.tryFind (fun s -> s.Name = name)

/// A network with its optimiser (and, for critics, its Lipschitz constraint).
type NetworkSettings =
    { Hidden: int list
      Activation: Activation
      Normalization: Normalization
      Optimizer: OptimizerSpec
      Constraint: LipschitzConstraint }

/// "relu" | "leaky-relu" (slope 0.2) | "tanh" | "softplus".
let activation: Decoder<Activation> =
    Decode.oneOf [ "relu", ReLU; "leaky-relu", LeakyReLU 0.2; "tanh", Tanh; "softplus", Softplus ]

/// "none" | "layer" | "batch".
let normalization: Decoder<Normalization> =
    Decode.oneOf [ "none", NoNormalization; "layer", LayerNorm; "batch", BatchNorm ]

let private learningRate = Decode.float |> Decode.check (fun v -> v > 0.0 && v <= 10.0) "must be a number in (0, 10]"
let private beta = Decode.floatInRange 0.0 0.999999

/// {"kind": "rmsprop" | "adam" | "sgd" | "tf-rmsprop" | "tf-adam", "learningRate": ..., "beta1": ..., "beta2": ...}
/// (betas for Adam only); the tf- kinds are TensorFlow 1's update rules, as the WGAN-GP authors' scripts ran them.
let optimizer: Decoder<OptimizerSpec> =
    let kinds = [ "rmsprop", RmsProp; "tf-rmsprop", TfRmsProp; "sgd", Sgd ]
    let withBetas = [ "adam", Adam; "tf-adam", TfAdam ]
    let kind =
        Decode.oneOf (
            [ for name, make in kinds -> name, Choice1Of2 make ]
            @ [ for name, make in withBetas -> name, Choice2Of2 make ]
        )
    Decode.object (fields {
        let! make = required "kind" kind
        match make with
        | Choice1Of2 make ->
            let! lr = required "learningRate" learningRate
            return make lr
        | Choice2Of2 make ->
            let! lr = required "learningRate" learningRate
            and! beta1 = required "beta1" beta
            and! beta2 = required "beta2" beta
            return make (lr, beta1, beta2) })

/// {"kind": "none"} | {"kind": "weight-clipping", "bound": c, "timing": "before-step" | "after-step"}
/// | {"kind": "gradient-penalty", "lambda": l, "sides": "two-sided" | "one-sided"}.
let lipschitzConstraint: Decoder<LipschitzConstraint> =
    let bound = Decode.float |> Decode.check (fun v -> v > 0.0 && v <= 100.0) "must be a number in (0, 100]"
    let lambda = Decode.float |> Decode.check (fun v -> v > 0.0 && v <= 1e6) "must be a number in (0, 1e6]"
    let timing = Decode.oneOf [ "before-step", BeforeStep; "after-step", AfterStep ]
    let sides = Decode.oneOf [ "two-sided", GradientPenalty.TwoSided; "one-sided", GradientPenalty.OneSided ]
    let clipping = fields {
        let! c = required "bound" bound
        and! t = required "timing" timing
        return WeightClipping(c, t) }
    let penalty = fields {
        let! l = required "lambda" lambda
        and! s = required "sides" sides
        return GradientPenalty(l, s) }
    let kinds = [ "none", Fields.succeed Unconstrained; "weight-clipping", clipping; "gradient-penalty", penalty ]
    Decode.object (fields {
        let! rest = required "kind" (Decode.oneOf kinds)
        return! rest })

/// The most hidden layers a network of a manifest may have (the WGAN-GP paper's deepest critic has 12).
[<Literal>]
let MaxHiddenLayers = 64

/// Hidden-layer widths: a non-empty list of at most `MaxHiddenLayers` widths, each from 1 to 65536 (the length is
/// checked before the items, so a list of 100,000 layers is one error). What the widths ask of memory is bounded by
/// `Footprint.check`.
let hiddenWidths: Decoder<int list> =
    fun path e ->
        if e.ValueKind = System.Text.Json.JsonValueKind.Array && e.GetArrayLength() > MaxHiddenLayers then
            let message = $"has {e.GetArrayLength()} hidden layers; a network may have at most {MaxHiddenLayers}"
            Error [ { Path = path; Message = message } ]
        else Decode.nonEmptyArray (Decode.intInRange 1 65536) path e

/// A network: hidden widths, activation, normalisation, optimiser and (when `withConstraint`) constraint.
let network (withConstraint: bool) : Decoder<NetworkSettings> =
    Decode.object (fields {
        let! hidden = required "hidden" hiddenWidths
        and! a = required "activation" activation
        and! n = required "normalization" normalization
        and! o = required "optimizer" optimizer
        and! c = if withConstraint then required "constraint" lipschitzConstraint else Fields.succeed Unconstrained
        return { Hidden = hidden; Activation = a; Normalization = n; Optimizer = o; Constraint = c } })

/// {"smoke": ..., "quick": ..., "paper": ...}, each decoded by `perScale`.
let scaleTable (perScale: Decoder<'T>) : Decoder<Map<Scale, 'T>> =
    Decode.object (
        Fields.all [ for s in scales -> required s.Name perScale |> Fields.map (fun v -> s, v) ]
        |> Fields.map Map.ofList
    )

/// The run seed: a non-negative integer; the seeds of a run are seed, seed + 1, ...
let seed = Decode.int |> Decode.check (fun v -> v >= 0) "must be a non-negative integer"

/// "verifyTolerance": the largest absolute difference per metric that `wgan verify` accepts between a
/// published result and its re-run (0 demands bit-identical numbers, which the same seeds, thread count
/// and machine give; a small positive value allows for another CPU's floating-point kernels).
let verifyTolerance = Decode.float |> Decode.check (fun v -> v >= 0.0) "must be a non-negative number"

/// Fields that several experiments' settings and scales hold with one meaning and one range, each read as a
/// required field: `let! width = CommonFields.width and! batchSize = CommonFields.batchSize ...`.
module CommonFields =
    /// "width": units per hidden layer.
    let width: Fields<int> = required "width" (Decode.intInRange 1 65536)
    /// "batchSize": samples per batch.
    let batchSize: Fields<int> = required "batchSize" (Decode.intInRange 1 1_000_000)
    /// "noiseDimension": the dimension of the generator's input z ~ N(0, I).
    let noiseDimension: Fields<int> = required "noiseDimension" (Decode.intInRange 1 4096)
    /// "nCritic": critic iterations per generator iteration.
    let nCritic: Fields<int> = required "nCritic" (Decode.intInRange 1 1000)
    /// "generatorIterations": the training length, at least one iteration.
    let generatorIterations: Fields<int> = required "generatorIterations" (Decode.intInRange 1 10_000_000)
    /// "earthMoverSamples": samples per distribution for the exact W1 (optimal transport).
    let earthMoverSamples: Fields<int> = required "earthMoverSamples" (Decode.intInRange 2 4096)
    /// "evaluationSamples": samples per distribution on which trained networks are evaluated.
    let evaluationSamples: Fields<int> = required "evaluationSamples" (Decode.intInRange 2 4096)

// Descriptions of settings in words, for notes and titles.

/// A number in plain decimal notation (0.00005, not 5E-05), invariant culture.
let plainNumber (x: float) = x.ToString("0.##########", System.Globalization.CultureInfo.InvariantCulture)

/// The activation as a manifest names it.
let activationText (a: Activation) =
    match a with
    | ReLU -> "relu"
    | LeakyReLU slope -> $"leaky-relu({plainNumber slope})"
    | Tanh -> "tanh"
    | Softplus -> "softplus"

/// The normalisation as a manifest names it.
let normalizationText (n: Normalization) =
    match n with
    | NoNormalization -> "none"
    | LayerNorm -> "layer"
    | BatchNorm -> "batch"

/// Hidden widths as "64 -> 64 -> 64".
let widthsText (hidden: int list) = hidden |> List.map string |> String.concat " -> "

/// The constraint in words, for notes and titles.
let constraintText (c: LipschitzConstraint) =
    match c with
    | Unconstrained -> "no constraint"
    | WeightClipping (bound, timing) ->
        let when' = match timing with BeforeStep -> "before" | AfterStep -> "after"
        $"weight clipping to [-{plainNumber bound}, {plainNumber bound}] {when'} each step"
    | GradientPenalty (lambda, sides) ->
        let which = match sides with GradientPenalty.TwoSided -> "two-sided" | GradientPenalty.OneSided -> "one-sided"
        $"{which} gradient penalty, lambda = {plainNumber lambda}"

/// The optimiser in words.
let optimizerText (o: OptimizerSpec) =
    match o with
    | RmsProp lr -> $"RMSProp (lr {plainNumber lr})"
    | Adam (lr, b1, b2) -> $"Adam (lr {plainNumber lr}, beta1 {plainNumber b1}, beta2 {plainNumber b2})"
    | Sgd lr -> $"SGD (lr {plainNumber lr})"
    | TfRmsProp lr -> $"TensorFlow 1 RMSProp (lr {plainNumber lr}, decay 0.9, epsilon 1e-10, mean square from ones)"
    | TfAdam (lr, b1, b2) ->
        $"TensorFlow 1 Adam (lr {plainNumber lr}, beta1 {plainNumber b1}, beta2 {plainNumber b2}, epsilon 1e-8)"
