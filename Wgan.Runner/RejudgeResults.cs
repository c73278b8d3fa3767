using System.Text;
using System.Text.Json;
using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// The <c>rejudge</c> command: judges every published claim of a result folder (or of every result under a results
/// folder) again by the current rules and the experiment's current manifest, from the per-seed values result.json
/// records, and re-renders result.json, report.md and the index (<see cref="Rejudge"/> does the judging and the
/// rendering). With <c>--check</c> it changes nothing and exits 1 when a published file differs from what the current
/// rules give. A manifest whose settings (anything but its claims) differ from those the result recorded is refused:
/// the per-seed values belong to the recorded settings.
/// </summary>
public static class RejudgeResults
{
    /// <summary>Exit code of <c>--check</c> when a published result differs from what the current rules give.</summary>
    public const int Differs = 1;

    /// <summary>Re-judges (or checks) the results under <see cref="RejudgeCommand.Folder"/>.</summary>
    public static int Execute(RejudgeCommand command, TextWriter stdout, TextWriter stderr)
    {
        var root = command.Folder;
        if (!Directory.Exists(root)) throw new InputException($"{root}: no such folder");
        var folders = File.Exists(Path.Combine(root, "result.json")) ? [root] : ResultFolders(root).ToArray();
        if (folders.Length == 0)
            throw new InputException($"{root}: no published result (result.json) in it or in its sub-folders");
        if (command.Manifest is not null && folders.Length > 1)
            throw new InputException($"--manifest names one manifest, but {root} holds {folders.Length} results; "
                + "give one result folder");
        // Everything is read and judged before anything is written: a folder that cannot be judged leaves every
        // published file as it was.
        var outcomes = new List<(string Folder, Rejudge.Outcome Outcome)>();
        var problems = new List<string>();
        foreach (var folder in folders)
        {
            var reportPath = Path.Combine(folder, "report.md");
            var report = File.Exists(reportPath)
                ? InputFiles.ReadAllText(reportPath, InputFiles.MaxRecordBytes, "published file")
                : null;
            var (json, published) = ReadPublished(folder, report);
            if (WorkFolder.For(Path.GetDirectoryName(Path.GetFullPath(folder))!, published.Result.ExperimentId)
                    .LiveHolder("run", "merge") is { } holder)
                throw new InputException(
                    $"{folder} is being written by a run in progress (process {holder}); wait for it to finish");
            var manifestPath = command.Manifest ?? ManifestOf(folder, published);
            var manifest = InputFiles.ReadAllText(manifestPath, InputFiles.MaxRecordBytes, "manifest");
            var outcome = Rejudge.rejudge(published, json, report, manifest, HarnessBuild.Commit);
            if (outcome.Problems.Length > 0)
                problems.AddRange(outcome.Problems.Select(p => $"{folder} (by {manifestPath}): {p}"));
            else outcomes.Add((folder, outcome));
        }
        if (problems.Count > 0)
            throw new InputException("cannot re-judge; nothing was written:" + System.Environment.NewLine + "  "
                + string.Join(System.Environment.NewLine + "  ", problems));

        var differing = outcomes.Where(o => o.Outcome.Differences.Length > 0).ToArray();
        foreach (var (folder, outcome) in outcomes)
        {
            var changes = outcome.VerdictChanges.Length == 0
                ? "no verdict changes"
                : string.Join("; ", outcome.VerdictChanges);
            var state = outcome.Differences.Length == 0 ? "as published" : command.Check ? "differs" : "re-judged";
            stdout.WriteLine($"{folder}: {state}; {changes}");
            foreach (var difference in outcome.Differences) stdout.WriteLine($"  {difference}");
        }
        var indexes = IndexFolders(root, folders);
        if (command.Check)
        {
            var staleIndexes = indexes.Where(i => !ResultsIndexFile.IsCurrent(i)).ToArray();
            var readme = ReadmeWithSummary(root);
            // An index is checked against the published results as they are (it is rebuilt from them).
            foreach (var index in staleIndexes)
                stdout.WriteLine($"{Path.Combine(index, "README.md")}: differs from its results");
            var staleReadme = readme is { } r && r.Current != r.Expected;
            if (staleReadme) stdout.WriteLine($"{readme!.Value.Path}: its results summary differs from the results");
            var failed = differing.Length + staleIndexes.Length + (staleReadme ? 1 : 0);
            stdout.WriteLine(failed == 0
                ? $"{outcomes.Count} result(s) checked: "
                    + "every verdict, result.json and report.md is what the current rules give"
                : $"{differing.Length} of {outcomes.Count} result(s) and {staleIndexes.Length} index(es) differ "
                    + $"from what the current rules give; run `wgan rejudge {root}`");
            return failed == 0 ? Program.Done : Differs;
        }
        foreach (var (folder, outcome) in differing)
        {
            AtomicOutput.WriteText(Path.Combine(folder, "result.json"), outcome.ResultJson);
            AtomicOutput.WriteText(Path.Combine(folder, "report.md"), outcome.Report);
        }
        foreach (var index in indexes) ResultsIndexFile.Write(index, force: false);
        // The summary is rendered from the indexed results as they are now.
        if (ReadmeWithSummary(root) is { } current && current.Current != current.Expected)
            AtomicOutput.WriteText(current.Path, current.Expected);
        stdout.WriteLine($"{differing.Length} of {outcomes.Count} result(s) re-judged and re-rendered; "
            + $"{indexes.Length} index(es) rebuilt");
        return Program.Done;
    }

