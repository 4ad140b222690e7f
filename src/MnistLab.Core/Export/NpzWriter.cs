using System.Buffers.Binary;
using System.IO.Compression;
using MnistLab.Common;

namespace MnistLab.Export;

/// <summary>One named float64 array of an .npz file, values in C order.</summary>
public sealed record NpzArray(string Name, long[] Shape, double[] Values);

/// <summary>
/// Writes numpy's .npz format, as <c>numpy.savez</c> does: a zip archive holding one <c>NAME.npy</c> per array (float64
/// here, the precision erasers are fitted in), so <c>numpy.load(path)["M"]</c> reads it. The file appears whole or not
/// at all (written beside, then renamed).
/// </summary>
public static class NpzWriter
{
    public static void Write(string path, IReadOnlyList<NpzArray> arrays)
    {
        foreach (var a in arrays)
            if (a.Values.LongLength != a.Shape.Aggregate(1L, (x, y) => x * y))
                throw new ArgumentException($"{a.Name}: {a.Values.Length} values for shape ({string.Join(", ", a.Shape)}).");
        AtomicFile.Write(path, temp =>
        {
            using var zip = ZipFile.Open(temp, ZipArchiveMode.Create);
            foreach (var a in arrays)
            {
                using var entry = zip.CreateEntry(a.Name + ".npy", CompressionLevel.Fastest).Open();
                entry.Write(NpyWriter.Header(a.Shape, "<f8"));
                var bytes = new byte[8 * 4096];
                for (long start = 0; start < a.Values.LongLength; start += 4096)
                {
                    int count = (int)Math.Min(4096, a.Values.LongLength - start);
                    for (int i = 0; i < count; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), a.Values[start + i]);
                    entry.Write(bytes, 0, 8 * count);
                }
            }
        });
    }
}
