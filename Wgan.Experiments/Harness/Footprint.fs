/// What a manifest may ask of memory. Before anything runs, every experiment names the networks a unit of its work
/// holds at once, at each scale, with the most samples one pass sends through them; the estimate below bounds the
/// memory that needs, and a manifest that asks for more than `MaxBytes` at any scale is refused at the JSON path of
/// the setting that shapes those networks, like any other manifest error. (The number of hidden layers is bounded where
/// networks are decoded: `Manifest.hiddenWidths`, `ToyWgan.deepShape`.)
module Wgan.Experiments.Footprint

open System
open System.Globalization
open Wgan.Core
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest

/// The most memory the networks of one unit may need by the estimate: 4 GiB. The repository's manifests need at most
/// about 2 GB (mnist-loss-vs-quality at paper scale: gan_mnist.py's DIM 64 networks and the digit classifier with
/// 2,000 quality samples in one pass; capacity-underuse's three 3 x 512 critics on a 128 x 128 grid, about 1.2 GB).
[<Literal>]
let MaxBytes = 4294967296L

/// A network as the estimate sees it.
type Network =
    { /// How a message names it, e.g. "critic 2 -> 64 -> 64 -> 1".
      Name: string
      /// Weights and biases.
      Parameters: float
      /// The values one sample leaves in a pass: the input and every layer's output.
      ValuesPerSample: float }

/// An MLP through the layer widths `widths`, input first, output last (biases included).
let mlp (role: string) (widths: int list) : Network =
    { Name = $"""{role} {widths |> List.map string |> String.concat " -> "}"""
      Parameters = widths |> List.pairwise |> List.sumBy (fun (a, b) -> float a * float b + float b)
      ValuesPerSample = widths |> List.sumBy float }

/// The MLP of `spec`.
let ofMlp (role: string) (spec: MlpSpec) : Network = mlp role (spec.Inputs :: spec.Hidden @ [ spec.Outputs ])

/// The networks a unit holds at once, the most samples one pass sends through them, and `Path`, the JSON path below
/// the manifest's root (e.g. "critic.hidden" or "scales.paper.width") of the setting that shapes them.
type Demand = { Path: string; Networks: Network list; Samples: int }

/// Bytes by the estimate, 4 (float32) per value: per parameter 5 values (the weight, its gradient, two optimiser
/// moments, and a copy such as a snapshot or a clipped tensor); per sample, 4 values for each of a network's
/// (the value, its pre-activation, its gradient, and a gradient penalty's second pass).
let bytes (d: Demand) : float =
    4.0 * (d.Networks |> List.sumBy (fun n -> 5.0 * n.Parameters + 4.0 * float d.Samples * n.ValuesPerSample))

let private inWords (bytes: float) =
    if bytes >= 1e9 then String.Format(CultureInfo.InvariantCulture, "{0:F1} GB", bytes / 1e9)
    else String.Format(CultureInfo.InvariantCulture, "{0:F0} MB", Math.Ceiling(bytes / 1e6))

let private count (x: float) = x.ToString("N0", CultureInfo.InvariantCulture)

/// The problems of a manifest whose networks, by `demands` at each scale, need more than `MaxBytes`: one per JSON path
/// (under `root`), naming the scale that needs most, its networks and the scales over the limit.
let check (root: string) (demands: Scale -> Demand list) : DecodeError list =
    [ for scale in scales do
          for d in demands scale do
              if bytes d > float MaxBytes then yield scale, d ]
    |> List.groupBy (fun (_, d) -> d.Path)
    |> List.map (fun (path, over) ->
        let scale, d = over |> List.maxBy (snd >> bytes)
        let networks =
            d.Networks |> List.map (fun n -> $"{n.Name}: {count n.Parameters} parameters") |> String.concat "; "
        let scalesOver = over |> List.map (fun (s, _) -> s.Name) |> List.distinct |> String.concat ", "
        { Path = $"{root}.{path}"
          Message =
            $"asks for about {inWords (bytes d)} of memory at scale {scale.Name} ({networks}; "
            + $"passes of {d.Samples} samples), more than the 4 GiB a manifest may ask for "
            + $"(scales over it: {scalesOver}); use smaller networks or batches" })
