using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistLab.Interactive;

/// <summary>
/// MNIST images as a grid of digits in a PNG: white ink on black as MNIST stores them, each pixel a square block, the
/// label (where given) above each digit. At most <see cref="MaxDigits"/> are drawn; the caption says how many there are.
/// </summary>
public static class DigitGrid
{
    public const int MaxDigits = 64;
    const int Cell = 3, Side = 28, Label = 14, Gap = 4, Columns = 16;

    /// <summary>True for a tensor MNIST's images can be: (28, 28), (1, 28, 28) or (N, 1, 28, 28).</summary>
    public static bool IsDigits(Tensor t) =>
        t.shape.Length switch
        {
            2 => t.shape[0] == Side && t.shape[1] == Side,
            3 => t.shape[0] == 1 && t.shape[1] == Side && t.shape[2] == Side,
            4 => t.shape[1] == 1 && t.shape[2] == Side && t.shape[3] == Side,
            _ => false,
        };

    /// <summary>The digits of <paramref name="images"/> (values in [0, 1]) with their labels, as PNG bytes.</summary>
    public static byte[] Png(Tensor images, long[]? labels = null)
    {
        if (!IsDigits(images)) throw new ArgumentException($"not MNIST images: shape ({string.Join(", ", images.shape)})", nameof(images));
        using var scope = NewDisposeScope();
        var flat = images.detach().cpu().to_type(ScalarType.Float32).reshape(-1, Side * Side);
        int n = (int)Math.Min(flat.shape[0], MaxDigits);
        float[] pixels = flat.narrow(0, 0, n).contiguous().data<float>().ToArray();
        int cols = Math.Min(n, Columns), rows = (n + cols - 1) / cols;
        int label = labels is null ? 0 : Label;
        int width = Gap + cols * (Side * Cell + Gap), height = Gap + rows * (Side * Cell + label + Gap);
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var fill = new SKPaint { IsAntialias = false };
        using var font = new SKFont(SKTypeface.Default, 11);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        for (int k = 0; k < n; k++)
        {
            int x0 = Gap + (k % cols) * (Side * Cell + Gap), y0 = Gap + (k / cols) * (Side * Cell + label + Gap);
            if (labels is not null && k < labels.Length)
                canvas.DrawText(labels[k].ToString(System.Globalization.CultureInfo.InvariantCulture), x0 + Side * Cell / 2, y0 + Label - 3, SKTextAlign.Center, font, ink);
            for (int r = 0; r < Side; r++)
                for (int c = 0; c < Side; c++)
                {
                    byte v = (byte)Math.Round(255 * Math.Clamp(pixels[k * Side * Side + r * Side + c], 0f, 1f));
                    fill.Color = new SKColor(v, v, v);
                    canvas.DrawRect(x0 + c * Cell, y0 + label + r * Cell, Cell, Cell, fill);
                }
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>The grid as HTML: the picture inline and a caption with the count and the shape.</summary>
    public static string Html(Tensor images, long[]? labels = null)
    {
        long count = images.shape.Length == 4 ? images.shape[0] : 1;
        string caption = $"{count} MNIST image{(count == 1 ? "" : "s")} ({string.Join(" x ", images.shape)})"
            + (count > MaxDigits ? $", the first {MaxDigits} shown" : "");
        return $"<figure>{InlinePng.Img(Png(images, labels), caption)}<figcaption>{Interactive.Html.Encode(caption)}</figcaption></figure>";
    }
}
