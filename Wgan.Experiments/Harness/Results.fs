/// The typed results of an experiment: data first; files and reports are rendered from these. The claims are
/// stated in `ClaimSpec` and judged in `ClaimResult`; here are the per-seed metrics, tables, figures, image grids
/// and the whole result.
namespace Wgan.Experiments

open System.Collections.Generic

/// One seed's scalar metrics, by name.
type SeedMetrics = { Seed: int64; Values: IReadOnlyDictionary<string, float> }

/// A table written as CSV: a name (the file stem), column names and rows of numbers.
type Series =
    { Name: string
      Columns: string list
      Rows: float[] list }

    // For the C# shell, which sees arrays, not F# lists: the fields above as arrays.
    member this.ColumnArray: string[] = Array.ofList this.Columns
    member this.RowArray: float[][] = Array.ofList this.Rows

/// One line of a figure. A line with an empty label is a companion of the labelled line before it (e.g. one
/// seed beside their mean): drawn thin and faint in the same colour, and left out of the legend.
type Line = { Label: string; X: float[]; Y: float[]; Markers: bool }

/// A function's values over a rectangle of the plane, drawn as a heat map with contour lines.
/// `Values[i, j]` is the value at the centre of cell (i, j): x = XMin + (j + 1/2) (XMax - XMin) / columns,
/// y = YMin + (i + 1/2) (YMax - YMin) / rows (row 0 at the bottom).
type Surface =
    { /// What the colours show (the colour bar's label).
      Label: string
      XMin: float
      XMax: float
      YMin: float
      YMax: float
      Values: float[,] }

/// Points drawn as markers on top of a figure (e.g. real and generated samples).
type PointSet = { Label: string; X: float[]; Y: float[] }

/// A histogram: `Counts[k]` in the k-th of `Counts.Length` equal bins over [Lo, Hi].
type Histogram = { Label: string; Lo: float; Hi: float; Counts: float[] }

/// A figure described as data; the runner draws it. Layers are drawn in this order: surfaces (at most
/// one, under everything), histograms, lines, points.
type Figure =
    { Name: string
      Title: string
      XLabel: string
      YLabel: string
      /// Lines and histograms on a log10 y axis (non-positive values are not drawn).
      LogY: bool
      Lines: Line list
      Surfaces: Surface list
      Points: PointSet list
      Histograms: Histogram list }

    // For the C# shell, which sees arrays, not F# lists: the layers as arrays.
    member this.LineArray: Line[] = Array.ofList this.Lines
    member this.SurfaceArray: Surface[] = Array.ofList this.Surfaces
    member this.PointArray: PointSet[] = Array.ofList this.Points
    member this.HistogramArray: Histogram[] = Array.ofList this.Histograms

module Figure =
    /// A figure of lines only.
    let ofLines name title xLabel yLabel logY (lines: Line list) : Figure =
        { Name = name
          Title = title
          XLabel = xLabel
          YLabel = yLabel
          LogY = logY
          Lines = lines
          Surfaces = []
          Points = []
          Histograms = [] }

/// A grid of grey-level images (e.g. generated digits at several points of training), drawn by the runner as
/// a PNG. Image (r, c) is row r, column c; its pixel (y, x) is
/// Pixels[((r * Columns + c) * Height + y) * Width + x], in [0, 1] (0 black, 1 white).
type ImageGrid =
    { Name: string
      /// Says what the rows and columns are (the report's caption).
      Title: string
      Rows: int
      Columns: int
      Height: int
      Width: int
      Pixels: float[] }

/// Everything one experiment produced.
type ExperimentResult =
    { ExperimentId: string
      Title: string
      Source: string
      Scale: string
      Seeds: int64 list
      Metrics: SeedMetrics list
      Claims: ClaimResult list
      Series: Series list
      Figures: Figure list
      /// Image grids, written as figures/<name>.png.
      ImageGrids: ImageGrid list
      /// Facts a reader of the report needs (choices made, caveats), in order.
      Notes: string list }

    // For the C# shell, which sees arrays, not F# lists: the fields above as arrays.
    member this.MetricArray: SeedMetrics[] = Array.ofList this.Metrics
    member this.ClaimArray: ClaimResult[] = Array.ofList this.Claims
    member this.SeriesArray: Series[] = Array.ofList this.Series
    member this.FigureArray: Figure[] = Array.ofList this.Figures
    member this.ImageGridArray: ImageGrid[] = Array.ofList this.ImageGrids

/// A progress report from a running experiment: `Done` of `Total` units finished.
type Progress = { Done: int; Total: int; Message: string }
