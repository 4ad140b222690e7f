using System.Text;
using MnistLab.Reports;
using MnistLab.Runs;
using MnistLab.Training;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Experiments.LocalMi;

/// <summary>The report folder of the local-MI experiment.</summary>
static class LocalMiReport
{
    public static void Write(LocalMiResult r, RunInfo info, ReportFolder folder)
    {
        Plots.Heatmap(folder.PathOf("pixel_mi.png"), "I(pixel; class) on the training set (nats)", r.PixelMi, 28, 28);
        foreach (var c in r.Configs.Where(c => c.Layers.Count > 0))
        {
            Plots.Bars(folder.PathOf($"mi_{c.Key}.png"), $"{c.Key}: I(y_i; class) per neuron after training (nats)", "layer.neuron", "MI",
                c.Layers.SelectMany(l => l.MiAfter.Select((_, i) => $"{l.Layer}.{i}")).ToList(), c.Layers.SelectMany(l => l.MiAfter).ToList(), width: 960);
            for (int l = 0; l < c.Gram.Count; l++)
            {
                var g = c.Gram[l];
                Plots.Heatmap(folder.PathOf($"gram_{c.Key}_layer{l + 1}.png"), $"{c.Key}: W W^T of layer {l + 1}",
                    g.SelectMany(row => row.Select(v => (double)v)).ToArray(), g.Length, g.Length, diverging: true);
            }
            Plots.DivergingGrid(folder.PathOf($"weights_{c.Key}.png"), c.Weights[0].ToList(), Enumerable.Range(0, c.Weights[0].Length).Select(i => $"neuron {i}").ToList(), 4, 4);
        }
        folder.WriteReport(Markdown(r, info) + NeuronInformationSection.Markdown(r, folder) + InformationPlaneSection.Markdown(r, folder));
    }

    public static object Metrics(LocalMiResult r) => new
    {
        configs = r.Configs.ToDictionary(c => c.Key, c => new
        {
            test_acc = c.TestAcc,
            train_seconds = c.TrainSeconds,
            mi_per_neuron = c.Layers.Select(l => l.MiAfter).ToArray(),
            mi_per_neuron_before = c.Layers.Select(l => l.MiBefore).ToArray(),
            mean_mi_grad_norm = c.Layers.Select(l => l.MeanMiGradNorm).ToArray(),
            mean_redundancy_grad_norm = c.Layers.Select(l => l.MeanRedundancyGradNorm).ToArray(),
            local_loss_per_epoch = c.Layers.Select(l => l.LossPerEpoch).ToArray(),
            layer_seconds = c.Layers.Select(l => l.Seconds).ToArray(),
            soft_vs_hard_mean_abs_diff_layer1 = c.SoftHardMeanAbsDiff,
        }),
        neuron_mi = NeuronInformationSection.Metrics(r),
        information_plane = InformationPlaneSection.Metrics(r),
        pixel_mi = r.PixelMi,
        pixel_mi_seconds = r.PixelMiSeconds,
        mi_16_neurons_60000_seconds = r.Mi16Seconds,
    };

