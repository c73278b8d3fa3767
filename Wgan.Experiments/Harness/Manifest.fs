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
    Decode.object (fun r ->
        match r.Required("kind", Decode.oneOf [ "rmsprop", "rmsprop"; "adam", "adam"; "sgd", "sgd"; "tf-rmsprop", "tf-rmsprop"; "tf-adam", "tf-adam" ]) with
        | "rmsprop" -> RmsProp(r.Required("learningRate", learningRate))
        | "tf-rmsprop" -> TfRmsProp(r.Required("learningRate", learningRate))
        | "adam" -> Adam(r.Required("learningRate", learningRate), r.Required("beta1", beta), r.Required("beta2", beta))
        | "tf-adam" -> TfAdam(r.Required("learningRate", learningRate), r.Required("beta1", beta), r.Required("beta2", beta))
        | "sgd" -> Sgd(r.Required("learningRate", learningRate))
        | _ -> Sgd 0.0)

/// {"kind": "none"} | {"kind": "weight-clipping", "bound": c, "timing": "before-step" | "after-step"}
/// | {"kind": "gradient-penalty", "lambda": l, "sides": "two-sided" | "one-sided"}.
let lipschitzConstraint: Decoder<LipschitzConstraint> =
    Decode.object (fun r ->
        match r.Required("kind", Decode.oneOf [ "none", "none"; "weight-clipping", "weight-clipping"; "gradient-penalty", "gradient-penalty" ]) with
        | "weight-clipping" ->
            WeightClipping(
                r.Required("bound", Decode.float |> Decode.check (fun v -> v > 0.0 && v <= 100.0) "must be a number in (0, 100]"),
                r.Required("timing", Decode.oneOf [ "before-step", BeforeStep; "after-step", AfterStep ]))
        | "gradient-penalty" ->
            GradientPenalty(
                r.Required("lambda", Decode.float |> Decode.check (fun v -> v > 0.0 && v <= 1e6) "must be a number in (0, 1e6]"),
                r.Required("sides", Decode.oneOf [ "two-sided", GradientPenalty.TwoSided; "one-sided", GradientPenalty.OneSided ]))
        | _ -> Unconstrained)

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
    Decode.object (fun r ->
        { Hidden = r.Required("hidden", hiddenWidths)
          Activation = r.Required("activation", activation)
          Normalization = r.Required("normalization", normalization)
          Optimizer = r.Required("optimizer", optimizer)
          Constraint = if withConstraint then r.Required("constraint", lipschitzConstraint) else Unconstrained })

/// A claim's decision rule: {"kind": "t-interval"} | {"kind": "bootstrap", "lo": a, "hi": b}
/// | {"kind": "sign-test", "alpha": a} | {"kind": "equivalence", "margin": m, "scale": "difference" | "log-ratio"},
/// each with an optional "outlierFence" k (Tukey fences, default 3; 0 turns the outlier report off). See
/// `DecisionRule`.
let decisionRule: Decoder<DecisionRule * float> =
    let kinds = [ "t-interval", "t"; "bootstrap", "bootstrap"; "sign-test", "sign"; "equivalence", "equivalence" ]
    Decode.object (fun r ->
        let rule =
            match r.Required("kind", Decode.oneOf kinds) with
            | "bootstrap" ->
                let lo = r.Required("lo", Decode.float)
                let hi = r.Required("hi", Decode.float)
                BootstrapInterval(lo, hi)
            | "sign" ->
                let alpha = Decode.float |> Decode.check (fun v -> v > 0.0 && v < 0.5) "must be a number in (0, 0.5)"
                SignTest(r.Required("alpha", alpha))
            | "equivalence" ->
                let margin = r.Required("margin", Decode.positiveFloat)
                let scales = [ "difference", DifferenceScale; "log-ratio", LogRatioScale ]
                let scale = r.Required("scale", Decode.oneOf scales)
                Equivalence(margin, scale)
            | _ -> StudentTInterval
        let fence =
            r.Optional("outlierFence", Decode.float |> Decode.check (fun v -> v >= 0.0) "must be a non-negative number")
            |> Option.defaultValue 3.0
        rule, fence)
    |> fun decode path e ->
        match decode path e with
        | Ok (BootstrapInterval (lo, hi), _) when not (lo < hi) ->
            Error [ { Path = $"{path}.hi"; Message = "must be greater than lo" } ]
        | r -> r

