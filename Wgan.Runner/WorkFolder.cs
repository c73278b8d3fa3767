using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// What identifies a run: a unit result may only be reused by a run with the same identity. A sequential run
/// (<c>--until-decided</c>) records its largest seed count as <see cref="SeedsRequested"/>, the units of that count as
/// <see cref="UnitKeys"/> (every look's units are among them, by key) and its first look as <see cref="FirstLook"/>
/// (0 for a run judged once), so its looks share one folder and a resumed run finds every finished seed.
/// </summary>
public sealed record RunIdentity(string Experiment, string ManifestSha256, string Scale, int SeedsRequested,
    string Device, int Threads, IReadOnlyList<string> UnitKeys, string Numerics, int FirstLook = 0)
{
    /// <summary>SHA-256 of a manifest's text, as lowercase hex.</summary>
    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// The first field that differs from <paramref name="other"/>, described, or null when they match.
    /// </summary>
    public string? Difference(RunIdentity other)
    {
        if (Experiment != other.Experiment) return $"experiment {other.Experiment} vs {Experiment}";
        if (ManifestSha256 != other.ManifestSha256) return "the manifest's text changed";
        if (Scale != other.Scale) return $"scale {other.Scale} vs {Scale}";
        if (FirstLook != other.FirstLook)
            return $"--until-decided with a first look of {other.FirstLook} vs {FirstLook} seeds "
                + "(0 = a run judged once)";
        if (SeedsRequested != other.SeedsRequested)
            return FirstLook > 0
                ? $"--max-seeds {other.SeedsRequested} vs {SeedsRequested}"
                : $"--seeds {other.SeedsRequested} vs {SeedsRequested} (0 = the scale's default)";
        if (Device != other.Device) return $"device {other.Device} vs {Device}";
        if (Threads != other.Threads) return $"--threads {other.Threads} vs {Threads}";
        if (Numerics != other.Numerics) return $"numerics {other.Numerics} vs {Numerics} (--portable)";
        if (!UnitKeys.SequenceEqual(other.UnitKeys)) return "the units of work differ";
        return null;
    }
}

