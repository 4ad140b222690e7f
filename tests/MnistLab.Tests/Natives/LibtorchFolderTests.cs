using MnistLab.Common;
using MnistLab.Natives;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Natives;

/// <summary>
/// Where libtorch.so is looked for when TorchSharp's glue has no libtorch beside it: a NuGet package folder laid out as
/// a notebook's <c>#r "nuget: ..."</c> leaves it, built here from empty files.
/// </summary>
public class LibtorchFolderTests
{
    static string Version => LibtorchFolder.PackageVersion() ?? throw new InvalidOperationException("MnistLab.Core names no libtorch version");

    static string Make(string folder, string file)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, file), []);
        return folder;
    }

    [Fact]
    public void The_assembly_names_the_libtorch_package_it_was_built_against()
    {
        Assert.Equal("2.10.0", Version);
    }

    [Fact]
    public void Beside_the_glue_wins()
    {
        using var dir = new TempDir();
        string glue = Make(dir.File("out"), "libtorch.so");
        Assert.Equal(glue, LibtorchFolder.Find(glue, Path.Combine(glue, "TorchSharp.dll")));
    }

    [Fact]
    public void Else_the_libtorch_package_of_the_built_version_beside_TorchSharps_package()
    {
        using var dir = new TempDir();
        string root = dir.File("packages");
        string glue = Make(Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native"), "libLibTorchSharp.so");
        string lib = Make(Path.Combine(root, "torchsharp", "0.107.0", "lib", "net8.0"), "TorchSharp.dll");
        // Another version restored beside it is never taken.
        Make(Path.Combine(root, "libtorch-cpu-linux-x64", "0.0.1", "runtimes", "linux-x64", "native"), "libtorch.so");
        string wanted = Make(Path.Combine(root, "libtorch-cpu-linux-x64", Version, "runtimes", "linux-x64", "native"), "libtorch.so");
        Assert.Equal(Path.GetFullPath(wanted), LibtorchFolder.Find(glue, Path.Combine(lib, "TorchSharp.dll"), machineFolders: false));
    }

    [Fact]
    public void Nowhere_is_an_error_naming_the_places_looked_and_the_package()
    {
        using var dir = new TempDir();
        string root = dir.File("packages");
        string glue = Make(Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native"), "libLibTorchSharp.so");
        string lib = Make(Path.Combine(root, "torchsharp", "0.107.0", "lib", "net8.0"), "TorchSharp.dll");
        var e = Assert.Throws<MnistLabException>(() => LibtorchFolder.Find(glue, Path.Combine(lib, "TorchSharp.dll"), machineFolders: false));
        Assert.Contains(glue, e.Message);
        Assert.Contains(Path.Combine(Path.GetFullPath(root), "libtorch-cpu-linux-x64", Version), e.Message);
        Assert.Contains($"libtorch-cpu-linux-x64 {Version}", e.Message);
    }
}
