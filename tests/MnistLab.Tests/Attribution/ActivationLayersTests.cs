using MnistLab.Attribution;
using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Tests.Support;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Tests.Attribution;

/// <summary>
/// Exact Integrated Gradients and LRP on models with activations other than ReLU: LeakyReLU and ReLU6 are
/// linear on pieces, so the exact integral applies (checked against a fine Riemann sum and by completeness); Tanh,
/// Sigmoid and GELU pass relevance in LRP (Zennit's rule for activations), which on bias-free layers conserves it
/// exactly, and exact IG refuses them by name before any work.
/// </summary>
public class ActivationLayersTests
{
    static Tensor Images(int n, int seed) => RandomImages.Of(n, seed);

    static long[] Targets(int n) => Enumerable.Range(0, n).Select(i => (long)((i * 3 + 1) % 10)).ToArray();

    [Fact]
    public void Exact_ig_walks_leaky_relu_relu6_and_average_pooling()
    {
        manual_seed(21);
        using var cnn = Sequential(Conv2d(1, 3, 3, padding: 1), LeakyReLU(0.1), AvgPool2d(2), Conv2d(3, 4, 3), ReLU6(), Flatten(),
            Linear(4 * 12 * 12, 16), LeakyReLU(0.3), Linear(16, 10));
        using var x = Images(3, 22) * 3; // brighter than MNIST: more corners crossed along the path
        var input = new AttributionInput(cnn, x, Targets(3));
        Assert.Equal("conv 1→3 3x3 → leakyrelu 0.1 → avgpool 2x2 → conv 3→4 3x3 → relu6 → flatten → linear 576→16 → leakyrelu 0.3 → linear 16→10",
            LayerGraph.Of(cnn).Describe());
        var exact = ExactIntegratedGradients.Compute(input, new ExactIntegratedGradientsOptions());
        Assert.True(exact.MaxAbsCompletenessError < 1e-6, $"exact completeness {exact.MaxAbsCompletenessError}");
        Assert.All(exact.Pieces!, p => Assert.True(p > 1, "the path crosses corners"));
        var riemann = IntegratedGradients.Compute(input, new IntegratedGradientsOptions { Steps = 4000, Method = IntegrationMethod.RiemannMiddle });
        double scale = exact.Values.Max(v => Math.Abs(v));
        double diff = exact.Values.Zip(riemann.Values).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(diff < 2e-3 * scale, $"4000 midpoint steps differ from the exact integral by {diff} (scale {scale})");
    }

    [Fact]
    public void A_leaky_relu_whose_slope_were_ignored_would_not_complete()
    {
        // Leaky with slope 1 is the identity: the whole model is linear, so exact IG is (x − b) · ∇f on one piece.
        manual_seed(23);
        using var linear = Sequential(Flatten(), Linear(784, 8), LeakyReLU(1.0), Linear(8, 10));
        using var x = Images(2, 24);
        var input = new AttributionInput(linear, x, Targets(2));
        var exact = ExactIntegratedGradients.Compute(input, new ExactIntegratedGradientsOptions());
        Assert.All(exact.Pieces!, p => Assert.Equal(1, p));
        var gxi = InputXGradient.Compute(input, new InputXGradientOptions());
        Assert.True(exact.Values.Zip(gxi.Values).Max(p => Math.Abs(p.First - p.Second)) < 1e-6);
    }

