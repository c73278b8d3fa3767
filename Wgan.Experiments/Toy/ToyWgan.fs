/// Training on the toy data sets of the WGAN-GP paper (gan_toy.py), shared by the experiments of its
/// Figure 1: a critic against the fixed generator Pr + N(0, sigma^2 I) (Figure 1a), and a whole WGAN, critic
/// and generator, with deep MLPs (Figure 1b). Also the manifest pieces these experiments share.
module Wgan.Experiments.ToyWgan

open System
open System.Collections.Generic
open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest

/// Every toy data set, in the paper's order.
let datasets = [ EightGaussians; TwentyFiveGaussians; SwissRoll ]

/// "8gaussians" | "25gaussians" | "swissroll" (gan_toy.py's DATASET values).
let dataset: Decoder<ToyDataset> = Decode.oneOf [ for d in datasets -> d.Name, d ]

/// A fixed number per data set, used as a seed coordinate so that a unit's seed does not depend on the order
/// in which a manifest lists the data sets.
let datasetCode (d: ToyDataset) =
    match d with
    | EightGaussians -> 0
    | TwentyFiveGaussians -> 1
    | SwissRoll -> 2

/// How the paper names a data set in figures.
let datasetTitle (d: ToyDataset) =
    match d with
    | EightGaussians -> "8 Gaussians"
    | TwentyFiveGaussians -> "25 Gaussians"
    | SwissRoll -> "Swiss Roll"

/// The shape of a deep MLP whose width is set per scale: the number of hidden layers, the activation and
/// the normalisation.
type DeepShape = { Depth: int; Activation: Activation; Normalization: Normalization }

/// The MLP of a deep shape whose hidden layers all have `width` units: inputs -> Depth x width -> outputs.
let deepSpec (shape: DeepShape) (width: int) (inputs: int) (outputs: int) : MlpSpec =
    { Inputs = inputs
      Hidden = List.replicate shape.Depth width
      Outputs = outputs
      Activation = shape.Activation
      Normalization = shape.Normalization }

/// What a toy WGAN unit holds at once (see Footprint): a critic 2 -> Depth x width -> 1 and a generator
/// noise -> Depth x width -> 2, through `samples` points; the demand is named by the scale's `width` field.
let deepFootprint (scaleName: string) (critic: DeepShape) (generator: DeepShape) (width: int) (noise: int)
    (samples: int) : Footprint.Demand list =
    [ { Path = $"scales.{scaleName}.width"
        Networks =
          [ Footprint.ofMlp "critic" (deepSpec critic width 2 1)
            Footprint.ofMlp "generator" (deepSpec generator width noise 2) ]
        Samples = samples } ]

/// {"depth": n, "activation": ..., "normalization": ...}.
let deepShape: Decoder<DeepShape> =
    Decode.object (fields {
        let! depth = required "depth" (Decode.intInRange 1 MaxHiddenLayers)
        and! a = required "activation" activation
        and! n = required "normalization" normalization
        return { Depth = depth; Activation = a; Normalization = n } })

/// "pytorch" (nn.Linear's default) | "tflib" (gan_toy.py's He-uniform hidden and Glorot-uniform output layers).
let initialization: Decoder<Initialization.Scheme> =
    Decode.oneOf [ "pytorch", Initialization.PyTorchDefault; "tflib", Initialization.Tflib ]

/// How a report says a scheme initialises the linear layers.
let initializationText (scheme: Initialization.Scheme) =
    match scheme with
    | Initialization.PyTorchDefault -> "as PyTorch's nn.Linear (uniform in +-1/sqrt(fan_in))"
    | Initialization.Tflib -> "as tflib (He-uniform hidden layers, Glorot-uniform output layer, zero biases)"

/// One way of training a WGAN: a critic constraint with the optimisers of the critic and the generator.
type TrainingSetting =
    { Id: string
      Label: string
      Constraint: LipschitzConstraint
      CriticOptimizer: OptimizerSpec
      GeneratorOptimizer: OptimizerSpec }

/// An id used inside metric names: lower-case letters, digits, '.' and '-'.
let settingId: Decoder<string> =
    Decode.nonEmptyString
    |> Decode.check
        (fun s -> s |> Seq.forall (fun c -> Char.IsAsciiLetterLower c || Char.IsAsciiDigit c || c = '.' || c = '-'))
        "must use only a-z, 0-9, '.' and '-'"

