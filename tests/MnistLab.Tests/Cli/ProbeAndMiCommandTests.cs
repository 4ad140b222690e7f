using System.Globalization;
using System.Text.Json;
using MnistLab.Analysis;
using MnistLab.Analysis.Information;
using MnistLab.Cli;
using MnistLab.Models;
using MnistLab.Tests.Import;
using MnistLab.Tests.Support;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Tests.Cli;

[Collection(RealMnistCollection.Name)]
public class ProbeAndMiCommandTests(RealMnist mnist)
{
    [Fact]
    public void Probe_writes_a_report_with_one_metrics_entry_per_layer_and_concept_including_the_baselines()
    {
        using var dir = new TempDir();
        // A checkpoint of a small MLP trained one epoch on tiny synthetic digits; the probe reads the real test images.
        using (var train = Digits.SeparableSet(10))
        using (var init = MnistLab.Common.Seeds.Generator(0, "test/init"))
        using (var model = new MlpSpec(784, 32).Create(init))
            Trainer.Train(model, train, null, LossKind.CrossEntropy, new TrainOptions { Epochs = 1, BatchSize = 20 }, name: "mlp",
                checkpoints: new Checkpointing(dir.File("run"), CheckpointMode.Fresh));
        _ = mnist.Data;
        string probe = dir.File("probe");
        Assert.Equal(CliApp.Ok, CliApp.Run(["probe", "--checkpoint", Path.Combine(dir.File("run"), "mlp.ckpt"), "--layers", "input,relu1",
            "--concepts", "class,ring,slant", "--images", "test:0:300", "--folds", "2", "--bootstrap", "20", "--null", "20", "--no-fetch", "--out", probe]));

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(probe, "metrics.json")));
        Assert.Equal(["probes"], doc.RootElement.EnumerateObject().Select(p => p.Name));
        var entries = doc.RootElement.GetProperty("probes").EnumerateArray().ToList();
        // pixels, input, relu1 and random:relu1 (a random copy's input is the input itself) times three concepts.
        Assert.Equal(12, entries.Count);
        Assert.Equal(["pixels", "input", "relu1", "random:relu1"], entries.Select(e => e.GetProperty("layer").GetString()).Distinct());
        foreach (var e in entries)
        {
            Assert.Equal(["layer", "concept", "kind", "score", "control_score", "selectivity", "mdl_bits", "mi"], e.EnumerateObject().Select(p => p.Name));
            Assert.Equal(["estimate", "low", "high", "p_null"], e.GetProperty("mi").EnumerateObject().Select(p => p.Name));
            Assert.Equal(e.GetProperty("concept").GetString() == "slant" ? "ridge" : "logistic", e.GetProperty("kind").GetString());
            Assert.Equal(e.GetProperty("score").GetDouble() - e.GetProperty("control_score").GetDouble(), e.GetProperty("selectivity").GetDouble(), 12);
        }
        foreach (var f in new[] { "report.md", "report.html", "probe_details.json", "score.png", "selectivity.png", "mdl_compression.png", "mi.png",
                                  "directions_pixels_class.png", "directions_input_ring.png" })
            Assert.True(File.Exists(Path.Combine(probe, f)), f);
        // The pixels tell the class well above chance, and the control task does not.
        var pixelsClass = entries.Single(e => e.GetProperty("layer").GetString() == "pixels" && e.GetProperty("concept").GetString() == "class");
        Assert.True(pixelsClass.GetProperty("score").GetDouble() > 0.6);
        Assert.True(pixelsClass.GetProperty("selectivity").GetDouble() > 0.4);
    }

    [Theory]
    [InlineData("probe", "--help")]
    [InlineData("mi", "--help")]
    public void Help_of_the_probe_and_mi_commands_exits_with_0(params string[] args) => Assert.Equal(CliApp.Ok, CliApp.Run(args));

    [Fact]
    public void Probe_wants_one_model_and_refuses_missing_files_and_unknown_layers()
    {
        using var dir = new TempDir();
        Assert.Equal(CliApp.Usage, CliApp.Run(["probe", "--model", dir.Path, "--checkpoint", dir.File("a.ckpt"), "--layers", "fc1", "--out", dir.File("out")]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["probe", "--model", dir.File("none"), "--layers", "fc1", "--out", dir.File("out")]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["probe", "--layers", "fc1", "--out", dir.File("out")]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["probe", "--checkpoint", dir.File("none.ckpt"), "--layers", "fc1", "--out", dir.File("out")]));
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void Probe_refuses_a_concept_csv_column_named_like_the_built_in_it_asks_for()
    {
        using var dir = new TempDir();
        _ = mnist.Data;
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", ModelFixtures.File("mlp.pt"), "--arch", ModelFixtures.File("mlp.json"), "--no-fetch", "--out", dir.File("mlp")]));
        File.WriteAllText(dir.File("mine.csv"), "index,class\n" + string.Concat(Enumerable.Range(0, 300).Select(i => $"{i},{i % 2}\n")));
        Assert.Equal(CliApp.Failure, CliApp.Run(["probe", "--model", dir.File("mlp"), "--layers", "output", "--concepts", "class", "--concept-csv", dir.File("mine.csv"),
            "--images", "test:0:300", "--folds", "2", "--bootstrap", "10", "--null", "10", "--no-fetch", "--out", dir.File("probe")]));
        Assert.False(Directory.Exists(dir.File("probe")));
    }

    [Fact]
    public void Probe_fast_writes_point_estimates_only()
    {
        using var dir = new TempDir();
        _ = mnist.Data;
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", ModelFixtures.File("mlp.pt"), "--arch", ModelFixtures.File("mlp.json"), "--no-fetch", "--out", dir.File("mlp")]));
        Assert.Equal(CliApp.Ok, CliApp.Run(["probe", "--model", dir.File("mlp"), "--layers", "output", "--concepts", "class,slant", "--images", "test:0:300",
            "--folds", "2", "--fast", "--no-fetch", "--out", dir.File("probe")]));
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("probe/metrics.json")));
        var entries = doc.RootElement.GetProperty("probes").EnumerateArray().ToList();
        Assert.Equal(6, entries.Count); // pixels, output and random:output, two concepts each
        foreach (var e in entries)
        {
            Assert.True(double.IsFinite(e.GetProperty("score").GetDouble()) && double.IsFinite(e.GetProperty("control_score").GetDouble()));
            Assert.True(double.IsFinite(e.GetProperty("mi").GetProperty("estimate").GetDouble()));
            // No online code, interval or null: NaN, as metrics.json writes it.
            foreach (var missing in new[] { e.GetProperty("mdl_bits"), e.GetProperty("mi").GetProperty("low"), e.GetProperty("mi").GetProperty("high"), e.GetProperty("mi").GetProperty("p_null") })
                Assert.Equal("NaN", missing.GetString());
        }
        Assert.False(File.Exists(dir.File("probe/mdl_compression.png")));
        Assert.Contains("point estimates only (`--fast`)", File.ReadAllText(dir.File("probe/report.md")));
        using var details = JsonDocument.Parse(File.ReadAllText(dir.File("probe/probe_details.json")));
        Assert.True(details.RootElement.GetProperty("options").GetProperty("probe").GetProperty("fast").GetBoolean());
    }

    [Fact]
    public void Probe_reads_an_imported_model_beside_a_random_copy_with_fresh_weights_and_untrained_batch_norm()
    {
        using var dir = new TempDir();
        _ = mnist.Data;
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", ModelFixtures.File("cnn.pt"), "--arch", ModelFixtures.File("cnn.json"), "--no-fetch", "--out", dir.File("cnn")]));
        Assert.Equal(CliApp.Ok, CliApp.Run(["probe", "--model", dir.File("cnn"), "--layers", "2", "--concepts", "class", "--images", "test:0:300", "--folds", "2",
            "--bootstrap", "10", "--null", "10", "--no-fetch", "--out", dir.File("probe")]));
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("probe/metrics.json")));
        Assert.Equal(["pixels", "2", "random:2"], doc.RootElement.GetProperty("probes").EnumerateArray().Select(e => e.GetProperty("layer").GetString()));

        using var loaded = MnistLab.Import.LoadedModel.FromFolder(dir.File("cnn"));
        using var init = MnistLab.Common.Seeds.Generator(0, "test/random-copy");
        using var copy = MnistLab.Analysis.Probes.ProbeTable.RandomCopy(loaded.Model, init)!;
        var trained = loaded.Model.state_dict();
        var random = copy.state_dict();
        Assert.Equal(trained.Keys, random.Keys);
        Assert.False(trained["0.weight"].allclose(random["0.weight"]));   // the conv drawn afresh
        Assert.Equal(0, random["1.running_mean"].abs().max().item<float>());       // batch norm untrained
        Assert.Equal(1, random["1.weight"].min().item<float>());
    }

    [Fact]
    public void Mi_by_default_prints_the_seeds_estimate_bit_for_bit_and_adds_intervals_and_p_values_on_request()
    {
        using var dir = new TempDir();
        var rng = new Random(5);
        int n = 400;
        var labels = Enumerable.Range(0, n).Select(_ => rng.Next(4)).ToArray();
        var a = labels.Select(l => (float)(l - 1.5 + rng.NextDouble())).ToArray();
        var b = labels.Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        File.WriteAllText(dir.File("f.csv"), "a,b,label\n" + string.Concat(Enumerable.Range(0, n).Select(i =>
            string.Create(CultureInfo.InvariantCulture, $"{a[i]:R},{b[i]:R},{labels[i]}\n"))));
        Assert.Equal(CliApp.Ok, CliApp.Run(["mi", "--csv", dir.File("f.csv"), "--label-column", "label", "--out", dir.File("mi.csv")]));
        double[] seed;
        using (var y = tensor(a.Zip(b).SelectMany(p => new[] { p.First, p.Second }).ToArray(), [n, 2]))
        using (var c = tensor(labels.Select(l => (long)l).ToArray()))
            seed = MutualInformation.Hard(y, c, Binning.Seed, 4);
        var lines = File.ReadAllLines(dir.File("mi.csv"));
        Assert.Equal("column,mi_nats,mi_bits", lines[0]);
        for (int j = 0; j < 2; j++)
            Assert.Equal(BitConverter.DoubleToInt64Bits(seed[j]), BitConverter.DoubleToInt64Bits(double.Parse(lines[j + 1].Split(',')[1], CultureInfo.InvariantCulture)));

        Assert.Equal(CliApp.Ok, CliApp.Run(["mi", "--csv", dir.File("f.csv"), "--label-column", "label", "--estimator", "miller-madow", "--bootstrap", "100",
            "--null", "99", "--out", dir.File("mm.csv")]));
        var mm = File.ReadAllLines(dir.File("mm.csv"));
        Assert.Equal("column,mi_nats,mi_bits,low_nats,high_nats,p_null", mm[0]);
        var informative = mm[1].Split(',').Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var noise = mm[2].Split(',').Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(0.01, informative[4], 12);
        Assert.True(informative[2] > 0.3, $"low {informative[2]}");
        Assert.True(noise[4] > 0.05, $"p {noise[4]}");
        Assert.InRange(0, noise[2], noise[3]);

        Assert.Equal(CliApp.Ok, CliApp.Run(["mi", "--csv", dir.File("f.csv"), "--label-column", "label", "--estimator", "ross", "--out", dir.File("ross.json")]));
        using var json = JsonDocument.Parse(File.ReadAllText(dir.File("ross.json")));
        Assert.Equal("ross", json.RootElement.GetProperty("estimator").GetString());
        Assert.Equal(CliApp.Usage, CliApp.Run(["mi", "--csv", dir.File("f.csv"), "--label-column", "label", "--estimator", "nope"]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["mi", "--csv", dir.File("f.csv"), "--label-column", "label", "--binning", "log"]));
    }
}
