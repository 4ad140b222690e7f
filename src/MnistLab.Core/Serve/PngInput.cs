using MnistLab.Data;
using SkiaSharp;

namespace MnistLab.Serve;

/// <summary>
/// An uploaded PNG as an MNIST image. Its grey level is the pixel's luminance (Rec. 601), or, where the PNG has any
/// transparent pixel, its opacity: a drawing on a transparent background is ink whatever its colour. MNIST stores light
/// ink on black, so an image whose outermost ring of pixels is bright on average (dark ink on paper) is inverted. A
/// 28x28 PNG is then taken as MNIST pixels as they are; any other size is a drawing, made 28x28 the way MNIST's digits
/// were (<see cref="MnistStyle.FromDrawing"/>, on the PNG padded to a square with background). Anything that is not a PNG
/// this reads whole is a 400 saying what is wrong.
/// </summary>
public static class PngInput
{
    /// <summary>The widest and tallest PNG taken: a few kilobytes of PNG can hold a blank image of any size.</summary>
    public const int MaxSide = 2048;

    static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static PngAnswer Read(string? base64)
    {
        if (string.IsNullOrEmpty(base64)) throw new BadRequestException("'png' is missing: send a PNG file's bytes as base64.");
        // A data URL (data:image/png;base64,...) as a browser's FileReader gives it is taken too.
        int comma = base64.StartsWith("data:", StringComparison.Ordinal) ? base64.IndexOf(',') : -1;
        byte[] bytes;
        try { bytes = Convert.FromBase64String(comma >= 0 ? base64[(comma + 1)..] : base64); }
        catch (FormatException) { throw new BadRequestException("'png' is not base64: send a PNG file's bytes as base64."); }
        if (!bytes.AsSpan().StartsWith(Signature)) throw new BadRequestException($"'png' is not a PNG: its {bytes.Length:N0} bytes do not start with PNG's signature.");

        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data) ?? throw new BadRequestException("'png' cannot be decoded: its header is damaged.");
        int width = codec.Info.Width, height = codec.Info.Height;
        if (width > MaxSide || height > MaxSide)
            throw new BadRequestException($"'png' is {width}x{height} pixels; this server takes PNGs up to {MaxSide}x{MaxSide}.");
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var result = codec.GetPixels(info, out byte[] rgba);
        if (result != SKCodecResult.Success) throw new BadRequestException($"'png' cannot be decoded whole ({result}): the file is damaged or cut short.");

        var grey = Grey(rgba, width * height);
        bool inverted = BorderMean(grey, width, height) > 0.5;
        if (inverted)
            for (int i = 0; i < grey.Length; i++) grey[i] = 1 - grey[i];
        bool asIs = width == MnistStyle.Side && height == MnistStyle.Side;
        var image = asIs ? grey : MnistStyle.FromDrawing(Square(grey, width, height), Math.Max(width, height));
        return new PngAnswer(image, width, height, inverted, !asIs);
    }

    /// <summary>Each pixel's grey level in [0, 1]: its opacity if any pixel is transparent, else its luminance.</summary>
    static float[] Grey(byte[] rgba, int pixels)
    {
        bool transparent = false;
        for (int i = 0; i < pixels && !transparent; i++) transparent = rgba[4 * i + 3] < 255;
        var grey = new float[pixels];
        for (int i = 0; i < pixels; i++)
        {
            int r = rgba[4 * i], g = rgba[4 * i + 1], b = rgba[4 * i + 2];
            grey[i] = transparent ? rgba[4 * i + 3] / 255f
                : r == g && g == b ? r / 255f // a grey PNG's levels exactly, as MNIST's 256 levels are read
                : (float)Math.Clamp((0.299 * r + 0.587 * g + 0.114 * b) / 255, 0, 1);
        }
        return grey;
    }

    /// <summary>The mean of the outermost ring of pixels: the background's level in a drawing or a scan of one.</summary>
    static double BorderMean(float[] grey, int width, int height)
    {
        double sum = 0;
        int count = 0;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                if (y == 0 || x == 0 || y == height - 1 || x == width - 1) { sum += grey[y * width + x]; count++; }
        return sum / count;
    }

    /// <summary>The image centred on a square of background (0): the drawing's ink, not its frame, is what gets fitted.</summary>
    static float[] Square(float[] grey, int width, int height)
    {
        if (width == height) return grey;
        int side = Math.Max(width, height), left = (side - width) / 2, top = (side - height) / 2;
        var square = new float[side * side];
        for (int y = 0; y < height; y++) grey.AsSpan(y * width, width).CopyTo(square.AsSpan((y + top) * side + left));
        return square;
    }
}