    [Theory]
    [InlineData("tanh")]
    [InlineData("sigmoid")]
    [InlineData("gelu")]
    [InlineData("leaky")]
    public void Lrp_zero_passes_every_activation_and_conserves_relevance_without_biases(string activation)
    {
        manual_seed(25);
        Module<Tensor, Tensor> act = activation switch { "tanh" => Tanh(), "sigmoid" => Sigmoid(), "gelu" => GELU(), _ => LeakyReLU(0.2) };
        using var cnn = Sequential(Conv2d(1, 4, 3, bias: false), act, MaxPool2d(2), Flatten(), Linear(4 * 13 * 13, 10, hasBias: false));
        using var x = Images(4, 26);
        var lrp = Lrp.Compute(new AttributionInput(cnn, x, Targets(4)), new LrpOptions { Composite = "zero" });
        Assert.True(lrp.MaxAbsCompletenessError < 1e-6, $"{activation}: relevance sums to the output within {lrp.MaxAbsCompletenessError}");
        Assert.All(lrp.Values, v => Assert.True(float.IsFinite(v)));
        // The default composite runs too (its rules differ by layer; biases break exact conservation there).
        var epsilonPlus = Lrp.Compute(new AttributionInput(cnn, x, Targets(4)), new LrpOptions());
        Assert.All(epsilonPlus.Values, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Exact_ig_refuses_a_smooth_activation_by_name_before_any_work()
    {
        using var tanh = Sequential(Flatten(), Linear(784, 8), Tanh(), Linear(8, 10));
        using var x = Images(1, 27);
        var e = Assert.Throws<MnistLabException>(() => ExactIntegratedGradients.Compute(new AttributionInput(tanh, x, [0]), new ExactIntegratedGradientsOptions()));
        Assert.Equal("exact Integrated Gradients walks models that are linear on pieces; tanh is smooth, so the path through it has no pieces to walk: use ig (Gauss–Legendre steps) instead.", e.Message);
    }

    [Fact]
    public void An_imported_sequential_of_leaky_relu_and_tanh_is_read_with_its_normalisation()
    {
        var arch = Architecture.Parse("""
            {"input": [1, 28, 28], "normalize": {"mean": [0.1307], "std": [0.3081]},
             "layers": [{"type": "Conv2d", "in_channels": 1, "out_channels": 4, "kernel_size": 3},
                        {"type": "LeakyReLU", "negative_slope": 0.05}, {"type": "AvgPool2d", "kernel_size": 2},
                        {"type": "Flatten"}, {"type": "Linear", "in_features": 676, "out_features": 12},
                        {"type": "Tanh"}, {"type": "Linear", "in_features": 12, "out_features": 10}]}
            """, "test");
        manual_seed(28);
        using var model = new SequentialSpec(arch).Create();
        model.eval();
        using var x = Images(2, 29);
        var input = new AttributionInput(model, x, Targets(2));
        Assert.StartsWith("view 1x28x28 → normalize → conv 1→4 3x3 → leakyrelu 0.05 → avgpool 2x2", LayerGraph.Of(model).Describe());
        var lrp = Lrp.Compute(input, new LrpOptions());
        Assert.All(lrp.Values, v => Assert.True(float.IsFinite(v)));
        Assert.Contains("tanh is smooth", Assert.Throws<MnistLabException>(() => ExactIntegratedGradients.Compute(input, new ExactIntegratedGradientsOptions())).Message);
    }

    [Fact]
    public void Every_layer_type_of_an_architecture_file_is_read_and_a_final_softmax_is_refused_by_name()
    {
        // The fixture of every layer type, with its random BatchNorm statistics, read from the state_dict PyTorch saved.
        var zoo = Architecture.Read(Import.ModelFixtures.File("zoo.json"));
        using var weights = StateDictFile.ReadPyTorch(Import.ModelFixtures.File("zoo.pt"));
        using var full = new SequentialSpec(zoo).Create();
        StateDictLoader.Load(full, weights, "zoo");
        full.eval();
        using var x = Images(2, 30);
        var e = Assert.Throws<MnistLabException>(() => Lrp.Compute(new AttributionInput(full, x, [0, 1]), new LrpOptions()));
        Assert.StartsWith("Softmax: exact Integrated Gradients and LRP explain the scores before the softmax", e.Message);

        using var scores = new SequentialSpec(zoo with { Layers = zoo.Layers.SkipLast(1).ToList() }).Create();
        StateDictLoader.Load(scores, weights, "zoo without its softmax");
        scores.eval();
        var lrp = Lrp.Compute(new AttributionInput(scores, x, [0, 1]), new LrpOptions()); // checks that the graph reproduces the model
        Assert.All(lrp.Values, v => Assert.True(float.IsFinite(v)));
        Assert.Contains("adaptive avgpool", LayerGraph.Of(scores).Describe());
    }
}
