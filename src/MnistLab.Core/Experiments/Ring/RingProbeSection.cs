using System.Text;
using MnistLab.Analysis.Concepts;
using MnistLab.Analysis.Probes;
using MnistLab.Data;
using MnistLab.Models;
using MnistLab.Reports;
using static MnistLab.Reports.Markdown;
using static TorchSharp.torch;

namespace MnistLab.Experiments.Ring;

/// <summary>The probe of the pixels-only MLP, and how well the class alone predicts the ring on the same held-out images.</summary>
public sealed record RingProbeAnswer(ProbeTableResult Table, double RingFromClass);

/// <summary>
/// Does the MLP trained on pixels alone (its ring input held at 0) encode the ring in its hidden layer? The same
/// logistic probe reads the ring from its hidden layer, from the raw pixels, and from the hidden layer of
/// a randomly initialised copy; ring and class are correlated (0, 6, 8, 9 mostly have one), so the section also gives the
/// accuracy of guessing the ring from the true class alone.
/// </summary>
static class RingProbeSection
{
    public static readonly ProbeTableOptions Defaults = new()
    {
        Layers = ["relu1"],
        Concepts = ["ring"],
        Images = 5000,
        Probe = new ProbeOptions { Folds = 3, LogisticLambdas = [1e-1, 1e-2, 1e-3], Bootstrap = 100, Null = 100 },
    };

    /// <summary>Probes <paramref name="mlp"/> (the pixels-only MLP of the run's seed) on the first test images.</summary>
    public static RingProbeAnswer Compute(nn.Module<Tensor, Tensor> mlp, Mnist mnist, ProbeTableOptions options, long seed, Common.IProgressSink progress)
    {
        var o = options;
        int n = Math.Min(o.Images, mnist.Test.Count);
        using var images = mnist.Test.Images.narrow(0, 0, n);
        var labels = mnist.Test.LabelArray()[..n];
        var concepts = new ConceptImages(images, labels);
        var spec = ((ILabModel)mlp).Spec;
        progress.Info("probing the pixels-only MLP's hidden layer for the ring ...");
        var table = ProbeTable.Compute(mlp, x => ModelInputs.Prepare(spec, x, _ => throw new InvalidOperationException("reads no other training")),
            concepts, o with { Images = n }, progress, seed);
        // The ring guessed from the class: the training images' majority ring value within each class, scored on the held-out ones.
        var split = ProbeSplit.Random(n, o.Probe.TestFraction, seed);
        var ring = concepts.Topology.Ring;
        var majority = Enumerable.Range(0, 10).Select(c =>
        {
            var members = split.Train.Where(i => labels[i] == c).ToList();
            return members.Count > 0 && members.Count(i => ring[i] == 1) * 2 > members.Count ? (byte)1 : (byte)0;
        }).ToArray();
        double fromClass = split.Test.Count(i => majority[labels[i]] == ring[i]) / (double)split.Test.Length;
        return new RingProbeAnswer(table, fromClass);
    }

    public static string Markdown(RingResult r, ReportFolder folder)
    {
        var sb = new StringBuilder();
        sb.AppendLine("## Does the pixels-only MLP encode the ring?").AppendLine();
        if (r.Probe is not { } answer)
        {
            sb.AppendLine("Not measured: the pixels-only MLP is trained only by the ablation over seeds, which this run skipped.").AppendLine();
            return sb.ToString();
        }
        var t = answer.Table;
        var hidden = t.Get("relu1", "ring");
        var pixels = t.Layers.Any(l => l.Name == ProbeTable.Pixels) ? t.Get(ProbeTable.Pixels, "ring") : null;
        var random = t.Layers.Any(l => l.Name == ProbeTable.RandomPrefix + "relu1") ? t.Get(ProbeTable.RandomPrefix + "relu1", "ring") : null;
        sb.AppendLine($"The MLP 785-{r.Options.MlpHidden}-10 trained with its ring input at 0 (seed {r.Options.Seed}), probed on the first " +
                      $"{t.Images:N0} test images ({hidden.TrainImages:N0} to fit the probe, {hidden.TestImages:N0} held out). Logistic probe, lambda by " +
                      $"{t.Options.Probe.Folds}-fold cross-validation; control task = the ring shuffled across images; MI = the probe bound H(ring) minus " +
                      $"the held-out cross-entropy, with a 95% bootstrap interval and a shuffle-null p-value. Probed in {t.Seconds:F0} s.").AppendLine();
        sb.AppendLine(ProbeTableReport.CompactTable(t));
        // More or less only when the MI intervals do not overlap: accuracies on a few hundred images differ by chance.
        string verdict = pixels is null ? "" :
            hidden.Mi.Low > pixels.Mi.High ? "reads more about the ring from the hidden layer than from the pixels (the MI intervals do not overlap)" :
            hidden.Mi.High < pixels.Mi.Low ? "reads less about the ring from the hidden layer than from the pixels (the MI intervals do not overlap)" :
            "reads about as much of the ring from the hidden layer as from the pixels (the MI intervals overlap)";
        sb.AppendLine($"- The probe {verdict}: accuracy {Pct(hidden.Score, 1)} (selectivity {hidden.Selectivity:+0.000;-0.000}, MI " +
                      $"{ProbeTableReport.MiCell(hidden.Mi)} nats of H(ring) = {hidden.ConceptEntropy:F3})" +
                      (pixels is null ? "" : $" against {Pct(pixels.Score, 1)} on the pixels (selectivity {pixels.Selectivity:+0.000;-0.000}, MI {ProbeTableReport.MiCell(pixels.Mi)})") +
                      (random is null ? "" : $" and {Pct(random.Score, 1)} on a random MLP's hidden layer") + ".");
        sb.AppendLine($"- For scale: the ring guessed from the true class alone (the majority within each digit) is right on {Pct(answer.RingFromClass, 1)} of the " +
                      "same held-out images, so a layer that knows the class knows much of the ring.").AppendLine();
        return sb.ToString();
    }

    public static object? Metrics(RingResult r) => r.Probe is null ? null : new
    {
        images = r.Probe.Table.Images,
        seconds = r.Probe.Table.Seconds,
        probes = ProbeTableReport.Entries(r.Probe.Table),
        ring_from_class_accuracy = r.Probe.RingFromClass,
    };
}