/// The name of a metric this experiment measures.
let knownMetric (metrics: string list) : Decoder<string> =
    Decode.string
    |> Decode.check (fun m -> List.contains m metrics) $"""must be a metric this experiment measures: {String.concat ", " metrics}"""

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
                    let message = "must be \"paired\" (or left out): an equivalence claim compares its arms seed by seed"
                    Error [ { Path = path; Message = message } ]
        else Decode.oneOf [ "independent", Independent; "paired", Paired; "relative", Relative ]
    Decode.object (fun r ->
        let none =
            if equivalence then
                r.Optional("none", reject "an equivalence claim needs a control metric: the arm it is compared with")
            else r.Optional("none", Decode.nonEmptyString)
        match none with
        | Some why -> NoControl why, Independent
        | None ->
            let m = r.Required("metric", metric)
            let d = r.Required("description", Decode.nonEmptyString)
            let defaultDesign = if equivalence then Paired else Independent
            ControlMetric(m, d), r.Optional("design", design) |> Option.defaultValue defaultDesign)

/// A precondition: {"metric": m, "comparison": ">=" | "<=", "threshold": x, "why": "..."}, m a metric this
/// experiment measures; it must hold on every seed (see `Preconditions.judge`).
let precondition (metrics: string list) : Decoder<Precondition> =
    let metric = knownMetric metrics
    Decode.object (fun r ->
        { Metric = r.Required("metric", metric)
          Comparison = r.Required("comparison", comparison)
          Threshold = r.Required("threshold", Decode.float)
          Why = r.Required("why", Decode.nonEmptyString) })

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
    Decode.object (fun r ->
        { Date = r.Required("date", date)
          Previous = r.Required("previous", previous)
          What = r.Required("what", Decode.nonEmptyString)
          Why = r.Required("why", Decode.nonEmptyString) })

/// A claim: {"id", "source", "statement", "metric", "comparison": ">=" | "<=", "threshold",
/// "thresholdSource", "rule", "control", "preconditions", "unitCriteria" and "changes" (optional)}; the metric must be
/// one the experiment measures. An equivalence rule states its margin instead of a comparison and threshold, which it rejects.
let claim (metrics: string list) : Decoder<ClaimSpec> =
    let metric = knownMetric metrics
    Decode.object (fun r ->
        // The rule first: it decides which fields the claim needs. A failed rule reads as a null pair, which is
        // destructured only after every field has been read.
        let ruleAndFence = r.Required("rule", decisionRule)
        let equivalence =
            match box ruleAndFence with
            | null -> None
            | _ -> match fst ruleAndFence with Equivalence (margin, _) -> Some margin | _ -> None
        let id = r.Required("id", Decode.nonEmptyString)
        let source = r.Required("source", Decode.nonEmptyString)
        let statement = r.Required("statement", Decode.nonEmptyString)
        let claimed = r.Required("metric", metric)
        let notUsed = "is not used by an equivalence rule: its margin is the claim's threshold"
        let comparison, threshold =
            match equivalence with
            | Some margin ->
                r.Optional("comparison", reject notUsed) |> ignore
                r.Optional("threshold", reject notUsed) |> ignore
                AtMost, margin
            | None -> r.Required("comparison", comparison), r.Required("threshold", Decode.float)
        let thresholdSource = r.Required("thresholdSource", Decode.nonEmptyString)
        let controlAndDesign = r.Required("control", control metrics equivalence.IsSome)
        let preconditions =
            r.Optional("preconditions", Decode.nonEmptyArray (precondition metrics)) |> Option.defaultValue []
        let changes = r.Optional("changes", Decode.nonEmptyArray claimChange) |> Option.defaultValue []
        let unitCriteria =
            r.Optional("unitCriteria", Decode.nonEmptyArray (precondition metrics)) |> Option.defaultValue []
        let rule, fence = ruleAndFence
        let control, design = controlAndDesign
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
          Changes = changes })

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
    Decode.object (fun r -> Map [ for s in scales -> s, r.Required(s.Name, perScale) ])

/// The run seed: a non-negative integer; the seeds of a run are seed, seed + 1, ...
let seed = Decode.int |> Decode.check (fun v -> v >= 0) "must be a non-negative integer"

/// "verifyTolerance": the largest absolute difference per metric that `wgan verify` accepts between a
/// published result and its re-run (0 demands bit-identical numbers, which the same seeds, thread count
/// and machine give; a small positive value allows for another CPU's floating-point kernels).
let verifyTolerance = Decode.float |> Decode.check (fun v -> v >= 0.0) "must be a non-negative number"

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
    | TfAdam (lr, b1, b2) -> $"TensorFlow 1 Adam (lr {plainNumber lr}, beta1 {plainNumber b1}, beta2 {plainNumber b2}, epsilon 1e-8)"
