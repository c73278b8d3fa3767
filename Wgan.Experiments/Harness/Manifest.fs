/// The parts of a manifest that every experiment shares: scales, seeds, claims, networks, optimisers and
/// Lipschitz constraints, decoded with their JSON paths.
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

/// A claim's decision rule: {"kind": "t-interval"} | {"kind": "bootstrap", "lo": a, "hi": b}
/// | {"kind": "sign-test", "alpha": a} | {"kind": "equivalence", "margin": m, "scale": "difference" | "log-ratio"},
/// each with an optional "outlierFence" k (Tukey fences, default 3; 0 turns the outlier report off). See
/// `DecisionRule`.
let decisionRule: Decoder<DecisionRule * float> =
    let bootstrap = fields {
        let! lo = required "lo" Decode.float
        and! hi = required "hi" Decode.float
        return BootstrapInterval(lo, hi) }
    let sign =
        required "alpha" (Decode.float |> Decode.check (fun v -> v > 0.0 && v < 0.5) "must be a number in (0, 0.5)")
    let equivalence = fields {
        let! margin = required "margin" Decode.positiveFloat
        and! scale = required "scale" (Decode.oneOf [ "difference", DifferenceScale; "log-ratio", LogRatioScale ])
        return Equivalence(margin, scale) }
    let kinds =
        [ "t-interval", Fields.succeed StudentTInterval
          "bootstrap", bootstrap
          "sign-test", Fields.map SignTest sign
          "equivalence", equivalence ]
    let fence = Decode.float |> Decode.check (fun v -> v >= 0.0) "must be a non-negative number"
    Decode.object (fields {
        let! rest = required "kind" (Decode.oneOf kinds)
        let! rule = rest
        and! fence = optionalOr 3.0 "outlierFence" fence
        return rule, fence })
    |> fun decode path e ->
        match decode path e with
        | Ok (BootstrapInterval (lo, hi), _) when not (lo < hi) ->
            Error [ { Path = $"{path}.hi"; Message = "must be greater than lo" } ]
        | r -> r

/// The name of a metric this experiment measures.
let knownMetric (metrics: string list) : Decoder<string> =
    Decode.string
    |> Decode.check
        (fun m -> List.contains m metrics)
        $"""must be a metric this experiment measures: {String.concat ", " metrics}"""

/// A decoder that rejects whatever it finds with `message` (a field that must not be there).
let private reject (message: string) : Decoder<'T> = fun path _ -> Error [ { Path = path; Message = message } ]

/// ">=" | "<=".
let comparison: Decoder<Comparison> = Decode.oneOf [ ">=", AtLeast; "<=", AtMost ]

/// A claim's control: {"metric": m, "description": d, "design": "independent" | "paired" | "relative"} (m a metric
/// this experiment measures; design optional, default independent) or {"none": "why there is no meaningful
/// control"}. Under an equivalence rule (`equivalence`) the control is the other arm: a metric is required and
/// the design, always paired, may only be stated as "paired".
let control (metrics: string list) (equivalence: bool) : Decoder<ControlSpec * ControlDesign> =
    let metric = knownMetric metrics
    let design =
        if equivalence then
            Decode.oneOf [ "paired", Paired ]
            |> fun d path e ->
                match d path e with
                | Ok v -> Ok v
                | Error _ ->
                    let message =
                        "must be \"paired\" (or left out): an equivalence claim compares its arms seed by seed"
                    Error [ { Path = path; Message = message } ]
        else Decode.oneOf [ "independent", Independent; "paired", Paired; "relative", Relative ]
    let none =
        if equivalence then
            optional "none" (reject "an equivalence claim needs a control metric: the arm it is compared with")
        else optional "none" Decode.nonEmptyString
    Decode.object (fields {
        let! none = none
        match none with
        | Some why -> return NoControl why, Independent
        | None ->
            let! m = required "metric" metric
            and! d = required "description" Decode.nonEmptyString
            and! chosen = optionalOr (if equivalence then Paired else Independent) "design" design
            return ControlMetric(m, d), chosen })

