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
    /// <summary>Rewrites the index; bad input (no such folder, no published result in it) exits 2.</summary>
    public static int Execute(IndexCommand command, TextWriter stdout)
    {
        var folder = command.OutDirectory;
        if (!Directory.Exists(folder)) throw new InputException($"{folder}: no such folder");
        var count = SuiteIndex.Write(folder);
        if (count == 0) throw new InputException($"{folder}: no published result (result.json) in it or in its nested folders; nothing was written");
        stdout.WriteLine($"{Path.Combine(folder, "README.md")}: {count} published result(s) indexed");
        return Program.Done;
    }
}
