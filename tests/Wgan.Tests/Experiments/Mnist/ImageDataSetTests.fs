/// The image sets (ImageDataSet): names, Fashion-MNIST's classes, and the committed Fashion-MNIST slice read by the
/// IDX and compact-format readers the MNIST digits use.
[<Xunit.Collection(Wgan.Tests.MnistTestData.Collection)>]
module Wgan.Tests.ImageDataSetTests

open Xunit
open Wgan.Experiments
open Wgan.Tests.MnistTestData

[<Fact>]
let ``each image set parses from its manifest name and an unknown name is rejected`` () =
    for dataSet in ImageDataSet.all do
        Assert.Equal(Ok dataSet, ImageDataSet.tryParse (ImageDataSet.name dataSet))
    Assert.Equal<string list>([ "mnist"; "fashion-mnist" ], ImageDataSet.all |> List.map ImageDataSet.name)
    match ImageDataSet.tryParse "fashion_mnist" with
    | Ok _ -> failwith "names are exact"
    | Error message -> Assert.Contains("\"fashion-mnist\"", message)

[<Fact>]
let ``Fashion-MNIST's ten classes are named as its README names them`` () =
    // zalandoresearch/fashion-mnist README, "Labels": 0 T-shirt/top ... 9 Ankle boot.
    let names = ImageDataSet.classNames ImageDataSet.FashionMnist
    Assert.Equal(10, names.Length)
    Assert.Equal("T-shirt/top", names[0])
    Assert.Equal("Ankle boot", names[9])
    Assert.Equal<string[]>(Array.init 10 string, ImageDataSet.classNames ImageDataSet.Mnist)

[<Fact>]
let ``the committed Fashion-MNIST slice has 20 images of each class and the fingerprint it was written with`` () =
    let images = fashionSlice ()
    // 20 per class: `wgan mnist --fashion-mnist --slice 20` (tests/Wgan.Tests/data/README.md).
    Assert.Equal(200, images.Count)
    Assert.Equal<int[]>(Array.create 10 20, images.ClassCounts)
    Assert.Equal((28, 28), (images.Rows, images.Columns))
    Assert.Equal(FashionSliceFingerprint, Mnist.Fingerprint images)
    Assert.NotEqual<string>(SliceFingerprint, FashionSliceFingerprint)

[<Fact>]
let ``the IDX reader reads Fashion-MNIST's files, gzipped as Debian ships them`` () =
    // Debian's dataset-fashion-mnist installs train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz; these are
    // the slice's images in that encoding.
    let images = fashionSlice ()
    let idxImages, idxLabels = idxFiles images
    let read = Mnist.FromIdx("train-images-idx3-ubyte.gz", gzip idxImages, "train-labels-idx1-ubyte.gz", gzip idxLabels)
    Assert.Equal(images, read)