    static string Markdown(LocalMiResult r, RunInfo info)
    {
        var o = r.Options.Rule;
        var sb = new StringBuilder();
        sb.AppendLine("# A layer-local learning rule driven by mutual information").AppendLine();
        sb.AppendLine($"Each neuron i of a layer minimises L_i = -I(y_i; class) + {o.Lambda} * sum_(j != i) w_i . w_j, moving only its own weights " +
                      $"(SGD lr {o.LearningRate}, batch {o.BatchSize}, {o.EpochsPerLayer} epochs per layer); layers {string.Join("-", [784, .. o.Layers])} trained " +
                      $"greedily, then a linear readout (Adam {o.ReadoutLearningRate}, {o.ReadoutEpochs} epochs). MI: {o.Bins.Count} bins on " +
                      $"[{o.Bins.Min}, {o.Bins.Max}]; the soft estimator spreads each value over the bin centres with a Gaussian of sd {o.SoftWidth}. " +
                      $"Seed {r.Options.Seed}; MnistLab {info.MnistlabVersion}, {info.Threads} thread(s).").AppendLine();
        sb.AppendLine(Table(["configuration", "test acc", "train time", "mean |grad| of -MI term", "mean |grad| of redundancy term"],
            r.Configs.Select(c => (IReadOnlyList<string>)[c.Key, Pct(c.TestAcc), $"{c.TrainSeconds:F1} s",
                c.Layers.Count == 0 ? "-" : string.Join(" / ", c.Layers.Select(l => l.MeanMiGradNorm.ToString("0.###e0"))),
                c.Layers.Count == 0 ? "-" : string.Join(" / ", c.Layers.Select(l => l.MeanRedundancyGradNorm.ToString("0.###e0")))])));
        sb.AppendLine("(Gradient norms per layer, layer 1 / layer 2, averaged over steps.)").AppendLine();
        sb.AppendLine("## What it shows").AppendLine();
        foreach (var line in Findings(r)) sb.AppendLine($"- {line}");
        sb.AppendLine();
        sb.AppendLine("## Information per neuron").AppendLine();
        sb.AppendLine(Table(["configuration", "layer", "mean MI before (nats)", "mean MI after", "max MI after"],
            r.Configs.SelectMany(c => c.Layers.Select(l => (IReadOnlyList<string>)[c.Key, l.Layer.ToString(), Num(l.MiBefore.Average()), Num(l.MiAfter.Average()), Num(l.MiAfter.Max())]))));
        foreach (var c in r.Configs.Where(c => c.Layers.Count > 0))
        {
            sb.AppendLine($"### {c.Key}").AppendLine();
            sb.AppendLine(Image($"MI per neuron {c.Key}", $"mi_{c.Key}.png")).AppendLine();
            for (int l = 0; l < c.Gram.Count; l++) sb.AppendLine(Image($"Gram matrix layer {l + 1}", $"gram_{c.Key}_layer{l + 1}.png")).AppendLine();
            sb.AppendLine(Image($"first-layer weights {c.Key}", $"weights_{c.Key}.png")).AppendLine();
        }
        sb.AppendLine("## Which pixels carry information about the class").AppendLine();
        sb.AppendLine($"I(pixel; class) for all 784 pixels over the 60,000 training images took {r.PixelMiSeconds * 1000:F0} ms; the most informative pixel carries " +
                      $"{r.PixelMi.Max():F3} nats of the {Math.Log(10):F3} needed to name the class.").AppendLine();
        sb.AppendLine(Image("pixel information map", "pixel_mi.png")).AppendLine();
        return sb.ToString();
    }

    static IEnumerable<string> Findings(LocalMiResult r)
    {
        var by = r.Configs.ToDictionary(c => c.Key);
        if (by.TryGetValue(LocalMiExperiment.Key(MiEstimator.Hard, UpdateOrder.Sequential), out var hard))
        {
            yield return $"The seed's rule (hard MI, sequential) reaches {Pct(hard.TestAcc)} after its readout. Its MI gradient is exactly zero " +
                         $"(bucketize has no derivative), so only the redundancy penalty moves the weights: mean MI of layer 1 goes from " +
                         $"{Num(hard.Layers[0].MiBefore.Average())} to {Num(hard.Layers[0].MiAfter.Average())} nats.";
            if (by.TryGetValue(LocalMiExperiment.Key(MiEstimator.Soft, UpdateOrder.Sequential), out var soft))
                yield return $"With the soft estimator the same rule reaches {Pct(soft.TestAcc)} ({(soft.TestAcc - hard.TestAcc) * 100:+0.00;-0.00} points), " +
                             $"and layer 1's mean MI rises to {Num(soft.Layers[0].MiAfter.Average())} nats.";
        }
        if (by.TryGetValue("backprop", out var bp) && by.TryGetValue("pixels_readout", out var px))
            yield return $"For scale: backprop 784-64-10 reaches {Pct(bp.TestAcc)}, and a linear readout on the raw pixels {Pct(px.TestAcc)}. " +
                         "The local layers are linear (as in the seed), so no local configuration can beat a linear model on pixels by much.";
        var measured = r.Configs.Where(c => c.SoftHardMeanAbsDiff is not null).ToList();
        if (measured.Count > 0)
            yield return "On each configuration's trained first layer, over all training images, the soft estimate is on average " +
                         string.Join(", ", measured.Select(c => $"{c.SoftHardMeanAbsDiff:F3} nats ({c.Key})")) + " away from the hard one, per neuron.";
    }
}
