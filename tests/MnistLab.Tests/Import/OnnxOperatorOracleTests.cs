using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Tests.Support;
using Xunit.Abstractions;
using static MnistLab.Tests.Import.OnnxGraphs;
using static TorchSharp.torch;

namespace MnistLab.Tests.Import;

/// <summary>
/// Graphs written node by node with the attributes and input forms PyTorch's exports leave at their defaults (negative
/// indices and steps, clamped ends, axes as attributes in older opsets, every Resize mode), each compared with ONNX
/// Runtime on random images; and the graphs the conversion must refuse, each naming the node and what it expected.
/// </summary>
public class OnnxOperatorOracleTests(ITestOutputHelper output)
{
    static float[] RandomImages(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n * 784).Select(_ => (float)rng.NextDouble()).ToArray();
    }

    /// <summary>The converted graph's outputs against ONNX Runtime's on 16 random images; the largest difference goes to the test output.</summary>
    void AssertMatchesOnnxRuntime(byte[] bytes, string what)
    {
        OnnxRuntimeCheck.Require();
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("graph.onnx"), bytes);
        const int n = 16;
        var images = RandomImages(n, 5);
        var expected = OnnxRuntimeOracleTests.RunOrt(bytes, images, n);
        var got = OnnxRuntimeOracleTests.RunConverted(dir.File("graph.onnx"), images, n);
        Assert.Equal(expected.Length, got.Length);
        double max = expected.Zip(got, (a, b) => (double)Math.Abs(a - b)).Max();
        output.WriteLine($"{what}: largest |difference| from ONNX Runtime {max:E2}");
        Assert.True(max <= 1e-5 * Math.Max(1, expected.Max(Math.Abs)), $"{what}: differs from ONNX Runtime by up to {max}");
    }

    static string Refused(byte[] bytes)
    {
        using var dir = new TempDir();
        string path = dir.File("graph.onnx");
        File.WriteAllBytes(path, bytes);
        using var scope = NewDisposeScope();
        var e = Assert.Throws<DataFormatException>(() => ModelSource.Build(path, null, null, zeros(2, 1, 28, 28)));
        Assert.StartsWith($"{path}: ", e.Message);
        return e.Message[(path.Length + 2)..];
    }

    /// <summary>A classifier head on <paramref name="value"/> of <paramref name="features"/> per image.</summary>
    static string Head(OnnxGraphs g, string value, long features) =>
        g.Node("Gemm", [value, g.Random($"head.weight", [10, features]), g.Random("head.bias", [10])], "logits", Int("transB", 1));

    [SkippableFact]
    public void Shape_operators_on_computed_values_match_onnx_runtime()
    {
        var g = new OnnxGraphs(11).Input("X", 1, 28, 28);
        string r = g.Node("Reshape", ["X", g.Constant(Longs("to", 0, 4, 7, 28))], "r");                                         // (N, 4, 7, 28)
        string t = g.Node("Transpose", [r], "t", Ints("perm", 0, 3, 1, 2));                                                       // (N, 28, 4, 7)
        string s = g.Node("Slice", [t, g.Constant(Longs("starts", 27, 1)), g.Constant(Longs("ends", -100, 100)),
            g.Constant(Longs("axes", 1, -1)), g.Constant(Longs("steps", -2, 2))], "s");                                            // (N, 14, 4, 3)
        string ga = g.Node("Gather", [s, g.Constant(Longs("indices", [2, 2], [0, -1, 2, 1]))], "ga", Int("axis", 2));           // (N, 14, 2, 2, 3)
        string un = g.Node("Unsqueeze", [ga, g.Constant(Longs("unsqueeze", -1, 2))], "un");                                      // (N, 14, 1, 2, 2, 3, 1)
        string sq = g.Node("Squeeze", [un], "sq");                                                                                // (N, 14, 2, 2, 3)
        string rm = g.Node("ReduceMean", [sq], "rm", Ints("axes", 2, -1), Int("keepdims", 0));                                   // (N, 14, 2)
        string f1 = g.Node("Flatten", [rm], "f1");                                                                                // (N, 28)
        string f2 = g.Node("Flatten", [sq], "f2");                                                                                // (N, 168)
        string cc = g.Node("Concat", [f1, f2, f1], "cc", Int("axis", -1));                                                       // (N, 224)
        string u2 = g.Node("Unsqueeze", [cc, g.Constant(Longs("one", 1))], "u2");                                                // (N, 1, 224)
        string ex = g.Node("Expand", [u2, g.Constant(Longs("expand", 1, 2, 1))], "ex");                                          // (N, 2, 224)
        string g0 = g.Node("Gather", [ex, g.Constant(Longs("second", [], [-1]))], "g0", Int("axis", 1));                        // (N, 224)
        AssertMatchesOnnxRuntime(g.Build(Head(g, g0, 224)), "shape operators");
    }

    [SkippableFact]
    public void Elementwise_operators_match_onnx_runtime()
    {
        var g = new OnnxGraphs(12).Input("X", 1, 28, 28);
        string x = g.Node("Flatten", ["X"], "x");
        string a = g.Node("Gemm", [x, g.Random("W", [16, 784], -0.2, 0.2), g.Random("B", [16])], "a", Int("transB", 1));
        string high = g.Node("Clip", [a, "", g.Constant(Tensor("max", [], [0.4f]))], "high");
        string low = g.Node("Clip", [high, g.Constant(Tensor("min", [], [-0.6f]))], "low");
        string exp = g.Node("Exp", [g.Node("Neg", [low], "neg")], "exp");
        string log = g.Node("Log", [g.Node("Add", [exp, g.Constant(Tensor("one", [], [1f]))], "plus")], "log");
        string sqrt = g.Node("Sqrt", [log], "sqrt");
        string erf = g.Node("Erf", [a], "erf");
        string cube = g.Node("Pow", [sqrt, g.Constant(Tensor("three", [], [3f]))], "cube");
        string twoTo = g.Node("Pow", [g.Constant(Tensor("two", [], [2f])), erf], "twoTo");
        string power = g.Node("Pow", [exp, erf], "power");
        string ints = g.Node("Cast", [g.Node("Mul", [a, g.Constant(Tensor("four", [], [4f]))], "a4")], "ints", Int("to", 7));
        string zero = g.Node("Equal", [ints, g.Constant(Longs("nought", [], [0]))], "zero");
        string same = g.Node("Equal", [ints, g.Node("Cast", [g.Node("Cast", [a], "af", Int("to", 11))], "back", Int("to", 7))], "same");
        string w1 = g.Node("Where", [zero, g.Random("fill", [16]), cube], "w1");
        string w2 = g.Node("Where", [same, twoTo, g.Node("Cast", [ints], "fl", Int("to", 1))], "w2");
        string joined = g.Node("Concat", [w1, w2, power, g.Node("Cast", [zero], "zf", Int("to", 1))], "joined", Int("axis", 1));
        AssertMatchesOnnxRuntime(g.Build(Head(g, joined, 64)), "elementwise operators");
    }

    [SkippableFact]
    public void A_transposed_convolution_with_dilation_and_without_bias_matches_onnx_runtime()
    {
        var g = new OnnxGraphs(13).Input("X", 1, 28, 28);
        string c = g.Node("Conv", ["X", g.Random("W1", [4, 1, 3, 3])], "c", Ints("strides", 2, 2));                              // (N, 4, 13, 13)
        string ct = g.Node("ConvTranspose", [c, g.Random("W2", [4, 3, 3, 2])], "ct", Ints("strides", 2, 3), Ints("dilations", 2, 1),
            Ints("pads", 1, 0, 1, 0), Ints("output_padding", 1, 2));                                                                // (N, 3, 28, 40)
        string p = g.Node("AveragePool", [ct], "p", Ints("kernel_shape", 4, 4), Ints("strides", 4, 4));                          // (N, 3, 7, 10)
        AssertMatchesOnnxRuntime(g.Build(Head(g, g.Node("Flatten", [p], "f"), 210)), "ConvTranspose");
    }

    [SkippableFact]
    public void Opset_10s_forms_of_axes_bounds_and_resize_match_onnx_runtime()
    {
        var g = new OnnxGraphs(14).Input("X", 1, 28, 28);
        string p = g.Node("AveragePool", ["X"], "p", Ints("kernel_shape", 4, 4), Ints("strides", 4, 4));                         // (N, 1, 7, 7)
        string up = g.Node("Resize", [p, g.Constant(Tensor("scales", [4], [1, 1, 2, 3]))], "up", Str("mode", "nearest"));       // (N, 1, 14, 21)
        string lin = g.Node("Resize", [p, g.Constant(Tensor("scales2", [4], [1, 1, 1.5f, 0.5f]))], "lin", Str("mode", "linear")); // (N, 1, 10, 3)
        string sq = g.Node("Squeeze", [up], "sq", Ints("axes", 1));                                                                // (N, 14, 21)
        string cl = g.Node("Clip", [sq], "cl", Float("min", 0.2f), Float("max", 0.7f));
        string un = g.Node("Unsqueeze", [cl], "un", Ints("axes", 1));                                                              // (N, 1, 14, 21)
        string rm = g.Node("ReduceMean", [un], "rm", Ints("axes", 3));                                                             // (N, 1, 14, 1)
        string joined = g.Node("Concat", [g.Node("Flatten", [rm], "f1"), g.Node("Flatten", [lin], "f2")], "joined", Int("axis", 1));
        AssertMatchesOnnxRuntime(g.Build(Head(g, joined, 14 + 30), opset: 10), "opset 10");
    }

    [SkippableTheory]
    [InlineData("nearest")]
    [InlineData("linear")]
    public void Opset_9s_upsample_and_slice_match_onnx_runtime(string mode)
    {
        var g = new OnnxGraphs(15).Input("X", 1, 28, 28);
        string p = g.Node("AveragePool", ["X"], "p", Ints("kernel_shape", 4, 4), Ints("strides", 4, 4));                         // (N, 1, 7, 7)
        string up = g.Node("Upsample", [p, g.Constant(Tensor("scales", [4], [1, 1, 2.5f, 2]))], "up", Str("mode", mode));        // (N, 1, 17, 14)
        string s = g.Node("Slice", [up], "s", Ints("starts", -5, 1), Ints("ends", 1000, -1), Ints("axes", 2, 3));                 // (N, 1, 5, 12)
        AssertMatchesOnnxRuntime(g.Build(Head(g, g.Node("Flatten", [s], "f"), 60), opset: 9), $"opset 9 Upsample {mode}");
    }

    public static TheoryData<string, string, string, bool> ResizeModes()
    {
        var data = new TheoryData<string, string, string, bool>();
        string[] coordinates = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"];
        foreach (var c in coordinates)
            foreach (bool sizes in new[] { false, true })
            {
                foreach (var rounding in new[] { "round_prefer_floor", "round_prefer_ceil", "floor", "ceil" }) data.Add("nearest", c, rounding, sizes);
                data.Add("linear", c, "round_prefer_floor", sizes);
            }
        return data;
    }

    /// <summary>
    /// Resize of a 14 x 14 image, enlarging one side and shrinking the other: by scales (1.5, 0.75), or to sizes
    /// (20, 9) computed from the batch with Shape, Slice and Concat as PyTorch writes them.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(ResizeModes))]
    public void Every_resize_mode_matches_onnx_runtime(string mode, string coordinates, string rounding, bool sizes)
    {
        var g = new OnnxGraphs(16).Input("X", 1, 28, 28);
        string p = g.Node("AveragePool", ["X"], "p", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2));                         // (N, 1, 14, 14)
        string[] inputs = sizes
            ? [p, "", "", g.Node("Concat", [g.Node("Slice", [g.Node("Shape", [p], "shape"), g.Constant(Longs("s0", 0)), g.Constant(Longs("s1", 2))], "nc"),
                g.Constant(Longs("hw", 20, 9))], "sizes", Int("axis", 0))]
            : [p, "", g.Constant(Tensor("scales", [4], [1, 1, 1.5f, 0.75f]))];
        string r = g.Node("Resize", inputs, "r", Str("mode", mode), Str("coordinate_transformation_mode", coordinates), Str("nearest_mode", rounding));
        long features = sizes ? 20 * 9 : 21 * 10;
        AssertMatchesOnnxRuntime(g.Build(Head(g, g.Node("Flatten", [r], "f"), features)), $"Resize {mode} {coordinates} {rounding} {(sizes ? "sizes" : "scales")}");
    }

    public static TheoryData<string, string> RefusedResizes() => new()
    {
        { "mode", "cubic" },
        { "coordinate_transformation_mode", "tf_crop_and_resize" },
        { "coordinate_transformation_mode", "half_pixel_symmetric" },
        { "coordinate_transformation_mode", "tf_half_pixel_for_nearest" },
        { "nearest_mode", "round_half_even" },
    };

    [Theory]
    [MemberData(nameof(RefusedResizes))]
    public void A_resize_mode_not_implemented_is_refused_by_name(string attribute, string value)
    {
        var g = new OnnxGraphs().Input("X", 1, 28, 28);
        string r = g.Node("Resize", ["X", "", g.Constant(Tensor("scales", [4], [1, 1, 2, 2]))], "r", Str(attribute, value));
        string error = Refused(g.Build(Head(g, g.Node("Flatten", [r], "f"), 56 * 56)));
        Assert.StartsWith($"node 'Resize_0' (Resize): {attribute} '{value}' is not supported (MnistLab ", error);
    }

    public static TheoryData<string, string> RefusedGraphs() => new()
    {
        { "equal-batch", "node 'Equal_3' (Equal): it compares the batch size (from Shape) with 5, which holds for one batch size only." },
        { "zeros-of-batch", "node 'ConstantOfShape_3' (ConstantOfShape): its shape holds the batch size, which is unknown until the model runs; a constant cannot have it." },
        { "batch-arithmetic", "node 'Mul_2' (Mul): its first input '/Gather' holds the batch size (read by a Shape node); only Reshape, Expand and Resize take the batch size, to keep the batch." },
        { "batch-in-second-place", "node 'Reshape_4' (Reshape): its target shape [-1, N] holds the batch size (from Shape) at position 1; only the first position keeps the batch." },
        { "concat-constant", "node 'Concat_1' (Concat): its input 'c' is a constant; Concat joins values computed from the image, and a constant has no batch." },
        { "gather-batch", "node 'Gather_0' (Gather): it gathers along axis 0, the batch: it would pick images, not features of each image." },
        { "slice-batch", "node 'Slice_0' (Slice): it slices axis 0, the batch, from 1 to 9223372036854775807 by 1; only the whole batch can be taken." },
        { "computed-bound", "node 'Clip_1' (Clip): its second input 'f' is computed from the image; it must be a constant." },
        { "reduce-all", "node 'ReduceMean_0' (ReduceMean): it averages over axis 0, the batch." },
    };

    [Theory]
    [MemberData(nameof(RefusedGraphs))]
    public void A_graph_outside_what_the_conversion_computes_exactly_is_refused_naming_the_node(string graph, string expected)
    {
        var g = new OnnxGraphs().Input("X", 1, 28, 28);
        string BatchSize() => g.Node("Gather", [g.Node("Shape", ["X"], "shape"), g.Constant(Longs("zero", [], [0]))], "/Gather", Int("axis", 0));
        string Vector(string scalar) => g.Node("Unsqueeze", [scalar, g.Constant(Longs("axis0", 0))], "vector");
        string last = graph switch
        {
            "equal-batch" => g.Node("Where", [g.Node("Equal", [Vector(BatchSize()), g.Constant(Longs("five", 5))], "eq"), "X", "X"], "w"),
            "zeros-of-batch" => g.Node("ConstantOfShape", [Vector(BatchSize())], "zeros"),
            "batch-arithmetic" => g.Node("Reshape", ["X", Vector(g.Node("Mul", [BatchSize(), g.Constant(Longs("two", [], [2]))], "twice"))], "r"),
            "batch-in-second-place" => g.Node("Reshape", ["X", g.Node("Concat", [g.Constant(Longs("rest", -1)), Vector(BatchSize())], "target", Int("axis", 0))], "r"),
            "concat-constant" => g.Node("Concat", [g.Node("Flatten", ["X"], "f"), g.Random("c", [1, 10])], "cc", Int("axis", 1)),
            "gather-batch" => g.Node("Gather", ["X", g.Constant(Longs("first", [], [0]))], "ga"),
            "slice-batch" => g.Node("Slice", ["X", g.Constant(Longs("s", 1)), g.Constant(Longs("e", long.MaxValue)), g.Constant(Longs("a", 0))], "sl"),
            "computed-bound" => g.Node("Clip", ["X", g.Node("Flatten", ["X"], "f")], "cl"),
            "reduce-all" => g.Node("ReduceMean", ["X"], "rm"),
            _ => throw new ArgumentException(graph),
        };
        Assert.Equal(expected, Refused(g.Build(last)));
    }
}
