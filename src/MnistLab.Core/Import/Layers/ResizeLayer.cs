using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import.Layers;

/// <summary>
/// ONNX Resize (and its forerunner Upsample) of the height and width of (N, C, H, W): <paramref name="Mode"/> "nearest"
/// or "linear", the source of each output position given by <paramref name="CoordinateMode"/>, ONNX's
/// coordinate_transformation_mode, and for nearest rounded by <paramref name="NearestMode"/>. The output size is
/// <see cref="Sizes"/>, or floor(input × <see cref="Scales"/>). PyTorch's nn.Upsample exports as nearest with asymmetric
/// and floor, bilinear as linear with pytorch_half_pixel (align_corners=False) or align_corners.
/// </summary>
public sealed record ResizeLayer(string Mode, string CoordinateMode, string NearestMode = "round_prefer_floor") : LayerSpec
{
    public static readonly IReadOnlyList<string> Modes = ["nearest", "linear"];
    public static readonly IReadOnlyList<string> CoordinateModes = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"];
    public static readonly IReadOnlyList<string> NearestModes = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"];

    /// <summary>The scales of height and width; null when <see cref="Sizes"/> gives the output size.</summary>
    public float[]? Scales { get; init; }

    /// <summary>The output's height and width; null when <see cref="Scales"/> give them.</summary>
    public long[]? Sizes { get; init; }

    public override Module<Tensor, Tensor> Create() => new ResizeModule(this);

    public override string? Mismatch(long[] shape)
    {
        if (ModeProblem(Mode, CoordinateMode, NearestMode) is { } mode) return mode;
        if (NeedRank(shape, 4) is { } rank) return rank;
        if ((Scales is null) == (Sizes is null) || (Scales?.Length ?? Sizes!.Length) != 2) return "it needs either two scales or two sizes (height and width)";
        if (Scales is { } s && s.Any(v => !(v > 0) || float.IsInfinity(v))) return $"scales ({string.Join(", ", s)}) must be positive and finite";
        long h = OutputSize(0, shape[2]), w = OutputSize(1, shape[3]);
        if (h < 1 || w < 1) return $"it resizes {Dims(shape)} to an empty {h} x {w}";
        return (double)shape[1] * h * w > OnnxFolding.MaxElements ? $"it resizes {Dims(shape)} to {h} x {w}, more than {OnnxFolding.MaxElements} values per image" : null;
    }

    /// <summary>Null if the modes are ones MnistLab computes, else which is not.</summary>
    public static string? ModeProblem(string mode, string coordinateMode, string nearestMode) =>
        !Modes.Contains(mode) ? $"mode '{mode}' is not supported (MnistLab resizes in mode {string.Join(" or ", Modes)})"
        : !CoordinateModes.Contains(coordinateMode) ? $"coordinate_transformation_mode '{coordinateMode}' is not supported (MnistLab follows {string.Join(", ", CoordinateModes)})"
        : mode == "nearest" && !NearestModes.Contains(nearestMode) ? $"nearest_mode '{nearestMode}' is not supported (MnistLab rounds with {string.Join(", ", NearestModes)})"
        : null;

    /// <summary>
    /// The output size of spatial axis <paramref name="k"/> (0 height, 1 width). The product is taken in float32, as ONNX
    /// Runtime takes it, so a scale such as 0.35 gives the same size there and here.
    /// </summary>
    public long OutputSize(int k, long input) => Sizes?[k] ?? (long)MathF.Floor(Scales![k] * input);

    /// <summary>The input's size along dimension <paramref name="dim"/> resized (<paramref name="k"/> 0 height, 1 width).</summary>
    internal Tensor Along(Tensor x, int dim, int k)
    {
        long inSize = x.shape[dim], outSize = OutputSize(k, inSize);
        float scale = Scales?[k] ?? (float)outSize / inSize; // with sizes, ONNX's scale is output / input
        long last = inSize - 1;
        if (Mode == "nearest")
        {
            var index = new long[outSize];
            for (long j = 0; j < outSize; j++) index[j] = Math.Clamp(Round(Source(j, scale, inSize, outSize)), 0, last);
            return x.index_select(dim, tensor(index));
        }
        var (low, high) = (new long[outSize], new long[outSize]);
        var (lowWeight, highWeight) = (new float[outSize], new float[outSize]);
        for (long j = 0; j < outSize; j++)
        {
            // ONNX Runtime's bilinear weights: the source clamped into the input, each neighbour weighted by the other's distance.
            float at = Math.Clamp(Source(j, scale, inSize, outSize), 0f, last);
            low[j] = (long)at;
            high[j] = Math.Min(low[j] + 1, last);
            (lowWeight[j], highWeight[j]) = low[j] == high[j] ? (0.5f, 0.5f) : (high[j] - at, at - low[j]);
        }
        long[] weightShape = dim == x.dim() - 1 ? [outSize] : [outSize, 1];
        return x.index_select(dim, tensor(low)) * tensor(lowWeight, weightShape).to_type(x.dtype)
               + x.index_select(dim, tensor(high)) * tensor(highWeight, weightShape).to_type(x.dtype);
    }

    /// <summary>The input coordinate of output position <paramref name="j"/>, by ONNX's formula for the mode, in float32 as ONNX Runtime computes it.</summary>
    float Source(long j, float scale, long inSize, long outSize) => CoordinateMode switch
    {
        "half_pixel" => (j + 0.5f) / scale - 0.5f,
        "pytorch_half_pixel" => outSize > 1 ? (j + 0.5f) / scale - 0.5f : 0f,
        "align_corners" => outSize == 1 ? 0f : j * (float)(inSize - 1) / (outSize - 1),
        "asymmetric" => j / scale,
        _ => throw new InvalidOperationException($"coordinate_transformation_mode '{CoordinateMode}'"),
    };

    long Round(float x) => NearestMode switch
    {
        "round_prefer_floor" => x == (long)x + 0.5f ? (long)MathF.Floor(x) : (long)MathF.Round(x, MidpointRounding.AwayFromZero),
        "round_prefer_ceil" => (long)MathF.Round(x, MidpointRounding.AwayFromZero),
        "floor" => (long)MathF.Floor(x),
        "ceil" => (long)MathF.Ceiling(x),
        _ => throw new InvalidOperationException($"nearest_mode '{NearestMode}'"),
    };
}

public sealed class ResizeModule(ResizeLayer spec) : Module<Tensor, Tensor>("Resize")
{
    public override Tensor forward(Tensor x) => spec.Along(spec.Along(x, 2, 0), 3, 1);
}
