using System.Text;
using MnistLab.Reports;
using MnistLab.Runs;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Experiments.Linearity;

/// <summary>The report folder of the linearity experiment: metrics.json, report.md and its figures.</summary>
static class LinearityReport
{
    public static void Write(LinearityResult result, RunInfo info, ReportFolder folder)
    {
        var models = result.Models;
        Plots.Lines(folder.PathOf("val_loss.png"), "Validation loss", "epoch", "loss",
            models.Select(m => (m.Title, m.History.ValLoss)).ToList());
        Plots.Lines(folder.PathOf("val_acc.png"), "Validation accuracy", "epoch", "accuracy",
            models.Select(m => (m.Title, m.History.ValAcc)).ToList());
        foreach (var m in models)
        {
            Plots.Confusion(folder.PathOf($"confusion_{m.Key}.png"), $"{m.Title}: test confusion", m.Confusion.Counts);
            if (m.Templates is not null)
                Plots.DivergingGrid(folder.PathOf($"templates_{m.Key}.png"), m.Templates,
                    Enumerable.Range(0, 10).Select(d => $"digit {d}").ToList(), rows: 2, cols: 5);
        }
        LinearityAttribution.WriteFigures(result, folder);
        UnitPatchingSection.WriteFigures(result, folder);
        folder.WriteReport(Markdown(result, info) + LinearityAttribution.Markdown(result) + InformationPlaneSection.Markdown(result, folder) + UnitPatchingSection.Markdown(result) + CertifiedSection.Markdown(result) + ProofAttributionSection.Markdown(result));
    }

    public static object Metrics(LinearityResult result) => new
    {
        seed = result.Options.Seed,
        information_plane = InformationPlaneSection.Metrics(result),
        epochs = result.Options.Train.Epochs,
        attribution = LinearityAttribution.Metrics(result),
        unit_patching = UnitPatchingSection.Metrics(result),
        certified = CertifiedSection.Metrics(result),
        proof_attribution = ProofAttributionSection.Metrics(result),
        models = result.Models.ToDictionary(m => m.Key, m => new
        {
            title = m.Title,
            test_acc = m.TestAcc,
            train_loss = m.History.TrainLoss,
            train_acc = m.History.TrainAcc,
            val_loss = m.History.ValLoss,
            val_acc = m.History.ValAcc,
            train_seconds = m.TrainSeconds,
            images_per_second = m.History.Epochs.Select(e => e.ImagesPerSecond).ToList(),
            per_class_acc = m.Confusion.PerClassAccuracy(),
            confusion = m.Confusion.ToJagged(),
            most_confused = m.Confusion.MostConfused(5),
        }),
    };

