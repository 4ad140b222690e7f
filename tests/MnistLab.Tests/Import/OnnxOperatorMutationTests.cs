using Google.Protobuf;
using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Tests.Support;
using Onnx;
using static TorchSharp.torch;

namespace MnistLab.Tests.Import;

/// <summary>
/// The ONNX operator fixtures damaged where their new operators read something: an index out of range, a mode not
/// implemented, a folded shape that no longer fits. Each must be refused in one line naming the file, the node, its
/// operator and what was expected; a change that keeps the graph valid (a negative index for the same element, another
/// nearest rounding) must convert to what ONNX Runtime computes.
/// </summary>
public class OnnxOperatorMutationTests
{
    static ModelProto Load(string fixture) => ModelProto.Parser.ParseFrom(File.ReadAllBytes(ModelFixtures.File($"{fixture}.onnx")));

    static NodeProto Nth(ModelProto model, string op, int n = 0) => model.Graph.Node.Where(x => x.OpType == op).ElementAt(n);

    static NodeProto Producer(ModelProto model, string value) => model.Graph.Node.Single(x => x.Output.Contains(value));

    /// <summary>Input <paramref name="i"/> of <paramref name="node"/>, a Constant node's value, replaced by <paramref name="value"/>.</summary>
    static void SetConstant(ModelProto model, NodeProto node, int i, TensorProto value)
    {
        var constant = Producer(model, node.Input[i]);
        Assert.Equal("Constant", constant.OpType);
        constant.Attribute.Clear();
        constant.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = value });
    }

    static void SetAttribute(NodeProto node, AttributeProto attribute)
    {
        var old = node.Attribute.FirstOrDefault(a => a.Name == attribute.Name);
        if (old is not null) node.Attribute.Remove(old);
        node.Attribute.Add(attribute);
    }

    static TensorProto Scalar(long value) => OnnxGraphs.Longs("value", [], [value]);

    /// <summary>Each case: the fixture, the damage done to it (returning the node that must be named), and the error's text after the node.</summary>
    public static TheoryData<string> Cases() =>
    [
        "gather-out-of-range", "gather-fixes-batch", "reshape-does-not-fit", "unsqueeze-axis", "resize-cubic", "resize-crop",
        "resize-scales-batch", "resize-sizes-short", "clip-computed-bound", "transpose-batch", "squeeze-size", "conv-transpose-pads",
        "conv-transpose-output-shape", "reduce-batch", "cast-type", "slice-step", "concat-batch", "expand-shape", "equal-batch",
    ];

    static (string Fixture, Func<ModelProto, NodeProto> Damage, string Expected) Case(string name) => name switch
    {
        "gather-out-of-range" => ("view_cnn", m => { var n = Nth(m, "Gather"); SetConstant(m, n, 1, Scalar(7)); return n; },
            "index 7 is out of range for axis 0 of size 4; ONNX takes indices in [-4, 3]."),
        "gather-fixes-batch" => ("view_cnn", m => { SetConstant(m, Nth(m, "Gather"), 1, Scalar(1)); return Nth(m, "Reshape"); },
            "its target (8, -1) fixes the batch size: the first size must be 0 or -1 (or the batch size read with Shape)."),
        "reshape-does-not-fit" => ("view_cnn", m => { SetConstant(m, Nth(m, "Unsqueeze", 1), 0, Scalar(100)); return Nth(m, "Reshape"); },
            "cannot reshape (N, 8, 4, 4) (128 values per image) to (N, 100)."),
        "unsqueeze-axis" => ("view_cnn", m => { var n = Nth(m, "Unsqueeze"); SetConstant(m, n, 1, OnnxGraphs.Longs("axes", 1)); return n; },
            "axes [1] do not fit an output of rank 1."),
        "resize-cubic" => ("upsample_nearest", m => { var n = Nth(m, "Resize"); SetAttribute(n, OnnxGraphs.Str("mode", "cubic")); return n; },
            "mode 'cubic' is not supported (MnistLab resizes in mode nearest or linear)."),
        "resize-crop" => ("upsample_bilinear", m => { var n = Nth(m, "Resize"); SetAttribute(n, OnnxGraphs.Str("coordinate_transformation_mode", "tf_crop_and_resize")); return n; },
            "coordinate_transformation_mode 'tf_crop_and_resize' is not supported (MnistLab follows half_pixel, pytorch_half_pixel, align_corners, asymmetric)."),
        "resize-scales-batch" => ("upsample_nearest", m => { SetConstant(m, Producer(m, Nth(m, "Resize").Input[2]), 0, OnnxGraphs.Tensor("ones", [2], [2, 1])); return Nth(m, "Resize"); },
            "its scales (2, 1, 2, 2) resize the batch or the channels; only height and width are resized."),
        "resize-sizes-short" => ("upsample_bilinear", m => { SetConstant(m, Nth(m, "Slice"), 2, OnnxGraphs.Longs("end", 1)); return Nth(m, "Resize"); },
            "its sizes [N, 20, 20] must have one value per dimension of the input (N, 1, 7, 7)."),
        "clip-computed-bound" => ("clip_mlp", m => { var n = Nth(m, "Clip"); n.Input[1] = Nth(m, "Gemm").Output[0]; return n; },
            "its second input '/fc1/Gemm_output_0' is computed from the image; it must be a constant."),
        "transpose-batch" => ("transpose_flatten", m => { var n = Nth(m, "Transpose"); SetAttribute(n, OnnxGraphs.Ints("perm", 1, 0, 2, 3)); return n; },
            "perm [1, 0, 2, 3] moves the batch (axis 0)."),
        "squeeze-size" => ("transpose_flatten", m => { var n = Nth(m, "Squeeze"); SetConstant(m, n, 1, OnnxGraphs.Longs("axes", 2)); return n; },
            "axis 2 has size 7; Squeeze removes dimensions of size 1 only."),
        "conv-transpose-pads" => ("conv_transpose", m => { var n = Nth(m, "ConvTranspose"); SetAttribute(n, OnnxGraphs.Ints("pads", 1, 1, 0, 0)); return n; },
            "only symmetric 2-D padding is supported (pads [1, 1, 0, 0])."),
        "conv-transpose-output-shape" => ("conv_transpose", m => { var n = Nth(m, "ConvTranspose"); SetAttribute(n, OnnxGraphs.Ints("output_shape", 28, 28)); return n; },
            "output_shape [28, 28] is not supported; export with explicit pads."),
        "reduce-batch" => ("layer_norm", m => { var n = Nth(m, "ReduceMean"); SetAttribute(n, OnnxGraphs.Ints("axes", 0)); return n; },
            "it averages over axis 0, the batch."),
        "cast-type" => ("custom_ops", m => { var n = Nth(m, "Cast"); SetAttribute(n, OnnxGraphs.Int("to", 8)); return n; },
            "element type 8 is not one MnistLab casts to (1 float, 6 int32, 7 int64, 9 bool, 11 double)."),
        "slice-step" => ("custom_ops", m => { var n = Last(m, "Slice"); SetConstant(m, n, 4, OnnxGraphs.Longs("steps", 0)); return n; },
            "the step along axis 1 is 0."),
        "concat-batch" => ("custom_ops", m => { var n = Last(m, "Concat"); SetAttribute(n, OnnxGraphs.Int("axis", 0)); return n; },
            "it joins along axis 0, the batch."),
        "expand-shape" => ("custom_ops", m =>
        {
            // expand(-1, 3, -1) as exported: Where(Equal(shape, -1), 1, shape), the shape written twice.
            var n = Nth(m, "Expand");
            var where = Producer(m, n.Input[1]);
            SetConstant(m, where, 2, OnnxGraphs.Longs("shape", -1, 3, 5));
            SetConstant(m, Producer(m, where.Input[0]), 0, OnnxGraphs.Longs("shape", -1, 3, 5));
            return n;
        }, "cannot broadcast (N, 1, 16) to [1, 3, 5]."),
        "equal-batch" => ("custom_ops", m =>
        {
            // The second expand reads the batch size with Shape; its -1s become 2s, which a batch size can equal.
            var equal = Nth(m, "Equal", 2);
            SetConstant(m, Producer(m, equal.Input[1]), 1, Scalar(2));
            return equal;
        }, "it compares the batch size (from Shape) with 2, which holds for one batch size only."),
        _ => throw new ArgumentException(name),
    };

    static NodeProto Last(ModelProto model, string op) => model.Graph.Node.Last(x => x.OpType == op);

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_damaged_operator_is_refused_naming_the_node_and_what_it_expected(string name)
    {
        var (fixture, damage, expected) = Case(name);
        var model = Load(fixture);
        var node = damage(model);
        using var dir = new TempDir();
        string path = dir.File($"{name}.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        using var scope = NewDisposeScope();
        var e = Assert.Throws<DataFormatException>(() => ModelSource.Build(path, null, null, zeros(2, 1, 28, 28)));
        Assert.Equal($"{path}: node '{node.Name}' ({node.OpType}): {expected}", e.Message);
    }

    /// <summary>Changes that leave a valid graph of other semantics: the conversion must follow them as ONNX Runtime does.</summary>
    public static TheoryData<string> Followed() => ["gather-negative-index", "resize-rounding", "resize-half-pixel-nearest", "bilinear-align-corners"];

    [SkippableTheory]
    [MemberData(nameof(Followed))]
    public void A_changed_operator_that_stays_valid_converts_to_what_onnx_runtime_computes(string name)
    {
        OnnxRuntimeCheck.Require();
        var (fixture, change) = name switch
        {
            "gather-negative-index" => ("view_cnn", (Action<ModelProto>)(m => SetConstant(m, Nth(m, "Gather"), 1, Scalar(-4)))),
            "resize-rounding" => ("upsample_nearest", m => SetAttribute(Nth(m, "Resize"), OnnxGraphs.Str("nearest_mode", "round_prefer_ceil"))),
            "resize-half-pixel-nearest" => ("upsample_nearest", m =>
            {
                SetAttribute(Nth(m, "Resize"), OnnxGraphs.Str("coordinate_transformation_mode", "half_pixel"));
                SetAttribute(Nth(m, "Resize"), OnnxGraphs.Str("nearest_mode", "round_prefer_floor"));
            }),
            "bilinear-align-corners" => ("upsample_bilinear", m => SetAttribute(Nth(m, "Resize"), OnnxGraphs.Str("coordinate_transformation_mode", "align_corners"))),
            _ => throw new ArgumentException(name),
        };
        var model = Load(fixture);
        change(model);
        using var dir = new TempDir();
        string path = dir.File($"{name}.onnx");
        byte[] bytes = model.ToByteArray();
        File.WriteAllBytes(path, bytes);
        const int n = 32;
        var rng = new Random(3);
        var images = Enumerable.Range(0, n * 784).Select(_ => (float)rng.NextDouble()).ToArray();
        var ort = OnnxRuntimeOracleTests.RunOrt(bytes, images, n);
        var ours = OnnxRuntimeOracleTests.RunConverted(path, images, n);
        Assert.True(ort.Zip(ours, (a, b) => Math.Abs(a - b)).Max() <= 1e-4, $"{name}: differs from ONNX Runtime");
        if (name == "gather-negative-index")
            Assert.Equal(OnnxRuntimeOracleTests.RunConverted(ModelFixtures.File($"{fixture}.onnx"), images, n), ours);
    }
}
