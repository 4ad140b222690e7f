using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import.Layers;

/// <summary>ONNX Cast to the element type <paramref name="To"/> (ONNX's code: 1 float, 6 int32, 7 int64, 9 bool, 11 double).</summary>
public sealed record CastLayer(long To) : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => new CastModule(OnnxTypes.Scalar(To));

    public override string? Mismatch(long[] shape) => OnnxTypes.Known(To) ? null : $"element type {To} is not one MnistLab casts to ({OnnxTypes.List})";
}

/// <summary>Casting truncates toward zero from floating point to integers, and maps nonzero to true, as ONNX's Cast does.</summary>
public sealed class CastModule(ScalarType to) : Module<Tensor, Tensor>("Cast")
{
    public override Tensor forward(Tensor x) => x.to_type(to);
}

/// <summary>The ONNX element types (TensorProto.DataType) a converted graph computes with, and their TorchSharp types.</summary>
public static class OnnxTypes
{
    static readonly Dictionary<long, ScalarType> Types = new()
    {
        [1] = ScalarType.Float32, [6] = ScalarType.Int32, [7] = ScalarType.Int64, [9] = ScalarType.Bool, [11] = ScalarType.Float64,
    };

    public static string List => "1 float, 6 int32, 7 int64, 9 bool, 11 double";

    public static bool Known(long code) => Types.ContainsKey(code);

    public static ScalarType Scalar(long code) => Types.TryGetValue(code, out var t) ? t : throw new ArgumentException($"element type {code} is not one of {List}");

    public static long Code(ScalarType type) => Types.First(t => t.Value == type).Key;
}
