using MnistLab.Sweeps;

namespace MnistLab.Examples;

public static class SweepExample
{
    /// <summary>Runs a small sweep into <c>runs/epochs</c> under <paramref name="root"/> and returns its sentences.</summary>
    public static IReadOnlyList<string> Run(string root)
    {
        // The grid: the linear model of the linearity experiment on its quick budget, two seeds, one and two epochs.
        var spec = new SweepSpec
        {
            Experiment = "linearity",
            Seeds = SeedList.Parse("0-1"),
            Axes = [SweepAxis.Parse("models=linear_ce"), SweepAxis.Parse("train.epochs=1,2")],
            Quick = true,
        };
        var plan = SweepPlan.Create(Path.Combine(root, "runs", "epochs"), spec);

        // What `mnistlab sweep run ... --jobs 2` does: every point in its own mnistlab process, two at a time. Run again,
        // it keeps the finished points and continues the others.
        var run = LocalSweep.Run(plan, new LocalSweepOptions { Jobs = 2 });
        Console.WriteLine(run.Status.Summary);

        // What `mnistlab report --runs DIR` does: means and intervals over seeds, paired differences, the report.
        var answers = SweepAggregate.Compute(plan);
        SweepReport.Write(answers, SweepReport.DefaultFolder(plan));
        foreach (string sentence in answers.Sentences) Console.WriteLine(sentence);
        return answers.Sentences;
    }
}
