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
        using var stream = OpenMaybeGzipped(path);
        return ReadImages(stream, path);
    }

    /// <summary>Reads an image file from <paramref name="stream"/> (already decompressed); <paramref name="path"/> names it in errors.</summary>
    public static IdxImages ReadImages(Stream stream, string path)
    {
        Span<byte> header = stackalloc byte[16];
        int got = ReadUpTo(stream, header[..4]);
        if (got < 4) throw Short(path, got, "a magic number");
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != ImagesMagic)
            throw new DataFormatException($"{path}: magic number {magic}, expected {ImagesMagic} (an IDX image file){HintLabels(magic)}.");
        got = 4 + ReadUpTo(stream, header[4..]);
        if (got < 16) throw Short(path, got, "a 16-byte image header");
        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        int rows = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
        int cols = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        if (count < 0 || rows <= 0 || cols <= 0)
            throw new DataFormatException($"{path}: dimensions {count} x {rows} x {cols}, expected a non-negative count and positive rows and columns.");
        long payload = (long)count * rows * cols;
        byte[] pixels = ReadPayload(stream, path, 16, payload, $"16-byte header + {count} images of {rows}x{cols}");
        return new IdxImages(pixels, count, rows, cols);
    }

    public static byte[] ReadLabels(string path)
    {
        using var stream = OpenMaybeGzipped(path);
        return ReadLabels(stream, path);
    }

    /// <summary>Reads a label file from <paramref name="stream"/> (already decompressed); <paramref name="path"/> names it in errors.</summary>
    public static byte[] ReadLabels(Stream stream, string path)
    {
        Span<byte> header = stackalloc byte[8];
        int got = ReadUpTo(stream, header[..4]);
        if (got < 4) throw Short(path, got, "a magic number");
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != LabelsMagic)
            throw new DataFormatException($"{path}: magic number {magic}, expected {LabelsMagic} (an IDX label file){(magic == ImagesMagic ? "; this is an image file" : "")}.");
        got = 4 + ReadUpTo(stream, header[4..]);
        if (got < 8) throw Short(path, got, "an 8-byte label header");
        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        if (count < 0) throw new DataFormatException($"{path}: label count {count}, expected a non-negative count.");
        return ReadPayload(stream, path, 8, count, $"8-byte header + {count} labels");
    }

    /// <summary>
    /// Reads exactly <paramref name="payload"/> bytes after the header into one array (no copy, no zeroing:
    /// 47 MB of fresh memory costs more than the read itself) and checks that nothing follows them.
    /// </summary>
    static byte[] ReadPayload(Stream stream, string path, int headerBytes, long payload, string layout)
    {
        long expected = headerBytes + payload;
        if (stream.CanSeek && stream.Length != expected)
            throw WrongLength(path, stream.Length, expected, layout);
        if (payload > Array.MaxLength)
            throw WrongLength(path, stream.CanSeek ? stream.Length : -1, expected, layout);
        byte[] data = GC.AllocateUninitializedArray<byte>((int)payload);
        int got = ReadUpTo(stream, data);
        if (got < payload) throw WrongLength(path, headerBytes + got, expected, layout);
        if (stream.ReadByte() >= 0)
        {
            long extra = 1;
            var sink = new byte[81920];
            for (int n; (n = stream.Read(sink)) > 0;) extra += n;
            throw WrongLength(path, expected + extra, expected, layout);
        }
        return data;
    }

    static int ReadUpTo(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        for (int n; total < buffer.Length && (n = stream.Read(buffer[total..])) > 0;) total += n;
        return total;
    }

    static DataFormatException WrongLength(string path, long actual, long expected, string layout) =>
        new($"{path}: {actual} bytes, expected exactly {expected} ({layout}).");

    static DataFormatException Short(string path, int actual, string what) =>
        new($"{path}: {actual} bytes, too short for {what}.");

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
        using var stream = OpenMaybeGzipped(path);
        if (stream is FileStream)
        {
            var bytes = GC.AllocateUninitializedArray<byte>((int)stream.Length);
            stream.ReadExactly(bytes);
            return bytes;
        }
        using var output = new MemoryStream();
        stream.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>
    /// A stream of the file's bytes: the file itself, or a decompressing (in-memory, seekable) stream when it
    /// starts with the gzip magic 1f 8b. The name does not matter.
    /// </summary>
    static Stream OpenMaybeGzipped(string path)
    {
        if (!File.Exists(path)) throw new MnistLabException($"{path}: file not found.");
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        if (file.Length < 2 || file.ReadByte() != 0x1f || file.ReadByte() != 0x8b)
        {
            file.Position = 0;
            return file;
        }
        file.Position = 0;
        try
        {
            using var gz = new GZipStream(file, CompressionMode.Decompress);
            var output = new MemoryStream();
            gz.CopyTo(output);
            output.Position = 0;
            return output;
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{path}: starts like a gzip file but does not decompress ({e.Message}).");
        }
    }

    static string HintLabels(int magic) => magic == LabelsMagic ? "; this is a label file" : "";
}