/// {"id", "label", "constraint", "criticOptimizer", "generatorOptimizer"}; without "id" (Id = "") when
/// `withId` is false, for experiments whose settings have fixed roles.
let trainingSetting (withId: bool) : Decoder<TrainingSetting> =
    Decode.object (fields {
        let! id = if withId then required "id" settingId else Fields.succeed ""
        and! label = required "label" Decode.nonEmptyString
        and! c = required "constraint" lipschitzConstraint
        and! criticOptimizer = required "criticOptimizer" optimizer
        and! generatorOptimizer = required "generatorOptimizer" optimizer
        return
            { Id = id
              Label = label
              Constraint = c
              CriticOptimizer = criticOptimizer
              GeneratorOptimizer = generatorOptimizer } })

/// A fixed 31-bit number for a setting id (FNV-1a), used as a seed coordinate so that a unit's seed depends
/// on its setting's id, not on the setting's position in the manifest.
let idCode (id: string) : int =
    let mutable hash = 2166136261u
    for c in id do
        hash <- (hash ^^^ uint32 c) * 16777619u
    int (hash &&& 0x7fffffffu)

/// The closing words of a scale note (`scaleNote`).
let private scaleNoteEnd =
    "This is a result at this scale, not a verdict on the paper; the thresholds are the manifest's and were not tuned "
    + "to the outcome."

/// A note for a run below paper scale whose claims are not all reproduced: which ones, with their verdicts, and
/// `why` (what this scale does less of than the paper). No note when every claim is reproduced or at paper scale.
/// Built from the verdicts, so it says what happened, not what was expected; `wgan rejudge` builds it again from the
/// re-judged verdicts (`scaleNoteReason` gives its `why` back).
let scaleNote (scale: Scale) (claims: ClaimResult list) (why: string) : string list =
    let missed = claims |> List.filter (fun c -> c.Verdict <> Reproduced)
    if scale = Paper || missed.IsEmpty then []
    else
        let listed = missed |> List.map (fun c -> $"{c.Spec.Id} ({c.Verdict.Name})") |> String.concat ", "
        [ $"At {scale.Name} scale {missed.Length} of {claims.Length} claims have a verdict other than reproduced: "
          + $"{listed}. {why} {scaleNoteEnd}" ]

/// The `why` of a note that `scaleNote` wrote (in its present words or in the earlier "... claims did not
/// reproduce: ..."), or None for any other note.
let scaleNoteReason (note: string) : string option =
    let m =
        Text.RegularExpressions.Regex.Match(
            note,
            @"^At [a-z]+ scale \d+ of \d+ claims (?:did not reproduce|have a verdict other than reproduced): "
            + @"(?:[^ ]+ \([a-z-]+\)(?:, )?)+\. (?<why>.*) " + Text.RegularExpressions.Regex.Escape scaleNoteEnd + "$",
            Text.RegularExpressions.RegexOptions.Singleline)
    if m.Success then Some m.Groups["why"].Value else None

/// A decoder that also requires `predicate` of the decoded value, reporting `message` at its path.
let requiring (predicate: 'T -> bool) (message: string) (decoder: Decoder<'T>) : Decoder<'T> =
    fun path e ->
        match decoder path e with
        | Ok v when not (predicate v) -> Error [ { Path = path; Message = message } ]
        | r -> r

/// A non-empty list of items none of whose ids repeats; `what` names the items in the error ("<what> ids
/// must be unique").
let uniqueIds (id: 'T -> string) (what: string) (item: Decoder<'T>) : Decoder<'T list> =
    Decode.nonEmptyArray item
    |> requiring (fun xs -> (List.distinctBy id xs).Length = xs.Length) $"{what} ids must be unique"

/// A non-empty list of toy data sets, none repeated.
let distinctDatasets: Decoder<ToyDataset list> =
    Decode.nonEmptyArray dataset |> requiring (fun ds -> List.distinct ds = ds) "must not repeat a data set"

/// The rows of a [n, d] tensor as float arrays.
let toRows (samples: torch.Tensor) : float[][] =
    let values = samples.detach().cpu().to_type(torch.float64).contiguous().data<float>().ToArray()
    let dim = int samples.shape[1]
    Array.init (values.Length / dim) (fun i -> values[i * dim .. i * dim + dim - 1])

