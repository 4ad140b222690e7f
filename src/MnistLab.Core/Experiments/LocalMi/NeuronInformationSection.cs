using System.Text;
using MnistLab.Analysis.Information;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Models;
using MnistLab.Reports;
using MnistLab.Training;
using static MnistLab.Reports.Markdown;
using static TorchSharp.torch;

namespace MnistLab.Experiments.LocalMi;

/// <summary>
/// How each trained neuron's I(y_i; class) is tested: the seed's binned estimate on the test images, a bootstrap interval
/// and a shuffle null. A neuron counts as significantly informative when the Benjamini-Hochberg procedure keeps it at
/// false-discovery rate <see cref="Fdr"/> among its configuration's neurons (enough shuffles that a single neuron can pass).
/// </summary>
public sealed record NeuronSignificanceOptions
{
    public int Bootstrap { get; init; } = 200;
    public int Null { get; init; } = 999;
    public double Fdr { get; init; } = 0.05;

    public NeuronSignificanceOptions Validated()
    {
        Require.InRange(Bootstrap, 0, 100_000, $"{nameof(NeuronSignificanceOptions)}.{nameof(NeuronSignificanceOptions.Bootstrap)}");
        Require.InRange(Null, 1, 100_000, $"{nameof(NeuronSignificanceOptions)}.{nameof(NeuronSignificanceOptions.Null)}");
        Require.Between(Fdr, 0, 1, $"{nameof(NeuronSignificanceOptions)}.{nameof(NeuronSignificanceOptions.Fdr)}");
        return this;
    }
}

/// <summary>Each neuron's I(y_i; class) with its interval and null p-value, and how many are significant under each rule.</summary>
static class NeuronInformationSection
{
    /// <summary>Every neuron of a trained layer on the inputs of the test images at that layer; resamples drawn from the run's <paramref name="seed"/>.</summary>
    public static IReadOnlyList<MiResult> Measure(LocalLayer layer, LabeledImages testIn, LocalMiOptions o, NeuronSignificanceOptions s, int index, long seed)
    {
        float[] values;
        int k;
        using (var scope = NewDisposeScope())
        using (var _ = no_grad())
        {
            var y = layer.call(testIn.Images).contiguous(); // (N, K)
            k = (int)y.shape[1];
            values = y.data<float>().ToArray();
        }
        int n = values.Length / k;
        var labels = Variable.Discrete(testIn.LabelArray().Select(l => (int)l).ToArray(), LabeledImages.Classes);
        return Enumerable.Range(0, k).Select(i => MiEstimate.Compute(
            Variable.Continuous(Enumerable.Range(0, n).Select(r => values[r * k + i]).ToArray()), labels,
            new MiOptions
            {
                Binning = o.Bins, Bootstrap = s.Bootstrap, Null = s.Null,
                Seed = (long)(Seeds.Derive(seed, $"neurons/{o.Estimator}/{o.Order}/layer{index}/{i}") >> 1),
            })).ToList();
    }

    /// <summary>Which of <paramref name="p"/> the Benjamini-Hochberg procedure keeps at false-discovery rate <paramref name="q"/>.</summary>
    public static bool[] BenjaminiHochberg(IReadOnlyList<double> p, double q)
    {
        var order = Enumerable.Range(0, p.Count).OrderBy(i => p[i]).ToArray();
        int keep = 0;
        for (int r = 1; r <= order.Length; r++)
            if (p[order[r - 1]] <= q * r / order.Length) keep = r;
        var kept = new bool[p.Count];
        for (int r = 0; r < keep; r++) kept[order[r]] = true;
        return kept;
    }