    /// <summary>
    /// The README.md beside a results folder (its parent's) when it holds a results summary block: its path, its text
    /// and its text with the block as the results give it now; null otherwise.
    /// </summary>
    static (string Path, string Current, string Expected)? ReadmeWithSummary(string root)
    {
        var full = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
        var path = Path.Combine(Path.GetDirectoryName(full) ?? full, "README.md");
        if (!InputFiles.IsRegularFile(path)) return null;
        var text = InputFiles.ReadAllText(path, InputFiles.MaxRecordBytes, "README");
        return ResultsIndexFile.Index(root)?.WithSummary(text, Path.GetFileName(full) + "/") is { } expected
            ? (path, text, expected)
            : null;
    }

    /// <summary>Every folder under <paramref name="root"/> (at any depth, hidden ones skipped) that holds a
    /// result.json.</summary>
    static IEnumerable<string> ResultFolders(string root) =>
        Directory.EnumerateDirectories(root, "*",
                new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden })
            .Where(d => !d.Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
            .Where(d => File.Exists(Path.Combine(d, "result.json")))
            .Order(StringComparer.Ordinal);

    /// <summary>The index folders to rebuild: <paramref name="root"/> and every folder between it and a result that
    /// holds an index this program wrote.</summary>
    static string[] IndexFolders(string root, string[] folders)
    {
        var candidates = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var folder in folders)
            for (var d = Path.GetDirectoryName(Path.GetFullPath(folder));
                 d is not null && d.Length >= Path.GetFullPath(root).TrimEnd('/').Length;
                 d = Path.GetDirectoryName(d))
                candidates.Add(d);
        return [.. candidates.Where(ResultsIndexFile.IsOwnIndexFolder)
            .Select(d => Path.GetRelativePath(System.Environment.CurrentDirectory, d))];
    }

    /// <summary>A published result.json, read once: its text, and what it records.</summary>
    static (string Json, PublishedResult.Published Published) ReadPublished(string folder, string? report)
    {
        var path = Path.Combine(folder, "result.json");
        var bytes = InputFiles.ReadAllBytes(path, InputFiles.MaxRecordBytes, "record");
        var (_, document) = RecordReader.Parse(path, bytes);
        using var _ = document;
        return (System.Text.Encoding.UTF8.GetString(bytes), RecordReader.ReadResult(path, document, report));
    }

    /// <summary>
    /// The manifest a published result's recorded command ran: the command's manifest argument, relative to the current
    /// folder; a folder of manifests gives the one of the result's experiment.
    /// </summary>
    static string ManifestOf(string folder, PublishedResult.Published result)
    {
        var (command, experiment) = (result.Environment.CommandLine, result.Result.ExperimentId);
        var words = Words(command);
        if (words.Count < 3 || words[0] != "wgan" || words[1] != "run")
            throw new InputException(
                $"{folder}: its recorded command (`{command}`) names no manifest; give it with --manifest");
        // A relative path is taken from the current folder, or else from the nearest folder above the result where it
        // exists (the folder the command ran in, typically the repository's root).
        var recorded = words[2];
        var manifest = new[] { System.Environment.CurrentDirectory }.Concat(Ancestors(folder))
            .Select(d => Path.Combine(d, recorded)).FirstOrDefault(p => File.Exists(p) || Directory.Exists(p))
            ?? throw new InputException($"{folder}: the manifest its recorded command ran, {recorded}, "
                + "exists neither here nor above the result; give it with --manifest");
        if (File.Exists(manifest)) return manifest;
        var matching = Directory.GetFiles(manifest, "*.json").Order(StringComparer.Ordinal)
            .Where(f => ExperimentIn(f) == experiment).ToArray();
        return matching.Length == 1 ? matching[0]
            : throw new InputException($"{folder}: {recorded} holds {matching.Length} manifests of \"{experiment}\"; "
                + "give one with --manifest");
    }

    static IEnumerable<string> Ancestors(string folder)
    {
        for (var d = Path.GetDirectoryName(Path.GetFullPath(folder)); d is not null; d = Path.GetDirectoryName(d))
            yield return d;
    }

    static string? ExperimentIn(string manifest)
    {
        try
        {
            using var document = JsonDocument.Parse(
                InputFiles.ReadAllText(manifest, InputFiles.MaxRecordBytes, "manifest"),
                new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("experiment", out var e)
                && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A recorded command line's words: split at spaces, a double-quoted word kept whole (as run records a
    /// word with a space).</summary>
    static List<string> Words(string command)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var quoted = false;
        foreach (var c in command)
        {
            if (c == '"') quoted = !quoted;
            else if (c == ' ' && !quoted)
            {
                if (word.Length > 0) words.Add(word.ToString());
                word.Clear();
            }
            else word.Append(c);
        }
        if (word.Length > 0) words.Add(word.ToString());
        return words;
    }
}
