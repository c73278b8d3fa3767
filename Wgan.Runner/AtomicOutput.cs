using System.Runtime.InteropServices;
using System.Text;

namespace Wgan.Runner;

/// <summary>
/// Writes files so that a reader never sees a half-written one: each file goes to a temporary name in the
/// same folder and is renamed over its target; an experiment's folder is assembled beside the target and
/// swapped in only when complete, so an interrupted run leaves the previous result intact.
/// </summary>
public static class AtomicOutput
{
    static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM) to <paramref name="path"/> atomically.</summary>
    public static void WriteText(string path, string text) =>
        WriteWith(path, temp => File.WriteAllText(temp, text, Utf8));

    /// <summary>
    /// Creates <paramref name="path"/> atomically from a writer callback that writes to a temporary path.
    /// </summary>
    public static void WriteWith(string path, Action<string> write, string temporarySuffix = ".tmp")
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}{temporarySuffix}");
        try
        {
            write(temp);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// Removes what a publishing process that was killed left in <paramref name="outDirectory"/>: its hidden staging
    /// folders (<c>.&lt;experiment&gt;.staging.&lt;pid&gt;</c>) and, when the kill struck between the two renames, puts
    /// the previous result back (<c>.&lt;experiment&gt;.previous.&lt;pid&gt;</c>). A process publishing an experiment
    /// holds its work folder's run lock (see <see cref="RunExperiments.Publish"/>), so the folders of an experiment
    /// whose lock is held, by a process on this machine or another one sharing the folder, are left alone. A left-over
    /// folder that cannot be removed (made read-only) is named on <paramref name="log"/> and left: it never stops the
    /// command.
    /// </summary>
    public static void CleanStale(string outDirectory, TextWriter log)
    {
        if (!Directory.Exists(outDirectory)) return;
        var pattern = new System.Text.RegularExpressions.Regex(@"^\.(.+)\.(staging|previous)\.(\d+)$");
        foreach (var folder in Directory.GetDirectories(outDirectory).Order(StringComparer.Ordinal))
        {
            var match = pattern.Match(Path.GetFileName(folder));
            if (!match.Success || !int.TryParse(match.Groups[3].Value, out var pid) || pid == Environment.ProcessId)
                continue;
            if (WorkFolder.For(outDirectory, match.Groups[1].Value).LiveHolder("run") is not null) continue;
            var target = Path.Combine(outDirectory, match.Groups[1].Value);
            try
            {
                if (match.Groups[2].Value == "previous" && !Directory.Exists(target))
                {
                    Directory.Move(folder, target);
                    log.WriteLine($"{target}: restored the previous result, which an interrupted publication " +
                        $"(process {pid}) had moved aside");
                }
                else
                {
                    Directory.Delete(folder, recursive: true);
                    log.WriteLine($"{folder}: removed, left behind by an interrupted publication (process {pid})");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.WriteLine($"warning: {folder}: left behind by an interrupted publication (process {pid}), " +
                    $"cannot be removed ({e.Message}); it is ignored: make it writable and delete it");
            }
        }
    }

    /// <summary>
    /// Throws an <see cref="IOException"/> naming the first folder under <paramref name="folder"/> (itself included)
    /// whose entries cannot be removed (a folder made read-only, an immutable one, a read-only file system), or a file
    /// that cannot be (immutable): replacing a published result deletes it whole, and a deletion that stopped half-way
    /// would lose part of it. Linux only (access(2)); elsewhere nothing is checked.
    /// </summary>
    public static void RequireRemovable(string folder, string what)
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists(folder)) return;
        var directories = Directory.EnumerateDirectories(folder, "*", SearchOption.AllDirectories).Prepend(folder);
        foreach (var directory in directories)
        {
            if (Access(directory, WriteOk | ExecuteOk) != 0)
                throw NotRemovable(directory, what, Marshal.GetLastPInvokeError());
            foreach (var file in Directory.EnumerateFiles(directory))
                // A file's own write permission does not matter for deleting it, but an immutable or append-only file
                // (EPERM) or a read-only file system (EROFS) stops the deletion.
                if (Access(file, WriteOk) != 0 && Marshal.GetLastPInvokeError() is var errno
                    && errno is NotPermitted or ReadOnlyFileSystem)
                    throw NotRemovable(file, what, errno);
        }
    }

    static IOException NotRemovable(string path, string what, int errno) =>
        new($"{path}: cannot be changed ({Marshal.GetPInvokeErrorMessage(errno)}), so {what} cannot be replaced; " +
            "nothing was changed: make it writable, then rerun", errno);

    const int WriteOk = 2;
    const int ExecuteOk = 1;
    const int NotPermitted = 1;
    const int ReadOnlyFileSystem = 30;

    [DllImport("libc", EntryPoint = "access", SetLastError = true)]
    static extern int Access(string path, int mode);

    /// <summary>
    /// Builds a folder with <paramref name="fill"/> in a staging folder next to <paramref name="target"/>, then
    /// replaces <paramref name="target"/> with it. If filling fails, the target is untouched.
    /// </summary>
    public static void ReplaceFolder(string target, Action<string> fill)
    {
        var full = Path.GetFullPath(target);
        var parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        var name = Path.GetFileName(full);
        var staging = Path.Combine(parent, $".{name}.staging.{Environment.ProcessId}");
        var previous = Path.Combine(parent, $".{name}.previous.{Environment.ProcessId}");
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        try
        {
            fill(staging);
            // Before anything is moved: a result that cannot be deleted whole stays as it is.
            RequireRemovable(full, $"the published result {full}");
            if (Directory.Exists(full)) Directory.Move(full, previous);
            Directory.Move(staging, full);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            if (!Directory.Exists(full) && Directory.Exists(previous)) Directory.Move(previous, full);
            throw;
        }
        try
        {
            if (Directory.Exists(previous)) Directory.Delete(previous, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The new result is in place; the old one could not be deleted (it changed after the check above).
            throw new IOException($"{full}: published, but the result it replaced, moved aside to {previous}, " +
                $"cannot be deleted ({e.Message}); make it writable: the next run or merge on this folder removes it",
                e);
        }
    }
}