/// <summary>
/// The checkpoints of a run in progress: <c>&lt;out&gt;/.work/&lt;experiment&gt;/</c> holds <c>run.json</c> (the
/// identity and the manifest's text) and one file per finished unit, each written atomically. Runs and shards with
/// the same identity share it; a killed run loses at most the units it was computing.
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
    string ElapsedPath(int index) => System.IO.Path.Combine(Path, $"unit-{index:D6}.elapsed");
    string ProgressPath(int index) => System.IO.Path.Combine(Path, $"unit-{index:D6}.progress");

    /// <summary>How far a unit in progress is, as its worker last wrote it (a fraction in [0, 1]); 0 when it has not
    /// written one or the file cannot be read (it is for display only).</summary>
    public double ReadProgress(int index)
    {
        try
        {
            return File.Exists(ProgressPath(index))
                && double.TryParse(
                    File.ReadAllText(ProgressPath(index)), NumberStyles.Float, CultureInfo.InvariantCulture, out var f)
                && double.IsFinite(f)
                ? Math.Clamp(f, 0, 1) : 0;
        }
        catch (IOException) { return 0; }
    }

    /// <summary>
    /// Records how far unit <paramref name="index"/> is (atomically, for <see cref="ReadProgress"/>).
    /// </summary>
    public void WriteProgress(int index, double fraction) =>
        AtomicOutput.WriteText(
            ProgressPath(index), Math.Clamp(fraction, 0, 1).ToString("R", CultureInfo.InvariantCulture));

    /// <summary>The file that holds the training state unit <paramref name="index"/> saved last.</summary>
    public string StateFileOf(int index) => StatePath(index);

    /// <summary>
    /// The training state unit <paramref name="index"/> (key <paramref name="key"/>) saved before it was interrupted,
    /// or null when it saved none. A state file that is damaged, truncated, of another unit or without the checksum
    /// header (see <see cref="StateFile"/>) throws <see cref="InputException"/> naming the file and how to recover.
    /// </summary>
    public byte[]? ReadState(int index, string key)
    {
        var path = StatePath(index);
        if (!File.Exists(path)) return null;
        byte[] bytes;
        // As every record read back: a regular file of a bounded size (a FIFO planted here would never end a read).
        try { bytes = InputFiles.ReadAllBytes(path, InputFiles.MaxRecordBytes, "training state"); }
        catch (InputException e)
        {
            throw new InputException($"{e.Message}; {StateRecovery(index, key)}");
        }
        return StateFile.Unwrap(bytes, key, out var problem)
            ?? throw new InputException($"{path}: {problem}; {StateRecovery(index, key)}");
    }

    /// <summary>What to do about a unit's training state that cannot be used.</summary>
    public string StateRecovery(int index, string key) =>
        $"delete {StatePath(index)} to recompute unit {key} from its start, then run again with --resume "
        + "(or start over with --force)";

    /// <summary>Replaces the training state of unit <paramref name="index"/> (key <paramref name="key"/>) atomically,
    /// with its checksum header, and records the seconds the unit had computed to reach it
    /// (<paramref name="elapsed"/>, counted over every sitting; see <see cref="ElapsedBefore"/>).</summary>
    public void WriteState(int index, string key, byte[] state, double elapsed)
    {
        var bytes = StateFile.Wrap(key, state);
        AtomicOutput.WriteWith(StatePath(index), temp => File.WriteAllBytes(temp, bytes));
        AtomicOutput.WriteText(ElapsedPath(index), elapsed.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>The seconds unit <paramref name="index"/> had computed to reach its saved training state, which a
    /// resumed unit adds to its own; 0 when it has no saved state or the time was not recorded (a state saved by an
    /// earlier version, or an unreadable file: the time is for reports and figures only).</summary>
    public double ElapsedBefore(int index) =>
        File.Exists(StatePath(index)) && File.Exists(ElapsedPath(index))
        && double.TryParse(File.ReadAllText(ElapsedPath(index)), CultureInfo.InvariantCulture, out var s)
        && double.IsFinite(s) && s > 0
            ? s
            : 0;

    /// <summary>
    /// Whether the folder holds checkpoints: a run record or a unit's result (lock files alone are none).
    /// </summary>
    public bool HasCheckpoints => Directory.Exists(Path) && Directory.EnumerateFiles(Path).Any(f => !IsLockFile(f));

    /// <summary>Whether the folder holds a run record (run.json).</summary>
    public bool HasRecord => File.Exists(IdentityPath);

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
            throw new InputException($"{Path} holds checkpoints of a different run ({difference}); " +
                "run with --force to discard them, or use another --out");
    }

    /// <summary>
    /// The recorded identity and manifest text, every field checked (see <see cref="RecordReader"/>).
    /// </summary>
    public StoredRun ReadStored()
    {
        try { return ReadStored(IdentityPath); }
        catch (InputException e)
        {
            throw new InputException(
                $"{e.Message}; the run record is damaged: delete {Path} to discard these checkpoints");
        }
    }

    static StoredRun ReadStored(string file)
    {
        var (r, document) = RecordReader.Open(file);
        using var _ = document;
        var root = r.Object(document.RootElement, "$");
        var identity = r.Field(root, "$", "Identity");
        const string at = "$.Identity";
        var manifest = r.Text(r.Field(root, "$", "Manifest"), "$.Manifest");
        var keys = r.Array(r.Field(identity, at, "UnitKeys"), $"{at}.UnitKeys")
            .Select(k => r.String(k.Item, k.Path))
            .ToArray();
        if (keys.Length == 0) throw r.Error($"{at}.UnitKeys", "must not be empty");
        var repeated = keys.GroupBy(k => k).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
            throw r.Error($"{at}.UnitKeys", $"the unit key '{repeated.Key}' appears more than once");
        var stored = new RunIdentity(
            r.String(r.Field(identity, at, "Experiment"), $"{at}.Experiment"),
            r.String(r.Field(identity, at, "ManifestSha256"), $"{at}.ManifestSha256"),
            r.OneOf(r.Field(identity, at, "Scale"), $"{at}.Scale", RecordReader.Scales),
            (int)r.Integer(r.Field(identity, at, "SeedsRequested"), $"{at}.SeedsRequested", 0, Limits.MaxSeeds),
            r.OneOf(r.Field(identity, at, "Device"), $"{at}.Device", RecordReader.DeviceNames),
            (int)r.Integer(r.Field(identity, at, "Threads"), $"{at}.Threads", 1, Limits.MaxThreads),
            keys,
            // Records written before the numerics mode was recorded are of fast runs.
            identity.TryGetProperty("Numerics", out var numerics)
                ? r.OneOf(numerics, $"{at}.Numerics", NumericsMode.Fast, NumericsMode.Portable)
                : NumericsMode.Fast,
            // Records written before sequential runs existed are of runs judged once.
            identity.TryGetProperty("FirstLook", out var firstLook)
                ? (int)r.Integer(firstLook, $"{at}.FirstLook", 0, Limits.MaxSeeds)
                : 0);
        if (RunIdentity.Hash(manifest) != stored.ManifestSha256)
            throw r.Error($"{at}.ManifestSha256", "does not match the SHA-256 of $.Manifest (the record was edited)");
        return new StoredRun(stored, manifest);
    }

    /// <summary>Whether unit <paramref name="index"/> has a result here.</summary>
    public bool HasUnit(int index) => File.Exists(UnitPath(index));

    /// <summary>The result of unit <paramref name="index"/>, checked to be the unit <paramref name="key"/>.</summary>
    public UnitResult ReadUnit(int index, string key)
    {
        var path = UnitPath(index);
        try
        {
            var (r, document) = RecordReader.Open(path);
            using (document) CheckUnit(r, document.RootElement);
            var result = UnitStore.ofJson(File.ReadAllText(path));
            if (result.Key != key) throw r.Error("$.key", $"holds unit {result.Key}, expected {key}");
            return result;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or InputException)
        {
            var problem = e is InputException ? e.Message : $"{path}: {e.Message}";
            throw new InputException($"{problem}; the checkpoint is damaged: delete {path} to recompute that unit");
        }
    }

    /// <summary>Checks a unit checkpoint's fields: a key and what the unit measured (an object, which its experiment
    /// decodes when it assembles the result).</summary>
    static void CheckUnit(RecordReader r, JsonElement root)
    {
        r.String(r.Field(root, "$", "key"), "$.key");
        r.Object(r.Field(root, "$", "measured"), "$.measured");
    }

    /// <summary>Units' seconds (<see cref="UnitSeconds"/>) by their keys, given in the same order; a unit whose time is
    /// unknown (0) is left out.</summary>
    public static IReadOnlyDictionary<string, double> KnownSecondsByKey(
        IEnumerable<double> seconds, IEnumerable<string> keys) =>
        keys.Zip(seconds).Where(u => u.Second > 0).ToDictionary(u => u.First, u => u.Second);

    /// <summary>Seconds that unit <paramref name="index"/> took, or 0 when unknown.</summary>
    public double UnitSeconds(int index) =>
        File.Exists(SecondsPath(index))
        && double.TryParse(File.ReadAllText(SecondsPath(index)), CultureInfo.InvariantCulture, out var s)
            ? s
            : 0;

    /// <summary>Saves a unit's result atomically (the timing first, so a result file always has one).</summary>
    public void WriteUnit(int index, UnitResult result, double seconds)
    {
        AtomicOutput.WriteText(SecondsPath(index), seconds.ToString("R", CultureInfo.InvariantCulture));
        AtomicOutput.WriteText(UnitPath(index), UnitStore.toJson(result));
        File.Delete(StatePath(index));
        File.Delete(ElapsedPath(index));
        File.Delete(ProgressPath(index));
    }

    /// <summary>
    /// Checks, before anything is deleted or run, that a run of <paramref name="identity"/>, the share
    /// <paramref name="shard"/> of its units, may use the checkpoints here; throws <see cref="InputException"/>
    /// otherwise, naming the difference and what to do. <paramref name="replacing"/>: the run discards its units'
    /// checkpoints (<c>--force</c>). A whole run's <c>--force</c> discards every checkpoint; a shard's discards only
    /// its own, so a shard may replace a run of another identity only when the folder holds no unit of that run's
    /// other shards and no other process writes it. <paramref name="ownLock"/>: the lock this process holds here, if
    /// any.
    /// </summary>
    public void CheckUse(RunIdentity identity, ShardSpec shard, bool replacing, string? ownLock = null)
    {
        var whole = shard.Count == 1;
        if (!HasRecord || (whole && replacing)) return;
        var recorded = ReadStored().Identity;
        var difference = recorded.Difference(identity);
        if (difference is null) return;
        if (whole)
            throw new InputException($"{Path} holds checkpoints of a different run ({difference}); "
                + "run with --force to discard them, or use another --out");
        // This shard's units in the recorded run (the same share of its units).
        var own = Shards.Units(shard, recorded.UnitKeys.Count).ToHashSet();
        var others = LiveHolderExcept(ownLock) is { } holder ? $"process {holder} is writing it"
            : HoldsOtherUnits(own) ? "it holds units of other shards" : null;
        if (others is null)
        {
            if (replacing) return;
            throw new InputException($"{Path} holds checkpoints of a different run ({difference}), "
                + "of this shard's units only; run this shard with --force to discard them, or use another --out");
        }
        throw new InputException($"{Path} holds checkpoints of a different run ({difference}) and {others}; a shard's "
            + "--force discards only its own units, so nothing was deleted: to start that run over with these options, "
            + $"delete {Path} once none of its shards is running, or use another --out");
    }

    /// <summary>
    /// A shard's <c>--force</c>, under its lock (<paramref name="ownLock"/>): deletes the checkpoints of its
    /// <paramref name="units"/>, or every checkpoint when they are of a run of another identity (which
    /// <see cref="CheckUse"/> allows only when nothing else in the folder belongs to that run). Checks again first,
    /// since another shard may have started since the run was planned; a refusal deletes nothing.
    /// </summary>
    public void ReplaceShardUnits(RunIdentity identity, ShardSpec shard, IEnumerable<int> units, string ownLock)
    {
        CheckUse(identity, shard, replacing: true, ownLock);
        if (HasRecord && ReadStored().Identity.Difference(identity) is not null) Clear();
        else DeleteUnits(units);
    }

    /// <summary>Whether a file of a unit not among <paramref name="units"/> is here (a result, a timing, a training
    /// state or progress).</summary>
    bool HoldsOtherUnits(IReadOnlyCollection<int> units) =>
        Directory.EnumerateFiles(Path, "unit-*").Select(f => System.IO.Path.GetFileName(f)).Any(name =>
            name.Length > 11
            && int.TryParse(name.AsSpan(5, 6), NumberStyles.None, CultureInfo.InvariantCulture, out var i)
            && !units.Contains(i));

    /// <summary>Deletes the results of the given units (a shard's --force).</summary>
    public void DeleteUnits(IEnumerable<int> indices)
    {
        foreach (var i in indices)
        {
            File.Delete(UnitPath(i));
            File.Delete(SecondsPath(i));
            File.Delete(StatePath(i));
            File.Delete(ElapsedPath(i));
            File.Delete(ProgressPath(i));
        }
    }

    /// <summary>
    /// Deletes the checkpoints (everything but the lock files). Call it holding the folder's lock: the lock files stay,
    /// so a process that starts meanwhile still finds the lock taken.
    /// </summary>
    public void Clear()
    {
        if (!Directory.Exists(Path)) return;
        foreach (var file in Directory.EnumerateFiles(Path).Where(f => !IsLockFile(f)).ToArray()) File.Delete(file);
        foreach (var folder in Directory.EnumerateDirectories(Path).ToArray())
            Directory.Delete(folder, recursive: true);
    }

    /// <summary>
    /// Removes the folder (and an empty <c>.work</c>) once it holds no checkpoints and no process holds any of its
    /// locks; otherwise leaves it. Call it after releasing this process's locks.
    /// </summary>
    public void RemoveIfUnused()
    {
        if (!Directory.Exists(Path) || HasCheckpoints) return;
        var held = new List<IDisposable>();
        try
        {
            var locks = Directory.EnumerateFiles(Path)
                .Where(f => IsLockFile(f) && !f.EndsWith(HolderSuffix, StringComparison.Ordinal))
                .ToArray();
            foreach (var file in locks)
            {
                var taken = TryLock(System.IO.Path.GetFileName(file)["lock.".Length..]);
                if (taken is null) return; // another process is using the folder
                held.Add(taken);
            }
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException) { return; } // a file appeared meanwhile: the folder is in use
        finally
        {
            foreach (var h in held) h.Dispose();
        }
        var parent = System.IO.Path.GetDirectoryName(Path)!;
        try
        {
            if (Directory.Exists(parent) && !Directory.EnumerateFileSystemEntries(parent).Any())
                Directory.Delete(parent);
        }
        catch (IOException) { } // another run created its folder meanwhile
    }

    static bool IsLockFile(string path) =>
        System.IO.Path.GetFileName(path).StartsWith("lock.", StringComparison.Ordinal);

    const string HolderSuffix = ".holder";

    /// <summary>
    /// Takes an exclusive lock named <paramref name="name"/> in the folder; throws <see cref="InputException"/> naming
    /// the holder's process id when another process holds it. The operating system releases it when the process ends,
    /// even when killed. The holder's id is written beside the lock (<c>lock.&lt;name&gt;.holder</c>), since a locked
    /// file cannot be read by another process.
    /// </summary>
    public IDisposable Lock(string name)
    {
        Directory.CreateDirectory(Path);
        var path = System.IO.Path.Combine(Path, $"lock.{name}");
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new InputException($"another process is writing {Path} " +
                $"(lock {name} held by process {HolderOf(name) ?? "unknown"}); wait for it to finish or stop it");
        }
        var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        stream.SetLength(0);
        stream.Write(Encoding.ASCII.GetBytes(pid));
        stream.Flush();
        File.WriteAllText(path + HolderSuffix, pid);
        return stream;
    }

    /// <summary>The process id recorded by the holder of lock <paramref name="name"/>, or null when unknown.</summary>
    string? HolderOf(string name)
    {
        try { return File.ReadAllText(System.IO.Path.Combine(Path, $"lock.{name}{HolderSuffix}")).Trim(); }
        catch (IOException) { return null; }
    }

    /// <summary>
    /// The process id holding one of the folder's locks (a run, a shard or a merge; only those named
    /// <paramref name="names"/> when given), "unknown" when the id was not recorded, or null when no process holds
    /// one: the checkpoints are then those of an interrupted run.
    /// </summary>
    public string? LiveHolder(params string[] names)
    {
        if (!Directory.Exists(Path)) return null;
        // The run's lock first: its holder is the process to wait for or stop (a unit's is one of its workers).
        var locks = Directory.EnumerateFiles(Path, "lock.*")
            .Where(f => !f.EndsWith(HolderSuffix, StringComparison.Ordinal))
            .OrderBy(f => System.IO.Path.GetFileName(f) == "lock.run" ? 0 : 1)
            .ThenBy(f => f, StringComparer.Ordinal);
        foreach (var file in locks)
        {
            if (names.Length > 0 && !names.Contains(System.IO.Path.GetFileName(file)["lock.".Length..])) continue;
            try { new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None).Dispose(); }
            catch (FileNotFoundException) { }
            catch (IOException) { return HolderOf(System.IO.Path.GetFileName(file)["lock.".Length..]) ?? "unknown"; }
        }
        return null;
    }

    /// <summary>The process id holding one of the folder's locks other than <paramref name="ownLock"/> (see
    /// <see cref="LiveHolder"/>), or null.</summary>
    string? LiveHolderExcept(string? ownLock)
    {
        if (!Directory.Exists(Path)) return null;
        var names = Directory.EnumerateFiles(Path, "lock.*")
            .Select(f => System.IO.Path.GetFileName(f)["lock.".Length..])
            .Where(n => !n.EndsWith(HolderSuffix, StringComparison.Ordinal) && n != ownLock).ToArray();
        return names.Length == 0 ? null : LiveHolder(names);
    }

    /// <summary>
    /// The lock <paramref name="name"/> (see <see cref="Lock"/>), or null when another process holds it.
    /// </summary>
    public IDisposable? TryLock(string name)
    {
        try { return Lock(name); }
        catch (InputException) { return null; }
    }

    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>The content of run.json.</summary>
    public sealed record StoredRun(RunIdentity Identity, string Manifest);
}
