using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using MnistLab.Common;

namespace MnistLab.Import;

/// <summary>A float array read from a .npy file: its shape and values in C order.</summary>
public sealed record NpyArray(long[] Shape, float[] Values)
{
    public long Rows => Shape.Length == 0 ? 1 : Shape[0];
    public long RowLength => Shape.Skip(1).Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// Reads numpy's .npy format (versions 1 to 3; little-endian float32 or float64, C order), as numpy.save writes it:
/// the logits a user saved in PyTorch to check an import against. Written here beside <see cref="Export.NpyWriter"/>:
/// the one served .npy reader (NumSharp) brings a whole numpy-style array library for one header and one float array.
/// </summary>
public static partial class NpyReader
{
    public static NpyArray Read(string path)
    {
        byte[] b;
        try { b = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new MnistLabException($"{path}: cannot read the file ({e.Message})."); }
        DataFormatException Bad(string what) => new($"{path}: not a float .npy array ({what}).");
        if (b.Length < 10 || b[0] != 0x93 || Encoding.ASCII.GetString(b, 1, 5) != "NUMPY") throw Bad("no .npy signature");
        int major = b[6];
        if (major is < 1 or > 3) throw Bad($"format version {major}");
        int lengthBytes = major == 1 ? 2 : 4;
        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(8)) : BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(8));
        long start = 8 + lengthBytes + headerLength;
        if (start > b.Length) throw Bad("the header runs past the end");
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(b, 8 + lengthBytes, (int)headerLength);
        var descr = Descr().Match(header);
        var fortran = Fortran().Match(header);
        var shape = ShapeField().Match(header);
        if (!descr.Success || !fortran.Success || !shape.Success) throw Bad("its header lacks descr, fortran_order or shape");
        if (fortran.Groups[1].Value != "False") throw Bad("Fortran order");
        int size = descr.Groups[1].Value switch { "<f4" => 4, "<f8" => 8, _ => 0 };
        if (size == 0) throw Bad($"dtype '{descr.Groups[1].Value}', expected '<f4' or '<f8'");
        long[] dims;
        try { dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray(); }
        catch (FormatException) { throw Bad($"shape ({shape.Groups[1].Value})"); }
        catch (OverflowException) { throw Bad($"shape ({shape.Groups[1].Value})"); }
        long count = 1;
        foreach (var d in dims) { if (d < 0) throw Bad("a negative dimension"); count *= d; if (count > int.MaxValue) throw Bad("too large"); }
        if (b.Length - start != count * size) throw Bad($"{b.Length - start} data bytes for {count} values of {size} bytes");
        var values = new float[count];
        for (long i = 0; i < count; i++)
            values[i] = size == 4 ? BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan((int)(start + 4 * i))) : (float)BinaryPrimitives.ReadDoubleLittleEndian(b.AsSpan((int)(start + 8 * i)));
        return new NpyArray(dims, values);
    }

    [GeneratedRegex(@"'descr':\s*'([^']*)'")]
    private static partial Regex Descr();

    [GeneratedRegex(@"'fortran_order':\s*(True|False)")]
    private static partial Regex Fortran();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapeField();
}
