using TorchSharp;
using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// Writes an experiment's training curves as TensorBoard event files, so that <c>tensorboard --logdir</c> shows a run:
/// every series whose first column is <c>step</c> or <c>iteration</c> becomes one scalar curve per other column,
/// tagged <c>&lt;series&gt;/&lt;column&gt;</c> (non-finite values are skipped).
/// </summary>
public static class TensorBoardExport
{
    /// <summary>Whether <paramref name="series"/> is a curve over training steps.</summary>
    public static bool IsCurve(Series series) => series.ColumnArray.FirstOrDefault() is "step" or "iteration";

    /// <summary>
    /// Writes the curves of <paramref name="result"/> under <paramref name="folder"/>; returns the number of scalars
    /// written.
    /// </summary>
    public static int Write(ExperimentResult result, string folder)
    {
        var curves = result.SeriesArray.Where(IsCurve).ToArray();
        if (curves.Length == 0) return 0;
        var writer = torch.utils.tensorboard.SummaryWriter(folder, createRunName: false);
        var written = 0;
        foreach (var series in curves)
        {
            var columns = series.ColumnArray;
            foreach (var row in series.RowArray)
            {
                var step = (int)row[0];
                for (var c = 1; c < columns.Length && c < row.Length; c++)
                {
                    if (!double.IsFinite(row[c])) continue;
                    writer.add_scalar($"{series.Name}/{columns[c]}", (float)row[c], step);
                    written++;
                }
            }
        }
        return written;
    }
}
