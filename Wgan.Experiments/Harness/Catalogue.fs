/// The experiments the harness knows, and manifest decoding that dispatches on "experiment".
module Wgan.Experiments.Catalogue

open Wgan.Experiments.Json

/// Every experiment, in the order `list` shows them.
let all: ExperimentDefinition list =
    [ ParallelLines.Definition.definition
      DiscriminatorVsCritic.Definition.definition
      VanishingGradients.Definition.definition
      MeaningfulLoss.Definition.definition
      SnapshotRanking.Definition.definition
      MomentumInstability.Definition.definition
      ModeCoverage.Definition.definition
      CapacityUnderuse.Definition.definition
      GradientNorms.Definition.definition
      GradientField.Definition.definition
      WeightHistograms.Definition.definition
      PenaltyVariants.Definition.definition
      PenaltySides.Definition.definition
      Overfitting.Definition.definition
      LossVsQuality.Definition.definition
      Architectures.Definition.definition ]

let tryFind (id: string) = all |> List.tryFind (fun d -> d.Id = id)

/// Decodes a manifest's text: picks the experiment named by "experiment", then decodes the rest.
let decodeManifest (text: string) : Result<ExperimentDefinition * PreparedExperiment, DecodeError list> =
    let pick: Decoder<ExperimentDefinition * PreparedExperiment> =
        fun path root ->
            match Experiment.experimentName root with
            | None ->
                match Decode.object (required "experiment" Decode.string) path root with
                | Error es -> Error(es |> List.filter (fun e -> e.Path = "$.experiment" || e.Path = "$"))
                | Ok _ -> Error [ { Path = "$.experiment"; Message = "is required" } ]
            | Some name ->
                match tryFind name with
                | None ->
                    let known = all |> List.map (fun d -> d.Id) |> String.concat ", "
                    let message = $"\"{name}\" is not a known experiment (known: {known})"
                    Error [ { Path = "$.experiment"; Message = message } ]
                | Some definition -> definition.Decode path root |> Result.map (fun p -> definition, p)
    Decode.document pick text
