using System.Text.Json;
using MnistLab.Common;
using MnistLab.Natives;

namespace MnistLab.Tests.Packaging;

/// <summary>
/// docs/examples/probe.cs, a .NET 10 file-based program that references the MnistLab.Core package, run with
/// <c>dotnet run probe.cs</c> against the packed package: a program outside this repository's build, which gets
/// TorchSharp's natives unpatched from the NuGet cache and must still train.
/// </summary>
[Collection(LocalFeedCollection.Name)]
public class FileProgramTests(LocalFeed feed)
{
    static string Example => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", "examples", "probe.cs"));

    [Fact]
    public void The_example_names_the_package_at_this_version()
    {
        Assert.Contains($"#:package MnistLab.Core@{LabVersion.Current}\n", Example);
    }

    [SkippableFact]
    public void The_example_runs_from_the_package_and_writes_its_report()
    {
        Skip.If(feed.Unavailable is not null, feed.Unavailable);
        string folder = Directory.CreateDirectory(Path.Combine(feed.Work, "probe")).FullName;
        File.WriteAllText(Path.Combine(folder, "probe.cs"),
            Example.Replace($"MnistLab.Core@{LabVersion.Current}", $"MnistLab.Core@{feed.Version}"));
        File.Copy(feed.NuGetConfig, Path.Combine(folder, "nuget.config"));
        // `dotnet run FILE.cs` builds under $XDG_DATA_HOME/dotnet/runfile (libtorch included): inside the temporary folder.
        string data = Directory.CreateDirectory(Path.Combine(feed.Work, "xdg-data")).FullName;
        var environment = new Dictionary<string, string>(feed.Environment) { ["XDG_DATA_HOME"] = data };

        string output = Path.Combine(feed.Work, "runs", "probe");
        var run = Command.Run("dotnet", ["run", "probe.cs", "--", output], folder, environment, TimeSpan.FromMinutes(5));
        Assert.True(run.ExitCode == 0, run.ToString());

        // Where this system's libstdc++ lacks GLIBCXX_3.4.32, the package's TorchSharp file cannot load as it is, so the
        // library must have loaded its patched copy; elsewhere TorchSharp loads its own.
        string? system = GlibcxxPatch.FindSystemLibrary();
        bool lacks = system is not null && !GlibcxxPatch.Defines(system);
        Assert.Contains(lacks ? $"with {GlibcxxPatch.Version} optional" : LibTorchNatives.WhereTorchSharpFindsIt, run.Output);

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")));
        var root = metrics.RootElement;
        Assert.Equal("linearity", root.GetProperty("experiment").GetString());
        Assert.InRange(root.GetProperty("headlines").GetProperty("linear_ce_test_acc").GetProperty("value").GetDouble(), 0.80, 1.0);
        Assert.Equal(LabVersion.Current, root.GetProperty("run").GetProperty("mnistlab_version").GetString());
        Assert.True(File.Exists(Path.Combine(output, "report.html")));
    }
}
