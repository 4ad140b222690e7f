using System.Security.Cryptography;

namespace MnistLab.Data;

/// <summary>
/// Which data a run used: a name, the SHA-256 of every file it was read from (measured when it was read), and the
/// options of the generator when the data was made rather than read. It goes into every run record and checkpoint.
/// </summary>
public sealed record DataProvenance(string Name, IReadOnlyDictionary<string, string> Sha256, object? Generator = null)
{
    /// <summary>Data read from <paramref name="paths"/>, each hashed here as it is on disk.</summary>
    public static DataProvenance OfFiles(string name, IEnumerable<string> paths) =>
        new(name, paths.ToDictionary(p => Path.GetFileName(p), p =>
        {
            using var stream = File.OpenRead(p);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }));
}
