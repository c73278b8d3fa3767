/// The image sets a run reads: each experiment declares them from its manifest, and `run` and `verify` load and check
/// those (and no others) before any work, so that missing Fashion-MNIST is found before anything is written and a
/// manifest on one set never needs the other.
[<Xunit.Collection(Wgan.Tests.MnistTestData.Collection)>]
module Wgan.Tests.ImageSetLoadingTests

open System.IO
open System.Text.Json.Nodes
open Xunit
open Wgan.Experiments
open Wgan.Tests.MnistTestData
open Wgan.Tests.CliTests

let private architecturesManifest = findUp (Path.Combine("experiments", "architectures", "architectures.json"))

/// The architectures manifest on the image sets `dataSets` only, with only the claims about those sets.
let private architecturesOn (dataSets: string list) =
    let root = JsonNode.Parse(File.ReadAllText architecturesManifest)
    root["dataSets"] <- JsonArray([| for d in dataSets -> JsonValue.Create d :> JsonNode |])
    let claims = root["claims"].AsArray()
    let onListedSet (claim: JsonNode) =
        dataSets |> List.exists (fun d -> claim["metric"].GetValue<string>().StartsWith $"{d}.")
    for claim in claims |> Seq.filter (onListedSet >> not) |> List.ofSeq do
        claims.Remove claim |> ignore
    root.ToJsonString()

/// A manifest file in a fresh folder, with the folder's empty `out` and `cache` beside it and an empty folder that
/// holds no IDX files.
let private setUp (manifestText: string) =
    let dir = tempFolder ()
    let folder name = Directory.CreateDirectory(Path.Combine(dir, name)).FullName
    writeFile dir "architectures.json" manifestText, folder "out", folder "cache", folder "no-idx-files"

[<Fact>]
let ``each experiment declares the image sets it reads`` () =
    let imageSets (text: string) =
        let reading = Harness.ReadManifest text
        Assert.True(reading.IsValid, String.concat "; " reading.Errors)
        reading.Experiment.Id, List.ofArray reading.Experiment.ImageSets
    // Every experiment's main manifest (experiments/<id>.json), but architectures', which has its own folder.
    let others = Harness.Experiments |> Array.map (fun e -> e.Id) |> Array.filter (fun id -> id <> "architectures")
    let declared = others |> Array.map (fun id -> imageSets (File.ReadAllText(manifestPathOf id)))
    let expected =
        others
        |> Array.map (fun id ->
            id, (if id = "overfitting-detection" || id = "mnist-loss-vs-quality" then [ "mnist" ] else []))
    Assert.Equal<(string * string list)[]>(expected, declared)
    // architectures: its "dataSets", in the fixed order MNIST, Fashion-MNIST.
    let architectures dataSets = snd (imageSets (architecturesOn dataSets))
    Assert.Equal<string list>([ "fashion-mnist" ], architectures [ "fashion-mnist" ])
    Assert.Equal<string list>([ "mnist" ], architectures [ "mnist" ])
    Assert.Equal<string list>([ "mnist"; "fashion-mnist" ], architectures [ "fashion-mnist"; "mnist" ])

[<Fact>]
let ``run without Fashion-MNIST's files exits 2 naming them, before anything is written`` () =
    let manifest, out, cache, empty = setUp (architecturesOn [ "mnist"; "fashion-mnist" ])
    let r =
        cli [ "run"; manifest; "--scale"; "smoke"; "--out"; out; "--cache"; cache; "--mnist-file"; slicePath
              "--fashion-mnist-idx"; empty ]
    Assert.True(r.Exit = 2, $"exit {r.Exit}: {r.Err}")
    Assert.Contains($"--fashion-mnist-idx {empty}: has none of", r.Err)
    Assert.Contains("train-images-idx3-ubyte.gz", r.Err)
    // No result folder and no .work folder of checkpoints: the data was checked before any unit ran.
    Assert.Empty(Directory.GetFileSystemEntries out)

[<Fact>]
let ``a manifest on MNIST alone does not touch Fashion-MNIST`` () =
    let manifest, out, cache, empty = setUp (architecturesOn [ "mnist" ])
    let r =
        cli [ "run"; manifest; "--scale"; "smoke"; "--out"; out; "--cache"; cache; "--mnist-file"; slicePath
              "--fashion-mnist-idx"; empty ]
    Assert.True(r.Exit = 0, $"exit {r.Exit}: {r.Err}")
    let lines = r.Err.Split '\n'
    Assert.Contains(lines, fun l -> l.StartsWith "MNIST: file mnist-slice.bin, 200 digits")
    Assert.DoesNotContain(lines, fun l -> l.StartsWith "Fashion-MNIST")
    Assert.True(File.Exists(Path.Combine(out, "architectures", "result.json")), "the result is published")

[<Fact>]
let ``a manifest on Fashion-MNIST alone does not load MNIST, in run, its workers and verify`` () =
    let manifest, out, cache, empty = setUp (architecturesOn [ "fashion-mnist" ])
    let data = [ "--cache"; cache; "--mnist-idx"; empty; "--fashion-mnist-file"; fashionSlicePath ]
    let r = cli ([ "run"; manifest; "--scale"; "smoke"; "--out"; out; "--jobs"; "2" ] @ data)
    Assert.True(r.Exit = 0, $"exit {r.Exit}: {r.Err}")
    // Described once, by the parent: its two workers load the images and say nothing of them.
    let described = "Fashion-MNIST file fashion-mnist-slice.bin, 200 images"
    let lines = r.Err.Split '\n'
    Assert.Equal(1, lines |> Array.filter (fun l -> l.StartsWith described) |> Array.length)
    Assert.DoesNotContain(lines, fun l -> l.StartsWith "MNIST")
    let published = Path.Combine(out, "architectures")
    let verified = cli ([ "verify"; published ] @ data)
    Assert.True(verified.Exit = 0, $"exit {verified.Exit}: {verified.Out}{verified.Err}")
    Assert.Contains(described, verified.Err)
    // Missing images are found before the re-run starts.
    let missing = cli [ "verify"; published; "--cache"; cache; "--fashion-mnist-idx"; empty ]
    Assert.True(missing.Exit = 2, $"exit {missing.Exit}: {missing.Err}")
    Assert.Contains($"--fashion-mnist-idx {empty}: has none of", missing.Err)
    Assert.DoesNotContain("re-running", missing.Err)
