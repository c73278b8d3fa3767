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

let private activation =
    Decode.oneOf [ "relu", ReLU; "leaky-relu", LeakyReLU 0.2; "tanh", Tanh; "softplus", Softplus ]

/// "none" | "layer" | "batch".
let normalization =
    Decode.oneOf [ "none", NoNormalization; "layer", LayerNorm; "batch", BatchNorm ]

let private learningRate = Decode.float |> Decode.check (fun v -> v > 0.0 && v <= 10.0) "must be a number in (0, 10]"
let private beta = Decode.floatInRange 0.0 0.999999

/// {"kind": "rmsprop" | "adam" | "sgd", "learningRate": ..., "beta1": ..., "beta2": ...} (betas for Adam only).
let optimizer: Decoder<OptimizerSpec> =
    Decode.object (fun r ->
        match r.Required("kind", Decode.oneOf [ "rmsprop", "rmsprop"; "adam", "adam"; "sgd", "sgd" ]) with
        | "rmsprop" -> RmsProp(r.Required("learningRate", learningRate))
        | "adam" -> Adam(r.Required("learningRate", learningRate), r.Required("beta1", beta), r.Required("beta2", beta))
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

/// A network: hidden widths, activation, normalisation, optimiser and (when `withConstraint`) constraint.
let network (withConstraint: bool) : Decoder<NetworkSettings> =
    Decode.object (fun r ->
        { Hidden = r.Required("hidden", Decode.nonEmptyArray (Decode.intInRange 1 65536))
          Activation = r.Required("activation", activation)
          Normalization = r.Required("normalization", normalization)
          Optimizer = r.Required("optimizer", optimizer)
          Constraint = if withConstraint then r.Required("constraint", lipschitzConstraint) else Unconstrained })

/// A claim: {"id", "source", "statement", "metric", "comparison": ">=" | "<=", "threshold"}; the metric must
/// be one the experiment measures.
let claim (metrics: string list) : Decoder<ClaimSpec> =
    let metric =
        Decode.string
        |> Decode.check (fun m -> List.contains m metrics) $"""must be a metric this experiment measures: {String.concat ", " metrics}"""
    Decode.object (fun r ->
        { Id = r.Required("id", Decode.nonEmptyString)
          Source = r.Required("source", Decode.nonEmptyString)
          Statement = r.Required("statement", Decode.nonEmptyString)
          Metric = r.Required("metric", metric)
          Comparison = r.Required("comparison", Decode.oneOf [ ">=", AtLeast; "<=", AtMost ])
          Threshold = r.Required("threshold", Decode.float) })

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
