using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.IO.Hashing;
using MnistLab.Common;

namespace MnistLab.Import;

/// <summary>
/// The zip container of torch.save and torch.jit.save, checked before any reader sees it: every entry inside the
/// archive's one top folder (no "..", no absolute or backslash names), its bytes within the file and equal to the
/// CRC-32 the archive records. .NET's ZipArchive does not check CRCs, and libtorch and the unpickler trust their input,
/// so a damaged file is refused here, naming it, rather than read as other numbers or crashing a native reader.
/// </summary>
public sealed class TorchZip
{
    /// <summary>The archive's top folder (torch.save names it after the file) and its entries' full names.</summary>
    public string Root { get; }
    public IReadOnlyList<string> Entries { get; }
    public byte[] Bytes { get; }

    TorchZip(string root, IReadOnlyList<string> entries, byte[] bytes) => (Root, Entries, Bytes) = (root, entries, bytes);

    /// <summary>True if the file starts with a zip local-file signature.</summary>
    public static bool LooksLikeZip(ReadOnlySpan<byte> head) => head.Length >= 4 && head[0] == 0x50 && head[1] == 0x4b && head[2] == 0x03 && head[3] == 0x04;

    /// <summary>A TorchScript archive holds its code; a state_dict archive only data.pkl and the tensors.</summary>
    public bool IsTorchScript => Entries.Any(e => e.StartsWith(Root + "/code/", StringComparison.Ordinal)) || Entries.Contains(Root + "/constants.pkl");

    /// <summary>
    /// Null if every central-directory entry's name equals the name in its local header, as every zip writer makes them;
    /// else what differs. The CRC covers an entry's bytes but not its name, and libtorch ends the whole process (an
    /// exception it does not catch) on a TorchScript archive whose code names a file that is not there.
    /// </summary>
    static string? LocalNameMismatch(byte[] b)
    {
        static uint U32(byte[] b, long at) => at >= 0 && at + 4 <= b.Length ? BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan((int)at)) : throw new InvalidDataException("a record lies outside the file");
        static ushort U16(byte[] b, long at) => at >= 0 && at + 2 <= b.Length ? BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan((int)at)) : throw new InvalidDataException("a record lies outside the file");
        static ulong U64(byte[] b, long at) => at >= 0 && at + 8 <= b.Length ? BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan((int)at)) : throw new InvalidDataException("a record lies outside the file");

        long eocd = -1;
        for (long i = b.Length - 22; i >= Math.Max(0, b.Length - 22 - 65535); i--)
            if (U32(b, i) == 0x06054b50) { eocd = i; break; }
        if (eocd < 0) return "no end of central directory record";
        long entries = U16(b, eocd + 10), cd = U32(b, eocd + 16);
        if (cd == 0xFFFFFFFF || entries == 0xFFFF)
        {
            long locator = eocd - 20;
            if (U32(b, locator) != 0x07064b50) return "a zip64 archive without its locator";
            long eocd64 = (long)Math.Min(U64(b, locator + 8), long.MaxValue);
            if (U32(b, eocd64) != 0x06064b50) return "a zip64 archive without its end record";
            entries = (long)Math.Min(U64(b, eocd64 + 32), int.MaxValue);
            cd = (long)Math.Min(U64(b, eocd64 + 48), long.MaxValue);
        }
        long at = cd;
        for (long e = 0; e < entries; e++)
        {
            if (U32(b, at) != 0x02014b50) return "a damaged central directory";
            int nameLength = U16(b, at + 28), extraLength = U16(b, at + 30), commentLength = U16(b, at + 32);
            long local = U32(b, at + 42);
            if (at + 46 + nameLength + extraLength > b.Length) return "a damaged central directory";
            var name = b.AsSpan((int)at + 46, nameLength);
            if (local == 0xFFFFFFFF) local = Zip64LocalOffset(b, at, nameLength, extraLength);
            if (local < 0 || U32(b, local) != 0x04034b50) return $"entry '{Encoding.UTF8.GetString(name)}' has no local header where the directory says";
            int localNameLength = U16(b, local + 26);
            if (local + 30 + localNameLength > b.Length || !b.AsSpan((int)local + 30, localNameLength).SequenceEqual(name))
                return $"entry '{Encoding.UTF8.GetString(name)}' is named differently in its local header";
            at += 46 + nameLength + extraLength + commentLength;
        }
        return null;
    }

    /// <summary>The local header offset from an entry's zip64 extra field (after the sizes that overflowed), or -1.</summary>
    static long Zip64LocalOffset(byte[] b, long record, int nameLength, int extraLength)
    {
        bool bigUncompressed = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan((int)record + 24)) == 0xFFFFFFFF;
        bool bigCompressed = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan((int)record + 20)) == 0xFFFFFFFF;
        long at = record + 46 + nameLength, end = at + extraLength;
        while (at + 4 <= end)
        {
            int id = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan((int)at)), size = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan((int)at + 2));
            if (id == 0x0001)
            {
                long field = at + 4 + (bigUncompressed ? 8 : 0) + (bigCompressed ? 8 : 0);
                return field + 8 <= Math.Min(end, at + 4 + size) ? (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan((int)field)), long.MaxValue) : -1;
            }
            at += 4 + size;
        }
        return -1;
    }

    public static TorchZip Check(string path, byte[] bytes)
    {
        DataFormatException Bad(string what) => new($"{path}: not a valid PyTorch zip archive ({ErrorText.Printable(what)}).");
        if (!LooksLikeZip(bytes)) throw Bad("it does not start with a zip signature; torch.save's legacy format is not read, save again with a current PyTorch");
        var names = new List<string>();
        try
        {
            using var zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
            string? root = null;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in zip.Entries)
            {
                string name = entry.FullName;
                var parts = name.Split('/');
                if (name.Length == 0 || name.StartsWith('/') || name.Contains('\\') || name.Contains(':') || parts.Any(p => p is ".." or "."))
                    throw Bad($"entry '{name}' lies outside the archive");
                root ??= parts[0];
                if (parts[0] != root || parts.Length < 2) throw Bad($"entry '{name}' lies outside the archive's folder '{root}'");
                if (!seen.Add(name)) throw Bad($"entry '{name}' appears twice");
                if (entry.Length > bytes.Length * 1032L) throw Bad($"entry '{name}' claims {entry.Length} bytes");
                var crc = new Crc32();
                using (var stream = entry.Open())
                {
                    var buffer = new byte[81920];
                    long total = 0;
                    for (int n; (n = stream.Read(buffer)) > 0;)
                    {
                        crc.Append(buffer.AsSpan(0, n));
                        total += n;
                    }
                    if (total != entry.Length) throw Bad($"entry '{name}' holds {total} bytes, its header says {entry.Length}");
                }
                if (crc.GetCurrentHashAsUInt32() != entry.Crc32) throw Bad($"entry '{name}' does not match its CRC-32: the file is damaged");
                names.Add(name);
            }
            if (root is null) throw Bad("it is empty");
            if (LocalNameMismatch(bytes) is { } mismatch) throw Bad(mismatch);
            return new TorchZip(root, names, bytes);
        }
        catch (InvalidDataException e) { throw Bad(e.Message.TrimEnd('.')); }
        catch (IOException e) { throw Bad(e.Message.TrimEnd('.')); }
        catch (NotSupportedException e) { throw Bad(e.Message.TrimEnd('.')); }
        catch (ArgumentException e) { throw Bad(e.Message.TrimEnd('.')); }
    }
}
