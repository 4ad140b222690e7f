using MnistLab.Data;
using SkiaSharp;

namespace MnistLab.Tests.Serve;

/// <summary>
/// <c>POST /api/png</c> with PNGs written here: a 28x28 grey PNG read as MNIST pixels, the same digit dark on light
/// inverted back, a drawing of another size made 28x28 exactly as <c>/api/digitize</c> makes the same pixels, ink on a
/// transparent background read by its opacity; and the refusals: not base64, not a PNG, damaged, too large, missing.
/// </summary>
public class ServePngTests(ServeFixture f) : IClassFixture<ServeFixture>
{
    /// <summary>A PNG of <paramref name="width"/> x <paramref name="height"/> whose pixel i has grey level <paramref name="level"/>(i) (0 to 255), opaque.</summary>
    static byte[] GreyPng(int width, int height, Func<int, byte> level, byte alpha = 255)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                byte v = level(y * width + x);
                bitmap.SetPixel(x, y, new SKColor(v, v, v, alpha));
            }
        return Encode(bitmap);
    }

    static byte[] Encode(SKBitmap bitmap)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Test image <paramref name="index"/> at MNIST's 256 grey levels, as the PNG below stores it.</summary>
    byte[] Levels(int index) => f.TestImage(index).Select(v => (byte)Math.Round(v * 255)).ToArray();

    Task<(int Status, System.Text.Json.JsonElement Body)> Upload(byte[] png) => f.Post("/api/png", new { png = Convert.ToBase64String(png) });

    [Fact]
    public async Task A_28x28_png_is_read_as_mnist_pixels()
    {
        var levels = Levels(0);
        var (status, body) = await Upload(GreyPng(28, 28, i => levels[i]));
        f.Ok((status, body));
        Assert.False(body.GetProperty("inverted").GetBoolean());
        Assert.False(body.GetProperty("fitted").GetBoolean());
        var image = ServeFixture.Floats(body.GetProperty("image"));
        Assert.Equal(784, image.Length);
        Assert.True(levels.Any(l => l is > 0 and < 255), "the test image has no grey levels: the check would not see a rounding");
        for (int i = 0; i < 784; i++) Assert.Equal(levels[i] / 255f, image[i]);
    }

    [Fact]
    public async Task Dark_ink_on_light_is_inverted_to_mnists_light_ink_on_black()
    {
        var levels = Levels(1);
        var (status, body) = await Upload(GreyPng(28, 28, i => (byte)(255 - levels[i])));
        f.Ok((status, body));
        Assert.True(body.GetProperty("inverted").GetBoolean());
        var image = ServeFixture.Floats(body.GetProperty("image"));
        for (int i = 0; i < 784; i++) Assert.True(Math.Abs(levels[i] / 255f - image[i]) < 1e-6, $"pixel {i}: {image[i]} != {levels[i] / 255f}");
    }

    [Fact]
    public async Task A_drawing_of_another_size_is_made_28x28_as_the_canvas_drawing_is()
    {
        // A 7 drawn with a thick stroke on 280x280, black background.
        using var bitmap = new SKBitmap(new SKImageInfo(280, 280, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { Color = SKColors.White, StrokeWidth = 18, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeCap = SKStrokeCap.Round })
        {
            canvas.Clear(SKColors.Black);
            canvas.DrawLine(70, 60, 210, 60, paint);
            canvas.DrawLine(210, 60, 120, 230, paint);
        }
        byte[] png = Encode(bitmap);
        using var decoded = SKBitmap.Decode(png);
        var drawing = Enumerable.Range(0, 280 * 280).Select(i => decoded.GetPixel(i % 280, i / 280).Red / 255f).ToArray();

        var (status, body) = await Upload(png);
        f.Ok((status, body));
        Assert.True(body.GetProperty("fitted").GetBoolean());
        Assert.Equal(280, body.GetProperty("width").GetInt32());
        var digitized = await f.Post("/api/digitize", new { drawing });
        f.Ok(digitized);
        var expected = ServeFixture.Floats(digitized.Body.GetProperty("image"));
        Assert.Equal(expected, MnistStyle.FromDrawing(drawing, 280));
        Assert.True(expected.Sum() > 20, "the drawing came out blank");
        Assert.Equal(expected, ServeFixture.Floats(body.GetProperty("image")));
    }

    [Fact]
    public async Task A_wide_drawing_on_a_transparent_background_is_read_by_its_opacity()
    {
        // Black ink (opaque) on a fully transparent 120x60 field: a horizontal bar.
        using var bitmap = new SKBitmap(new SKImageInfo(120, 60, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < 60; y++)
            for (int x = 0; x < 120; x++)
                bitmap.SetPixel(x, y, y is >= 25 and < 35 && x is >= 10 and < 110 ? new SKColor(0, 0, 0, 255) : new SKColor(0, 0, 0, 0));
        var (status, body) = await Upload(Encode(bitmap));
        f.Ok((status, body));
        Assert.False(body.GetProperty("inverted").GetBoolean());
        var image = ServeFixture.Floats(body.GetProperty("image"));
        // 100x10 of ink fitted to 20x2, centred: rows 13 and 14 hold it, columns 4 to 23.
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
                Assert.Equal(y is 13 or 14 && x is >= 4 and < 24 ? 1f : 0f, image[y * 28 + x], 5);
    }

    [Theory]
    [InlineData("not base64 at all!", "not base64")]
    [InlineData("aGVsbG8gd29ybGQ=", "not a PNG")]
    [InlineData("", "missing")]
    public async Task What_is_not_a_png_is_refused_with_one_line(string base64, string says)
    {
        var (status, body) = await f.Post("/api/png", new { png = base64 });
        Assert.Equal(400, status);
        string error = body.GetProperty("error").GetString()!;
        Assert.Contains(says, error);
        Assert.DoesNotContain("\n", error);
    }

    [Fact]
    public async Task A_damaged_png_and_one_too_large_are_refused()
    {
        var levels = Levels(2);
        byte[] whole = GreyPng(28, 28, i => levels[i]);
        var (status, body) = await Upload(whole[..(whole.Length / 2)]);
        Assert.Equal(400, status);
        Assert.Contains("cannot be decoded", body.GetProperty("error").GetString());

        // Blank, so a few kilobytes: the size is what is refused, before anything is decoded.
        (status, body) = await Upload(GreyPng(3000, 20, _ => 0));
        Assert.Equal(400, status);
        Assert.Contains("3000x20", body.GetProperty("error").GetString());

        // The server is still well after both.
        f.Ok(await Upload(whole));
    }
}
