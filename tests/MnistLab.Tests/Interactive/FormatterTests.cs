using MnistLab.Analysis.Information;
using MnistLab.Analysis.Probes;
using MnistLab.Attribution;
using MnistLab.Interactive;
using MnistLab.Reports;
using Microsoft.DotNet.Interactive.Formatting;
using SkiaSharp;
using static TorchSharp.torch;

namespace MnistLab.Tests.Interactive;

/// <summary>The notebook views as plain calls: the pictures decoded and read back, the tables' text, the registration.</summary>
public class FormatterTests
{
    static SKBitmap Decode(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        return SKBitmap.Decode(png) ?? throw new InvalidOperationException("not a decodable PNG");
    }

    static byte[] FromDataUri(string html)
    {
        int start = html.IndexOf(InlinePng.UriPrefix, StringComparison.Ordinal);
        Assert.True(start >= 0, "no inline PNG in: " + html[..Math.Min(200, html.Length)]);
        start += InlinePng.UriPrefix.Length;
        return Convert.FromBase64String(html[start..html.IndexOf('"', start)]);
    }

    static void Offline(string html)
    {
        Assert.DoesNotContain("http:", html);
        Assert.DoesNotContain("https:", html);
        Assert.DoesNotContain("<script", html);
    }

    [Fact]
    public void A_batch_of_digits_is_drawn_as_its_pixels_with_its_labels()
    {
        // Two images: the first all ink, the second blank.
        using var images = cat([ones(1, 1, 28, 28), zeros(1, 1, 28, 28)]);
        string html = DigitGrid.Html(images, [3, 7]);
        Offline(html);
        Assert.Contains("2 MNIST images (2 x 1 x 28 x 28)", html);
        using var bitmap = Decode(FromDataUri(html));
        // Digit k's pixel (r, c) is a 3x3 block at (4 + k * (84 + 4) + 3c, 4 + 14 + 3r): below its label.
        Assert.Equal(SKColors.White, bitmap.GetPixel(4 + 40, 18 + 40));
        Assert.Equal(new SKColor(0, 0, 0), bitmap.GetPixel(4 + 88 + 40, 18 + 40));
        Assert.True(DigitGrid.IsDigits(images));
        using var other = zeros(3, 5);
        Assert.False(DigitGrid.IsDigits(other));
    }

    [Fact]
    public void Attribution_maps_are_red_where_positive_blue_where_negative_with_the_completeness_in_the_caption()
    {
        // One map: +1 on the left half, -1 on the right.
        var values = Enumerable.Range(0, 784).Select(i => i % 28 < 14 ? 1f : -1f).ToArray();
        var result = new AttributionResult("ig", [1, 1, 28, 28], values, [0.0123], 0.5);
        string html = AttributionView.Html(result);
        Offline(html);
        Assert.Contains("ig: 1 map; completeness |error| at most 0.0123", html);
        using var bitmap = Decode(FromDataUri(html));
        var (x0, y0) = AttributionFigure.PanelOrigin(0, 1, 28);
        int cell = AttributionFigure.PixelSize;
        var left = bitmap.GetPixel(x0 + 3 * cell, y0 + 10 * cell);
        var right = bitmap.GetPixel(x0 + 24 * cell, y0 + 10 * cell);
        // The scale's ends are the colour map's darkest red and blue.
        Assert.True(left.Red > 2 * left.Blue && left.Red > 2 * left.Green, $"positive drawn {left}");
        Assert.True(right.Blue > 2 * right.Red, $"negative drawn {right}");
        // A colour bar beside the panel (two gaps to its right, as tall as the panel): red at its top, blue at its bottom.
        int barX = x0 + 28 * cell + 20 + 5;
        var top = bitmap.GetPixel(barX, y0 + 1);
        var bottom = bitmap.GetPixel(barX, y0 + 28 * cell - 2);
        Assert.True(top.Red > 2 * top.Blue, $"bar top {top}");
        Assert.True(bottom.Blue > 2 * bottom.Red, $"bar bottom {bottom}");
    }

