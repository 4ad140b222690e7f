using System.Diagnostics;
using MnistLab.Benchmarks;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Models;
using MnistLab.Reports;
using MnistLab.Runs;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Experiments.Fast;

/// <summary>One seed's training: its final test accuracy, its training time, and when it first measured the target accuracy (null if never).</summary>
public sealed record SeedRun(long Seed, double TestAcc, double TrainSeconds, double? SecondsToTarget, IReadOnlyList<CurvePoint> Curve);

/// <param name="PrepareSeconds">Standardising the data once for every seed (not part of any training's time).</param>
/// <param name="TrainFlopPerImage">Multiply-add FLOPs of one training step per image, read from the model's layers (<see cref="FlopCounter"/>).</param>
public sealed record FastResult(FastOptions Options, int TrainCount, int TestCount, double Mean, double Std, int Threads, double PrepareSeconds,
    double TrainFlopPerImage, IReadOnlyList<SeedRun> Runs)
{
    public double MeanTestAcc => Runs.Average(r => r.TestAcc);
    public double MinTestAcc => Runs.Min(r => r.TestAcc);
    public double MeanTrainSeconds => Runs.Average(r => r.TrainSeconds);

    /// <summary>Training images per second of the whole step (gather, forward, backward, optimiser), over all seeds.</summary>
    public double ImagesPerSecond => Runs.Count * Options.Epochs * (double)TrainCount / Runs.Sum(r => r.TrainSeconds);
}

/// <summary>
/// The speed run: how fast can this machine train a network to 99% test accuracy on MNIST? A small CNN
/// (<see cref="FastCnn"/>) on the whole data set held in memory, trained from scratch once per seed with the recipe of
/// <see cref="FastOptions"/>; the report gives test accuracy against training time, the time to 99.0%, and the
/// accuracy over the seeds.
/// </summary>
public sealed class FastExperiment : Experiment<FastOptions, FastResult>
{
    public override string Name => "fast";
    public override string Title => "99% on MNIST in seconds (the speed run)";
    public override string Question => "How fast can this machine train a network to 99% test accuracy on MNIST, and how reliably?";

    /// <summary>Not a seed's notebook: the recipe follows tuomaso/train_mnist_fast ("8_Final").</summary>
    public override string SeedDocument => "";

    public override FastOptions Defaults => new();
    public override FastOptions Quick => new() { Seeds = 1, EvalsPerEpoch = 4 };
    public override FastOptions WithSeed(FastOptions o, long seed) => o with { Seed = seed };
    public override long SeedOf(FastOptions o) => o.Seed;
    public override FastOptions Validated(FastOptions o) => o.Validated();
    public override BenchSection Bench => FastBench.Run;

    public override IReadOnlyList<Headline> Headlines { get; } =
    [
        new("mean_test_acc", "test accuracy, mean over the seeds", "fast: mean"),
        new("min_test_acc", "test accuracy, lowest seed", "fast: min"),
        new("mean_train_seconds", "training seconds per seed (mean)", "fast: seconds", FigureKind.Number),
        new("seeds_reaching_target", "seeds whose final test accuracy reached the target", "fast: seeds at target", FigureKind.Count),
        new("seeds", "seeds trained", "fast: seeds", FigureKind.Count),
    ];

    public override IReadOnlyDictionary<string, double> Figures(FastResult r) => new Dictionary<string, double>
    {
        ["mean_test_acc"] = r.MeanTestAcc,
        ["min_test_acc"] = r.MinTestAcc,
        ["mean_train_seconds"] = r.MeanTrainSeconds,
        ["seeds_reaching_target"] = r.Runs.Count(s => s.TestAcc >= r.Options.Target), // by the final accuracy, not the curve's best look
        ["seeds"] = r.Runs.Count,
    };

    public override string Answer(IReadOnlyDictionary<string, double> f) =>
        $"{f["mean_train_seconds"]:F1} s of training per seed reach {Markdown.Pct(f["mean_test_acc"])} test accuracy on average " +
        $"(lowest seed {Markdown.Pct(f["min_test_acc"])}); {f["seeds_reaching_target"]:0} of {f["seeds"]:0} seeds ended at or above the target accuracy.";

    public override DataProvenance Prepare(FastOptions o, LabData data, IProgressSink progress) => data.Mnist.Provenance;

    public override FastResult Run(FastOptions options, LabData data, RunContext context)
    {
        var mnist = data.Mnist;
        var progress = context.Progress;

        // Data: standardised once with the training set's own mean and deviation (0.1307 and 0.3081 on MNIST).
        var clock = Stopwatch.StartNew();
        var (mean, std) = MeanStd(mnist.Train.Images);
        using var train = Standardised(mnist.Train, mean, std);
        using var test = Standardised(mnist.Test, mean, std);
        double prepare = clock.Elapsed.TotalSeconds;

        double flop;
        using (var probe = new FastCnn()) flop = FlopCounter.Count(probe, train.Images.narrow(0, 0, 1)).TrainFlop;

        // One training per seed: the run's seed first, then its replicates.
        var runs = new List<SeedRun>();
        for (int i = 0; i < options.Seeds; i++)
        {
            long seed = i == 0 ? options.Seed : Seeds.Replicate(options.Seed, i);
            using var init = Seeds.Generator(seed, "cnn/init");
            using var model = new FastCnn(init);
            using var training = new FastTraining(model, train, test, options, seed);
            TrainingLoop.Run(training, context.Checkpoints, progress, context.Cancel);
            var curve = training.State.Curve;
            var run = new SeedRun(seed, curve[^1].TestAcc, training.State.TrainSeconds, curve.FirstOrDefault(p => p.TestAcc >= options.Target)?.TrainSeconds, curve);
            progress.Info($"seed {seed}: test accuracy {run.TestAcc:P2} after {run.TrainSeconds:F2} s of training" +
                          (run.SecondsToTarget is { } t ? $" ({options.Target:P1} after {t:F2} s)" : $" ({options.Target:P1} not reached)"));
            runs.Add(run);
        }
        return new FastResult(options, train.Count, test.Count, mean, std, get_num_threads(), prepare, flop, runs);
    }

    public override object Metrics(FastResult r) => FastReport.Metrics(r);

    public override void WriteReport(FastResult result, RunInfo info, ReportFolder folder) => FastReport.Write(result, info, folder);

    /// <summary>Mean and (unbiased) standard deviation of every pixel of <paramref name="images"/>.</summary>
    public static (double Mean, double Std) MeanStd(Tensor images)
    {
        using var scope = NewDisposeScope();
        return (images.mean().item<float>(), images.std().item<float>());
    }

    /// <summary><paramref name="set"/> with every pixel standardised: (x - mean) / std.</summary>
    internal static LabeledImages Standardised(LabeledImages set, double mean, double std)
    {
        using var scope = NewDisposeScope();
        return new LabeledImages((set.Images - mean) / std, set.Labels.clone(), $"{set.Name} (standardised)");
    }
}
