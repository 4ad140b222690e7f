using System.Text.Json;
using MnistLab.Cli;
using MnistLab.Tests.Import;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Cli;

/// <summary>Activation patching on the imported 784-32-10 MLP, where the answers are known: it is a chain, and linear after its ReLU.</summary>
[Collection(RealMnistCollection.Name)]
public class PatchCommandTests(RealMnist mnist)
{
    [Theory]
    [InlineData("fill-holes", "test:0:600")]
    [InlineData("shift", "test:0:600")]
    [InlineData("closed-4", "test:0:10000")] // 54 of the test set's 4s close into a loop
    public void Patching_a_chain_restores_everything_at_every_point_and_attribution_patching_is_exact_where_the_rest_is_linear(string pairs, string images)
    {
        using var dir = new TempDir();
        _ = mnist.Data;
        string model = dir.File("mlp"), out_ = dir.File("patch");
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", ModelFixtures.File("mlp.pt"), "--arch", ModelFixtures.File("mlp.json"), "--no-fetch", "--out", model]));
        Assert.Equal(CliApp.Ok, CliApp.Run(["patch", "--model", model, "--pairs", pairs, "--count", "40", "--point", "1", "--images", images, "--no-fetch", "--out", out_]));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(out_, "metrics.json")));
        var p = doc.RootElement.GetProperty("patching");
        Assert.Equal(40, p.GetProperty("pairs").GetInt32());
        var points = p.GetProperty("points").EnumerateArray().ToDictionary(e => e.GetProperty("point").GetString()!, e => (R: e.GetProperty("restored").GetDouble(), E: e.GetProperty("estimated").GetDouble()));
        Assert.Equal(["input", "normalize", "0", "1", "2", "output"], points.Keys);
        // Each point carries everything the rest of the chain reads: patching it brings the whole clean answer back.
        Assert.All(points.Values, v => Assert.Equal(1, v.R, 4));
        // After the ReLU the model is linear, so the first-order estimate is the measurement; before it, it is not.
        foreach (var linear in new[] { "1", "2", "output" }) Assert.Equal(1, points[linear].E, 4);
        // Unit by unit at the ReLU's output: each unit's estimate is its measurement, and the units add up to the whole.
        var units = p.GetProperty("units").EnumerateArray().Select(e => (R: e.GetProperty("restored").GetDouble(), E: e.GetProperty("estimated").GetDouble())).ToList();
        Assert.Equal(32, units.Count);
        Assert.All(units, u => Assert.Equal(u.R, u.E, 4));
        Assert.Equal(1, units.Sum(u => u.R), 3);
        Assert.Equal(1, p.GetProperty("correlation").GetDouble(), 4);
        foreach (var f in new[] { "report.md", "report.html", "points.png", "units.png" }) Assert.True(File.Exists(Path.Combine(out_, f)), f);
    }

    [Fact]
    public void A_pairs_file_with_a_bad_line_is_named_with_its_line_and_nothing_is_written()
    {
        using var dir = new TempDir();
        _ = mnist.Data;
        string model = dir.File("mlp");
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", ModelFixtures.File("mlp.pt"), "--arch", ModelFixtures.File("mlp.json"), "--no-fetch", "--out", model]));
        File.WriteAllText(dir.File("pairs.csv"), "clean,corrupted\n0,1\n2,x\n");
        Assert.Equal(CliApp.Failure, CliApp.Run(["patch", "--model", model, "--pairs", dir.File("pairs.csv"), "--images", "test:0:100", "--no-fetch", "--out", dir.File("p")]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["patch", "--model", model, "--pairs", "blur", "--images", "test:0:100", "--no-fetch", "--out", dir.File("q")]));
        foreach (var f in new[] { "p", "q" }) Assert.False(Directory.Exists(dir.File(f)) && Directory.EnumerateFileSystemEntries(dir.File(f)).Any(), f);
    }
}
