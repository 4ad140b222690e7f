namespace MnistLab.Serve;

/// <summary>A run folder as the page lists it: its id, its index (if it has one) and its reports, each as the URL that serves it.</summary>
public sealed record RunListing(string Id, string? Index, IReadOnlyList<RunReport> Reports);

/// <param name="Name">The report's folder within the run (the run's own id for a report at its top).</param>
public sealed record RunReport(string Name, string Url);

public sealed record RunsAnswer(IReadOnlyList<RunListing> Runs);

/// <summary>
/// The files of the run folders a server was given (<c>--runs</c>) that a browser may read: the index, the reports and
/// what they show (HTML, Markdown, images, JSON, CSV, text), served as they were written so their relative links work.
/// A request names a run by its id and a file by its path within the run; both are only keys into the listing made
/// here by walking the folders, so no path from a request reaches the file system, and a file outside the run folders,
/// of another kind (a checkpoint) or in a staging folder (<c>.NAME.partial</c>) is never served. A file written after
/// the last walk is found by walking that run again.
/// </summary>
public sealed class RunFolders
{
    /// <summary>The kinds of file served, by extension, with their content types.</summary>
    public static readonly IReadOnlyDictionary<string, string> Types = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".md"] = "text/plain; charset=utf-8",
        [".txt"] = "text/plain; charset=utf-8",
        [".csv"] = "text/csv; charset=utf-8",
        [".json"] = "application/json; charset=utf-8",
        [".png"] = "image/png",
        [".svg"] = "image/svg+xml",
    };

    readonly List<(string Id, string Root)> _runs = [];
    readonly Dictionary<string, Dictionary<string, string>> _files = [];
    readonly Lock _lock = new();

    public RunFolders(IEnumerable<string> folders)
    {
        var ids = new HashSet<string>();
        foreach (var folder in folders)
        {
            string root = Path.GetFullPath(folder);
            string id = Path.GetFileName(Path.TrimEndingDirectorySeparator(root));
            // Two run folders of the same name get numbered ids, as their models' ids are.
            string unique = id;
            for (int k = 2; !ids.Add(unique); k++) unique = $"{id}~{k}";
            _runs.Add((unique, root));
        }
    }

    public IReadOnlyList<string> Ids => _runs.Select(r => r.Id).ToList();

    /// <summary>Every run, walked again: its index.html and every report.html below it, by URL.</summary>
    public RunsAnswer List()
    {
        var listings = new List<RunListing>();
        foreach (var (id, _) in _runs)
        {
            var files = Walk(id);
            string? index = files.ContainsKey("index.html") ? Url(id, "index.html") : null;
            var reports = files.Keys.Where(p => p == "report.html" || p.EndsWith("/report.html", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
                .Select(p => new RunReport(p == "report.html" ? id : p[..^"/report.html".Length], Url(id, p))).ToList();
            listings.Add(new RunListing(id, index, reports));
        }
        return new RunsAnswer(listings);
    }

    /// <summary>The file at <paramref name="path"/> (slashes, within the run) of run <paramref name="id"/>, or a <see cref="NotFoundException"/>.</summary>
    public string Find(string id, string path)
    {
        if (!_runs.Any(r => r.Id == id))
            throw new NotFoundException($"no run '{id}'; the runs are {(_runs.Count == 0 ? "none" : string.Join(", ", _runs.Select(r => r.Id)))}.");
        Dictionary<string, string>? files;
        lock (_lock) _files.TryGetValue(id, out files);
        if (files is not null && files.TryGetValue(path, out var known)) return known;
        return Walk(id).TryGetValue(path, out var found) && File.Exists(found) ? found
            : throw new NotFoundException($"run '{id}' has no report file '{path}' (served: {string.Join(", ", Types.Keys)} files outside staging folders).");
    }

    /// <summary>The URL that serves file <paramref name="path"/> of run <paramref name="id"/>.</summary>
    public static string Url(string id, string path) => $"/runs/{Uri.EscapeDataString(id)}/{string.Join('/', path.Split('/').Select(Uri.EscapeDataString))}";

    Dictionary<string, string> Walk(string id)
    {
        string root = _runs.First(r => r.Id == id).Root;
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Directory.Exists(root))
            // Links are not followed: one inside a run folder could point anywhere on the machine.
            foreach (var file in Directory.EnumerateFiles(root, "*", new EnumerationOptions
                     { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint }))
            {
                var parts = Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar);
                if (parts.Any(p => p.StartsWith('.')) || !Types.ContainsKey(Path.GetExtension(file))) continue;
                files[string.Join('/', parts)] = file;
            }
        lock (_lock) _files[id] = files;
        return files;
    }
}
