using System.Text.Json;
using MnistLab.Examples;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Docs;

/// <summary>The example of docs/LIBRARY.md is compiled with the tests, run on the real MNIST, and is what the page shows.</summary>
[Collection(RealMnistCollection.Name)]
public class LibraryExampleTests(RealMnist mnist)
{
    static string Copied(string name) => Path.Combine(AppContext.BaseDirectory, "Docs", name);

    [Fact]
    public void The_page_shows_the_example_word_for_word()
    {
        string page = File.ReadAllText(Copied("LIBRARY.md"));
        string code = File.ReadAllText(Copied(Path.Combine("examples", "RingExample.cs")));
        Assert.Contains("```csharp\n" + code + "```", page);
    }

    [Fact]
    public void The_example_runs_the_ring_experiment_into_a_report_folder()
    {
        _ = mnist.Data; // MNIST present where the example looks
        using var dir = new TempDir();
        string answer = RingExample.Run(dir.Path);
        string metrics = Path.Combine(dir.Path, "runs", "ring", "metrics.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(metrics));
        Assert.Equal(answer, doc.RootElement.GetProperty("answer").GetString());
        Assert.Equal(1, doc.RootElement.GetProperty("options").GetProperty("train").GetProperty("epochs").GetInt32());
        Assert.True(File.Exists(Path.Combine(dir.Path, "runs", "ring", "report.html")));
    }
}
