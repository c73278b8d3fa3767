/// verify against damaged figures and against a run that replaces the folder it reads.
module Wgan.Tests.VerifyTests

open System
open System.IO
open Xunit
open Wgan.Tests.CliTests
open Wgan.Tests.IntegrityTests

let private figureOf (folder: string) =
    Directory.GetFiles(Path.Combine(folder, "figures"), "*.png") |> Array.sort |> Array.head

[<Fact>]
let ``a published PNG passes the integrity check; each kind of damage is named`` () =
    let bytes = File.ReadAllBytes(figureOf published.Value)
    Assert.Null(Wgan.Runner.Png.Problem(ReadOnlySpan bytes))
    let problem (b: byte[]) = Wgan.Runner.Png.Problem(ReadOnlySpan b)
    Assert.Equal("is empty", problem [||])
    Assert.Contains("no PNG signature", problem (Array.append [| 0uy |] bytes[1..]))
    // Any single flipped bit inside a chunk fails that chunk's CRC: every 97th byte after the signature, each bit.
    for at in 8 .. 97 .. bytes.Length - 1 do
        let flipped = Array.copy bytes
        flipped[at] <- flipped[at] ^^^ 0x10uy
        Assert.True(problem flipped |> isNull |> not, $"a flipped bit at byte {at} went unnoticed")
    Assert.Contains("truncated", problem bytes[.. bytes.Length - 5])
    Assert.Contains("after its IEND", problem (Array.append bytes [| 0uy |]))
    // CRC-32 check value of the specification's algorithm: "123456789" -> 0xCBF43926.
    Assert.Equal(0xCBF43926u, Wgan.Runner.Png.Crc32(ReadOnlySpan(Text.Encoding.ASCII.GetBytes "123456789")))

[<Fact>]
let ``verify names a figure with a flipped byte and one truncated to 0 bytes`` () =
    let folder = copyOfPublished ()
    let figure = figureOf folder
    let bytes = File.ReadAllBytes figure
    bytes[bytes.Length / 2] <- bytes[bytes.Length / 2] ^^^ 0xFFuy
    File.WriteAllBytes(figure, bytes)
    let name = $"figures/{Path.GetFileName figure}"
    verifyMismatch folder [ $"{name}: is damaged (the CRC of its" ]
    File.WriteAllBytes(figure, [||])
    verifyMismatch folder [ $"{name}: is empty" ]

[<Fact>]
let ``verify refuses a folder that a run in progress is writing, rather than compare a mixture`` () =
    let folder = copyOfPublished ()
    let work = Wgan.Runner.WorkFolder.For(Path.GetDirectoryName folder, "parallel-lines")
    use _held = work.Lock "run"
    let r = cli [ "verify"; folder ]
    Assert.True(r.Exit = 2, $"exit {r.Exit}: {r.Out}{r.Err}")
    Assert.Contains($"is being written by a run in progress (process {Environment.ProcessId})", r.Err)
