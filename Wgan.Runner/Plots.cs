using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>Draws a <see cref="Figure"/> (data) as a PNG with ScottPlot.</summary>
public static class Plots
{
    /// <summary>Pixel size of a figure of lines or histograms.</summary>
    public const int Width = 1040, Height = 560;

    /// <summary>Pixel size of a figure with a value surface (nearly square, plus room for the colour bar).</summary>
    public const int SurfaceWidth = 860, SurfaceHeight = 620;

    /// <summary>Number of contour levels drawn over a surface.</summary>
    public const int ContourLevels = 12;

    static readonly ScottPlot.Color[] Palette =
    [
        ScottPlot.Colors.Black, ScottPlot.Color.FromHex("#1f77b4"), ScottPlot.Color.FromHex("#d62728"),
        ScottPlot.Color.FromHex("#2ca02c"), ScottPlot.Color.FromHex("#9467bd"), ScottPlot.Color.FromHex("#ff7f0e"),
    ];

    /// <summary>
    /// Marker colours of point sets: orange then green, as the WGAN-GP paper draws real and generated samples.
    /// </summary>
    static readonly ScottPlot.Color[] PointPalette =
    [
        ScottPlot.Color.FromHex("#ff7f0e"), ScottPlot.Color.FromHex("#2ca02c"), ScottPlot.Color.FromHex("#d62728"),
        ScottPlot.Color.FromHex("#1f77b4"),
    ];

    /// <summary>Saves <paramref name="figure"/> to <paramref name="path"/> (PNG), atomically.</summary>
    public static void Save(Figure figure, string path)
    {
        var plot = new ScottPlot.Plot();
        var (lines, points, histograms) = (figure.LineArray, figure.PointArray, figure.HistogramArray);
        var surface = figure.SurfaceArray.FirstOrDefault();
        if (surface is not null) AddSurface(plot, surface);
        var index = 0;
        foreach (var histogram in histograms)
            AddHistogram(plot, histogram, figure.LogY, Palette[1 + index++ % (Palette.Length - 1)]);
        index = 0;
        var colour = Palette[0];
        foreach (var line in lines)
        {
            var ys = figure.LogY ? line.Y.Select(Log10OrNaN).ToArray() : line.Y;
            // A line without a label is a companion of the labelled line before it (e.g. one seed of a mean): drawn
            // thin and faint in its colour, and left out of the legend.
            var companion = line.Label.Length == 0;
            if (!companion) colour = Palette[index++ % Palette.Length];
            var scatter = plot.Add.Scatter(line.X, ys, companion ? colour.WithAlpha(0.35) : colour);
            scatter.LegendText = line.Label;
            if (companion)
            {
                scatter.LineWidth = line.Markers ? 0 : 1;
                scatter.MarkerSize = line.Markers ? 4 : 0;
            }
            else if (line.Markers)
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
        index = 0;
        foreach (var set in points)
        {
            var markers = plot.Add.Markers(set.X, set.Y, ScottPlot.MarkerShape.FilledCircle, 3,
                PointPalette[index++ % PointPalette.Length]);
            markers.LegendText = set.Label;
        }
        plot.Title(figure.Title);
        plot.XLabel(figure.XLabel);
        plot.YLabel(figure.LogY ? $"log10 {figure.YLabel}" : figure.YLabel);
        // The legend goes beside the data, never over it.
        if (lines.Any(l => l.Label.Length > 0) || points.Length > 0 || histograms.Length > 1)
            plot.ShowLegend(ScottPlot.Edge.Right);
        // Whole-number x values (layers, iterations) get whole-number ticks.
        if (surface is null && lines.Length > 0 && lines.All(l => l.X.All(x => x == Math.Floor(x))))
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        if (surface is not null)
            plot.Axes.SetLimits(surface.XMin, surface.XMax, surface.YMin, surface.YMax);
        else if (histograms.Length > 0 && !figure.LogY)
            plot.Axes.Margins(bottom: 0);
        var (width, height) = surface is null ? (Width, Height) : (SurfaceWidth, SurfaceHeight);
        AtomicOutput.WriteWith(path, temp => plot.SavePng(temp, width, height), ".tmp.png");
    }

    static double Log10OrNaN(double y) => y > 0 ? Math.Log10(y) : double.NaN;

    /// <summary>A heat map of the surface's values (row 0 at the bottom), its contour lines and a colour bar.</summary>
    static void AddSurface(ScottPlot.Plot plot, Surface surface)
    {
        var values = surface.Values;
        int rows = values.GetLength(0), columns = values.GetLength(1);
        var heatmap = plot.Add.Heatmap(values);
        // ScottPlot puts row 0 of the intensities at the top; the surface's row 0 is its lowest y.
        heatmap.FlipVertically = true;
        heatmap.Extent = new ScottPlot.CoordinateRect(surface.XMin, surface.XMax, surface.YMin, surface.YMax);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        var colorBar = plot.Add.ColorBar(heatmap);
        colorBar.Label = surface.Label;

        double cellWidth = (surface.XMax - surface.XMin) / columns, cellHeight = (surface.YMax - surface.YMin) / rows;
        var grid = new ScottPlot.Coordinates3d[rows, columns];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < columns; j++)
                grid[i, j] = new ScottPlot.Coordinates3d(
                    surface.XMin + (j + 0.5) * cellWidth, surface.YMin + (i + 0.5) * cellHeight, values[i, j]);
        var contours = plot.Add.ContourLines(grid, ContourLevels);
        contours.LineColor = ScottPlot.Colors.White.WithAlpha(0.6);
        contours.LineWidth = 1;
        contours.LabelStyle.IsVisible = false;
    }

    /// <summary>Bars at the bin centres, one bin wide.</summary>
    static void AddHistogram(ScottPlot.Plot plot, Histogram histogram, bool logY, ScottPlot.Color color)
    {
        var bins = histogram.Counts.Length;
        var binWidth = (histogram.Hi - histogram.Lo) / bins;
        var bars = new List<ScottPlot.Bar>(bins);
        for (var k = 0; k < bins; k++)
        {
            var count = logY ? Log10OrNaN(histogram.Counts[k]) : histogram.Counts[k];
            if (!double.IsFinite(count)) continue;
            bars.Add(new ScottPlot.Bar
            {
                Position = histogram.Lo + (k + 0.5) * binWidth,
                Value = count,
                Size = binWidth,
                FillColor = color,
                LineWidth = 0,
            });
        }
        var plottable = plot.Add.Bars(bars);
        plottable.LegendText = histogram.Label;
    }
}
