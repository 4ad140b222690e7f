using MnistLab.Analysis.Concepts;
using MnistLab.Analysis.Probes;
using MnistLab.Common;
using MnistLab.Models;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis.Probes;

public class LayerFeaturesTests
{
    [Fact]
    public void Wide_points_are_pooled_or_projected_to_the_limit_and_narrow_ones_kept_whole()
    {
        using var data = Digits.SeparableSet(3);
        using var init = Seeds.Generator(0, "features/init");
        using var net = new RotResNetSpec().Create(init);
        var layers = LayerFeatures.Read(net, x => x, data.Images, ["res1", "fc1"], 2048, seed: 1, batchSize: 7);
        try
        {
            Assert.Equal(64 * 5 * 5, layers[0].Width); // 64 x 28 x 28 pooled to the finest grid with 64 s^2 ≤ 2048
            Assert.Contains("average-pooled to 64x5x5", layers[0].Reduction);
            Assert.Equal(256, layers[1].Width);
            Assert.Equal(30, layers[0].Features.shape[0]);
        }
        finally { foreach (var l in layers) l.Dispose(); }

        var projected = LayerFeatures.Read(net, x => x, data.Images, ["fc1"], 100, seed: 1);
        var again = LayerFeatures.Read(net, x => x, data.Images, ["fc1"], 100, seed: 1);
        try
        {
            Assert.Equal(100, projected[0].Width);
            Assert.Contains("projected at random", projected[0].Reduction);
            Assert.True(projected[0].Features.eq(again[0].Features).all().item<bool>()); // the projection is drawn from the seed
        }
        finally { projected[0].Dispose(); again[0].Dispose(); }
    }

    [Fact]
    public void A_probe_table_of_a_small_mlp_has_every_layer_and_concept_with_its_baselines()
    {
        using var data = Digits.SeparableSet(8);
        using var init = Seeds.Generator(0, "table/init");
        using var mlp = new MlpSpec(784, 16).Create(init);
        var table = ProbeTable.Compute(mlp, x => x, ConceptImages.Of(data), new ProbeTableOptions
        {
            Layers = ["fc1", "output"],
            Concepts = ["class", "size"],
            Images = 80,
            Probe = new ProbeOptions { Folds = 2, Bootstrap = 10, Null = 10, LogisticLambdas = [1e-1, 1e-2] },
        });
        Assert.Equal(["pixels", "fc1", "output", "random:fc1", "random:output"], table.Layers.Select(l => l.Name));
        Assert.Equal(["pixels", "trained", "trained", "random", "random"], table.Layers.Select(l => l.Role));
        Assert.Equal(10, table.Probes.Count);
        // Each class lights its own block of pixels: the raw pixels name the class on held-out images.
        Assert.True(table.Get("pixels", "class").Score > 0.9, $"{table.Get("pixels", "class").Score}");
        Assert.Equal("ridge", table.Get("fc1", "size").Kind);
    }
}
