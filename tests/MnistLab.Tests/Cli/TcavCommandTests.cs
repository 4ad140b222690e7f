using System.Text.Json;
using MnistLab.Cli;
using MnistLab.Tests.Import;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Cli;

[Collection(RealMnistCollection.Name)]
public class TcavCommandTests(RealMnist mnist)
{
    [Fact]
    public void Tcav_writes_one_entry_per_layer_concept_and_class_and_refuses_a_concept_it_cannot_read()
    {
        using var dir = new TempDir();
        _ = mnist.Data;
        string model = dir.File("mlp"), out_ = dir.File("tcav");
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", ModelFixtures.File("mlp.pt"), "--arch", ModelFixtures.File("mlp.json"), "--no-fetch", "--out", model]));
        Assert.Equal(CliApp.Ok, CliApp.Run(["tcav", "--model", model, "--layers", "1", "--concepts", "ring,class=7", "--runs", "4", "--examples", "50",
            "--class-images", "20", "--images", "test:0:800", "--no-fetch", "--out", out_]));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(out_, "metrics.json")));
        var rows = doc.RootElement.GetProperty("tcav").EnumerateArray().ToList();
        Assert.Equal(20, rows.Count); // 2 concepts x 10 classes
        Assert.Equal(["ring=1", "class=7"], rows.Select(r => r.GetProperty("concept").GetString()).Distinct());
        foreach (var r in rows)
        {
            foreach (var key in new[] { "layer", "concept", "class", "score", "magnitude", "p_value" }) Assert.True(r.TryGetProperty(key, out _), key);
            Assert.InRange(r.GetProperty("score").GetDouble(), 0, 1);
            Assert.InRange(r.GetProperty("p_value").GetDouble(), 0, 1);
        }
        // The digits that are sevens push class 7's logit up along their own CAV in every run.
        Assert.Equal(1.0, rows.Single(r => r.GetProperty("concept").GetString() == "class=7" && r.GetProperty("class").GetInt32() == 7).GetProperty("score").GetDouble());
        foreach (var f in new[] { "report.md", "report.html", "tcav_1.png" }) Assert.True(File.Exists(Path.Combine(out_, f)), f);

        Assert.Equal(CliApp.Usage, CliApp.Run(["tcav", "--model", model, "--layers", "1", "--concepts", "holes", "--images", "test:0:800", "--no-fetch", "--out", dir.File("bad")]));
        Assert.False(Directory.Exists(dir.File("bad")) && Directory.EnumerateFileSystemEntries(dir.File("bad")).Any());
    }
}
