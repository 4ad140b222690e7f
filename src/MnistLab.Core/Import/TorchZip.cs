using System.IO.Compression;
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

    public static TorchZip Check(string path, byte[] bytes)
    {
        DataFormatException Bad(string what) => new($"{path}: not a valid PyTorch zip archive ({what}).");
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
            return new TorchZip(root, names, bytes);
        }
        catch (InvalidDataException e) { throw Bad(e.Message.TrimEnd('.')); }
        catch (IOException e) { throw Bad(e.Message.TrimEnd('.')); }
        catch (NotSupportedException e) { throw Bad(e.Message.TrimEnd('.')); }
        catch (ArgumentException e) { throw Bad(e.Message.TrimEnd('.')); }
    }
}
