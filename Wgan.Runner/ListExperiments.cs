using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>The <c>list</c> command: every experiment and the paper claim it reproduces.</summary>
public static class ListExperiments
{
    /// <summary>Prints the catalogue.</summary>
    public static int Execute(TextWriter stdout)
    {
        foreach (var experiment in Harness.Experiments)
        {
            stdout.WriteLine($"{experiment.Id}");
            stdout.WriteLine($"    {experiment.Title}");
            stdout.WriteLine($"    reproduces: {experiment.Source}");
            stdout.WriteLine($"    metrics: {string.Join(", ", experiment.Metrics.Select(m => m.Name))}");
        }
        return Program.Done;
    }
}
