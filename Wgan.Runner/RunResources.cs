using System.Security.Cryptography;
using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// The shell's resources for experiments: the MNIST digits and Fashion-MNIST (each loaded once per process run, when
/// first asked for; <c>run</c> and <c>verify</c> ask for those their experiments read before any work) and a cache of
/// artefacts such as trained classifier weights, stored under <c>&lt;cache&gt;/artefacts/&lt;key&gt;.bin</c> with a
/// SHA-256 trailer; a damaged artefact is ignored (deleted, then rebuilt by the experiment).
/// </summary>
public sealed class RunResources(MnistLoader loader, TextWriter log, FashionMnistLoader? fashionLoader = null)
    : IResources
{
    MnistSource? mnist;
    MnistSource? fashionMnist;
    readonly FashionMnistLoader fashion = fashionLoader ?? new FashionMnistLoader(null, null);

    /// <summary>The loader behind <see cref="Mnist"/>.</summary>
    public MnistLoader Loader => loader;

    /// <summary>The run's MNIST digits.</summary>
    public MnistSource Mnist() => mnist ??= loader.Load(log);

    /// <summary>The run's Fashion-MNIST training images.</summary>
    public MnistSource FashionMnist() => fashionMnist ??= fashion.Load(log);

    /// <summary>
    /// Loads and checks now every image set that <paramref name="experiments"/> read (by the manifest names of
    /// <see cref="PlannedExperiment.ImageSets"/>), MNIST before Fashion-MNIST, so that missing or damaged data is
    /// found before any work; each one's description goes to <paramref name="describe"/> ("MNIST: ...",
    /// "Fashion-MNIST ...", labelled with the set's name unless it names it) unless it is null. Sets no experiment
    /// reads are not touched.
    /// </summary>
    public void LoadFor(IEnumerable<PlannedExperiment> experiments, TextWriter? describe)
    {
        (string Name, string Label, Func<MnistSource> Load)[] sets =
            [("mnist", "MNIST", Mnist), ("fashion-mnist", "Fashion-MNIST", FashionMnist)];
        var needed = experiments.SelectMany(e => e.ImageSets).ToHashSet(StringComparer.Ordinal);
        if (needed.FirstOrDefault(name => !sets.Any(s => s.Name == name)) is { } unknown)
            throw new ArgumentException($"unknown image set '{unknown}'", nameof(experiments));
        foreach (var (name, label, load) in sets.Where(s => needed.Contains(s.Name)))
        {
            var source = load();
            // A description that already names its set ("Fashion-MNIST IDX files ...") is not labelled again.
            var named = source.Description.StartsWith(label + " ", StringComparison.Ordinal);
            describe?.WriteLine(named ? source.Description : $"{label}: {source.Description}");
        }
    }

    string PathOf(string key)
    {
        if (key.Length == 0 || key.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_' || c == '.')))
            throw new ArgumentException($"invalid artefact key '{key}'", nameof(key));
        return Path.Combine(loader.CacheRoot, "artefacts", key + ".bin");
    }

    /// <summary>The artefact stored under <paramref name="key"/>, or null.</summary>
    public byte[]? TryLoad(string key)
    {
        var path = PathOf(key);
        if (!File.Exists(path)) return null;
        var bytes = File.ReadAllBytes(path);
        var contents = bytes.Length - 32;
        if (contents >= 0 && SHA256.HashData(bytes.AsSpan(0, contents)).AsSpan().SequenceEqual(bytes.AsSpan(contents)))
            return bytes[..^32];
        log.WriteLine($"warning: {path} is damaged (checksum mismatch); it is deleted and rebuilt");
        File.Delete(path);
        return null;
    }

    /// <summary>Stores an artefact atomically.</summary>
    public void Store(string key, byte[] contents)
    {
        var path = PathOf(key);
        try
        {
            AtomicOutput.WriteWith(path, temp => File.WriteAllBytes(temp, [.. contents, .. SHA256.HashData(contents)]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"{path}: cannot write to the cache ({e.Message}); " +
                $"choose another folder with --cache or {MnistLoader.CacheVariable}");
        }
    }

    byte[] IResources.TryLoad(string key) => TryLoad(key)!;
}
