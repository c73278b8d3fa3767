namespace Wgan.Runner;

/// <summary>
/// The checks made on an output folder (<c>run</c>, <c>merge</c> and <c>index</c>'s <c>--out</c>) before anything runs
/// or is written there: not a folder that must never receive results, and writable.
/// </summary>
public static class OutputFolder
{
    /// <summary>Top-level system folders, which no result may be written into.</summary>
    static readonly string[] SystemFolders =
    [
        "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run", "/sbin", "/sys",
        "/usr", "/var",
    ];

    /// <summary>
    /// Throws an <see cref="InputException"/> when <paramref name="folder"/> (links followed) is the file-system root,
    /// a top-level system folder (<c>/etc</c>, <c>/usr</c>, ...) or the home folder itself: a run writes a folder per
    /// experiment, a work folder and an index there, among whatever else the folder holds.
    /// </summary>
    public static void RequireSafe(string folder)
    {
        string full;
        try { full = Canonical(folder); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or IOException
            or UnauthorizedAccessException)
        {
            throw new InputException($"--out {folder}: is not a usable folder path ({e.Message})");
        }
        var home = System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
        var reason =
            Path.GetPathRoot(full) == full ? "the root of the file system"
            : SystemFolders.Contains(full, StringComparer.Ordinal) ? "a system folder"
            : home.Length > 0 && SameFolder(full, home) ? "the home folder"
            : null;
        if (reason is not null)
            throw new InputException(
                $"--out {folder}: is {reason} ({full}); results go into a folder of their own, e.g. --out results");
    }

    /// <summary>
    /// Creates <paramref name="folder"/> when missing and checks that a file can be written in it (a probe file,
    /// removed at once). A folder that cannot be written (a read-only file system, no permission) is an
    /// <see cref="IOException"/> naming it (exit 74), before anything runs; a path that cannot be a folder is an
    /// <see cref="InputException"/>. <paramref name="consequence"/> says what the refusal leaves undone.
    /// </summary>
    public static void RequireWritable(string folder, string consequence)
    {
        if (File.Exists(folder)) throw new InputException($"--out {folder}: is a file, not a folder");
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".write-probe.{System.Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException)
        {
            throw new InputException($"--out {folder}: cannot be a folder ({e.Message})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"--out {folder}: cannot write there ({e.Message}); {consequence}", e);
        }
    }

    static bool SameFolder(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(a), Path.TrimEndingDirectorySeparator(Canonical(b)),
            StringComparison.Ordinal);

    /// <summary>The absolute path of <paramref name="path"/> with every symbolic link among its existing components
    /// resolved, and no trailing separator (but for the root).</summary>
    static string Canonical(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var current = root;
        var parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        foreach (var part in parts)
        {
            current = Path.Combine(current, part);
            var info = new DirectoryInfo(current);
            if (info.Exists && info.LinkTarget is not null)
                current = Path.GetFullPath(info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? current);
        }
        return current.Length > root.Length ? Path.TrimEndingDirectorySeparator(current) : current;
    }
}