/// A column of a [n, d] tensor as a float array.
let column (k: int) (samples: torch.Tensor) : float[] = toRows samples |> Array.map (fun row -> row[k])

let private withoutGradient (f: unit -> 'T) : 'T =
    use _ = torch.no_grad()
    f ()

/// How the fixed generator's batch relates to the real batch of the same critic step.
type FakeBatch =
    /// An independent sample of Pr + N(0, sigma^2 I).
    | Independent
    /// The same real batch plus N(0, sigma^2 I) (gan_toy.py, FIXED_GENERATOR: `fake = real_data + noise`): each
    /// penalty interpolate then lies between a point and its own noisy copy.
    | RealPlusNoise

/// "independent" | "real-plus-noise".
let fakeBatch: Decoder<FakeBatch> = Decode.oneOf [ "independent", Independent; "real-plus-noise", RealPlusNoise ]

/// Where a critic's real batches come from.
type TrainingSet =
    /// A fresh sample of the data set at every step (gan_toy.py's inf_train_gen for '8gaussians' and
    /// 'swissroll': a new batch per `yield`).
    | Fresh
    /// One fixed set of `points` points, built once per critic from its own generator and cycled in order
    /// (gan_toy.py's inf_train_gen for '25gaussians': ToyData.fixedTwentyFiveGaussians and ToyData.cycledBatch).
    | FixedCycled of points: int

/// {"kind": "fresh"} | {"kind": "fixed", "points": n} for `d`; gan_toy.py builds a fixed set only for the 25
/// Gaussians (its 8 Gaussians and Swiss Roll are fresh batches), so "fixed" is accepted only there, with a
/// positive multiple of 25 points (whole rounds of the 25 centres).
let trainingSet (d: ToyDataset) : Decoder<TrainingSet> =
    let kind =
        Decode.oneOf [ "fresh", "fresh"; "fixed", "fixed" ]
        |> Decode.check
            (fun k -> k = "fresh" || d = TwentyFiveGaussians)
            ($"must be \"fresh\": gan_toy.py builds a fixed set only for 25gaussians and draws {d.Name} afresh "
             + "for every batch")
    let points =
        Decode.intInRange 25 10_000_000
        |> Decode.check (fun v -> v % 25 = 0) "must be a multiple of 25 (whole rounds of the 25 centres)"
    Decode.object (fields {
        let! k = required "kind" kind
        if k = "fixed" then
            let! n = required "points" points
            return FixedCycled n
        else return Fresh })

/// One critic step on the real batch `real` against a batch of the fixed generator Pr + N(0, sigma^2 I)
/// (fake), coupled to the real batch as `coupling` says (an independent fake batch is a fresh sample of
/// `dataset` plus noise); the fake batch's and the penalty's randomness comes from `generator`. Returns the
/// critic loss E f(fake) - E f(real) (+ penalty) before the update.
let criticStepOnBatch
    (critic: Mlp)
    (optimizer: Optimizer)
    (lipschitz: LipschitzConstraint)
    (real: torch.Tensor)
    (dataset: ToyDataset)
    (coupling: FakeBatch)
    (sigma: float)
    (device: torch.Device)
    (generator: torch.Generator)
    : float =
    use _ = torch.NewDisposeScope()
    let batchSize = int real.shape[0]
    let fake =
        match coupling with
        | Independent -> ToyData.noisyCopy dataset sigma batchSize generator
        | RealPlusNoise -> ToyData.plusNoise real sigma generator
    (CriticStep.criticStep critic optimizer lipschitz (real.``to``(device)) (fake.``to``(device)) generator).Loss

/// The real batch of critic step `step` (1-based) as gan_toy.py's inf_train_gen gives it: the step's batch of the
/// fixed `trainingSet`, cycled in order, or without one a fresh sample of `dataset` drawn from `random`.
let realBatch (trainingSet: torch.Tensor option) (dataset: ToyDataset) (batchSize: int) (random: torch.Generator)
    (step: int) : torch.Tensor =
    match trainingSet with
    | Some set -> ToyData.cycledBatch set batchSize step
    | None -> ToyData.sample dataset batchSize random
