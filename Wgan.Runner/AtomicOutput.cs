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
    public static void WriteText(string path, string text) => WriteWith(path, temp => File.WriteAllText(temp, text, Utf8));

    /// <summary>Creates <paramref name="path"/> atomically from a writer callback that writes to a temporary path.</summary>
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
    /// Removes what a publishing process that was killed left in <paramref name="outDirectory"/>: its hidden staging folders
    /// (<c>.&lt;experiment&gt;.staging.&lt;pid&gt;</c>) and, when the kill struck between the two renames, puts the previous result
    /// back (<c>.&lt;experiment&gt;.previous.&lt;pid&gt;</c>). A process publishing an experiment holds its work folder's run
    /// lock (see <see cref="RunExperiments.Publish"/>), so the folders of an experiment whose lock is held, by a process on
    /// this machine or another one sharing the folder, are left alone.
    /// </summary>
    public static void CleanStale(string outDirectory, TextWriter log)
    {
        if (!Directory.Exists(outDirectory)) return;
        var pattern = new System.Text.RegularExpressions.Regex(@"^\.(.+)\.(staging|previous)\.(\d+)$");
        foreach (var folder in Directory.GetDirectories(outDirectory).Order(StringComparer.Ordinal))
        {
            var match = pattern.Match(Path.GetFileName(folder));
            if (!match.Success || !int.TryParse(match.Groups[3].Value, out var pid) || pid == Environment.ProcessId) continue;
            if (WorkFolder.For(outDirectory, match.Groups[1].Value).LiveHolder("run") is not null) continue;
            var target = Path.Combine(outDirectory, match.Groups[1].Value);
            if (match.Groups[2].Value == "previous" && !Directory.Exists(target))
            {
                Directory.Move(folder, target);
                log.WriteLine($"{target}: restored the previous result, which an interrupted publication (process {pid}) had moved aside");
            }
            else
            {
                Directory.Delete(folder, recursive: true);
                log.WriteLine($"{folder}: removed, left behind by an interrupted publication (process {pid})");
            }
        }
    }

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
            if (Directory.Exists(full)) Directory.Move(full, previous);
            Directory.Move(staging, full);
            if (Directory.Exists(previous)) Directory.Delete(previous, recursive: true);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            if (!Directory.Exists(full) && Directory.Exists(previous)) Directory.Move(previous, full);
            throw;
        }
    }
}
