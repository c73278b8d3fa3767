using System.Globalization;
using Wgan.Core;

namespace Wgan.Runner;

/// <summary>
/// The <c>distance</c> command: a divergence between two distributions given as header-less CSV files.
/// </summary>
public static class Distance
{
    /// <summary>Computes and prints the value (round-trip precision) on standard output.</summary>
    public static int Execute(Wgan.Experiments.DistanceCommand command, TextWriter stdout)
    {
        double value;
        if (command.Metric == "em")
        {
            var p = ReadPointCloud(command.P);
            var q = ReadPointCloud(command.Q);
            if (p[0].Length != q[0].Length)
                throw new InputException(
                    $"{command.P} has points of dimension {p[0].Length} but {command.Q} has dimension {q[0].Length}");
            var pairs = (long)p.Length * q.Length;
            if (pairs > MaxPairs)
                throw new InputException($"{command.P} has {p.Length} points and {command.Q} has {q.Length}: " +
                    $"the exact solver needs every pair, and {pairs:N0} pairs exceed the limit of {MaxPairs:N0} " +
                    "(e.g. 2,000 x 2,000 points); subsample the clouds");
            value = EarthMover.earthMoverRescaled(p, q);
        }
        else
        {
            var p = ReadProbabilities(command.P);
            var q = ReadProbabilities(command.Q);
            if (p.Length != q.Length)
                throw new InputException($"{command.P} has {p.Length} probabilities but {command.Q} has {q.Length}");
            value = command.Metric switch
            {
                "js" => Divergence.jensenShannon(p, q),
                "kl" => Divergence.kullbackLeibler(p, q),
                "tv" => Divergence.totalVariation(p, q),
                _ => throw new InputException($"unknown metric '{command.Metric}'"),
            };
        }
        stdout.WriteLine(Wgan.Experiments.Render.number(value));
        return Program.Done;
    }

    /// <summary>
    /// The most point pairs <c>distance --metric em</c> accepts: the solver holds a distance and an arc for every pair
    /// (about 100 bytes each, so 4 million pairs take some 400 MB) and its time grows faster than the pair count.
    /// </summary>
    public const long MaxPairs = 4_000_000;

    /// <summary>
    /// Reads a point cloud: one point per non-empty line, comma-separated finite coordinates, all of one dimension.
    /// </summary>
    public static double[][] ReadPointCloud(string path)
    {
        var rows = new List<double[]>();
        var lineNumber = 0;
        foreach (var line in ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var cells = line.Split(',');
            var row = new double[cells.Length];
            for (var c = 0; c < cells.Length; c++)
                row[c] = ParseNumber(cells[c], path, lineNumber, c + 1);
            if (rows.Count > 0 && row.Length != rows[0].Length)
                throw new InputException(
                    $"{path}, line {lineNumber}: {row.Length} values, but the first point has {rows[0].Length}");
            rows.Add(row);
        }
        if (rows.Count == 0) throw new InputException($"{path}: has no points (the file is empty)");
        return rows.ToArray();
    }

    /// <summary>
    /// Reads a probability vector: one value per non-empty line; checks it is non-negative and sums to 1.
    /// </summary>
    public static double[] ReadProbabilities(string path)
    {
        var values = new List<double>();
        var lineNumber = 0;
        foreach (var line in ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (line.Contains(','))
                throw new InputException(
                    $"{path}, line {lineNumber}: expected one probability per line, found '{line.Trim()}'");
            values.Add(ParseNumber(line, path, lineNumber, 1));
        }
        var p = values.ToArray();
        if (Divergence.problems(path, p) is [var problem, ..]) throw new InputException(problem);
        return p;
    }

    /// <summary>The lines of a data file (a regular file of at most <see cref="InputFiles.MaxDataBytes"/>), split as
    /// <see cref="File.ReadAllLines(string)"/> splits them.</summary>
    static IEnumerable<string> ReadLines(string path)
    {
        using var reader = new StringReader(InputFiles.ReadAllText(path, InputFiles.MaxDataBytes, "data file"));
        var lines = new List<string>();
        while (reader.ReadLine() is { } line) lines.Add(line);
        return lines;
    }

    static double ParseNumber(string cell, string path, int line, int column)
    {
        var text = cell.Trim();
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            throw new InputException($"{path}, line {line}, column {column}: '{text}' is not a number");
        if (!double.IsFinite(v))
            throw new InputException($"{path}, line {line}, column {column}: '{text}' is not a finite number");
        return v;
    }
}
