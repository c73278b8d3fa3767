using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>Draws a <see cref="Figure"/> (data) as a PNG with ScottPlot.</summary>
public static class Plots
{
    /// <summary>Pixel size of every figure.</summary>
    public const int Width = 900, Height = 560;

    static readonly ScottPlot.Color[] Palette =
    [
        ScottPlot.Colors.Black, ScottPlot.Color.FromHex("#1f77b4"), ScottPlot.Color.FromHex("#d62728"),
        ScottPlot.Color.FromHex("#2ca02c"), ScottPlot.Color.FromHex("#9467bd"), ScottPlot.Color.FromHex("#ff7f0e"),
    ];

    /// <summary>Saves <paramref name="figure"/> to <paramref name="path"/> (PNG), atomically.</summary>
    public static void Save(Figure figure, string path)
    {
        var plot = new ScottPlot.Plot();
        var index = 0;
        foreach (var line in figure.Lines)
        {
            var ys = figure.LogY ? line.Y.Select(y => y > 0 ? Math.Log10(y) : double.NaN).ToArray() : line.Y;
            var scatter = plot.Add.Scatter(line.X, ys, Palette[index++ % Palette.Length]);
            scatter.LegendText = line.Label;
            if (line.Markers)
            {
                scatter.LineWidth = 0;
                scatter.MarkerSize = 7;
            }
            else
            {
                scatter.LineWidth = 2;
                scatter.MarkerSize = 0;
            }
        }
        plot.Title(figure.Title);
        plot.XLabel(figure.XLabel);
        plot.YLabel(figure.LogY ? $"log10 {figure.YLabel}" : figure.YLabel);
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        AtomicOutput.WriteWith(path, temp => plot.SavePng(temp, Width, Height), ".tmp.png");
    }
}
