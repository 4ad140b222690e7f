using System.Text.Json;
using MnistLab.Analysis;
using MnistLab.Data;
using MnistLab.Experiments.Rotated;
using MnistLab.Tests.Support;
using MnistLab.Training;

namespace MnistLab.Tests.Experiments;

public class RotatedExperimentTests
{
    [Fact]
    public void Runs_end_to_end_on_tiny_generated_data_and_reports_every_convolution()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path, train: 60, test: 20);
        using var mnist = Mnist.Load(MnistLocator.TryFolder(dir.Path)!);
        var options = new RotatedOptions
        {
            Train = new RotatedOptions().Train with { Epochs = 1, BatchSize = 16 }, LinearEpochs = 1,
            Data = new RotatedData { Generate = new RotBackOptions { TrainValidCount = 50, TestCount = 20 } },
        };
        using var lab = LabData.Of(mnist);
        var run = new RotatedExperiment().RunInto(options, dir.File("r"), lab);
        var result = run.Result;
        Assert.Equal((40, 10, 20), (result.TrainCount, result.ValCount, result.TestCount));
        Assert.Equal(12, result.Filters.Count);
        Assert.Equal(20, result.Confusion.Total); // the whole test set, never cut
        Assert.InRange(run.Figures["diverse_convolutions"], 0, 12);
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("r/metrics.json")));
        var root = doc.RootElement;
        Assert.Equal("generated", root.GetProperty("data").GetProperty("source").GetString());
        var layer = root.GetProperty("filters").GetProperty("res3.conv2");
        Assert.Equal(64, layer.GetProperty("filters").GetInt32());
        Assert.True(layer.GetProperty("init").GetProperty("effective_rank").GetDouble() > 1);
        Assert.Equal(10, root.GetProperty("per_class_acc").GetArrayLength());
        Assert.Contains("## Are the filters diverse or redundant?", File.ReadAllText(dir.File("r/report.md")));

        // The blocks' dictionaries: one per default block, each feature placed on the digit masks the generator replays.
        var dictionaries = root.GetProperty("dictionaries");
        Assert.StartsWith("the generator replayed", dictionaries.GetProperty("mask").GetString());
        var blocks = dictionaries.GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal(["res2", "res4", "res6"], blocks.Select(b => b.GetProperty("block").GetString()));
        Assert.Equal([784, 196, 49], blocks.Select(b => b.GetProperty("positions").GetInt32()));
        foreach (var b in blocks)
        {
            int live = b.GetProperty("live").GetInt32();
            Assert.InRange(b.GetProperty("distinct").GetInt32(), 1, live);
            Assert.Equal(live, b.GetProperty("digit").GetInt32() + b.GetProperty("texture").GetInt32() + b.GetProperty("mixed").GetInt32());
            foreach (var share in b.GetProperty("digit_share").EnumerateArray().Where(v => v.ValueKind == JsonValueKind.Number))
                Assert.InRange(share.GetDouble(), 0, 1);
        }
        Assert.Equal(blocks.Sum(b => b.GetProperty("distinct").GetInt32()), run.Figures["distinct_features"]);
        Assert.Contains("## What do the blocks compute", File.ReadAllText(dir.File("r/report.md")));
    }

    [Fact]
    public void A_convolution_is_redundant_with_near_duplicates_or_a_rank_below_half_its_shapes()
    {
        Assert.Equal(FilterVerdict.Redundant, RotatedExperiment.Judge(FilterDiversity.Compute(TorchSharp.torch.ones(5, 2, 3, 3))));
        Assert.Equal(FilterVerdict.Diverse, RotatedExperiment.Judge(FilterDiversity.Compute(TorchSharp.torch.eye(6).reshape(6, 1, 2, 3))));
        // Six filters 30 degrees apart in one plane of 18 dimensions: no two near-duplicates (|cos| <= 0.87), but rank 2 of the 6 possible.
        var plane = Enumerable.Range(0, 6).SelectMany(k => new float[18].Select((_, j) => j == 0 ? (float)Math.Cos(k * Math.PI / 6) : j == 1 ? (float)Math.Sin(k * Math.PI / 6) : 0f)).ToArray();
        var d = FilterDiversity.Compute(TorchSharp.torch.tensor(plane).reshape(6, 18));
        Assert.Equal((0, 6), (d.NearDuplicates, d.MaxRank));
        Assert.Equal(FilterVerdict.Redundant, RotatedExperiment.Judge(d));
    }
}