    static string Markdown(LinearityResult result, RunInfo info)
    {
        var o = result.Options.Train;
        var models = result.Models;
        var sb = new StringBuilder();
        sb.AppendLine("# Limits of linearity on MNIST").AppendLine();
        sb.AppendLine($"Seed {result.Options.Seed}; {o.Epochs} epoch(s) per model; batch {o.BatchSize}; Adam lr {o.LearningRate}; " +
                      $"{60000 - result.Options.ValidationSize:N0} training / {result.Options.ValidationSize:N0} validation images; " +
                      $"test on the 10,000 test images. MnistLab {info.MnistlabVersion}, {info.Threads} thread(s).").AppendLine();
        sb.AppendLine(Table(["model", "test acc", "final val acc", "final train loss", "train time"],
            models.Select(m => (IReadOnlyList<string>)[m.Title, Pct(m.TestAcc), Pct(m.History.ValAcc[^1]), Num(m.History.TrainLoss[^1]), $"{m.TrainSeconds:F1} s"])));
        sb.AppendLine("## What it shows").AppendLine();
        foreach (var line in Findings(models)) sb.AppendLine($"- {line}");
        sb.AppendLine();
        sb.AppendLine("## Curves").AppendLine();
        sb.AppendLine(Image("validation loss", "val_loss.png")).AppendLine();
        sb.AppendLine(Image("validation accuracy", "val_acc.png")).AppendLine();
        sb.AppendLine(Table(["model", .. Enumerable.Range(1, o.Epochs).Select(e => $"val acc ep {e}")],
            models.Select(m => (IReadOnlyList<string>)[m.Key, .. m.History.ValAcc.Select(a => Pct(a))])));
        var templated = models.Where(m => m.Templates is not null).ToList();
        if (templated.Count > 0)
        {
            sb.AppendLine("## Class templates of the linear models").AppendLine();
            sb.AppendLine("Each panel is one row of W reshaped to 28x28: red pixels raise that digit's logit, blue pixels lower it " +
                          "(one colour scale per figure, centred on 0).").AppendLine();
            foreach (var m in templated) sb.AppendLine($"**{m.Title}**").AppendLine().AppendLine(Image(m.Key, $"templates_{m.Key}.png")).AppendLine();
        }
        sb.AppendLine("## Confusions on the test set").AppendLine();
        foreach (var m in models)
        {
            sb.AppendLine($"### {m.Title}").AppendLine();
            sb.AppendLine(Image($"confusion {m.Key}", $"confusion_{m.Key}.png")).AppendLine();
            sb.AppendLine(Table(["true", "predicted as", "count", "share of the true class"],
                m.Confusion.MostConfused(5).Select(p => (IReadOnlyList<string>)[p.True.ToString(), p.Predicted.ToString(), p.Count.ToString(), Pct(p.FractionOfTrue)])));
        }
        return sb.ToString();
    }

    /// <summary>Plain sentences read off the numbers, so the report says what the table means.</summary>
    static IEnumerable<string> Findings(IReadOnlyList<LinearityModelResult> models)
    {
        var byKey = models.ToDictionary(m => m.Key);
        if (byKey.TryGetValue("linear_mse", out var mse) && byKey.TryGetValue("linear_ce", out var ce))
        {
            double gap = (ce.TestAcc - mse.TestAcc) * 100;
            yield return gap >= 0
                ? $"With the same linear model, cross-entropy reaches {Pct(ce.TestAcc)} and MSE on softmax {Pct(mse.TestAcc)}: the loss alone is worth {gap:F2} points here."
                : $"MSE on softmax ({Pct(mse.TestAcc)}) ends {-gap:F2} points above cross-entropy ({Pct(ce.TestAcc)}) with the same linear model.";
        }
        var linear = models.Where(m => m.Templates is not null).OrderByDescending(m => m.TestAcc).FirstOrDefault();
        if (linear is not null && byKey.TryGetValue("mlp_ce", out var mlp))
            yield return $"One hidden ReLU layer lifts test accuracy from {Pct(linear.TestAcc)} (best linear) to {Pct(mlp.TestAcc)}, " +
                         $"cutting the error by {(1 - (1 - mlp.TestAcc) / (1 - linear.TestAcc)) * 100:F0}%.";
        foreach (var m in models)
        {
            int plateau = PlateauEpoch(m.History.ValAcc);
            if (m.History.ValAcc.Count >= 3)
                yield return plateau < m.History.ValAcc.Count
                    ? $"{m.Title}: validation accuracy stops improving by more than 0.1 point after epoch {plateau} ({Pct(m.History.ValAcc[plateau - 1])})."
                    : $"{m.Title}: validation accuracy was still rising at the last epoch; more epochs would help.";
            var worst = m.Confusion.MostConfused(1).FirstOrDefault();
            if (worst is not null)
                yield return $"{m.Title}: the most frequent error is {worst.True} read as {worst.Predicted} ({worst.Count} of the test images of {worst.True}).";
        }
    }

    /// <summary>The first epoch after which validation accuracy never rises by more than 0.1 percentage point.</summary>
    internal static int PlateauEpoch(IReadOnlyList<double> valAcc)
    {
        for (int e = 1; e <= valAcc.Count; e++)
            if (valAcc.Skip(e).All(a => a - valAcc[e - 1] <= 0.001)) return e;
        return valAcc.Count;
    }
}
