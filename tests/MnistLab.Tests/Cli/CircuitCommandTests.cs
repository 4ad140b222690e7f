using System.Globalization;
using System.Text.Json;
using MnistLab.Cli;
using MnistLab.Tests.Import;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Cli;

/// <summary>`mnistlab circuit` on the imported 784-32-10 MLP: ACDC's bound on its own KL, the full circuit's faithfulness, the files.</summary>
[Collection(RealMnistCollection.Name)]
public class CircuitCommandTests(RealMnist mnist)
{
    [Fact]
    public void Acdc_stays_within_its_threshold_per_removed_edge_and_every_edge_is_listed()
    {
        using var dir = new TempDir();
        _ = mnist.Data;
        string model = dir.File("mlp"), out_ = dir.File("circuit");
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", ModelFixtures.File("mlp.pt"), "--arch", ModelFixtures.File("mlp.json"), "--no-fetch", "--out", model]));
        Assert.Equal(CliApp.Ok, CliApp.Run(["circuit", "--model", model, "--pairs", "shift", "--count", "40", "--thresholds", "0.003,0.03", "--images", "test:0:200", "--no-fetch", "--out", out_]));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(out_, "metrics.json")));
        var c = doc.RootElement.GetProperty("circuits");
        // The image's one channel to 32 hidden units, 32 units to 10 logits.
        Assert.Equal(32 + 320, c.GetProperty("edges_total").GetInt32());
        Assert.Equal(40, c.GetProperty("pairs").GetInt32());
        var acdc = c.GetProperty("acdc").EnumerateArray().ToList();
        Assert.Equal([0.003, 0.03], acdc.Select(a => a.GetProperty("threshold").GetDouble()));
        foreach (var a in acdc)
        {
            // Each edge ACDC removes raised the KL by less than τ, from 0 at the full model.
            int kept = a.GetProperty("edges").GetInt32();
            Assert.InRange(kept, 1, 351);
            Assert.InRange(a.GetProperty("kl").GetDouble(), 0, a.GetProperty("threshold").GetDouble() * (352 - kept) + 1e-5);
            Assert.InRange(a.GetProperty("eap_agreement").GetDouble(), 0, 1);
            Assert.True(File.Exists(Path.Combine(out_, a.GetProperty("figure").GetString()!)));
        }
        // Attribution patching's largest circuit is the whole model: no divergence, all of m kept.
        var whole = c.GetProperty("eap").EnumerateArray().Last();
        Assert.Equal(352, whole.GetProperty("edges").GetInt32());
        Assert.Equal(0, whole.GetProperty("kl").GetDouble(), 5);
        Assert.Equal(1, whole.GetProperty("restored").GetDouble(), 4);
        var csv = File.ReadAllLines(Path.Combine(out_, "edges.csv"));
        Assert.Equal("layer,from,to,eap_score,acdc_tau_0.003,acdc_tau_0.03", csv[0]);
        Assert.Equal(352, csv.Length - 1);
        Assert.Equal(acdc[0].GetProperty("edges").GetInt32(), csv.Skip(1).Count(l => l.Split(',')[4] == "1"));
        foreach (var f in new[] { "report.md", "report.html", "faithfulness.png" }) Assert.True(File.Exists(Path.Combine(out_, f)), f);
    }

    [Fact]
    public void A_negative_threshold_or_too_many_edges_is_bad_usage_and_nothing_is_written()
    {
        using var dir = new TempDir();
        _ = mnist.Data;
        string model = dir.File("mlp");
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", ModelFixtures.File("mlp.pt"), "--arch", ModelFixtures.File("mlp.json"), "--no-fetch", "--out", model]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["circuit", "--model", model, "--thresholds", "0.01,-1", "--images", "test:0:100", "--no-fetch", "--out", dir.File("p")]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["circuit", "--model", model, "--max-edges", "100", "--pairs", "shift", "--images", "test:0:100", "--no-fetch", "--out", dir.File("q")]));
        foreach (var f in new[] { "p", "q" }) Assert.False(Directory.Exists(dir.File(f)) && Directory.EnumerateFileSystemEntries(dir.File(f)).Any(), f);
    }
}
