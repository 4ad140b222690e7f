using System.Text.Json;
using MnistLab.Analysis.Verification;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Experiments;
using MnistLab.Experiments.Ring;
using MnistLab.Tests.Support;
using MnistLab.Training;

namespace MnistLab.Tests.Experiments;

public class RingExperimentTests
{
    [Fact]
    public void Runs_end_to_end_on_tiny_data_and_writes_every_part_of_the_report()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path, train: 200, test: 50);
        using var mnist = Mnist.Load(MnistLocator.TryFolder(dir.Path)!);
        var options = new RingOptions { Train = new TrainOptions { Epochs = 2, BatchSize = 32 }, AblationSeeds = 2 };
        string outDir = dir.File("report");
        var run = new RingExperiment().RunInto(options, outDir, LabData.Of(mnist));
        var result = run.Result;

        Assert.Equal(8, result.Ablation.Count); // {pixels, +ring} x {0, alpha} x {linear, MLP}
        Assert.All(result.Ablation, a => Assert.Equal(2, a.TestAcc.Length));
        // The main runs are the first ablation seed's runs, not trained again.
        Assert.Equal(result.Linear.TestAcc, result.Ablation.Single(a => a is { Model: "linear", Input: "pixels+ring", Alpha: > 0 }).TestAcc[0]);
        Assert.Equal(785, result.Linear.W1[0].Length);

        foreach (var f in new[] { "metrics.json", "report.md", "linear_formula.json", "ring_fraction.png", "ring_weights_linear.png",
                                  "pixel_weights_linear.png", "ring_to_hidden_mlp.png", "ring_path_mlp.png", "test_acc.png" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var root = doc.RootElement;
        Assert.Equal("ring", root.GetProperty("experiment").GetString());
        Assert.Equal(10, root.GetProperty("models").GetProperty("linear").GetProperty("ring_weights").GetArrayLength());
        Assert.Equal(10, root.GetProperty("ring").GetProperty("fraction_by_class").EnumerateObject().Count());
        Assert.Equal(8, root.GetProperty("ablation").GetArrayLength());
        // The ablation's answer is a headline: the ring's gain is the with-minus-without difference of the mean accuracies.
        var cells = result.Ablation.Where(a => a is { Model: "linear", Alpha: 0 }).ToDictionary(a => a.Input);
        Assert.Equal(cells["pixels+ring"].Mean - cells["pixels"].Mean, run.Figures["ring_gain_linear"], 12);
        Assert.Matches("^(Yes|No): the ring adds", run.Answer);
        using var formula = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "linear_formula.json")));
        Assert.Equal("ring", formula.RootElement.GetProperty("inputs")[784].GetString());

        // Proved robustness of the four unboosted models of the run's seed, at each default radius: proved ≤ unbroken ≤ clean,
        // and a model's clean accuracy on these images is the one it was trained to.
        var certified = result.Certified!;
        Assert.Equal(4 * CertifiedOptions.DefaultEpsilons.Count, certified.Count);
        Assert.Equal(["linear on pixels", "linear on pixels+ring", "mlp on pixels", "mlp on pixels+ring"], certified.Select(c => c.Model).Distinct());
        Assert.All(certified, x => Assert.True(x.Certified <= x.Pgd + 1e-12 && x.Pgd <= x.Clean + 1e-12, $"{x}"));
        Assert.Equal(result.Ablation.Single(a => a is { Model: "linear", Input: "pixels+ring", Alpha: 0 }).TestAcc[0], certified[3].Clean, 12);
        Assert.Contains("## Proved robustness: certified accuracy", File.ReadAllText(Path.Combine(outDir, "report.md")));
        Assert.Equal(certified.Count, root.GetProperty("certified").GetArrayLength());
    }

    [Fact]
    public void A_ring_model_held_at_a_ring_value_is_the_same_function_of_the_image()
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var g = new TorchSharp.torch.Generator(3);
        using var mlp = new MnistLab.Models.Mlp(new MnistLab.Models.MlpSpec(785, 12), g);
        var images = TorchSharp.torch.rand([5, 1, 28, 28], generator: g);
        foreach (float ring in new[] { 0f, 1f })
        {
            using var image = RingCertifiedSection.ImageModel(mlp, ring);
            var withRing = TorchSharp.torch.cat([images.flatten(1), TorchSharp.torch.full(5, 1, ring)], 1);
            var expected = mlp.call(withRing);
            Assert.True((image.call(images) - expected).abs().max().item<float>() < 1e-5, $"ring {ring}");
        }
    }

    [Fact]
    public void The_ring_boost_pushes_the_ring_weights_up()
    {
        // With a strong boost and no other signal on the ring input, |W[:, ring]| must grow.
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path, train: 100, test: 20);
        using var mnist = Mnist.Load(MnistLocator.TryFolder(dir.Path)!);
        double MeanRingWeight(double alpha) => new RingExperiment().Run(new RingOptions
        {
            Train = new TrainOptions { Epochs = 3, BatchSize = 20 }, Alpha = alpha, Beta = alpha, AblationSeeds = 0,
        }, LabData.Of(mnist), RunContext.None).Linear.W1.Average(row => Math.Abs(row[^1]));
        Assert.True(MeanRingWeight(1.0) > MeanRingWeight(0) + 0.01);
    }

    [Fact]
    public void The_gain_is_the_ablations_with_minus_without_and_counts_beyond_twice_the_spread()
    {
        AblationCell Cell(string input, double alpha, params double[] acc) => new(input, alpha, "mlp", [0, 1, 2], acc);
        var ablation = new[]
        {
            Cell(RingExperiment.PixelsOnly, 0, 0.950, 0.952, 0.954), Cell(RingExperiment.PixelsAndRing, 0, 0.960, 0.962, 0.964),
            Cell(RingExperiment.PixelsAndRing, 1e-3, 0.961, 0.963, 0.965),
        };
        var g = RingGain.Of(ablation, "mlp")!;
        Assert.Equal(0.010, g.Gain, 12);
        Assert.Equal(0.002, g.Spread, 12);
        Assert.Equal(0.001, g.BoostGain!.Value, 12);
        Assert.True(g.Measurable);
        Assert.Null(RingGain.Of(ablation, "linear"));
        // Without a boost (alpha = 0) the ablation has no boosted cell: the gain stands, the boost's change is not made up.
        Assert.Null(RingGain.Of(ablation[..2], "mlp")!.BoostGain);
    }

    [Fact]
    public void Invalid_options_name_the_option()
    {
        var alpha = Assert.Throws<InvalidOptionException>(() => new RingOptions { Alpha = -1 }.Validated());
        Assert.Equal("RingOptions.Alpha", alpha.Option);
        Assert.StartsWith("RingOptions.Alpha must be", alpha.Message);
        Assert.Equal("RingOptions.AblationSeeds", Assert.Throws<InvalidOptionException>(() => new RingOptions { AblationSeeds = -1 }.Validated()).Option);
    }
}
