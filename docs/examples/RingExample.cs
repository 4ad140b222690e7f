using MnistLab.Data;
using MnistLab.Experiments.Ring;

namespace MnistLab.Examples;

public static class RingExample
{
    /// <summary>Runs the ring experiment into <c>runs/ring</c> under <paramref name="root"/> and returns its answer.</summary>
    public static string Run(string root)
    {
        // MNIST, found where MnistLab or torchvision keep it (or fetched), checked against the originals' SHA-256.
        using var data = LabData.From(new MnistSource());

        // The seed's options with a smaller budget: one epoch per model, two seeds in the ablation.
        var ring = new RingExperiment();
        var options = ring.Defaults with { Train = ring.Defaults.Train with { Epochs = 1 }, AblationSeeds = 2 };

        // One call does what `mnistlab run ring` does: lock the folder, train with checkpoints, analyse,
        // and write metrics.json, report.md, report.html and the figures.
        var run = ring.RunInto(options, Path.Combine(root, "runs", "ring"), data);

        // The typed result, the headline figures, and the answer they give.
        Console.WriteLine($"linear {run.Result.Linear.TestAcc:P2}, MLP {run.Result.Mlp.TestAcc:P2}");
        Console.WriteLine($"ring gain (linear): {run.Figures["ring_gain_linear"] * 100:+0.00;-0.00} points");
        Console.WriteLine(run.Answer);
        return run.Answer;
    }
}
