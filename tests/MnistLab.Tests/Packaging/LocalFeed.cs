using MnistLab.Tests.Support;

namespace MnistLab.Tests.Packaging;

/// <summary>
/// The repository's two packages packed once for the packaging tests, into a local feed in a temporary folder, with
/// a version no earlier pack can have had (so no cached package of the same id and version can stand in for them), and
/// an isolated NuGet setup to install and restore from it: a NuGet.config that lists only this feed and the machine's
/// package folder (read as a plain local source), and a global packages folder and HTTP cache of its own.
/// </summary>
/// <remarks>
/// The packs use the build the tests run from (<c>--no-build</c>, Release): packing is then mostly compression, and the
/// build folders of src/ are not rewritten under the other tests.
/// </remarks>
public sealed class LocalFeed : IDisposable
{
    readonly TempDir _root = new();

    /// <summary>Null when the packages were made; else why these tests cannot run here (shown as their skip reason).</summary>
    public string? Unavailable { get; }

    public string Version { get; } = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{System.Environment.ProcessId}";
    public string Folder => Path.Combine(_root.Path, "feed");
    public string NuGetConfig => Path.Combine(_root.Path, "NuGet.config");
    public string Work => _root.Path;

    /// <summary>How long the two packs took.</summary>
    public TimeSpan PackTime { get; }

    /// <summary>Variables every command of the packaging tests runs with: NuGet's caches inside the temporary folder.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public LocalFeed()
    {
        Environment = new Dictionary<string, string>
        {
            ["NUGET_PACKAGES"] = Path.Combine(_root.Path, "nuget-packages"),
            ["NUGET_HTTP_CACHE_PATH"] = Path.Combine(_root.Path, "nuget-http-cache"),
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["NO_COLOR"] = "1",
        };
        string? repo = RepositoryRoot();
        if (repo is null) { Unavailable = $"the repository (MnistLab.slnx) is not above {AppContext.BaseDirectory}"; return; }
        string? dotnet = DotnetOnPath();
        if (dotnet is null) { Unavailable = "no dotnet on PATH: the packages cannot be packed or installed"; return; }

        Directory.CreateDirectory(Folder);
        File.WriteAllText(NuGetConfig, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="mnistlab-test-feed" value="{Folder}" />
                <add key="machine-packages" value="{MachinePackages()}" />
              </packageSources>
            </configuration>
            """);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (string project in new[] { "src/MnistLab.Core/MnistLab.Core.csproj", "src/MnistLab.Cli/MnistLab.Cli.csproj" })
        {
            var pack = Command.Run("dotnet", ["pack", project, "-c", "Release", "--no-build", "--nologo", "-v", "quiet",
                    "-o", Folder, $"-p:PackageVersion={Version}", $"-p:NuspecOutputPath={Path.Combine(_root.Path, "nuspec")}/", $"-p:PublishDir={Path.Combine(_root.Path, "publish", Path.GetFileNameWithoutExtension(project))}/"],
                repo, new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" }, TimeSpan.FromMinutes(5));
            if (pack.ExitCode != 0) throw new InvalidOperationException($"packing {project} failed: {pack}");
        }
        PackTime = clock.Elapsed;
        // The tool's published folder (libtorch included) has served its purpose once packed.
        if (Directory.Exists(Path.Combine(_root.Path, "publish"))) Directory.Delete(Path.Combine(_root.Path, "publish"), recursive: true);
    }

    public string Package(string id) => Path.Combine(Folder, $"{id}.{Version}.nupkg");

    /// <summary>The folder NuGet restored the repository's own packages into: a read-only source here, never written.</summary>
    static string MachinePackages() =>
        System.Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set
            ? set
            : Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MnistLab.slnx"))) return dir.FullName;
        return null;
    }

    static string? DotnetOnPath() =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(p => Path.Combine(p, "dotnet")).FirstOrDefault(File.Exists);

    public void Dispose() => _root.Dispose();
}

[CollectionDefinition(Name)]
public sealed class LocalFeedCollection : ICollectionFixture<LocalFeed>
{
    public const string Name = "local package feed";
}
