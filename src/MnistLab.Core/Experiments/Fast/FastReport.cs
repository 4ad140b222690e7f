using System.Text;
using MnistLab.Reports;
using MnistLab.Runs;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Experiments.Fast;

/// <summary>The report folder of the speed run.</summary>
static class FastReport
{
    public static object Metrics(FastResult r) => new
    {
        seeds = r.Runs.Select(s => new
        {
            seed = s.Seed,
            test_acc = s.TestAcc,
            train_seconds = s.TrainSeconds,
            seconds_to_99 = s.SecondsToTarget,
            curve = s.Curve.Select(p => new { epochs = p.Epochs, train_seconds = p.TrainSeconds, test_acc = p.TestAcc }),
        }),
        mean_test_acc = r.MeanTestAcc,
        min_test_acc = r.MinTestAcc,
        mean_train_seconds = r.MeanTrainSeconds,
        target = r.Options.Target,
        images_per_second = r.ImagesPerSecond,
        train_flop_per_image = r.TrainFlopPerImage,
        gflops_per_second = r.ImagesPerSecond * r.TrainFlopPerImage / 1e9,
        threads = r.Threads,
        data = new { train = r.TrainCount, test = r.TestCount, mean = r.Mean, std = r.Std, prepare_seconds = r.PrepareSeconds },
    };

    public static void Write(FastResult r, RunInfo info, ReportFolder folder)
    {
        CurvePlot.Write(folder.PathOf("accuracy_vs_time.png"), $"Test accuracy against training time ({r.Runs.Count} seed(s))", "training seconds", "test accuracy",
            r.Runs.Select(s => new CurveSeries($"seed {s.Seed}", s.Curve.Select(p => p.TrainSeconds).ToList(), s.Curve.Select(p => p.TestAcc).ToList())).ToList(),
            level: (r.Options.Target, $"{Pct(r.Options.Target, 1)}"));
        folder.WriteReport(Markdown(r, info));
    }

    static string Markdown(FastResult r, RunInfo info)
    {
        var o = r.Options;
        var sb = new StringBuilder();
        sb.AppendLine("# 99% on MNIST in seconds").AppendLine();
        sb.AppendLine($"A small CNN (conv 5x5 1→24, max-pool, ReLU, conv 3x3 24→32, max-pool, ReLU, fc 800→256→10) trained from scratch on the " +
                      $"{r.TrainCount:N0} training images held in memory, standardised with their own mean {r.Mean:F4} and deviation {r.Std:F4}; " +
                      $"Adam (betas {o.Beta1}, {o.Beta2}) under a one-cycle schedule peaking at {o.MaxLearningRate}, batch {o.BatchSize}, {o.Epochs} epoch(s), " +
                      $"after tuomaso/train_mnist_fast. {r.Runs.Count} seed(s) from the run's seed {o.Seed}; {r.Threads} thread(s); MnistLab {info.MnistlabVersion}.").AppendLine();
        sb.AppendLine($"Training time is the wall time of every step (batch gather, forward, backward, optimiser, schedule); the test accuracy is measured " +
                      $"{o.EvalsPerEpoch} times per epoch on all {r.TestCount:N0} test images with the clock stopped, so the time to {Pct(o.Target, 1)} is the first " +
                      $"measurement at or above it (to within 1/{o.EvalsPerEpoch} of an epoch): the first of many looks at the test set, so it can flatter; " +
                      "a seed counts as reaching the target by its final accuracy only, and nothing is chosen by the curve.").AppendLine();
        sb.AppendLine(Table(["", "value"],
        [
            ["test accuracy, mean", Pct(r.MeanTestAcc)],
            ["test accuracy, lowest seed", Pct(r.MinTestAcc)],
            ["training seconds per seed, mean", $"{r.MeanTrainSeconds:F2} s"],
            [$"seeds whose final accuracy reached {Pct(o.Target, 1)}", $"{r.Runs.Count(s => s.TestAcc >= o.Target)} of {r.Runs.Count}"],
            ["training throughput", $"{r.ImagesPerSecond:N0} images/s ({r.ImagesPerSecond * r.TrainFlopPerImage / 1e9:F1} GFLOP/s at {r.TrainFlopPerImage / 1e6:F2} MFLOP per image)"],
        ]));
        sb.AppendLine(Table(["seed", "test accuracy", "training seconds", $"seconds to {Pct(o.Target, 1)}", "images/s"],
            r.Runs.Select(s => (IReadOnlyList<string>)[s.Seed.ToString(), Pct(s.TestAcc), $"{s.TrainSeconds:F2}",
                s.SecondsToTarget is { } t ? $"{t:F2}" : "not reached", $"{o.Epochs * (double)r.TrainCount / s.TrainSeconds:N0}"])));
        sb.AppendLine(Image("test accuracy against training time", "accuracy_vs_time.png")).AppendLine();
        sb.AppendLine("Test accuracy against training time at each measurement, for each seed:").AppendLine();
        var first = r.Runs[0];
        sb.AppendLine(Table(["epochs", .. r.Runs.Select(s => $"seed {s.Seed}")],
            first.Curve.Select((p, i) => (IReadOnlyList<string>)[$"{p.Epochs:0.##}", .. r.Runs.Select(s => $"{Pct(s.Curve[i].TestAcc)} at {s.Curve[i].TrainSeconds:F2} s")])));
        return sb.ToString();
    }
}
