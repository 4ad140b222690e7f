using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using MnistLab.Common;

namespace MnistLab.Export;

/// <summary>
/// Writes a float32 array in numpy's .npy format (version 1.0: magic, header dict, little-endian C-order data), row
/// block by row block, so arrays larger than memory stream to disk (the activations of 60,000 images of a ResNet block
/// are 12 GB; a numpy-style in-memory array would need all of it at once). The file appears, atomically, on
/// <see cref="Complete"/>; disposed without it, nothing is left.
/// </summary>
public sealed class NpyWriter : IDisposable
{
    static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0];

    readonly string _path, _temp;
    readonly FileStream _file;
    readonly long[] _shape;
    readonly long _rowLength;
    long _rows;
    bool _done;

    /// <summary>Starts <paramref name="path"/> for an array of <paramref name="shape"/>; the first dimension counts rows.</summary>
    public NpyWriter(string path, IReadOnlyList<long> shape)
    {
        if (shape.Count == 0 || shape.Any(d => d < 0)) throw new ArgumentException($"shape ({string.Join(", ", shape)}) is not an array shape.");
        _path = Path.GetFullPath(path);
        _shape = [.. shape];
        _rowLength = _shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        _temp = Path.Combine(Path.GetDirectoryName(_path)!, $".{Path.GetFileName(_path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            _file = new FileStream(_temp, FileMode.CreateNew, FileAccess.Write);
            _file.Write(Header(_shape));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw AtomicFile.CannotWrite(path, e);
        }
    }

    /// <summary>
    /// The header: magic, version 1.0, its length, and the dict padded with spaces so the data starts at a multiple of
    /// 64. <paramref name="descr"/> is numpy's dtype string: <c>&lt;f4</c> (float32) or <c>&lt;f8</c> (float64).
    /// </summary>
    internal static byte[] Header(long[] shape, string descr = "<f4")
    {
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        int total = Magic.Length + 2 + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        var header = new byte[padded];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)(padded - Magic.Length - 2));
        Encoding.ASCII.GetBytes(dict.PadRight(padded - Magic.Length - 2 - 1) + "\n").CopyTo(header, 10);
        return header;
    }

    /// <summary>Appends whole rows (a multiple of the row length, C order).</summary>
    public void Append(ReadOnlySpan<float> values)
    {
        if (_rowLength == 0 ? values.Length != 0 : values.Length % _rowLength != 0)
            throw new ArgumentException($"{values.Length} values are not whole rows of {_rowLength}.");
        long rows = _rowLength == 0 ? 0 : values.Length / _rowLength;
        if (_rows + rows > _shape[0]) throw new InvalidOperationException($"more than the {_shape[0]} rows the header promises.");
        if (BitConverter.IsLittleEndian) _file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        else
        {
            Span<byte> b = stackalloc byte[4];
            foreach (float v in values) { BinaryPrimitives.WriteSingleLittleEndian(b, v); _file.Write(b); }
        }
        _rows += rows;
    }

    /// <summary>Checks every promised row was written and puts the file in place.</summary>
    public void Complete()
    {
        if (_rows != _shape[0]) throw new InvalidOperationException($"{_rows} rows written, the header promises {_shape[0]}.");
        try
        {
            _file.Flush(flushToDisk: true);
            _file.Dispose();
            File.Move(_temp, _path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            AtomicFile.TryDelete(_temp);
            throw AtomicFile.CannotWrite(_path, e);
        }
        _done = true;
    }

    public void Dispose()
    {
        if (_done) return;
        _file.Dispose();
        AtomicFile.TryDelete(_temp);
    }
}
