using SkiaSharp;
using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// Draws an <see cref="ImageGrid"/> (data) as a PNG: each image scaled up by whole pixels, separated by thin grey
/// lines.
/// </summary>
public static class ImageGridPng
{
    /// <summary>Screen pixels per image pixel.</summary>
    public const int Zoom = 3;

    /// <summary>Width of the separating lines, in screen pixels.</summary>
    public const int Gap = 2;

    const byte GapGrey = 96;

    /// <summary>
    /// Saves <paramref name="grid"/> to <paramref name="path"/> (PNG, grey levels: 0 black, 1 white), atomically.
    /// </summary>
    public static void Save(ImageGrid grid, string path)
    {
        var expected = (long)grid.Rows * grid.Columns * grid.Height * grid.Width;
        if (grid.Pixels.Length != expected)
            throw new ArgumentException($"image grid {grid.Name}: {grid.Pixels.Length} pixels, expected {expected}");
        int cellWidth = grid.Width * Zoom + Gap, cellHeight = grid.Height * Zoom + Gap;
        int width = grid.Columns * cellWidth + Gap, height = grid.Rows * cellHeight + Gap;
        var rgba = new byte[width * height * 4];
        for (var i = 0; i < width * height; i++)
        {
            rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = GapGrey;
            rgba[4 * i + 3] = 255;
        }
        for (var r = 0; r < grid.Rows; r++)
            for (var c = 0; c < grid.Columns; c++)
                for (var y = 0; y < grid.Height; y++)
                    for (var x = 0; x < grid.Width; x++)
                    {
                        var v = grid.Pixels[((r * grid.Columns + c) * grid.Height + y) * grid.Width + x];
                        var grey = (byte)Math.Round(255.0 * Math.Clamp(double.IsFinite(v) ? v : 0.0, 0.0, 1.0));
                        for (var dy = 0; dy < Zoom; dy++)
                            for (var dx = 0; dx < Zoom; dx++)
                            {
                                var px = Gap + c * cellWidth + x * Zoom + dx;
                                var py = Gap + r * cellHeight + y * Zoom + dy;
                                var o = 4 * (py * width + px);
                                rgba[o] = rgba[o + 1] = rgba[o + 2] = grey;
                            }
                    }
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var image = SKImage.FromPixelCopy(info, rgba);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicOutput.WriteWith(path, temp =>
        {
            using var file = File.Create(temp);
            png.SaveTo(file);
        }, ".tmp.png");
    }
}
