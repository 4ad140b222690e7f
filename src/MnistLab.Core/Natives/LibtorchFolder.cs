using System.Reflection;
using MnistLab.Common;

namespace MnistLab.Natives;

/// <summary>
/// The folder that holds libtorch.so for TorchSharp's glue: beside the glue (a build or publish output, or one package
/// folder that holds both), or else the libtorch-cpu-linux-x64 package folder that NuGet restored beside TorchSharp's.
/// </summary>
/// <remarks>
/// A host that loads packages straight from the NuGet cache (a .NET Interactive notebook's <c>#r "nuget: ..."</c>)
/// leaves TorchSharp.dll and libLibTorchSharp.so in the TorchSharp package folder and libtorch in its own package
/// folder; TorchSharp's own loader then looks in that package folder too. The package's version is the one this
/// assembly was built against (its <c>LibtorchPackageVersion</c> metadata), so another restored libtorch is never
/// taken; nor is one found by name on the system (Debian's python3-torch installs one).
/// </remarks>
internal static class LibtorchFolder
{
    const string PackageId = "libtorch-cpu-linux-x64";
    const string LibraryFile = "libtorch.so";

    /// <summary>
    /// The folder of libtorch.so for the glue in <paramref name="glueFolder"/>; throws naming every place looked.
    /// <paramref name="machineFolders"/> false leaves out $NUGET_PACKAGES and ~/.nuget/packages (for tests).
    /// </summary>
    public static string Find(string glueFolder, string? torchSharpFile, bool machineFolders = true)
    {
        var looked = new List<string> { glueFolder };
        if (File.Exists(Path.Combine(glueFolder, LibraryFile))) return glueFolder;

        string? version = PackageVersion();
        if (version is null)
            throw new MnistLabException($"{LibraryFile} is not beside it in {glueFolder}, and MnistLab.Core names no libtorch package version to look for.");
        foreach (string root in PackageRoots(torchSharpFile, machineFolders))
        {
            string folder = Path.Combine(root, PackageId, version, "runtimes", "linux-x64", "native");
            if (File.Exists(Path.Combine(folder, LibraryFile))) return folder;
            looked.Add(folder);
        }
        throw new MnistLabException($"{LibraryFile} was found in none of: {string.Join(", ", looked.Distinct())} "
            + $"(restore the {PackageId} {version} package, which MnistLab.Core depends on).");
    }

    /// <summary>The libtorch package version this assembly was built against.</summary>
    public static string? PackageVersion() =>
        typeof(LibtorchFolder).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "LibtorchPackageVersion")?.Value;

    /// <summary>
    /// NuGet package folders, most specific first: the one TorchSharp.dll was loaded from
    /// (<c>ROOT/torchsharp/VERSION/lib/TFM/TorchSharp.dll</c>), then <c>$NUGET_PACKAGES</c> and <c>~/.nuget/packages</c>.
    /// </summary>
    static IEnumerable<string> PackageRoots(string? torchSharpFile, bool machineFolders)
    {
        var roots = new List<string>();
        var tfm = string.IsNullOrEmpty(torchSharpFile) ? null : new FileInfo(torchSharpFile).Directory;
        var package = tfm?.Parent?.Parent?.Parent; // lib/TFM -> VERSION -> torchsharp
        if (tfm?.Parent?.Name == "lib" && package is not null && package.Name.Equals("torchsharp", StringComparison.OrdinalIgnoreCase) && package.Parent is not null)
            roots.Add(package.Parent.FullName);
        if (machineFolders && Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set)
            roots.Add(set);
        if (machineFolders) roots.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"));
        return roots.Select(Path.GetFullPath).Distinct();
    }
}
