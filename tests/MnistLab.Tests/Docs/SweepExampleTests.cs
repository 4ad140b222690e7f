using MnistLab.Examples;
using MnistLab.Sweeps;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Docs;

/// <summary>The example of docs/SWEEPS.md is compiled with the tests, run on the real MNIST, and is what the page shows.</summary>
[Collection(RealMnistCollection.Name)]
public class SweepExampleTests(RealMnist mnist)
{
    static string Copied(string name) => Path.Combine(AppContext.BaseDirectory, "Docs", name);

    [Fact]
    public void The_page_shows_the_example_word_for_word()
    {
        string page = File.ReadAllText(Copied("SWEEPS.md"));
        string code = File.ReadAllText(Copied(Path.Combine("examples", "SweepExample.cs")));
        Assert.Contains("```csharp\n" + code + "```", page);
    }

    [Fact]
    public void The_example_runs_a_sweep_and_compares_its_settings()
    {
        _ = mnist.Data; // MNIST present where the points look
        using var dir = new TempDir();
        var sentences = SweepExample.Run(dir.Path);
        var plan = SweepPlan.Open(Path.Combine(dir.Path, "runs", "epochs"));
        Assert.All(SweepStatus.Read(plan).States, s => Assert.Equal(PointState.Done, s));
        string sentence = Assert.Single(sentences);
        Assert.StartsWith("train.epochs=2 against train.epochs=1: linear + cross-entropy: test accuracy changes by +", sentence);
        Assert.EndsWith("2 paired seeds.", sentence);
        Assert.True(File.Exists(Path.Combine(SweepReport.DefaultFolder(plan), "report.html")));
    }
}