    [Fact]
    public void A_probe_table_shows_score_and_selectivity_per_layer_and_concept()
    {
        var mi = new MiResult("ksg", 0.5, 0.4, 0.6, 0.01, 100, 0, 0);
        var probe = new ProbeResult("relu1", "ring", "binary", 32, 800, 200, 0.83, 0.605, 1, [], 0.83, null, null, null, null, null, mi, 0.9);
        var table = new ProbeTableResult("mlp", 1000, [new ProbedLayer("relu1", "hidden", "relu1", 32, "none")], ["ring"], ["a closed loop"],
            [probe], new ProbeTableOptions(), 0, 1.5);
        string html = TableViews.ProbeTable(table);
        Offline(html);
        Assert.Contains("<th>ring</th>", html);
        Assert.Contains("<tr><th>relu1</th><td>0.830 / +0.225</td></tr>", html);
    }

    [Fact]
    public void An_MI_result_shows_its_value_interval_and_p_value()
    {
        var mi = new MiResult("ksg", Math.Log(2), 0.6, 0.8, 0.004975, 5000, 200, 200);
        string html = TableViews.Mi(mi);
        Assert.Contains("<td>ksg</td><td>0.6931</td><td>1</td>", html);
        Assert.Contains("[0.6, 0.8] (200 resamples)", html);
        Assert.Contains("0.00498 (200 shuffles)", html);
    }

    [Fact]
    public void A_tensor_shows_its_shape_type_and_first_values()
    {
        using var t = arange(12, dtype: ScalarType.Float32).reshape(3, 4);
        string html = TensorView.Html(t);
        Assert.Contains("3 x 4", html);
        Assert.Contains("Float32", html);
        Assert.Contains("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ... (12 values)]", html);
    }

    [Fact]
    public void A_run_shows_its_question_its_headlines_as_the_reports_print_them_and_its_answer()
    {
        var info = new MnistLab.Runs.RunInfo("0", "here", 2, 2, new Dictionary<string, string>(), DateTimeOffset.UnixEpoch);
        var figures = new Dictionary<string, double> { ["resnet_test_acc"] = 0.5268, ["diverse_convolutions"] = 12, ["extra"] = 0.25 };
        var run = new MnistLab.Runs.ExperimentRun("rotated", "/tmp/r", figures, "Mostly diverse.", info, new object());
        string html = RunView.Html(run);
        Offline(html);
        Assert.Contains("are a ResNet&#39;s convolution filters diverse or redundant?", html);
        Assert.Contains("<td>ResNet: test accuracy</td><td>52.68%</td>", html);
        Assert.Contains("<td>convolutions whose trained filters are diverse (of 12)</td><td>12</td>", html);
        Assert.Contains("<td>extra</td><td>0.25</td>", html); // a figure the experiment does not name, after its own
        Assert.True(html.IndexOf("diverse (of 12)", StringComparison.Ordinal) > html.IndexOf("ResNet: test accuracy", StringComparison.Ordinal));
        Assert.Contains("Mostly diverse.", html);
    }

    [Fact]
    public void A_model_shows_its_source_layers_with_parameters_and_points_with_shapes()
    {
        using var dir = new MnistLab.Tests.Support.TempDir();
        using var net = new MnistLab.Models.Mlp(new MnistLab.Models.MlpSpec(784, 16, 10), new Generator(0));
        using var model = MnistLab.Import.LoadedModel.Borrowed(net, "a small MLP");
        string html = ModelView.Html(model);
        Offline(html);
        Assert.Contains("a small MLP", html);
        Assert.Contains($"{784 * 16 + 16 + 16 * 10 + 10:N0} parameters", html);
        Assert.Contains("<td>16</td>", html); // the hidden layer's point, one image: 16 values
        Assert.Contains("<td>10</td>", html); // the logits
    }

    [Fact]
    public void Registered_the_kernel_formats_each_object_with_its_view()
    {
        MnistFormatters.Register();
        using var digits = zeros(2, 1, 28, 28);
        using var other = ones(2, 3);
        Assert.Contains("2 MNIST images", digits.ToDisplayString(HtmlFormatter.MimeType));
        Assert.Contains("mnistlab-tensor", other.ToDisplayString(HtmlFormatter.MimeType));
        var mi = new MiResult("ksg", 0.5, 0, 0, 1, 10, 0, 0);
        Assert.Contains("mnistlab-mi", mi.ToDisplayString(HtmlFormatter.MimeType));
        var run = new MnistLab.Runs.ExperimentRun<int>("ring", "/tmp/r", new Dictionary<string, double>(), "an answer", new MnistLab.Runs.RunInfo("0", "here", 2, 2, new Dictionary<string, string>(), DateTimeOffset.UnixEpoch), 0);
        Assert.Contains("mnistlab-run", run.ToDisplayString(HtmlFormatter.MimeType)); // the typed run a notebook holds, by its base type
    }
}
