/// The runner's Fashion-MNIST loader: Debian's folder by default (stood in for here), IDX files elsewhere, a compact
/// file, the messages that name the Debian package, and the `mnist --fashion-mnist` command line.
[<Xunit.Collection(Wgan.Tests.MnistTestData.Collection)>]
module Wgan.Tests.FashionMnistLoaderTests

open System.IO
open Xunit
open Wgan.Experiments
open Wgan.Runner
open Wgan.Tests.MnistTestData
open Wgan.Tests.CliTests

/// A folder laid out as Debian's /usr/share/datasets/fashion-mnist, holding the slice's images.
let private debianLikeFolder () =
    let folder = tempFolder ()
    let images, labels = idxFiles (fashionSlice ())
    File.WriteAllBytes(Path.Combine(folder, "train-images-idx3-ubyte.gz"), gzip images)
    File.WriteAllBytes(Path.Combine(folder, "train-labels-idx1-ubyte.gz"), gzip labels)
    folder

[<Fact>]
let ``the default folder is Debian's and its IDX files are read as Fashion-MNIST`` () =
    Assert.Equal("/usr/share/datasets/fashion-mnist", FashionMnistLoader(null, null).Folder)
    let source = FashionMnistLoader(null, null, defaultFolder = debianLikeFolder ()).Load(TextWriter.Null)
    Assert.Equal(fashionSlice (), source.Digits)
    Assert.StartsWith("Fashion-MNIST IDX files train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz, 200 images",
                      source.Description)

[<Fact>]
let ``without the Debian package the loader names it and the option to use instead`` () =
    let missing = Path.Combine(tempFolder (), "fashion-mnist")
    let e = Assert.Throws<InputException>(fun () ->
        FashionMnistLoader(null, null, defaultFolder = missing).Load(TextWriter.Null) |> ignore)
    Assert.Contains("apt-get install dataset-fashion-mnist", e.Message)
    Assert.Contains("--fashion-mnist-idx", e.Message)

[<Fact>]
let ``another IDX folder or a compact file can stand in for Debian's`` () =
    let fromIdx = FashionMnistLoader(debianLikeFolder (), null).Load(TextWriter.Null)
    Assert.Equal(fashionSlice (), fromIdx.Digits)
    let fromFile = FashionMnistLoader(null, fashionSlicePath).Load(TextWriter.Null)
    Assert.Equal(fashionSlice (), fromFile.Digits)
    Assert.StartsWith("Fashion-MNIST file fashion-mnist-slice.bin, 200 images", fromFile.Description)
    let empty = FashionMnistLoader(tempFolder (), null)
    let e = Assert.Throws<InputException>(fun () -> empty.Load(TextWriter.Null) |> ignore)
    Assert.Contains("--fashion-mnist-idx", e.Message)
    Assert.Contains("train-images-idx3-ubyte.gz", e.Message)

[<Fact>]
let ``the run's resources give Fashion-MNIST beside the digits`` () =
    let resources = sliceResources () :> IResources
    Assert.Equal(fashionSlice (), resources.FashionMnist().Digits)
    Assert.Equal(slice (), resources.Mnist().Digits)

[<Fact>]
let ``mnist --fashion-mnist describes and slices Fashion-MNIST`` () =
    let dir = tempFolder ()
    let out = Path.Combine(dir, "five.bin")
    let r = cli [ "mnist"; "--fashion-mnist"; "--fashion-mnist-file"; fashionSlicePath; "--slice"; "5"; "--out"; out ]
    Assert.True(r.Exit = 0, r.Err)
    Assert.Contains("images per class 0-9: 20 20 20 20 20 20 20 20 20 20", r.Out)
    Assert.Contains("wrote 50 images", r.Out)
    Assert.Equal(Mnist.Slice(fashionSlice (), 5), Mnist.Decode(out, File.ReadAllBytes out, "fix"))

[<Fact>]
let ``Fashion-MNIST's options are usage errors where they do not apply`` () =
    let manifest = manifestPathOf "overfitting-detection"
    let together = cli [ "run"; manifest; "--fashion-mnist-idx"; "a"; "--fashion-mnist-file"; "b" ]
    Assert.Equal(2, together.Exit)
    Assert.Contains("cannot be used together", together.Err)
    let withoutSwitch = cli [ "mnist"; "--fashion-mnist-file"; fashionSlicePath ]
    Assert.Equal(2, withoutSwitch.Exit)
    Assert.Contains("go with --fashion-mnist", withoutSwitch.Err)
    let mixed = cli [ "mnist"; "--fashion-mnist"; "--mnist-file"; slicePath ]
    Assert.Equal(2, mixed.Exit)
    Assert.Contains("--fashion-mnist reads Fashion-MNIST", mixed.Err)
