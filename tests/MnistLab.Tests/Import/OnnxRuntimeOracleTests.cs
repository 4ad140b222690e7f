using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Import;

/// <summary>
/// ONNX Runtime, an independent implementation of every operator, is the oracle for the conversion: the converted
/// TorchSharp module must give its outputs on the same inputs.
/// </summary>
public class OnnxRuntimeOracleTests
{
    /// <summary>ONNX Runtime's outputs for <paramref name="images"/> (N, 1, 28, 28) fed in the graph input's shape.</summary>
    internal static float[] RunOrt(byte[] model, float[] images, int n)
    {
        using var session = new InferenceSession(model);
        var input = session.InputMetadata.First();
        int[] dims = [n, .. input.Value.Dimensions.Skip(1)];
        var value = NamedOnnxValue.CreateFromTensor(input.Key, new DenseTensor<float>(images, dims));
        using var results = session.Run([value]);
        return results.First().AsTensor<float>().ToArray();
    }

    /// <summary>The converted module's outputs, flattened, for the same images.</summary>
    internal static float[] RunConverted(string path, float[] images, int n)
    {
        using var scope = NewDisposeScope();
        var x = tensor(images, [n, 1, 28, 28]);
        var built = ModelSource.Build(path, null, null, x);
        using var model = built.Model;
        using var _ = no_grad();
        return model.call(x).contiguous().data<float>().ToArray();
    }

