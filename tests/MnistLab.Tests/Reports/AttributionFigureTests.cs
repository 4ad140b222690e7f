using MnistLab.Cli;
using MnistLab.Reports;
using MnistLab.Tests.Support;
using SkiaSharp;

namespace MnistLab.Tests.Reports;

/// <summary>
/// The attribution figures: the colour scale's end (a percentile of |value|), per image or per figure, blended over the
/// digit or alone, read back from the PNG pixel by pixel; and explain's report with them, rendered in Chromium.
/// </summary>
[Collection(RealMnistCollection.Name)]
public class AttributionFigureTests(RealMnist mnist)
{
    [Theory]
    [InlineData(100, 100.0)]
    [InlineData(99, 99.0)]
    [InlineData(50, 50.0)]
    public void The_scale_ends_at_the_percentile_of_the_absolute_values(double clip, double limit)
    {
        var values = Enumerable.Range(1, 100).Select(v => (float)(v % 2 == 0 ? v : -v));
        Assert.Equal(limit, new MapDisplay { Clip = clip }.Limit(values));
    }

    [Fact]
    public void A_map_that_is_zero_almost_everywhere_is_scaled_by_its_largest_value_and_an_empty_one_by_one()
    {
        Assert.Equal(5, new MapDisplay().Limit([.. new float[99], 5f]));
        Assert.Equal(1, new MapDisplay().Limit(new float[784]));
    }

    /// <summary>The colour of pixel (row, col) of panel k, and how far it is from white and from grey (its colour's strength).</summary>
    static SKColor Pixel(SKBitmap png, int k, int cols, int row, int col)
    {
        var (x, y) = AttributionFigure.PanelOrigin(k, cols, 28);
        return png.GetPixel(x + col * AttributionFigure.PixelSize + 2, y + row * AttributionFigure.PixelSize + 2);
    }

    static int Chroma(SKColor c) => Math.Max(c.Red, Math.Max(c.Green, c.Blue)) - Math.Min(c.Red, Math.Min(c.Green, c.Blue));

    static int Distance(SKColor a, SKColor b) => Math.Abs(a.Red - b.Red) + Math.Abs(a.Green - b.Green) + Math.Abs(a.Blue - b.Blue);

    [Fact]
    public void Each_image_its_own_scale_shows_a_weak_map_as_strongly_as_a_strong_one_and_one_scale_does_not()
    {
        using var dir = new TempDir();
        var digits = new[] { new float[784], new float[784] };
        var strong = new float[784];
        var weak = new float[784];
        strong[10 * 28 + 10] = 1f;
        weak[10 * 28 + 10] = 0.01f;
        foreach (var (scale, file) in new[] { (MapScale.Image, "image.png"), (MapScale.Figure, "figure.png") })
            AttributionFigure.Write(dir.File(file), digits, [strong, weak], ["strong", "weak"], 2, new MapDisplay { Scale = scale, Clip = 100, Show = MapShow.Heat });

        using var image = SKBitmap.Decode(dir.File("image.png"));
        using var figure = SKBitmap.Decode(dir.File("figure.png"));
        var zero = Pixel(image, 0, 2, 0, 0);
        Assert.Equal(Pixel(image, 0, 2, 10, 10), Pixel(image, 1, 2, 10, 10)); // both at the end of their own scale
        Assert.True(Distance(Pixel(image, 1, 2, 10, 10), zero) > 200, $"{Pixel(image, 1, 2, 10, 10)} against zero's {zero}");
        Assert.True(Distance(Pixel(figure, 1, 2, 10, 10), zero) < 15, $"{Pixel(figure, 1, 2, 10, 10)}"); // 1% of the figure's scale: near zero's colour
        Assert.Equal(Pixel(figure, 0, 2, 0, 0), Pixel(figure, 0, 2, 27, 27)); // heat alone: zero is one colour everywhere
        Assert.True(Pixel(image, 0, 2, 10, 10).Red > Pixel(image, 0, 2, 10, 10).Blue, "positive is red");
    }

    [Fact]
    public void Blended_the_digit_shows_where_the_map_is_zero_and_the_panels_are_one_size()
    {
        using var dir = new TempDir();
        var digit = new float[784];
        for (int c = 5; c < 20; c++) digit[14 * 28 + c] = 1f; // a bar across row 14
        var map = new float[784];
        map[3 * 28 + 3] = -1f;
        AttributionFigure.Write(dir.File("blend.png"), [digit, digit, digit], [map, map, map], ["a", "b", "c"], 3, new MapDisplay());
        using var png = SKBitmap.Decode(dir.File("blend.png"));
        var bar = Pixel(png, 0, 3, 14, 10);
        var background = Pixel(png, 0, 3, 20, 20);
        Assert.True(Chroma(bar) < 5 && bar.Red > 100, $"the digit is grey: {bar}");
        Assert.True(background.Red < 10, $"the background is black: {background}");
        var negative = Pixel(png, 0, 3, 3, 3);
        Assert.True(negative.Blue > negative.Red + 30, $"negative is blue: {negative}");
        Assert.Equal(Pixel(png, 0, 3, 3, 3), Pixel(png, 2, 3, 3, 3)); // the last panel is as large as the first, the colour bar beside it
        Assert.Equal(Pixel(png, 0, 3, 27, 27), Pixel(png, 2, 3, 27, 27));
    }

    [Fact]
    public void Explains_report_draws_the_maps_as_asked_and_renders_in_the_browser()
    {
        _ = mnist.Data;
        using var dir = new TempDir();
        string model = dir.File("model"), report = dir.File("explain");
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", Import.ModelFixtures.File("cnn.onnx"), "--out", model, "--no-fetch"]));
        Assert.Equal(CliApp.Ok, CliApp.Run(["explain", "--model", model, "--methods", "ig,saliency", "--images", "test:0:6", "--scale", "figure", "--clip", "95",
            "--show", "heat", "--no-fetch", "--out", report]));
        string md = File.ReadAllText(Path.Combine(report, "report.md"));
        Assert.Contains("on one colour scale per figure, ending at the 95th percentile of |value|", md);
        Assert.Contains("the maps alone", md);
        Assert.Contains("\"display\":{\"scale\":\"figure\",\"clip\":95,\"show\":\"heat\"}", File.ReadAllText(Path.Combine(report, "metrics.json")).Replace(" ", "").Replace("\n", ""));

        string png = dir.File("page.png");
        Browser.Screenshot(Path.Combine(report, "report.html"), png, 1200, 2400);
        using var page = SKBitmap.Decode(png);
        Assert.NotNull(page);
        // The maps are on the page: many pixels of the diverging map's reds and blues.
        int coloured = page.Pixels.Count(c => Chroma(c) > 60);
        Assert.True(coloured > 2000, $"only {coloured} strongly coloured pixels on the rendered page");
        Assert.Equal(CliApp.Usage, CliApp.Run(["explain", "--model", model, "--clip", "0", "--no-fetch", "--out", dir.File("bad")]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["explain", "--model", model, "--show", "outline", "--no-fetch", "--out", dir.File("bad")]));
    }
}
