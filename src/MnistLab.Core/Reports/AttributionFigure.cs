using System.Globalization;
using SkiaSharp;

namespace MnistLab.Reports;

/// <summary>
/// A grid of attribution maps as a PNG: panels of one size, each a square image (the digit in grey under a diverging
/// colour map centred at zero, red positive and blue negative, opaque where |value| is near the scale's end and clear
/// near zero; or the heat map alone), its title above, and one colour bar beside the grid. The pixels are drawn as
/// pixels (each a square block), not interpolated.
/// </summary>
public static class AttributionFigure
{
    const int Cell = 5, Title = 18, Gap = 10, BarWidth = 14, BarLabels = 70;

    // ScottPlot's Balance map (blue through white to red), sampled so the figures match the other plots' colours.
    static readonly ScottPlot.IColormap Colormap = new ScottPlot.Colormaps.Balance();
    static readonly SKTypeface Face = Typeface();

    /// <summary>Writes <paramref name="path"/>: maps (row-major squares) over their digits, <paramref name="cols"/> panels a row.</summary>
    public static void Write(string path, IReadOnlyList<float[]> digits, IReadOnlyList<float[]> maps, IReadOnlyList<string> titles, int cols, MapDisplay display)
    {
        byte[] png = Png(digits, maps, titles, cols, display);
        Common.AtomicFile.Write(path, temp => File.WriteAllBytes(temp, png));
    }

    /// <summary>The figure <see cref="Write"/> writes, as PNG bytes (a notebook shows it inline).</summary>
    public static byte[] Png(IReadOnlyList<float[]> digits, IReadOnlyList<float[]> maps, IReadOnlyList<string> titles, int cols, MapDisplay display)
    {
        display = display.Validated();
        int n = maps.Count, rows = (n + cols - 1) / cols;
        int side = (int)Math.Round(Math.Sqrt(maps[0].Length));
        int panel = side * Cell;
        double figureLimit = display.Limit(maps.SelectMany(m => m));
        double[] limits = maps.Select(m => display.Scale == MapScale.Figure ? figureLimit : display.Limit(m)).ToArray();

        int gridWidth = cols * panel + (cols - 1) * Gap, gridHeight = rows * (panel + Title) + (rows - 1) * Gap;
        int width = Gap + gridWidth + 2 * Gap + BarWidth + BarLabels, height = Gap + gridHeight + Gap + Title;
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var font = new SKFont(Face, 12);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };

        for (int k = 0; k < n; k++)
        {
            var (x0, y0) = PanelOrigin(k, cols, side);
            y0 -= Title;
            string title = display.Scale == MapScale.Image ? $"{titles[k]}  ±{limits[k]:G2}" : titles[k];
            canvas.DrawText(Fit(title, font, panel), x0, y0 + Title - 5, SKTextAlign.Left, font, ink);
            DrawPanel(canvas, x0, y0 + Title, side, digits[k], maps[k], limits[k], display.Show);
        }
        DrawBar(canvas, Gap + gridWidth + 2 * Gap, Gap + Title, Math.Min(gridHeight - Title, 2 * panel + Title), font, ink,
            display.Scale == MapScale.Figure ? figureLimit : null, display.Clip);

        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>The top-left pixel of panel <paramref name="k"/>'s image (below its title), for readers of the figure.</summary>
    internal static (int X, int Y) PanelOrigin(int k, int cols, int side) =>
        (Gap + (k % cols) * (side * Cell + Gap), Gap + (k / cols) * (side * Cell + Title + Gap) + Title);

    internal const int PixelSize = Cell;

    static void DrawPanel(SKCanvas canvas, int x0, int y0, int side, float[] digit, float[] map, double limit, MapShow show)
    {
        using var fill = new SKPaint { IsAntialias = false };
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++)
            {
                double v = Math.Clamp(map[r * side + c] / limit, -1, 1);
                var colour = Colour(v);
                SKColor pixel;
                if (show == MapShow.Heat) pixel = colour;
                else
                {
                    // The digit stays in the background (white drawn light grey); the map over it, as opaque as it is strong.
                    byte grey = (byte)Math.Round(255 * Math.Clamp(digit[r * side + c], 0, 1) / 1.6);
                    double alpha = Math.Min(1, Math.Sqrt(Math.Abs(v)));
                    pixel = new SKColor(Mix(grey, colour.Red, alpha), Mix(grey, colour.Green, alpha), Mix(grey, colour.Blue, alpha));
                }
                fill.Color = pixel;
                canvas.DrawRect(x0 + c * Cell, y0 + r * Cell, Cell, Cell, fill);
            }
    }

    static void DrawBar(SKCanvas canvas, int x0, int y0, int height, SKFont font, SKPaint ink, double? limit, double clip)
    {
        using var fill = new SKPaint { IsAntialias = false };
        for (int y = 0; y < height; y++)
        {
            fill.Color = Colour(1 - 2.0 * y / (height - 1));
            canvas.DrawRect(x0, y0 + y, BarWidth, 1, fill);
        }
        string End(string sign) => limit is { } l ? $"{sign}{l.ToString("G3", CultureInfo.InvariantCulture)}" : $"{sign}scale";
        canvas.DrawText(End("+"), x0 + BarWidth + 4, y0 + 10, SKTextAlign.Left, font, ink);
        canvas.DrawText("0", x0 + BarWidth + 4, y0 + height / 2 + 4, SKTextAlign.Left, font, ink);
        canvas.DrawText(End("−"), x0 + BarWidth + 4, y0 + height, SKTextAlign.Left, font, ink);
        string note = clip < 100 ? $"{clip.ToString("G3", CultureInfo.InvariantCulture)}th pct" : "max";
        canvas.DrawText(note, x0, y0 + height + 16, SKTextAlign.Left, font, ink);
    }

    static SKColor Colour(double v)
    {
        var c = Colormap.GetColor((v + 1) / 2);
        return new SKColor(c.R, c.G, c.B);
    }

    static byte Mix(byte under, byte over, double alpha) => (byte)Math.Round(under * (1 - alpha) + over * alpha);

    /// <summary>The title cut to the panel's width, so long titles never run into the next panel.</summary>
    static string Fit(string text, SKFont font, int width)
    {
        while (text.Length > 1 && font.MeasureText(text) > width) text = text[..^1];
        return text;
    }

    /// <summary>DejaVu Sans (the setup installs it; the reports use it everywhere), else Skia's default face.</summary>
    static SKTypeface Typeface()
    {
        const string file = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
        return (File.Exists(file) ? SKTypeface.FromFile(file) : null) ?? SKTypeface.Default;
    }
}
