using System.Buffers.Binary;
using System.Text;

namespace MnistLab.Natives;

/// <summary>
/// The little of ELF64 (little-endian) that the patch needs: section headers, the version-needs table
/// (<c>.gnu.version_r</c>) and the version-definitions table (<c>.gnu.version_d</c>).
/// </summary>
internal sealed class ElfFile
{
    const uint ShtGnuVerdef = 0x6ffffffd;
    const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>vna_flags bit that makes a missing version a warning instead of a load failure.</summary>
    public const ushort VerFlagWeak = 0x2;

    readonly byte[] _bytes;
    readonly string _name;

    ElfFile(byte[] bytes, string name)
    {
        _bytes = bytes;
        _name = name;
    }

    /// <summary>Reads an ELF64 little-endian file; throws <see cref="InvalidDataException"/> naming the file otherwise.</summary>
    public static ElfFile Read(string path) => Parse(File.ReadAllBytes(path), path);

    public static ElfFile Parse(byte[] bytes, string name)
    {
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw new InvalidDataException($"{name}: not an ELF file (expected the magic bytes 7f 45 4c 46).");
        if (bytes[4] != 2 || bytes[5] != 1)
            throw new InvalidDataException($"{name}: expected a 64-bit little-endian ELF file (class {bytes[4]}, data {bytes[5]}).");
        return new ElfFile(bytes, name);
    }

    public byte[] Bytes => _bytes;

    /// <summary>One version a file needs from one library, and where its flags live in the file.</summary>
    public sealed record VersionNeed(string Library, string Version, ushort Flags, long FlagsOffset);

    /// <summary>All entries of the version-needs table.</summary>
    public IReadOnlyList<VersionNeed> VersionNeeds()
    {
        var result = new List<VersionNeed>();
        foreach (var (offset, size, link, info) in Sections(ShtGnuVerneed))
        {
            long strtab = SectionOffset(link);
            long entry = offset;
            for (uint i = 0; i < info; i++)
            {
                Check(entry + 16 <= offset + size, "version-needs entry runs past its section");
                ushort count = U16(entry + 2);
                string library = CString(strtab + U32(entry + 4));
                long aux = entry + U32(entry + 8);
                for (ushort k = 0; k < count; k++)
                {
                    Check(aux + 16 <= offset + size, "version-needs auxiliary entry runs past its section");
                    result.Add(new VersionNeed(library, CString(strtab + U32(aux + 8)), U16(aux + 4), aux + 4));
                    uint nextAux = U32(aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = U32(entry + 12);
                if (next == 0) break;
                entry += next;
            }
        }
        return result;
    }

    /// <summary>Names of the versions this file defines (for libstdc++: GLIBCXX_3.4, ..., GLIBCXX_3.4.30).</summary>
    public IReadOnlySet<string> VersionDefinitions()
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (offset, size, link, info) in Sections(ShtGnuVerdef))
        {
            long strtab = SectionOffset(link);
            long entry = offset;
            for (uint i = 0; i < info; i++)
            {
                Check(entry + 20 <= offset + size, "version-definition entry runs past its section");
                long aux = entry + U32(entry + 12);
                Check(aux + 8 <= offset + size, "version-definition auxiliary entry runs past its section");
                result.Add(CString(strtab + U32(aux)));
                uint next = U32(entry + 16);
                if (next == 0) break;
                entry += next;
            }
        }
        return result;
    }

    /// <summary>Sets the weak flag on the need for <paramref name="version"/>; returns how many entries changed.</summary>
    public int MarkWeak(string version)
    {
        int changed = 0;
        foreach (var need in VersionNeeds())
        {
            if (need.Version != version || (need.Flags & VerFlagWeak) != 0) continue;
            BinaryPrimitives.WriteUInt16LittleEndian(_bytes.AsSpan((int)need.FlagsOffset, 2), (ushort)(need.Flags | VerFlagWeak));
            changed++;
        }
        return changed;
    }

    IEnumerable<(long Offset, long Size, uint Link, uint Info)> Sections(uint type)
    {
        long shoff = (long)U64(0x28);
        ushort shentsize = U16(0x3A);
        ushort shnum = U16(0x3C);
        Check(shoff > 0 && shentsize >= 64 && shoff + (long)shentsize * shnum <= _bytes.Length, "section header table out of range");
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            if (U32(sh + 4) != type) continue;
            long offset = (long)U64(sh + 24), size = (long)U64(sh + 32);
            Check(offset >= 0 && size >= 0 && offset + size <= _bytes.Length, "section runs past the end of the file");
            yield return (offset, size, U32(sh + 40), U32(sh + 44));
        }
    }

    long SectionOffset(uint index)
    {
        long shoff = (long)U64(0x28);
        ushort shentsize = U16(0x3A);
        Check(index < U16(0x3C), $"string table index {index} out of range");
        return (long)U64(shoff + (long)index * shentsize + 24);
    }

    string CString(long at)
    {
        Check(at >= 0 && at < _bytes.Length, "string offset out of range");
        int end = Array.IndexOf(_bytes, (byte)0, (int)at);
        Check(end >= 0, "unterminated string");
        return Encoding.ASCII.GetString(_bytes, (int)at, end - (int)at);
    }

    ushort U16(long at) { Check(at + 2 <= _bytes.Length, "read past end"); return BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan((int)at, 2)); }
    uint U32(long at) { Check(at + 4 <= _bytes.Length, "read past end"); return BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan((int)at, 4)); }
    ulong U64(long at) { Check(at + 8 <= _bytes.Length, "read past end"); return BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan((int)at, 8)); }

    void Check(bool ok, string what)
    {
        if (!ok) throw new InvalidDataException($"{_name}: malformed ELF file: {what}.");
    }
}
