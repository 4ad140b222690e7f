using System.Text.Json;
using MnistLab.Natives;

namespace MnistLab.Tests.Packaging;

/// <summary>
/// The mnistlab tool as a user gets it: installed from the packed MnistLab.Cli into a tool path of its own, then run
/// (MNIST located, a real training with its report). The tool carries its own libLibTorchSharp.so, patched for any
/// libstdc++ whatever machine packed it.
/// </summary>
[Collection(LocalFeedCollection.Name)]
public class ToolInstallTests(LocalFeed feed)
{
    [SkippableFact]
    public void The_installed_tool_fetches_MNIST_and_runs_an_experiment_into_a_report_folder()
    {
        Skip.If(feed.Unavailable is not null, feed.Unavailable);
        Assert.True(File.Exists(feed.Package("MnistLab.Cli")), $"not packed: {feed.Package("MnistLab.Cli")}");
        string tools = Path.Combine(feed.Work, "tools");

        var install = Command.Run("dotnet", ["tool", "install", "MnistLab.Cli", "--tool-path", tools, "--configfile", feed.NuGetConfig, "--version", feed.Version],
            feed.Work, feed.Environment, TimeSpan.FromMinutes(3));
        Assert.True(install.ExitCode == 0, install.ToString());
        // The package just packed, from the test's feed (its version exists nowhere else), unpacked into the tool path.
        string installed = Path.Combine(tools, ".store", "mnistlab.cli", feed.Version, "mnistlab.cli", feed.Version, "tools", "net10.0", "any");
        Assert.True(Directory.Exists(installed), $"{installed} missing; {install}");

        // Patched whatever this system's libstdc++ has: the package is made once and installed anywhere.
        string glue = Path.Combine(installed, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.Contains(ElfFile.Read(glue).VersionNeeds(), n => n.Version == GlibcxxPatch.Version && (n.Flags & ElfFile.VerFlagWeak) != 0);

        string mnistlab = Path.Combine(tools, "mnistlab");
        var fetch = Command.Run(mnistlab, ["data", "fetch"], feed.Work, feed.Environment, TimeSpan.FromMinutes(3));
        Assert.True(fetch.ExitCode == 0, fetch.ToString());
        Assert.Contains("t10k-labels-idx1-ubyte", fetch.Output);

        // The quickest real run: one linear model, one epoch, with its report.
        string run = Path.Combine(feed.Work, "runs", "linearity");
        var experiment = Command.Run(mnistlab, ["run", "linearity", "--quick", "--set", "models=linear_ce", "--threads", "2", "--no-fetch", "--out", run],
            feed.Work, feed.Environment, TimeSpan.FromMinutes(5));
        Assert.True(experiment.ExitCode == 0, experiment.ToString());

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        var root = metrics.RootElement;
        Assert.Equal("linearity", root.GetProperty("experiment").GetString());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("answer").GetString()));
        double accuracy = root.GetProperty("headlines").GetProperty("linear_ce_test_acc").GetProperty("value").GetDouble();
        Assert.InRange(accuracy, 0.80, 1.0); // a linear model after one epoch reaches about 88%
        Assert.Equal(1, root.GetProperty("options").GetProperty("train").GetProperty("epochs").GetInt32());
        Assert.True(File.Exists(Path.Combine(run, "report.html")));
    }
}
