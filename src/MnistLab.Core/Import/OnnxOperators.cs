using Onnx;

namespace MnistLab.Import;

/// <summary>
/// The ONNX operators the conversion reads, each with its inputs (fewest, most), most outputs, attributes with their
/// types, and the operator set versions that define it, from the ONNX operator specification: a node outside them is
/// refused, as ONNX Runtime refuses it, rather than read with defaults.
/// </summary>
public static class OnnxOperators
{
    /// <summary>One operator's form: <paramref name="Since"/> and <paramref name="Until"/> bound the operator set versions that define it.</summary>
    public sealed record Signature(int MinIn, int MaxIn, int MaxOut, Dictionary<string, AttributeProto.Types.AttributeType> Attributes, long Since = 1, long Until = long.MaxValue);

    const AttributeProto.Types.AttributeType F = AttributeProto.Types.AttributeType.Float, I = AttributeProto.Types.AttributeType.Int,
        S = AttributeProto.Types.AttributeType.String, T = AttributeProto.Types.AttributeType.Tensor,
        Fs = AttributeProto.Types.AttributeType.Floats, Is = AttributeProto.Types.AttributeType.Ints;

    static Dictionary<string, AttributeProto.Types.AttributeType> None() => [];

    /// <summary>
    /// The operators by name, in the order the documentation lists them. Pad (constant mode) is there because PyTorch's
    /// exporter writes it before AveragePool; ConstantOfShape because it writes it into the shape of <c>expand(-1, ...)</c>.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, Signature> All = new Dictionary<string, Signature>
    {
        ["Gemm"] = new(2, 3, 1, new() { ["alpha"] = F, ["beta"] = F, ["transA"] = I, ["transB"] = I }),
        ["MatMul"] = new(2, 2, 1, None()),
        ["Add"] = new(2, 2, 1, None()), ["Sub"] = new(2, 2, 1, None()), ["Mul"] = new(2, 2, 1, None()), ["Div"] = new(2, 2, 1, None()),
        ["Pow"] = new(2, 2, 1, None()),
        ["Conv"] = new(2, 3, 1, new() { ["auto_pad"] = S, ["dilations"] = Is, ["group"] = I, ["kernel_shape"] = Is, ["pads"] = Is, ["strides"] = Is }),
        ["ConvTranspose"] = new(2, 3, 1, new()
        {
            ["auto_pad"] = S, ["dilations"] = Is, ["group"] = I, ["kernel_shape"] = Is, ["output_padding"] = Is, ["output_shape"] = Is, ["pads"] = Is, ["strides"] = Is,
        }),
        ["Relu"] = new(1, 1, 1, None()), ["Sigmoid"] = new(1, 1, 1, None()), ["Tanh"] = new(1, 1, 1, None()),
        ["LeakyRelu"] = new(1, 1, 1, new() { ["alpha"] = F }),
        ["Clip"] = new(1, 3, 1, new() { ["min"] = F, ["max"] = F }),
        ["Erf"] = new(1, 1, 1, None(), Since: 9), ["Neg"] = new(1, 1, 1, None()), ["Exp"] = new(1, 1, 1, None()), ["Log"] = new(1, 1, 1, None()),
        ["Sqrt"] = new(1, 1, 1, None()),
        ["Softmax"] = new(1, 1, 1, new() { ["axis"] = I }), ["LogSoftmax"] = new(1, 1, 1, new() { ["axis"] = I }),
        ["MaxPool"] = new(1, 1, 2, new() { ["auto_pad"] = S, ["ceil_mode"] = I, ["dilations"] = Is, ["kernel_shape"] = Is, ["pads"] = Is, ["storage_order"] = I, ["strides"] = Is }),
        ["AveragePool"] = new(1, 1, 1, new() { ["auto_pad"] = S, ["ceil_mode"] = I, ["count_include_pad"] = I, ["dilations"] = Is, ["kernel_shape"] = Is, ["pads"] = Is, ["strides"] = Is }),
        ["GlobalAveragePool"] = new(1, 1, 1, None()),
        ["ReduceMean"] = new(1, 2, 1, new() { ["axes"] = Is, ["keepdims"] = I, ["noop_with_empty_axes"] = I }),
        ["Resize"] = new(1, 4, 1, new()
        {
            ["antialias"] = I, ["axes"] = Is, ["coordinate_transformation_mode"] = S, ["cubic_coeff_a"] = F, ["exclude_outside"] = I,
            ["extrapolation_value"] = F, ["keep_aspect_ratio_policy"] = S, ["mode"] = S, ["nearest_mode"] = S,
        }, Since: 10),
        ["Upsample"] = new(1, 2, 1, new() { ["mode"] = S, ["scales"] = Fs }, Until: 9),
        ["Flatten"] = new(1, 1, 1, new() { ["axis"] = I }),
        ["Reshape"] = new(2, 2, 1, new() { ["allowzero"] = I }),
        ["Shape"] = new(1, 1, 1, new() { ["start"] = I, ["end"] = I }),
        ["Gather"] = new(2, 2, 1, new() { ["axis"] = I }),
        ["Unsqueeze"] = new(1, 2, 1, new() { ["axes"] = Is }),
        ["Squeeze"] = new(1, 2, 1, new() { ["axes"] = Is }),
        ["Concat"] = new(1, int.MaxValue, 1, new() { ["axis"] = I }),
        ["Slice"] = new(1, 5, 1, new() { ["starts"] = Is, ["ends"] = Is, ["axes"] = Is }),
        ["Transpose"] = new(1, 1, 1, new() { ["perm"] = Is }),
        ["Expand"] = new(2, 2, 1, None(), Since: 8),
        ["Where"] = new(3, 3, 1, None(), Since: 9),
        ["Equal"] = new(2, 2, 1, None()),
        ["Cast"] = new(1, 1, 1, new() { ["to"] = I, ["saturate"] = I }),
        ["ConstantOfShape"] = new(1, 1, 1, new() { ["value"] = T }, Since: 9),
        ["BatchNormalization"] = new(5, 5, 5, new() { ["epsilon"] = F, ["momentum"] = F, ["training_mode"] = I, ["spatial"] = I }),
        ["Dropout"] = new(1, 3, 2, new() { ["ratio"] = F, ["seed"] = I }),
        ["Identity"] = new(1, 1, 1, None()),
        ["Constant"] = new(0, 0, 1, new() { ["value"] = T, ["value_float"] = F, ["value_floats"] = Fs, ["value_int"] = I, ["value_ints"] = Is }),
        ["Pad"] = new(1, 4, 1, new() { ["mode"] = S, ["pads"] = Is, ["value"] = F }),
    };

    /// <summary>The operators' names, as the documentation and errors list them.</summary>
    public static readonly IReadOnlyList<string> Names = All.Keys.ToList();
}