/// A precondition: {"metric": m, "comparison": ">=" | "<=", "threshold": x, "why": "..."}, m a metric this
/// experiment measures; it must hold on every seed (see `Preconditions.judge`).
let precondition (metrics: string list) : Decoder<Precondition> =
    let metric = knownMetric metrics
    Decode.object (fields {
        let! m = required "metric" metric
        and! c = required "comparison" comparison
        and! t = required "threshold" Decode.float
        and! why = required "why" Decode.nonEmptyString
        return { Metric = m; Comparison = c; Threshold = t; Why = why } })

/// A dated change of a claim's definition: {"date": "YYYY-MM-DD", "previous": the first 12 or more hexadecimal digits
/// of the replaced definition's SHA-256 (result.json's `definitionSha256`), "what": "...", "why": "..."}.
let claimChange: Decoder<ClaimChange> =
    let date =
        Decode.nonEmptyString
        |> Decode.check
            (fun d ->
                fst (System.DateOnly.TryParseExact(d, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture,
                                                   System.Globalization.DateTimeStyles.None)))
            "must be a date written YYYY-MM-DD"
    let lowerHex (h: string) = h |> Seq.forall (fun c -> System.Uri.IsHexDigit c && not (System.Char.IsUpper c))
    let previous =
        Decode.nonEmptyString
        |> Decode.check
            (fun h -> h.Length >= 12 && h.Length <= 64 && lowerHex h)
            "must be the first 12 to 64 lower-case hexadecimal digits of the replaced definition's SHA-256"
    Decode.object (fields {
        let! d = required "date" date
        and! p = required "previous" previous
        and! what = required "what" Decode.nonEmptyString
        and! why = required "why" Decode.nonEmptyString
        return { Date = d; Previous = p; What = what; Why = why } })

/// A claim: {"id", "source", "statement", "metric", "comparison": ">=" | "<=", "threshold",
/// "thresholdSource", "rule", "control", "preconditions", "unitCriteria" and "changes" (optional)}; the metric must be
/// one the experiment measures. An equivalence rule states its margin instead of a comparison and threshold, which it
/// rejects.
let claim (metrics: string list) : Decoder<ClaimSpec> =
    let metric = knownMetric metrics
    let notUsed = "is not used by an equivalence rule: its margin is the claim's threshold"
    // The rule first: it decides which fields the claim needs.
    let threshold (rule: DecisionRule) =
        match rule with
        | Equivalence (margin, _) -> fields {
            let! _ = optional "comparison" (reject notUsed)
            and! _ = optional "threshold" (reject notUsed)
            return AtMost, margin }
        | _ -> fields {
            let! c = required "comparison" comparison
            and! t = required "threshold" Decode.float
            return c, t }
    Decode.object (fields {
        let! rule, fence = required "rule" decisionRule
        let equivalence = match rule with Equivalence _ -> true | _ -> false
        let! id = required "id" Decode.nonEmptyString
        and! source = required "source" Decode.nonEmptyString
        and! statement = required "statement" Decode.nonEmptyString
        and! claimed = required "metric" metric
        and! comparison, threshold = threshold rule
        and! thresholdSource = required "thresholdSource" Decode.nonEmptyString
        and! control, design = required "control" (control metrics equivalence)
        and! preconditions = optionalOr [] "preconditions" (Decode.nonEmptyArray (precondition metrics))
        and! changes = optionalOr [] "changes" (Decode.nonEmptyArray claimChange)
        and! unitCriteria = optionalOr [] "unitCriteria" (Decode.nonEmptyArray (precondition metrics))
        return
            { Id = id
              Source = source
              Statement = statement
              Metric = claimed
              Comparison = comparison
              Threshold = threshold
              ThresholdSource = thresholdSource
              Rule = rule
              OutlierFence = fence
              Control = control
              Design = design
              Preconditions = preconditions
              UnitCriteria = unitCriteria
              Changes = changes } })

/// The list of claims, with unique ids.
let claims (metrics: string list) : Decoder<ClaimSpec list> =
    fun path e ->
        match Decode.array (claim metrics) path e with
        | Ok specs ->
            match specs |> List.countBy (fun c -> c.Id) |> List.tryFind (fun (_, n) -> n > 1) with
            | Some (id, _) -> Error [ { Path = path; Message = $"claim id \"{id}\" is used more than once" } ]
            | None -> Ok specs
        | r -> r

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
