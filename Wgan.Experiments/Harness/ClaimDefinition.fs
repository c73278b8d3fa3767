/// A claim's definition as a canonical text and its SHA-256: what decides the verdict (metric, comparison,
/// threshold, rule and its parameters, control metric and design, margin, preconditions), not the wording
/// (statement, sources, descriptions, reasons), so a changed definition is visible in every result.
module Wgan.Experiments.ClaimDefinition

open System
open System.Globalization
open System.Security.Cryptography
open System.Text

/// A number in round-trip form, invariant culture.
let private number (x: float) = x.ToString("R", CultureInfo.InvariantCulture)

let private ruleText (rule: DecisionRule) =
    match rule with
    | StudentTInterval -> "t-interval"
    | BootstrapInterval (lo, hi) -> $"bootstrap lo={number lo} hi={number hi}"
    | SignTest alpha -> $"sign-test alpha={number alpha}"
    | Equivalence (margin, scale) -> $"equivalence margin={number margin} scale={scale.Name}"

/// The canonical text: one "key=value" line per part of the definition, in a fixed order, "\n"-terminated.
/// An equivalence claim's comparison and threshold are its margin's (see `ClaimSpec.Expected`), so its
/// comparison and threshold lines are omitted.
let canonicalText (spec: ClaimSpec) : string =
    let lines =
        [ yield $"metric={spec.Metric}"
          match spec.Rule with
          | Equivalence _ -> ()
          | _ ->
              yield $"comparison={spec.Comparison.Symbol}"
              yield $"threshold={number spec.Threshold}"
          yield $"rule={ruleText spec.Rule}"
          yield $"outlierFence={number spec.OutlierFence}"
          match spec.Control with
          | ControlMetric (metric, _) -> yield $"control={metric} design={spec.Design.Name}"
          | NoControl _ -> yield "control=none"
          for p in spec.Preconditions do
              yield $"precondition={p.Metric} {p.Comparison.Symbol} {number p.Threshold}" ]
    lines |> List.map (fun l -> l + "\n") |> String.concat ""

/// The SHA-256 of the canonical text's UTF-8 bytes, in lower-case hexadecimal.
let sha256 (spec: ClaimSpec) : string =
    SHA256.HashData(Encoding.UTF8.GetBytes(canonicalText spec)) |> Convert.ToHexStringLower
