using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// The <c>index</c> command: rebuilds <c>&lt;out&gt;/README.md</c> from the <c>result.json</c> files in the folder and
/// its nested publication folders, as <c>run</c> and <c>merge</c> do after publishing into it. A publication run into
/// a nested folder (e.g. <c>--out results/paper-lambda-10</c>) rebuilds only that folder's index; this brings the
/// parent's up to date without running anything.
/// </summary>
public static class IndexResults
{
    /// <summary>Rewrites the index; bad input (no such folder, no published result in it, a README.md that wgan did not
    /// write, without --force) exits 2.</summary>
    public static int Execute(IndexCommand command, TextWriter stdout)
    {
        var folder = command.OutDirectory;
        if (!Directory.Exists(folder)) throw new InputException($"{folder}: no such folder");
        OutputFolder.RequireSafe(folder);
        ResultsIndexFile.RequireOwnIndex(folder, command.Force, "index --force", "nothing was written");
        // As for run: a folder that cannot be written is a failed file operation (exit 74), found before writing.
        OutputFolder.RequireWritable(folder, "nothing was written");
        var count = ResultsIndexFile.Write(folder, command.Force);
        if (count == 0)
            throw new InputException(
                $"{folder}: no published result (result.json) in it or in its nested folders; nothing was written");
        stdout.WriteLine($"{Path.Combine(folder, "README.md")}: {count} published result(s) indexed");
        return Program.Done;
    }
}
