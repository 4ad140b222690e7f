using System.Text.Json;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Experiments;
using MnistLab.Experiments.Fast;
using MnistLab.Models;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Experiments;

public class FastExperimentTests
{
    static readonly FastOptions Tiny = new() { Seed = 3, Seeds = 2, Epochs = 2, BatchSize = 20, EvalsPerEpoch = 2 };

    [Fact]
    public void A_tiny_run_learns_reports_every_seed_and_repeats_its_numbers()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path, train: 200, test: 50);
        using var mnist = Mnist.Load(MnistLocator.TryFolder(dir.Path)!);
        using var lab = LabData.Of(mnist);
        var first = new FastExperiment().RunInto(Tiny, dir.File("a"), lab).Result;
        var again = new FastExperiment().Run(Tiny, lab, RunContext.None);

        // The run's seed, then its first replicate.
        Assert.Equal([3L, Seeds.Replicate(3, 1)], first.Runs.Select(r => r.Seed));
        foreach (var run in first.Runs)
        {
            Assert.Equal([0.5, 1, 1.5, 2], run.Curve.Select(p => p.Epochs)); // 2 measurements in each of 2 epochs
            Assert.Equal(run.Curve[^1].TestAcc, run.TestAcc);
            Assert.True(run.TestAcc > 0.9, $"seed {run.Seed}: {run.TestAcc}"); // the digits are separable; chance is 0.1
            Assert.True(run.TrainSeconds > 0 && run.Curve.Zip(run.Curve.Skip(1)).All(p => p.First.TrainSeconds < p.Second.TrainSeconds));
            Assert.Equal(run.Curve.FirstOrDefault(p => p.TestAcc >= 0.99)?.TrainSeconds, run.SecondsToTarget);
        }
        // The same seed gives the same numbers; only the clock differs.
        Assert.Equal(first.Runs.SelectMany(r => r.Curve.Select(p => p.TestAcc)), again.Runs.SelectMany(r => r.Curve.Select(p => p.TestAcc)));

        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("a/metrics.json")));
        var root = doc.RootElement;
        var seeds = root.GetProperty("seeds").EnumerateArray().ToList();
        Assert.Equal(2, seeds.Count);
        foreach (var key in new[] { "seed", "test_acc", "train_seconds", "seconds_to_99" })
            Assert.True(seeds[0].TryGetProperty(key, out _), key);
        Assert.Equal(first.Runs.Average(r => r.TestAcc), root.GetProperty("mean_test_acc").GetDouble(), 12);
        Assert.Equal(first.Runs.Average(r => r.TrainSeconds), root.GetProperty("mean_train_seconds").GetDouble(), 12);
        Assert.Equal(first.MeanTestAcc, root.GetProperty("headlines").GetProperty("mean_test_acc").GetProperty("value").GetDouble(), 12);
        Assert.True(File.Exists(dir.File("a/accuracy_vs_time.png")));
        Assert.Contains("| seed | test accuracy | training seconds |", File.ReadAllText(dir.File("a/report.md")));
    }

    [Fact]
    public void The_learning_rate_follows_pytorchs_one_cycle_schedule()
    {
        // PyTorch's OneCycleLR (two phases, cosine): from max/25 up to max over the first 30% of the steps, then down to max/25/1e4.
        const double max = 1e-2;
        using var data = Digits.SeparableSet(10); // 100 images, batch 4: 25 steps in each of 2 epochs
        var options = new FastOptions { Epochs = 2, BatchSize = 4, MaxLearningRate = max, EvalsPerEpoch = 1 };
        using var model = new FastCnn(new TorchSharp.torch.Generator(1));
        using var training = new FastTraining(model, data, data, options, seed: 0);
        int total = 50;
        double initial = max / 25, final = initial / 1e4, peak = 0.3 * total - 1;
        double Cos(double from, double to, double pct) => to + (from - to) / 2 * (Math.Cos(Math.PI * pct) + 1);
        double Expected(int step) => step <= peak ? Cos(initial, max, step / peak) : Cos(max, final, (step - peak) / (total - 1 - peak));

        var seen = new List<double> { training.LearningRate };
        foreach (int epoch in new[] { 1, 2 })
            foreach (var _ in training.Epoch(epoch))
                seen.Add(training.LearningRate);
        Assert.Equal(total + 1, seen.Count);
        for (int step = 0; step < total; step++)
            Assert.Equal(Expected(step), seen[step], 1e-9);
        Assert.Equal(initial, seen[0], 1e-12);
        Assert.Equal(max, seen[(int)peak], 1e-12);
        Assert.Equal(final, seen[total - 1], 1e-12);
    }

    [Fact]
    public void Options_out_of_range_are_refused_by_name()
    {
        Assert.Equal("FastOptions.Seeds", Assert.Throws<InvalidOptionException>(() => new FastOptions { Seeds = 0 }.Validated()).Option);
        Assert.Equal("FastOptions.Beta1", Assert.Throws<InvalidOptionException>(() => new FastOptions { Beta1 = 1 }.Validated()).Option);
    }
}
