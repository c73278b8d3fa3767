/// A manifest's claims decoded with their JSON paths: the decision rule, the control, preconditions, unit criteria
/// and dated changes of each claim (see docs/manifests.md).
module Wgan.Experiments.ClaimDecoding

open Wgan.Experiments.Json

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