    public static string Markdown(LocalMiResult r, ReportFolder folder)
    {
        var measured = r.Configs.Where(c => c.Neurons is not null).ToList();
        var s = r.Options.Significance;
        if (measured.Count == 0 || s is null) return "";
        var sb = new StringBuilder();
        sb.AppendLine("## Which neurons carry information about the class").AppendLine();
        int n = measured[0].Neurons![0][0].Samples;
        sb.AppendLine($"Each trained neuron's I(y_i; class) on the {n:N0} test images with the seed's estimator ({r.Options.Rule.Bins.Count} bins on " +
                      $"[{r.Options.Rule.Bins.Min}, {r.Options.Rule.Bins.Max}]), a 95% basic bootstrap interval ({s.Bootstrap} resamples; it is an interval " +
                      $"for the true MI, so it sits below the plug-in estimate by about the estimate's bias, {(r.Options.Rule.Bins.Count - 1) * 9.0 / (2 * n):F4} nats) " +
                      $"and a shuffle null ({s.Null} shuffles). Significant: kept by Benjamini-Hochberg at a false-discovery rate of {s.Fdr} among the " +
                      $"configuration's neurons. Measured in {r.NeuronSeconds:F0} s.").AppendLine();
        var rows = new List<IReadOnlyList<string>>();
        foreach (var c in measured)
        {
            var all = c.Neurons!.SelectMany(l => l).ToList();
            var kept = BenjaminiHochberg(all.Select(m => m.PNull).ToList(), s.Fdr);
            int offset = 0;
            for (int l = 0; l < c.Neurons!.Count; l++)
            {
                var layer = c.Neurons[l];
                int sig = Enumerable.Range(offset, layer.Count).Count(i => kept[i]);
                rows.Add([c.Key, (l + 1).ToString(), layer.Count.ToString(), sig.ToString(), layer.Count(m => m.PNull < 0.05).ToString(),
                    Num(layer.Average(m => m.Estimate)), Num(layer.Max(m => m.Estimate))]);
                offset += layer.Count;
            }
            var labels = c.Neurons.SelectMany((layer, l) => layer.Select((_, i) => $"{l + 1}.{i}")).ToList();
            ProbePlots.Intervals(folder.PathOf($"neuron_mi_{c.Key}.png"), $"{c.Key}: I(y_i; class) on test images, 95% interval", "nats", labels,
                all.Select(m => m.Estimate).ToList(), all.Select(m => m.Low).ToList(), all.Select(m => m.High).ToList(), kept,
                $"significant (BH, FDR {s.Fdr})", "not significant");
        }
        sb.AppendLine(Table(["configuration", "layer", "neurons", "significant (BH)", "p < 0.05", "mean MI (nats)", "max MI"], rows));
        foreach (var rule in new[] { MiEstimator.Hard, MiEstimator.Soft })
        {
            var configs = measured.Where(c => c.Key.StartsWith($"local_{rule.ToString().ToLowerInvariant()}_", StringComparison.Ordinal)).ToList();
            if (configs.Count == 0) continue;
            var counts = configs.Select(c =>
            {
                var all = c.Neurons!.SelectMany(l => l).ToList();
                return $"{BenjaminiHochberg(all.Select(m => m.PNull).ToList(), s.Fdr).Count(k => k)} of {all.Count} ({c.Key.Split('_')[^1]})";
            });
            sb.AppendLine($"- {rule.ToString().ToLowerInvariant()} rule: {string.Join(", ", counts)} neurons significantly informative.");
        }
        sb.AppendLine();
        foreach (var c in measured) sb.AppendLine(Image($"neuron MI {c.Key}", $"neuron_mi_{c.Key}.png")).AppendLine();
        return sb.ToString();
    }

    public static object? Metrics(LocalMiResult r) => r.Options.Significance is not { } s ? null : new
    {
        seconds = r.NeuronSeconds,
        configs = r.Configs.Where(c => c.Neurons is not null).ToDictionary(c => c.Key, c =>
        {
            var all = c.Neurons!.SelectMany(l => l).ToList();
            var kept = BenjaminiHochberg(all.Select(m => m.PNull).ToList(), s.Fdr);
            int i = 0;
            return c.Neurons!.Select(layer => layer.Select(m => new { estimate = m.Estimate, low = m.Low, high = m.High, p_null = m.PNull, significant = kept[i++] }).ToList()).ToList();
        }),
    };
}
