using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>What identifies a run: a unit result may only be reused by a run with the same identity.</summary>
public sealed record RunIdentity(string Experiment, string ManifestSha256, string Scale, int SeedsRequested, string Device, int Threads, IReadOnlyList<string> UnitKeys)
{
    /// <summary>SHA-256 of a manifest's text, as lowercase hex.</summary>
    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>The first field that differs from <paramref name="other"/>, described, or null when they match.</summary>
    public string? Difference(RunIdentity other)
    {
        if (Experiment != other.Experiment) return $"experiment {other.Experiment} vs {Experiment}";
        if (ManifestSha256 != other.ManifestSha256) return "the manifest's text changed";
        if (Scale != other.Scale) return $"scale {other.Scale} vs {Scale}";
        if (SeedsRequested != other.SeedsRequested) return $"--seeds {other.SeedsRequested} vs {SeedsRequested} (0 = the scale's default)";
        if (Device != other.Device) return $"device {other.Device} vs {Device}";
        if (Threads != other.Threads) return $"--threads {other.Threads} vs {Threads}";
        if (!UnitKeys.SequenceEqual(other.UnitKeys)) return "the units of work differ";
        return null;
    }
}

/// <summary>
/// The checkpoints of a run in progress: <c>&lt;out&gt;/.work/&lt;experiment&gt;/</c> holds <c>run.json</c> (the identity and
/// the manifest's text) and one file per finished unit, each written atomically. Runs and shards with the
/// same identity share it; a killed run loses at most the units it was computing.
/// </summary>
public sealed class WorkFolder
{
    /// <summary>The folder.</summary>
    public string Path { get; }

    WorkFolder(string path) => Path = path;

    /// <summary>The work folder of <paramref name="experimentId"/> under <paramref name="outDirectory"/>.</summary>
    public static WorkFolder For(string outDirectory, string experimentId) =>
        new(System.IO.Path.Combine(outDirectory, Name, experimentId));

    /// <summary>The folder under an output folder that holds the checkpoints of unfinished runs.</summary>
    public const string Name = ".work";

    /// <summary>Every work folder under <paramref name="outDirectory"/>.</summary>
    public static IEnumerable<WorkFolder> All(string outDirectory)
    {
        var root = System.IO.Path.Combine(outDirectory, Name);
        return Directory.Exists(root)
            ? Directory.GetDirectories(root).Order(StringComparer.Ordinal).Select(d => new WorkFolder(d))
            : [];
    }

    string IdentityPath => System.IO.Path.Combine(Path, "run.json");
    string UnitPath(int index) => System.IO.Path.Combine(Path, $"unit-{index:D6}.json");
    string SecondsPath(int index) => System.IO.Path.Combine(Path, $"unit-{index:D6}.seconds");
    string StatePath(int index) => System.IO.Path.Combine(Path, $"unit-{index:D6}.state");

    /// <summary>The training state a unit saved before it was interrupted, or null.</summary>
    public byte[]? ReadState(int index) => File.Exists(StatePath(index)) ? File.ReadAllBytes(StatePath(index)) : null;

    /// <summary>Replaces a unit's saved training state atomically.</summary>
    public void WriteState(int index, byte[] state) => AtomicOutput.WriteWith(StatePath(index), temp => File.WriteAllBytes(temp, state));

    /// <summary>Whether the folder exists.</summary>
    public bool Exists => Directory.Exists(Path);

    /// <summary>Records the identity and manifest, or checks them against those already recorded.</summary>
    public void Claim(RunIdentity identity, string manifestText)
    {
        Directory.CreateDirectory(Path);
        if (!File.Exists(IdentityPath))
        {
            var json = JsonSerializer.Serialize(new StoredRun(identity, manifestText), JsonOptions);
            var temp = IdentityPath + $".{Environment.ProcessId}.tmp";
            File.WriteAllText(temp, json);
            try { File.Move(temp, IdentityPath, overwrite: false); }
            catch (IOException) { File.Delete(temp); } // another shard recorded it first: compare below
        }
        var difference = ReadStored().Identity.Difference(identity);
        if (difference is not null)
            throw new InputException($"{Path} holds checkpoints of a different run ({difference}); use --force to discard them");
    }

    /// <summary>The recorded identity and manifest text.</summary>
    public StoredRun ReadStored()
    {
        try
        {
            return JsonSerializer.Deserialize<StoredRun>(File.ReadAllText(IdentityPath), JsonOptions)
                ?? throw new InputException($"{IdentityPath}: empty");
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            throw new InputException($"{IdentityPath}: unreadable run record ({e.Message}); use --force to discard the checkpoints");
        }
    }

    /// <summary>Whether unit <paramref name="index"/> has a result here.</summary>
    public bool HasUnit(int index) => File.Exists(UnitPath(index));

    /// <summary>The result of unit <paramref name="index"/>, checked to be the unit <paramref name="key"/>.</summary>
    public UnitResult ReadUnit(int index, string key)
    {
        UnitResult result;
        try { result = UnitStore.ofJson(File.ReadAllText(UnitPath(index))); }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new InputException($"{UnitPath(index)}: corrupt checkpoint ({e.Message}); delete it to recompute that unit");
        }
        if (result.Key != key) throw new InputException($"{UnitPath(index)}: holds unit {result.Key}, expected {key}");
        return result;
    }

    /// <summary>Seconds that unit <paramref name="index"/> took, or 0 when unknown.</summary>
    public double UnitSeconds(int index) =>
        File.Exists(SecondsPath(index)) && double.TryParse(File.ReadAllText(SecondsPath(index)), System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 0;

    /// <summary>Saves a unit's result atomically (the timing first, so a result file always has one).</summary>
    public void WriteUnit(int index, UnitResult result, double seconds)
    {
        AtomicOutput.WriteText(SecondsPath(index), seconds.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        AtomicOutput.WriteText(UnitPath(index), UnitStore.toJson(result));
        File.Delete(StatePath(index));
    }

    /// <summary>Deletes the results of the given units (a shard's --force).</summary>
    public void DeleteUnits(IEnumerable<int> indices)
    {
        foreach (var i in indices)
        {
            File.Delete(UnitPath(i));
            File.Delete(SecondsPath(i));
            File.Delete(StatePath(i));
        }
    }

    /// <summary>Deletes the whole folder.</summary>
    public void Delete()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
        var parent = System.IO.Path.GetDirectoryName(Path)!;
        if (Directory.Exists(parent) && !Directory.EnumerateFileSystemEntries(parent).Any()) Directory.Delete(parent);
    }

    /// <summary>
    /// Takes an exclusive lock named <paramref name="name"/> in the folder; throws <see cref="InputException"/> when another
    /// process holds it. The operating system releases it when the process ends, even when killed.
    /// </summary>
    public IDisposable Lock(string name)
    {
        Directory.CreateDirectory(Path);
        var path = System.IO.Path.Combine(Path, $"lock.{name}");
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            var pid = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString());
            stream.Write(pid);
            stream.Flush();
            return stream;
        }
        catch (IOException)
        {
            string holder;
            try { holder = File.ReadAllText(path).Trim(); } catch (IOException) { holder = "unknown"; }
            throw new InputException($"another run is writing {Path} (lock {name} held by process {holder}); wait for it or stop it");
        }
    }

    /// <summary>The lock <paramref name="name"/> (see <see cref="Lock"/>), or null when another process holds it.</summary>
    public IDisposable? TryLock(string name)
    {
        try { return Lock(name); }
        catch (InputException) { return null; }
    }

    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>The content of run.json.</summary>
    public sealed record StoredRun(RunIdentity Identity, string Manifest);
}
