using System.Text.Json;
using MnistLab.Cli;
using MnistLab.Import;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Attribution;

[Collection(RealMnistCollection.Name)]
public class ExplainTests(RealMnist mnist)
{
    [Fact]
    public void Explain_writes_every_methods_maps_metrics_checks_and_report()
    {
        _ = mnist.Data;
        using var dir = new TempDir();
        string run = dir.File("run"), report = dir.File("explain");
        Assert.Equal(CliApp.Ok, CliApp.Run(["run", "linearity", "--models", "mlp_ce", "--epochs", "1", "--no-fetch", "--out", run]));
        string checkpoint = Path.Combine(run, "checkpoints", "mlp_ce.ckpt");
        Assert.Equal(CliApp.Ok, CliApp.Run(["explain", "--checkpoint", checkpoint, "--methods", "saliency,ig,ig-exact,occlusion,lrp", "--images", "test:3:9",
            "--checks", "--no-fetch", "--out", report]));

        var root = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "metrics.json"))).RootElement;
        Assert.Equal([3, 4, 5, 6, 7, 8], root.GetProperty("images").GetProperty("indices").EnumerateArray().Select(e => e.GetInt32()));
        foreach (var method in new[] { "saliency", "ig", "ig-exact", "occlusion", "lrp" })
        {
            var (shape, values) = NpyReader.Read(Path.Combine(report, "attributions", $"{method}.npy"));
            Assert.Equal([6L, 1, 28, 28], shape);
            Assert.Contains(values, v => v != 0);
            var m = root.GetProperty("methods").GetProperty(method);
            var checks = m.GetProperty("checks");
            Assert.Equal(21, checks.GetProperty("curves").GetProperty("deletion_most_first").GetProperty("curve").GetArrayLength());
            Assert.Equal(2, checks.GetProperty("randomisation").GetProperty("cascade").GetArrayLength()); // fc2, then fc1
            foreach (var f in new[] { $"maps_{method}.png", $"class_means_{method}.png", $"deletion_{method}.png", $"randomisation_{method}.png" })
                Assert.True(File.Exists(Path.Combine(report, f)), f);
        }
        // The exact integral completes to float64 rounding; 50 Gauss–Legendre steps only approximately.
        Assert.True(root.GetProperty("methods").GetProperty("ig-exact").GetProperty("completeness_error").GetProperty("max_abs").GetDouble() < 1e-9);
        Assert.True(File.Exists(Path.Combine(report, "report.html")));
        Assert.Contains("## ig-exact", File.ReadAllText(Path.Combine(report, "report.md")));
    }

    [Fact]
    public void Layer_attributes_the_target_to_every_channel_of_a_point_and_an_unknown_point_is_refused_before_any_work()
    {
        _ = mnist.Data;
        using var dir = new TempDir();
        string model = dir.File("model"), report = dir.File("explain");
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", MnistLab.Tests.Import.ModelFixtures.File("cnn.onnx"), "--out", model, "--no-fetch"]));
        const string point = "/net/net.2/Relu_output_0"; // the ReLU after the convolution: 8 channels of 28x28
        Assert.Equal(CliApp.Ok, CliApp.Run(["explain", "--model", model, "--methods", "saliency", "--images", "test:0:6", "--layer", point, "--no-fetch", "--out", report]));

        var layer = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "metrics.json"))).RootElement.GetProperty("layer");
        Assert.Equal(point, layer.GetProperty("point").GetString());
        foreach (var method in new[] { "layer-ig", "layer-gradient-x-activation", "layer-conductance" })
        {
            var (shape, values) = NpyReader.Read(Path.Combine(report, "layer_attributions", $"{method}.npy"));
            Assert.Equal([6L, 8, 28, 28], shape);
            var m = layer.GetProperty("methods").GetProperty(method);
            // The bars are each channel's attribution summed over its positions, averaged over the images.
            var means = m.GetProperty("unit_means").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            for (int c = 0; c < 8; c++)
            {
                double expected = Enumerable.Range(0, 6).Average(i => values.Skip((i * 8 + c) * 784).Take(784).Sum(v => (double)v));
                Assert.Equal(expected, means[c], 4);
            }
            Assert.True(File.Exists(Path.Combine(report, $"layer_{method}.png")) && File.Exists(Path.Combine(report, $"layer_{method}_channels.png")));
        }
        // Layer IG is complete: its attributions sum to f(x) − f(0), up to the quadrature's error.
        Assert.True(layer.GetProperty("methods").GetProperty("layer-ig").GetProperty("completeness_error").GetProperty("max_abs").GetDouble() < 0.01);
        Assert.Contains("## Units and channels of /net/net.2/Relu_output_0", File.ReadAllText(Path.Combine(report, "report.md")));

        Assert.Equal(CliApp.Usage, CliApp.Run(["explain", "--model", model, "--layer", "fc9", "--no-fetch", "--out", dir.File("bad")]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["explain", "--model", model, "--layer", point, "--layer-methods", "layer-shap", "--no-fetch", "--out", dir.File("bad")]));
        Assert.False(Directory.Exists(dir.File("bad")));
    }

    [Theory]
    [InlineData("--model", "some-folder")]
    [InlineData("--checkpoint", "no-such.ckpt")]
    [InlineData("--checkpoint", "x.ckpt", "--model", "y")]
    [InlineData("--checkpoint", "x.ckpt", "--images", "test:5:2")]
    [InlineData("--checkpoint", "x.ckpt", "--images", "test:0:4", "--per-class", "2")]
    public void Bad_usage_exits_with_2(params string[] args)
    {
        using var dir = new TempDir();
        Assert.Equal(CliApp.Usage, CliApp.Run(["explain", .. args, "--no-fetch", "--out", dir.File("out")]));
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void Unknown_methods_and_options_are_refused_before_any_work()
    {
        _ = mnist.Data;
        using var dir = new TempDir();
        string run = dir.File("run");
        Assert.Equal(CliApp.Ok, CliApp.Run(["run", "linearity", "--models", "linear_ce", "--epochs", "1", "--no-fetch", "--out", run]));
        string checkpoint = Path.Combine(run, "checkpoints", "linear_ce.ckpt");
        Assert.Equal(CliApp.Usage, CliApp.Run(["explain", "--checkpoint", checkpoint, "--methods", "deeplift", "--no-fetch", "--out", dir.File("a")]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["explain", "--checkpoint", checkpoint, "--ig-method", "simpson", "--no-fetch", "--out", dir.File("b")]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["explain", "--checkpoint", checkpoint, "--lrp-composite", "magic", "--no-fetch", "--out", dir.File("c")]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["explain", "--checkpoint", checkpoint, "--images", "test:0:10001", "--no-fetch", "--out", dir.File("d")]));
        Assert.False(Directory.Exists(dir.File("a")) || Directory.Exists(dir.File("b")) || Directory.Exists(dir.File("c")) || Directory.Exists(dir.File("d")));
    }

    [Fact]
    public void A_model_on_pixels_and_the_ring_bit_gets_image_maps_and_the_ring_inputs_attribution()
    {
        _ = mnist.Data;
        using var dir = new TempDir();
        string run = dir.File("ring"), report = dir.File("explain");
        Assert.Equal(CliApp.Ok, CliApp.Run(["run", "ring", "--epochs", "1", "--set", "ablation_seeds=0", "--no-fetch", "--out", run]));
        string checkpoint = Directory.GetFiles(Path.Combine(run, "checkpoints"), "mlp_pixels_ring*.ckpt").Single();
        Assert.Equal(CliApp.Ok, CliApp.Run(["explain", "--checkpoint", checkpoint, "--methods", "ig,occlusion", "--per-class", "1", "--target", "pred",
            "--no-fetch", "--out", report]));
        var (shape, _) = NpyReader.Read(Path.Combine(report, "attributions", "ig.npy"));
        Assert.Equal([10L, 1, 28, 28], shape); // one test image of each digit; the ring input is reported apart
        var root = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "metrics.json"))).RootElement;
        Assert.Equal(1, root.GetProperty("methods").GetProperty("ig").GetProperty("extra_inputs").GetProperty("mean_attribution").GetArrayLength());
        Assert.Equal(root.GetProperty("images").GetProperty("predictions").GetRawText(), root.GetProperty("images").GetProperty("targets").GetRawText());
        Assert.Equal(Enumerable.Range(0, 10), root.GetProperty("images").GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()));
    }
}
