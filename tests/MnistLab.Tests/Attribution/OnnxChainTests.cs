using MnistLab.Attribution;
using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Tests.Import;
using MnistLab.Tests.Support;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Tests.Attribution;

/// <summary>
/// An ONNX graph that is a chain of layers is read as a layer graph: the CNN fixture exported to ONNX (its normalisation
/// as Sub and Div nodes) gives the LRP maps of the same CNN imported from its state_dict and architecture file, an ONNX
/// MLP's exact IG completes, and a graph that is not a chain is refused naming the node.
/// </summary>
public class OnnxChainTests
{
    static Tensor Images(int n, int seed) => RandomImages.Of(n, seed);

    static Module<Tensor, Tensor> Built(string file, string? arch = null)
    {
        var model = ModelSource.Build(ModelFixtures.File(file), arch is null ? null : ModelFixtures.File(arch), null, zeros(2, 1, 28, 28)).Model;
        model.eval();
        return model;
    }

    [Theory]
    [InlineData("zero")]
    [InlineData("epsilon-gamma-box")]
    public void The_onnx_cnn_gives_the_maps_of_the_same_cnn_from_its_state_dict(string composite)
    {
        using var onnx = Built("cnn.onnx");
        using var sequential = Built("cnn.pt", "cnn.json");
        using var x = Images(3, 31);
        long[] targets = [1, 4, 7];
        Assert.StartsWith("view 1x28x28 → reshape → sub constant → div constant → conv 1→8 3x3", LayerGraph.Of(onnx).Describe());

        var a = Lrp.Compute(new AttributionInput(onnx, x, targets), new LrpOptions { Composite = composite });
        var b = Lrp.Compute(new AttributionInput(sequential, x, targets), new LrpOptions { Composite = composite });
        double scale = b.Values.Max(v => Math.Abs(v));
        Assert.True(a.Values.Zip(b.Values).Max(p => Math.Abs(p.First - p.Second)) < 1e-4 * scale, $"{composite}: the two imports' LRP maps differ");
    }

    [Theory]
    [InlineData("mlp.onnx")]
    [InlineData("view_cnn.onnx")]
    public void Chains_exported_by_pytorch_are_read_and_reproduce_the_model(string file)
    {
        using var model = Built(file);
        using var x = Images(2, 32);
        var lrp = Lrp.Compute(new AttributionInput(model, x, [3, 8]), new LrpOptions()); // refused unless the graph reproduces the model
        Assert.All(lrp.Values, v => Assert.True(float.IsFinite(v)));
        Assert.Contains(lrp.Values, v => v != 0);
    }

    [Fact]
    public void Exact_ig_walks_an_onnx_mlp_and_its_clip_as_a_piecewise_linear_layer()
    {
        using var mlp = Built("mlp.onnx");
        using var x = Images(2, 33);
        Assert.True(ExactIntegratedGradients.Compute(new AttributionInput(mlp, x, [3, 8]), new ExactIntegratedGradientsOptions()).MaxAbsCompletenessError < 1e-6);

        // Clip as ONNX writes ReLU6: the walk stops at both corners, and the integral completes.
        manual_seed(34);
        using var clipped = Sequential(Flatten(), Linear(784, 12), new MnistLab.Import.Layers.ClipModule(0, 0.5), Linear(12, 10));
        var exact = ExactIntegratedGradients.Compute(new AttributionInput(clipped, x * 4, [3, 8]), new ExactIntegratedGradientsOptions());
        Assert.True(exact.MaxAbsCompletenessError < 1e-9, $"{exact.MaxAbsCompletenessError}");
        Assert.Contains("clip [0, 0.5]", LayerGraph.Of(clipped).Describe());
    }

    [Fact]
    public void A_graph_that_is_not_a_chain_is_refused_naming_the_node()
    {
        using var gelu = Built("gelu_mlp.onnx"); // GELU exports as x · 0.5 · (1 + erf(x / √2)): a product of two computed values
        var e = Assert.Throws<MnistLabException>(() => LayerGraph.Of(gelu));
        Assert.StartsWith("the ONNX graph is not a chain of layers: node '", e.Message);
    }
}
