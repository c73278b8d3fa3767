/// The whole state of a training loop as bytes: network parameters and buffers, optimiser states, random
/// generator states, counters and the series logged so far. Restoring it into freshly built networks,
/// optimisers and generators continues the loop bit for bit as if it had never stopped. Pure: it reads
/// and writes memory buffers; where the bytes are kept is the caller's business.
module Wgan.Core.TrainingState

open System.IO
open TorchSharp

/// Bumped whenever the layout changes, so that an old checkpoint is refused rather than misread.
[<Literal>]
let FormatVersion = 1

/// What a loop carries besides tensors: integer counters (e.g. the iteration) and logged series.
type LoopState = { Counters: int64[]; Series: float[][] }

/// Serialises the state of `modules`, `optimizers` and `generators` (in that order) and `loop`.
let save
    (modules: torch.nn.Module list)
    (optimizers: Optimizer list)
    (generators: torch.Generator list)
    (loop: LoopState)
    : byte[] =
    use buffer = new MemoryStream()
    (use writer = new BinaryWriter(buffer)
     writer.Write FormatVersion
     writer.Write modules.Length
     for m in modules do m.save(writer) |> ignore
     writer.Write optimizers.Length
     for o in optimizers do o.Save writer
     writer.Write generators.Length
     for g in generators do
         use state = g.get_state()
         let bytes = state.data<byte>().ToArray()
         writer.Write bytes.Length
         writer.Write bytes
     writer.Write loop.Counters.Length
     for c in loop.Counters do writer.Write c
     writer.Write loop.Series.Length
     for s in loop.Series do
         writer.Write s.Length
         for v in s do writer.Write v)
    buffer.ToArray()

/// Restores a state written by `save` into networks, optimisers and generators built as the saved ones
/// were (same architecture, same parameter order); returns the loop state. Throws InvalidDataException
/// when the bytes do not match.
let restore
    (bytes: byte[])
    (modules: torch.nn.Module list)
    (optimizers: Optimizer list)
    (generators: torch.Generator list)
    : LoopState =
    use reader = new BinaryReader(new MemoryStream(bytes))
    let expect what (expected: int) =
        let found = reader.ReadInt32()
        if found <> expected then raise (InvalidDataException $"checkpoint has {found} {what}, expected {expected}")
    expect "as format version" FormatVersion
    expect "networks" modules.Length
    for m in modules do m.load(reader) |> ignore
    expect "optimisers" optimizers.Length
    for o in optimizers do o.Load reader
    expect "generators" generators.Length
    for g in generators do
        let length = reader.ReadInt32()
        use state = torch.tensor(reader.ReadBytes length, dtype = torch.uint8)
        g.set_state state |> ignore
    let counters = Array.init (reader.ReadInt32()) (fun _ -> reader.ReadInt64())
    let readSeries _ = Array.init (reader.ReadInt32()) (fun _ -> reader.ReadDouble())
    let series = Array.init (reader.ReadInt32()) readSeries
    { Counters = counters; Series = series }