    static float[] RandomImages(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n * 784).Select(_ => (float)rng.NextDouble()).ToArray();
    }

    static void AssertClose(float[] expected, float[] got, double tolerance, string what)
    {
        Assert.Equal(expected.Length, got.Length);
        double max = expected.Zip(got, (a, b) => Math.Abs(a - b) / Math.Max(1, Math.Abs(a))).Max();
        Assert.True(max <= tolerance, $"{what}: differs from ONNX Runtime by up to {max}");
    }

    [Theory]
    [InlineData("mlp.onnx")]
    [InlineData("cnn.onnx")]
    [InlineData("zoo.onnx")]
    public void Fixture_graphs_match_onnx_runtime(string file)
    {
        const int n = 64;
        var images = RandomImages(n, 1);
        byte[] bytes = File.ReadAllBytes(ModelFixtures.File(file));
        AssertClose(RunOrt(bytes, images, n), RunConverted(ModelFixtures.File(file), images, n), 1e-5, file);
    }

    /// <summary>A residual graph of every supported operator with non-default attributes, which no PyTorch export here writes.</summary>
    internal static byte[] EveryOperator()
    {
        var g = new OnnxGraphs().Input("X", 1, 28, 28);
        string c1 = g.Node("Conv", ["X", g.Random("W1", [4, 1, 3, 3]), g.Random("B1", [4])], "c1", OnnxGraphs.Ints("pads", 1, 1, 1, 1), OnnxGraphs.Ints("kernel_shape", 3, 3));
        string bn = g.Node("BatchNormalization", [c1, g.Random("scale", [4], 0.5, 1.5), g.Random("shift", [4]), g.Random("mean", [4]), g.Random("var", [4], 0.5, 2)], "bn", OnnxGraphs.Float("epsilon", 1e-3f));
        string r = g.Node("Relu", [bn], "r");
        string c2 = g.Node("Conv", [r, g.Random("W2", [4, 2, 3, 3])], "c2", OnnxGraphs.Ints("pads", 1, 1, 1, 1), OnnxGraphs.Int("group", 2));
        string res = g.Node("Add", [r, c2], "res");
        string ap = g.Node("AveragePool", [res], "ap", OnnxGraphs.Ints("kernel_shape", 3, 3), OnnxGraphs.Ints("strides", 2, 2), OnnxGraphs.Ints("pads", 1, 1, 1, 1));
        string mp = g.Node("MaxPool", [ap], "mp", OnnxGraphs.Ints("kernel_shape", 3, 3), OnnxGraphs.Ints("strides", 2, 2), OnnxGraphs.Int("ceil_mode", 1));
        string m = g.Node("Mul", [mp, g.Constant(OnnxGraphs.Tensor("half", [], [0.5f]))], "m");
        string s = g.Node("Sub", [g.Constant(OnnxGraphs.Tensor("one", [1], [1f])), m], "s");
        string id = g.Node("Identity", [s], "id");
        string dr = g.Node("Dropout", [id, g.Constant(OnnxGraphs.Tensor("ratio", [], [0.3f]))], "dr");
        string shape = g.Node("Constant", [], "shape", new Onnx.AttributeProto { Name = "value", Type = Onnx.AttributeProto.Types.AttributeType.Tensor, T = OnnxGraphs.Longs("shape_value", 0, -1) });
        string flat = g.Node("Reshape", [dr, shape], "flat");
        string mm = g.Node("MatMul", [flat, g.Random("M", [4 * 7 * 7, 12])], "mm");
        string a2 = g.Node("Add", [mm, g.Random("c", [12])], "a2");
        string t = g.Node("Tanh", [a2], "t");
        string lr = g.Node("LeakyRelu", [t], "lr", OnnxGraphs.Float("alpha", 0.2f));
        string sg = g.Node("Sigmoid", [lr], "sg");
        string gemm = g.Node("Gemm", [sg, g.Random("G", [10, 12]), g.Random("C", [1, 10])], "gemm", OnnxGraphs.Int("transB", 1), OnnxGraphs.Float("alpha", 0.5f), OnnxGraphs.Float("beta", 2f));
        string d = g.Node("Div", [gemm, g.Random("den", [10], 0.5, 2)], "d");
        string dm = g.Node("Mul", [d, d], "dm");
        string ls = g.Node("LogSoftmax", [dm], "ls", OnnxGraphs.Int("axis", 1));
        return g.Build(ls);
    }

    [Fact]
    public void Every_operator_with_its_attributes_matches_onnx_runtime()
    {
        using var dir = new TempDir();
        byte[] bytes = EveryOperator();
        File.WriteAllBytes(dir.File("every.onnx"), bytes);
        const int n = 16;
        var images = RandomImages(n, 2);
        AssertClose(RunOrt(bytes, images, n), RunConverted(dir.File("every.onnx"), images, n), 1e-5, "every operator");
    }

    [Fact]
    public void Global_pooling_flatten_and_softmax_of_a_flat_input_match_onnx_runtime()
    {
        using var dir = new TempDir();
        var g = new OnnxGraphs(3).Input("pixels", 784);
        string r = g.Node("Reshape", ["pixels", g.Constant(OnnxGraphs.Longs("s", -1, 4, 14, 14))], "img");
        string gp = g.Node("GlobalAveragePool", [r], "gp");
        string f = g.Node("Flatten", [gp], "f");
        string gm = g.Node("Gemm", [f, g.Random("W", [4, 10]), g.Random("b", [10])], "gm");
        string sm = g.Node("Softmax", [gm], "sm");
        byte[] bytes = g.Build(sm);
        File.WriteAllBytes(dir.File("flat.onnx"), bytes);
        var images = RandomImages(8, 3);
        AssertClose(RunOrt(bytes, images, 8), RunConverted(dir.File("flat.onnx"), images, 8), 1e-5, "flat input");
    }

    [Fact]
    public void An_operator_outside_the_set_is_an_error_naming_the_operator_and_the_node()
    {
        using var dir = new TempDir();
        var g = new OnnxGraphs().Input("X", 1, 28, 28);
        string f = g.Node("Flatten", ["X"], "f");
        string e = g.Node("HardSwish", [f], "e");
        File.WriteAllBytes(dir.File("hardswish.onnx"), g.Build(e, opset: 14));
        using var scope = NewDisposeScope();
        var error = Assert.Throws<DataFormatException>(() => ModelSource.Build(dir.File("hardswish.onnx"), null, null, zeros(2, 1, 28, 28)));
        Assert.Contains(dir.File("hardswish.onnx"), error.Message);
        Assert.Contains("node 'HardSwish_1' (HardSwish)", error.Message);
        Assert.Contains("operator 'HardSwish' is not supported", error.Message);
    }

    [Fact]
    public void A_graph_whose_shapes_do_not_chain_names_the_node()
    {
        using var dir = new TempDir();
        var g = new OnnxGraphs().Input("X", 784);
        string gm = g.Node("Gemm", ["X", g.Random("W", [10, 700])], "gm", OnnxGraphs.Int("transB", 1));
        File.WriteAllBytes(dir.File("bad.onnx"), g.Build(gm));
        using var scope = NewDisposeScope();
        var error = Assert.Throws<DataFormatException>(() => ModelSource.Build(dir.File("bad.onnx"), null, null, zeros(2, 1, 28, 28)));
        Assert.Contains("node 'Gemm_0' (Gemm) expects 700 input features, gets 784", error.Message);
    }
}
