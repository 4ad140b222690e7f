using System.Text.Json.Nodes;
using MnistLab.Common;
using MnistLab.Tests.Packaging;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Notebooks;

/// <summary>
/// Executes the repository's notebooks headless as a reader's Jupyter would: <c>jupyter nbconvert --execute</c> with the
/// <c>.net-csharp</c> kernel that scripts/setup.sh registers (the pinned .NET Interactive tool, run from the notebooks
/// folder so that its tool manifest answers). The notebooks reference the MnistLab.Core and MnistLab.Interactive packages of the local feed at
/// this version; here it is packed once, from the build the tests run from, into a temporary feed under a version no
/// earlier pack can have had, so no cached package stands in for this build.
/// </summary>
public sealed class NotebookRunner : IDisposable
{
    /// <summary>The feed expression and package references the committed notebooks carry, replaced for a run.</summary>
    public const string FeedExpression = """System.IO.Path.GetFullPath(System.IO.Path.Combine("..", "artifacts", "packages"))""";
    static readonly string[] Packages = ["MnistLab.Core", "MnistLab.Interactive"];
    static string Reference(string package, string version) => $"#r \\\"nuget: {package}, {version}\\\"";

    readonly TempDir _root = new();
    readonly string? _repo;

    /// <summary>Null when notebooks can run here; else why not (the tests' skip reason).</summary>
    public string? Unavailable { get; }

    public string Version { get; } = $"0.0.0-notebook.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
    string Feed => Path.Combine(_root.Path, "feed");

    public NotebookRunner()
    {
        _repo = RepositoryRoot();
        if (_repo is null) { Unavailable = $"the repository (MnistLab.slnx) is not above {AppContext.BaseDirectory}"; return; }
        if (!OnPath("jupyter-nbconvert")) { Unavailable = "jupyter-nbconvert is not installed (scripts/setup.sh installs it)"; return; }
        var kernels = Command.Run("jupyter", ["kernelspec", "list"], _repo, Quiet, TimeSpan.FromMinutes(1));
        if (kernels.ExitCode != 0 || !kernels.Output.Contains(".net-csharp"))
        { Unavailable = "Jupyter has no .net-csharp kernel (scripts/setup.sh registers it: dotnet tool restore, dotnet interactive jupyter install)"; return; }

        foreach (string package in Packages)
        {
            var pack = Command.Run("dotnet", ["pack", $"src/{package}/{package}.csproj", "-c", "Release", "--no-build", "--nologo", "-v", "quiet",
                    "-o", Feed, $"-p:PackageVersion={Version}", $"-p:NuspecOutputPath={Path.Combine(_root.Path, "nuspec", package)}/"],
                _repo, Quiet, TimeSpan.FromMinutes(5));
            if (pack.ExitCode != 0) throw new InvalidOperationException($"packing {package} failed: {pack}");
        }
    }

    static IReadOnlyDictionary<string, string> Quiet { get; } = new Dictionary<string, string>
    {
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1", ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1",
    };

    /// <summary>
    /// Executes notebooks/<paramref name="name"/> against the temporary feed and returns what it wrote. Errors are kept
    /// in the output (<c>--allow-errors</c>) so that the test can name the failing cell; the run itself must succeed.
    /// </summary>
    public (ExecutedNotebook Notebook, Command Run) Execute(string name, TimeSpan timeout)
    {
        string notebooks = Path.Combine(_repo!, "notebooks");
        var notebook = JsonNode.Parse(File.ReadAllText(Path.Combine(notebooks, name)))!;
        // The cell that adds the feed writes its #i and #r lines as a C# string: quotes escaped there.
        int feeds = 0;
        var references = Packages.ToDictionary(p => p, _ => 0);
        foreach (var cell in notebook["cells"]!.AsArray())
        {
            var source = cell!["source"]!.AsArray();
            for (int i = 0; i < source.Count; i++)
            {
                string line = source[i]!.GetValue<string>();
                feeds += line.Contains(FeedExpression) ? 1 : 0;
                line = line.Replace(FeedExpression, $"@\"{Feed}\"");
                foreach (string package in Packages)
                {
                    references[package] += line.Contains(Reference(package, LabVersion.Current)) ? 1 : 0;
                    line = line.Replace(Reference(package, LabVersion.Current), Reference(package, Version));
                }
                source[i] = line;
            }
        }
        if (feeds != 1 || references.Values.Any(n => n != 1))
            throw new InvalidOperationException($"{name} must add the local feed once as {FeedExpression} and reference each package once as "
                + $"{Reference(Packages[0], LabVersion.Current)} (found the feed {feeds} times, {string.Join(", ", references.Select(r => $"{r.Key} {r.Value}"))})");
        string input = Path.Combine(_root.Path, name);
        File.WriteAllText(input, notebook.ToJsonString());

        // From stdin, so that the kernel starts in notebooks/ (where a reader's would, and where the tool manifest
        // resolves `dotnet interactive`) while the copy and the executed notebook stay in the temporary folder.
        string output = Path.Combine(_root.Path, "executed");
        var run = Command.Run("bash", ["-c", "exec jupyter nbconvert --to notebook --execute --allow-errors --stdin "
                + $"--ExecutePreprocessor.timeout={(int)timeout.TotalSeconds} --output-dir \"$1\" --output \"$2\" < \"$3\"",
                "nbconvert", output, Path.GetFileNameWithoutExtension(name), input],
            notebooks, Quiet, timeout + TimeSpan.FromMinutes(1));
        string executed = Path.Combine(output, name);
        if (run.ExitCode != 0 || !File.Exists(executed))
            throw new InvalidOperationException($"nbconvert did not execute {name}: {run}");
        return (ExecutedNotebook.Read(executed), run);
    }

    static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(p => File.Exists(Path.Combine(p, program)));

    /// <summary>The repository root above the test assembly, or null.</summary>
    public static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MnistLab.slnx"))) return dir.FullName;
        return null;
    }

    public void Dispose()
    {
        // The packages the kernel restored into the machine's NuGet folder under this run's version: this run's alone
        // (and their id's folder, when no other version is there).
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set
            ? set : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (string package in Packages)
        {
            string restored = Path.Combine(packages, package.ToLowerInvariant(), Version);
            try
            {
                if (Directory.Exists(restored)) Directory.Delete(restored, recursive: true);
                string id = Path.GetDirectoryName(restored)!;
                if (Directory.Exists(id) && !Directory.EnumerateFileSystemEntries(id).Any()) Directory.Delete(id);
            }
            catch (IOException) { }
        }
        _root.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class NotebookCollection : ICollectionFixture<NotebookRunner>
{
    public const string Name = "notebooks";
}
