using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// Obtains Zalando's Fashion-MNIST for a run: by default the training IDX files that Debian's package
/// <c>dataset-fashion-mnist</c> installs under <c>/usr/share/datasets/fashion-mnist</c>; alternatively the IDX files
/// in another folder (<c>--fashion-mnist-idx DIR</c>) or a compact file such as the committed test slice
/// (<c>--fashion-mnist-file FILE</c>). The IDX files are MNIST's format and read by the same reader (MnistLoader);
/// every problem is an <see cref="InputException"/> or <see cref="DataException"/> naming the file and the fix.
/// <paramref name="defaultFolder"/> stands in for Debian's folder (tests).
/// </summary>
public sealed class FashionMnistLoader(string? idxFolder, string? file, string? defaultFolder = null)
{
    /// <summary>The folder whose IDX files are read: <c>--fashion-mnist-idx</c>, else Debian's.</summary>
    public string Folder { get; } = idxFolder ?? defaultFolder ?? FashionMnistSource.DebianFolder;

    /// <summary>The compact file, or null.</summary>
    public string? File { get; } = file;

    /// <summary>A loader for a command's data options.</summary>
    public static FashionMnistLoader For(DataOptions options) => new(options.FashionMnistIdx, options.FashionMnistFile);

    /// <summary>Loads the training images; where they came from goes to <paramref name="log"/>.</summary>
    public MnistSource Load(TextWriter log)
    {
        if (File is not null)
            return MnistLoader.FromFile(File, "--fashion-mnist-file", "Fashion-MNIST",
                "Write it again with `wgan mnist --fashion-mnist --slice N --out FILE`, "
                + "or drop --fashion-mnist-file to read the IDX files.");
        if (idxFolder is null && !Directory.Exists(Folder))
            throw new InputException(
                $"Fashion-MNIST: {Folder} does not exist; install Debian's package {FashionMnistSource.DebianPackage} "
                + $"(`apt-get install {FashionMnistSource.DebianPackage}`), "
                + "or point --fashion-mnist-idx at a folder with its IDX files");
        log.WriteLine($"Fashion-MNIST: IDX files in {Folder}");
        return MnistLoader.FromIdx(Folder, "--fashion-mnist-idx", "Fashion-MNIST");
    }
}
