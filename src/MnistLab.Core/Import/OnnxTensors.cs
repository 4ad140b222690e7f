using MnistLab.Common;
using Onnx;
using static TorchSharp.torch;

namespace MnistLab.Import;

/// <summary>ONNX tensors (initializers, Constant and ConstantOfShape values) read as CPU tensors.</summary>
public static class OnnxTensors
{
    /// <summary>
    /// <paramref name="t"/> (raw little-endian bytes or typed fields) as a tensor; float, double, int32 and int64 only.
    /// An error names the file (<paramref name="path"/>) and <paramref name="what"/> holds the tensor.
    /// </summary>
    public static Tensor Read(TensorProto t, string what, string path)
    {
        DataFormatException Bad(string problem) => new($"{path}: {ErrorText.Printable($"{what}: {problem}")}.");
        if (t.DataLocation == TensorProto.Types.DataLocation.External || t.ExternalData.Count > 0) throw Bad("external data files are not supported");
        long[] dims = t.Dims.ToArray();
        if (dims.Any(d => d < 0 || d > int.MaxValue)) throw Bad($"bad dimensions ({string.Join(", ", dims)})");
        long count = 1;
        foreach (var d in dims) { count *= d; if (count > int.MaxValue) throw Bad("too large"); }
        int size = t.DataType switch { 1 => 4, 6 => 4, 7 => 8, 11 => 8, _ => 0 };
        if (size == 0) throw Bad($"element type {t.DataType} is not supported (float, double, int32, int64 are)");
        var raw = t.RawData;
        if (raw.Length > 0)
        {
            if (raw.Length != count * size) throw Bad($"{raw.Length} bytes for {count} values of {size} bytes");
            var bytes = raw.ToByteArray();
            return t.DataType switch
            {
                1 => tensor(Cast<float>(bytes), dims),
                6 => tensor(Cast<int>(bytes), dims),
                7 => tensor(Cast<long>(bytes), dims),
                _ => tensor(Cast<double>(bytes), dims),
            };
        }
        Tensor result = t.DataType switch
        {
            1 => t.FloatData.Count == count ? tensor(t.FloatData.ToArray(), dims) : null!,
            6 => t.Int32Data.Count == count ? tensor(t.Int32Data.ToArray(), dims) : null!,
            7 => t.Int64Data.Count == count ? tensor(t.Int64Data.ToArray(), dims) : null!,
            _ => t.DoubleData.Count == count ? tensor(t.DoubleData.ToArray(), dims) : null!,
        };
        return result ?? throw Bad($"its data does not hold {count} values");
    }

    static T[] Cast<T>(byte[] bytes) where T : struct
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw data is little-endian");
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(bytes).ToArray();
    }
}
