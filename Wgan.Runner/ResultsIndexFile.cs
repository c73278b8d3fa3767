using System.Text;
using System.Text.Json;
using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// The results index of an output folder, <c>&lt;out&gt;/README.md</c>: finds the published results (result.json) in
/// the folder and its nested publication folders, has <see cref="IndexRender"/> render the index (one table of every
/// claim of every published result: paper and figure, statement, measured mean with its 95% interval, verdict,
/// linking to each report, with the machine, versions and command of each run, and each claim's control) and writes
/// it, replacing only an index it wrote itself. Rebuilt after every run or merge.
/// </summary>
public static class ResultsIndexFile
{
    /// <summary>
    /// Rewrites the index of <paramref name="outDirectory"/>; returns the number of results listed. Results in
    /// nested publication folders (e.g. <c>longer/</c>, a larger scale published by its own command) are listed
    /// too, each claim's rows side by side, so one claim can be read at every published scale.
    /// </summary>
    public static int Write(string outDirectory, bool force)
    {
        if (Index(outDirectory) is not { } index) return 0;
        // Checked again at the end: a README.md that appeared during a long run is not replaced either.
        RequireOwnIndex(outDirectory, force, "--force", "the index was not written");
        AtomicOutput.WriteText(Path.Combine(outDirectory, "README.md"), index.Text);
        return index.Count;
    }

    /// <summary>Whether <paramref name="outDirectory"/>'s README.md is the index its results give now.</summary>
    public static bool IsCurrent(string outDirectory)
    {
        var path = Path.Combine(outDirectory, "README.md");
        return Index(outDirectory) is { } index && File.Exists(path)
            && InputFiles.ReadAllText(path, InputFiles.MaxRecordBytes, "index") == index.Text;
    }

    /// <summary>Whether <paramref name="folder"/> holds an index this program wrote.</summary>
    public static bool IsOwnIndexFolder(string folder) => IsOwnIndex(Path.Combine(folder, "README.md"));

    /// <summary>The index of the published results under <paramref name="outDirectory"/> (rendered by
    /// <see cref="IndexRender.ResultsIndex"/>, with the README summary it gives); null when the folder holds no
    /// published result.</summary>
    public static IndexRender.ResultsIndex? Index(string outDirectory)
    {
        if (!Directory.Exists(outDirectory)) return null;
        var entries = ResultFolders(outDirectory).Select(d => Path.Combine(d, "result.json")).Where(File.Exists)
            .Select(path => Entry(outDirectory, path)).ToArray();
        return entries.Length == 0 ? null : IndexRender.ResultsIndex.Of(entries);
    }

    /// <summary>The published result at <paramref name="path"/> as the index lists it: read, or, when it cannot be
    /// read (a damaged or hand-made result.json must not stop the index of the others), named with the
    /// reason.</summary>
    static IndexRender.IndexEntry Entry(string outDirectory, string path)
    {
        var folder = Path.GetRelativePath(outDirectory, Path.GetDirectoryName(path)!).Replace('\\', '/');
        try
        {
            var (_, document) = RecordReader.Open(path);
            using var _ = document;
            var published = PublishedResult.PublishedResults.Read(document.RootElement.GetRawText(), null);
            var exploratory = Path.GetFullPath(path).Split(Path.DirectorySeparatorChar).Any(IndexRender.isExploratory);
            return IndexRender.IndexEntry.Listed(folder, exploratory, published);
        }
        catch (Exception e) when (e is InputException or RecordJson.UnreadableResultException or JsonException)
        {
            return IndexRender.IndexEntry.Unreadable(folder, e.Message);
        }
    }

    /// <summary>
    /// Throws an <see cref="InputException"/> when <paramref name="outDirectory"/> holds a README.md that this program
    /// did not write (one that does not begin with the index's header, or that is not a regular file), unless
    /// <paramref name="force"/>: the index replaces only its own. <paramref name="forceOption"/> names the option that
    /// would replace it, <paramref name="consequence"/> what the refusal leaves undone.
    /// </summary>
    public static void RequireOwnIndex(string outDirectory, bool force, string forceOption, string consequence)
    {
        var path = Path.Combine(outDirectory, "README.md");
        if (force || InputFiles.Stat(path).Kind is null || IsOwnIndex(path)) return;
        throw new InputException($"{path}: was not written by wgan (it does not begin with the index's header " +
            $"\"# Published results\"), so it is not replaced; {consequence}: move it away, use another --out, " +
            $"or use {forceOption} to replace it");
    }

    /// <summary>Whether <paramref name="path"/> is a regular file that begins with the index's header.</summary>
    static bool IsOwnIndex(string path)
    {
        if (!InputFiles.IsRegularFile(path)) return false;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var expected = Encoding.UTF8.GetBytes(IndexRender.Header);
            var start = new byte[expected.Length];
            stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
            return start.AsSpan().SequenceEqual(expected);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The result folders under <paramref name="outDirectory"/>: its non-hidden sub-folders, and theirs one
    /// level down when a sub-folder holds no result itself (a nested publication folder).</summary>
    static IEnumerable<string> ResultFolders(string outDirectory)
    {
        static IEnumerable<string> Visible(string folder) =>
            Directory.GetDirectories(folder).Where(d => !Path.GetFileName(d).StartsWith('.'));
        foreach (var d in Visible(outDirectory))
        {
            if (File.Exists(Path.Combine(d, "result.json"))) yield return d;
            else foreach (var nested in Visible(d)) yield return nested;
        }
    }
}
