using System.Buffers.Binary;
using System.IO.Compression;
using MnistLab.Common;

namespace MnistLab.Data;

/// <summary>Images read from an IDX3 file: <c>Count</c> images of <c>Rows</c> x <c>Columns</c> unsigned bytes, row-major.</summary>
public sealed record IdxImages(byte[] Pixels, int Count, int Rows, int Columns);

/// <summary>
/// Reader and writer of the IDX format of LeCun's MNIST files (big-endian header, unsigned bytes).
/// Magic 2051 (0x00000803) for images, 2049 (0x00000801) for labels. Files may be gzipped; a gzip
/// stream is recognised by its first two bytes, not by the file name.
/// </summary>
public static class IdxFile
{
    public const int ImagesMagic = 2051;
    public const int LabelsMagic = 2049;

    public static IdxImages ReadImages(string path)
    {
        byte[] bytes = ReadMaybeGzipped(path);
        RequireLength(path, bytes, 4, "a magic number");
        int magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != ImagesMagic)
            throw new DataFormatException($"{path}: magic number {magic}, expected {ImagesMagic} (an IDX image file){HintLabels(magic)}.");
        RequireLength(path, bytes, 16, "a 16-byte image header");
        int count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        int rows = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8));
        int cols = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12));
        if (count < 0 || rows <= 0 || cols <= 0)
            throw new DataFormatException($"{path}: dimensions {count} x {rows} x {cols}, expected a non-negative count and positive rows and columns.");
        long expected = 16L + (long)count * rows * cols;
        if (bytes.LongLength != expected)
            throw new DataFormatException($"{path}: {bytes.LongLength} bytes, expected exactly {expected} (16-byte header + {count} images of {rows}x{cols}).");
        return new IdxImages(bytes.AsSpan(16).ToArray(), count, rows, cols);
    }

    public static byte[] ReadLabels(string path)
    {
        byte[] bytes = ReadMaybeGzipped(path);
        RequireLength(path, bytes, 4, "a magic number");
        int magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != LabelsMagic)
            throw new DataFormatException($"{path}: magic number {magic}, expected {LabelsMagic} (an IDX label file){(magic == ImagesMagic ? "; this is an image file" : "")}.");
        RequireLength(path, bytes, 8, "an 8-byte label header");
        int count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        if (count < 0) throw new DataFormatException($"{path}: label count {count}, expected a non-negative count.");
        long expected = 8L + count;
        if (bytes.LongLength != expected)
            throw new DataFormatException($"{path}: {bytes.LongLength} bytes, expected exactly {expected} (8-byte header + {count} labels).");
        return bytes.AsSpan(8).ToArray();
    }

    public static void WriteImages(string path, IdxImages images)
    {
        if (images.Pixels.Length != (long)images.Count * images.Rows * images.Columns)
            throw new ArgumentException($"{images.Pixels.Length} pixels do not make {images.Count} images of {images.Rows}x{images.Columns}.");
        var bytes = new byte[16 + images.Pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), images.Count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), images.Rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), images.Columns);
        images.Pixels.CopyTo(bytes, 16);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    public static void WriteLabels(string path, ReadOnlySpan<byte> labels)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        labels.CopyTo(bytes.AsSpan(8));
        AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>The file's bytes, decompressed when it starts with the gzip magic 1f 8b.</summary>
    public static byte[] ReadMaybeGzipped(string path)
    {
        if (!File.Exists(path)) throw new MnistLabException($"{path}: file not found.");
        byte[] raw = File.ReadAllBytes(path);
        if (raw.Length < 2 || raw[0] != 0x1f || raw[1] != 0x8b) return raw;
        try
        {
            using var gz = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gz.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{path}: starts like a gzip file but does not decompress ({e.Message}).");
        }
    }

    static void RequireLength(string path, byte[] bytes, int length, string what)
    {
        if (bytes.Length < length)
            throw new DataFormatException($"{path}: {bytes.Length} bytes, too short for {what}.");
    }

    static string HintLabels(int magic) => magic == LabelsMagic ? "; this is a label file" : "";
}
