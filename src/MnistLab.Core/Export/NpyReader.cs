using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using MnistLab.Common;

namespace MnistLab.Export;

/// <summary>Reads a little-endian float32 C-order .npy file (what <see cref="NpyWriter"/> and numpy.save write for float32 arrays).</summary>
public static partial class NpyReader
{
    public static (long[] Shape, float[] Values) ReadFloat32(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new DataFormatException($"{path}: not a .npy file.");
        int major = bytes[6];
        int headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        int start = major == 1 ? 10 : 12;
        string header = Encoding.ASCII.GetString(bytes, start, headerLength);
        if (!header.Contains("'descr': '<f4'") || !header.Contains("'fortran_order': False"))
            throw new DataFormatException($"{path}: expected a little-endian float32 array in C order, the header says {header.Trim()}.");
        var match = ShapePattern().Match(header);
        if (!match.Success) throw new DataFormatException($"{path}: no shape in the header {header.Trim()}.");
        long[] shape = match.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        int data = start + headerLength;
        if (bytes.LongLength != data + 4 * count) throw new DataFormatException($"{path}: {bytes.LongLength - data} data bytes for shape ({string.Join(", ", shape)}), expected {4 * count}.");
        var values = new float[count];
        Buffer.BlockCopy(bytes, data, values, 0, (int)(4 * count));
        return (shape, values);
    }

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
