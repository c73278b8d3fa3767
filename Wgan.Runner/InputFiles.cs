using System.Runtime.InteropServices;
using System.Text;

namespace Wgan.Runner;

/// <summary>
/// Reads whole the files a command is given or reads back (manifests, <c>distance</c>'s CSV files, MNIST files,
/// result.json, run.json and unit checkpoints). Before opening one it refuses, with an <see cref="InputException"/>
/// naming the path, what is not a regular file (a FIFO or a socket, whose opening or reading waits for a writer that
/// may never come, or a device such as /dev/zero, which never ends) and what is larger than the cap for its kind; the
/// read itself stops one byte past the cap, so a file that grows meanwhile is refused too.
/// </summary>
public static class InputFiles
{
    /// <summary>The largest manifest read: 1 MiB (the repository's largest is 14 KB).</summary>
    public const long MaxManifestBytes = 1L << 20;

    /// <summary>The largest data file read: 256 MiB (a CSV file for <c>distance</c>, an MNIST file).</summary>
    public const long MaxDataBytes = 256L << 20;

    /// <summary>The largest record read back: 256 MiB (result.json, run.json, a unit checkpoint).</summary>
    public const long MaxRecordBytes = 256L << 20;

    /// <summary>The bytes of <paramref name="path"/>, a regular file of at most <paramref name="cap"/> bytes;
    /// <paramref name="what"/> names the kind of file in a refusal ("manifest", "data file", "record").</summary>
    public static byte[] ReadAllBytes(string path, long cap, string what)
    {
        Check(path, cap, what);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1,
                FileOptions.SequentialScan);
            using var bytes = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, cap + 1 - bytes.Length))) > 0)
            {
                bytes.Write(buffer, 0, read);
                if (bytes.Length > cap) throw TooLarge(path, cap, what);
            }
            return bytes.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"{path}: cannot be read ({e.Message})");
        }
    }

    /// <summary>The text of <paramref name="path"/> (see <see cref="ReadAllBytes"/>), decoded as
    /// <see cref="File.ReadAllText(string)"/> decodes it: UTF-8 unless a byte-order mark says otherwise.</summary>
    public static string ReadAllText(string path, long cap, string what)
    {
        using var reader = new StreamReader(new MemoryStream(ReadAllBytes(path, cap, what)), Encoding.UTF8,
            detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Throws an <see cref="InputException"/> naming <paramref name="path"/> when it is missing, is not a regular file
    /// (links are followed) or holds more than <paramref name="cap"/> bytes. Nothing is opened.
    /// </summary>
    public static void Check(string path, long cap, string what)
    {
        var (kind, size) = Stat(path);
        if (kind is null) throw new InputException($"{path}: no such file");
        if (kind != RegularFile)
            throw new InputException($"{path}: is {kind}, not a regular file; a {what} must be a regular file " +
                "(nothing was read from it)");
        if (size > cap) throw TooLarge(path, cap, what);
    }

    static InputException TooLarge(string path, long cap, string what) =>
        new($"{path}: is larger than the {Size(cap)} a {what} may have; nothing was read from it");

    /// <summary>A size in words, e.g. "1 MiB" or "256 MiB".</summary>
    public static string Size(long bytes) =>
        bytes >= 1L << 30 && bytes % (1L << 30) == 0 ? $"{bytes >> 30} GiB"
        : bytes >= 1L << 20 && bytes % (1L << 20) == 0 ? $"{bytes >> 20} MiB"
        : $"{bytes:N0} bytes";

    const string RegularFile = "a regular file";

    /// <summary>Whether <paramref name="path"/> is a regular file (links followed).</summary>
    public static bool IsRegularFile(string path) => Stat(path).Kind == RegularFile;

    /// <summary>
    /// What <paramref name="path"/> is, links followed ("a regular file", "a folder", "a FIFO (named pipe)",
    /// "a socket", "a character device", "a block device"), and its size; null when nothing is there.
    /// </summary>
    public static (string? Kind, long Size) Stat(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            var buffer = new byte[256];
            if (StatX(AtCurrentDirectory, path, 0, StatXType | StatXSize, buffer) != 0)
            {
                if (Directory.Exists(path)) return ("a folder", 0);
                return File.Exists(path) ? ("a file that cannot be examined", 0) : (null, 0);
            }
            // struct statx: stx_mode (16 bits) at offset 28, stx_size (64 bits) at offset 40, the same on every
            // architecture.
            var mode = BitConverter.ToUInt16(buffer, 28) & 0xF000;
            var size = (long)BitConverter.ToUInt64(buffer, 40);
            return (mode switch
            {
                0x8000 => RegularFile,
                0x4000 => "a folder",
                0x1000 => "a FIFO (named pipe)",
                0xC000 => "a socket",
                0x2000 => "a character device",
                0x6000 => "a block device",
                _ => "a special file",
            }, size);
        }
        // Elsewhere .NET's own view: a folder, or a file (FIFOs and devices are not told apart there).
        if (Directory.Exists(path)) return ("a folder", 0);
        return File.Exists(path) ? (RegularFile, new FileInfo(path).Length) : (null, 0);
    }

    const int AtCurrentDirectory = -100;
    const uint StatXType = 0x1;
    const uint StatXSize = 0x200;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    static extern int StatX(int directory, string path, int flags, uint mask, byte[] buffer);
}
