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
