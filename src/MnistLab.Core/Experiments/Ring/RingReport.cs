using System.Text;
using MnistLab.Reports;
using MnistLab.Runs;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Experiments.Ring;

/// <summary>The report folder of the ring experiment.</summary>
static class RingReport
{
    static readonly string[] Digits = Enumerable.Range(0, 10).Select(d => d.ToString()).ToArray();

    public static void Write(RingResult r, RunInfo info, ReportFolder folder)
    {
        var lin = r.Linear;
        var mlp = r.Mlp;
        float[] ringWeights = RingWeights(r);
        double[] pathStrength = PathStrength(mlp);
        double[] ringToHidden = RingToHidden(mlp);

        Plots.Bars(folder.PathOf("ring_fraction.png"), "Share of images with a ring (enclosed hole), by digit", "digit", "fraction", Digits, r.Ring.FractionByClassTrain);
        Plots.Bars(folder.PathOf("ring_weights_linear.png"), "Linear: weight on the ring input, by class", "class", "W[c, ring]", Digits, ringWeights.Select(w => (double)w).ToList());
        Plots.DivergingGrid(folder.PathOf("pixel_weights_linear.png"), lin.W1.Select(row => row[..784]).ToList(), Digits.Select(d => $"class {d}").ToList(), 2, 5);
        Plots.Histogram(folder.PathOf("ring_to_hidden_mlp.png"), "MLP: |W1[h, ring]| over hidden units", "|weight|", ringToHidden, bins: 20);
        Plots.Bars(folder.PathOf("ring_path_mlp.png"), "MLP: ring path strength per class (sum_h |W2[c,h]| |W1[h,ring]|)", "class", "path strength", Digits, pathStrength);
        Plots.Lines(folder.PathOf("test_acc.png"), "Test accuracy per epoch", "epoch", "accuracy",
            [("linear 785-10", lin.History.ValAcc), ($"MLP 785-{r.Options.MlpHidden}-10", mlp.History.ValAcc)]);

        string[] inputNames = [.. Enumerable.Range(0, 784).Select(p => $"pixel_{p / 28}_{p % 28}"), "ring"];
        folder.WriteJson("linear_formula.json", new
        {
            formula = "logit[c] = b[c] + sum_i W[c][i] * x[i]; x = 784 pixels in [0,1] (row-major) then ring in {0,1}",
            inputs = inputNames,
            W = lin.W1,
            b = lin.B1,
        });
        RingAttribution.WriteFigures(r.Mlp.Attribution, folder);
        folder.WriteReport(Markdown(r, info, ringWeights, pathStrength, ringToHidden) + RingProbeSection.Markdown(r, folder) + RingErasureSection.Markdown(r) + RingDictionarySection.Markdown(r) + RingCertifiedSection.Markdown(r));
    }

    public static object Metrics(RingResult r)
    {
        var lin = r.Linear;
        var mlp = r.Mlp;
        return new
        {
            ring = new
            {
                fraction_by_class = Enumerable.Range(0, 10).ToDictionary(c => c.ToString(), c => r.Ring.FractionByClassTrain[c]),
                fraction_by_class_test = Enumerable.Range(0, 10).ToDictionary(c => c.ToString(), c => r.Ring.FractionByClassTest[c]),
                total_train = r.Ring.TotalTrain,
                total_test = r.Ring.TotalTest,
                with_ring_train = r.TrainFeatures.Ring.Count(x => x == 1),
                with_ring_test = r.TestFeatures.Ring.Count(x => x == 1),
                seconds_all = r.Ring.Seconds,
            },
            models = new
            {
                linear = new { test_acc = lin.TestAcc, ring_weights = RingWeights(r), history = History(lin), by_ring = lin.ByRing },
                mlp = new { test_acc = mlp.TestAcc, mean_abs_ring_to_hidden = RingToHidden(mlp).Average(), ring_path_strength = PathStrength(mlp), history = History(mlp), by_ring = mlp.ByRing },
            },
            attribution = RingAttribution.Metrics(r.Mlp.Attribution),
            probe = RingProbeSection.Metrics(r),
            erasure = RingErasureSection.Metrics(r),
            dictionary = RingDictionarySection.Metrics(r),
            certified = RingCertifiedSection.Metrics(r),
            ablation = r.Ablation.Select(a => new { input = a.Input, alpha = a.Alpha, model = a.Model, seeds = a.Seeds, test_acc = a.TestAcc, test_acc_mean = a.Mean, test_acc_std = a.Std }),
        };
    }

    static float[] RingWeights(RingResult r) => r.Linear.W1.Select(row => row[^1]).ToArray();

    static double[] RingToHidden(RingModelResult mlp) => mlp.W1.Select(row => (double)Math.Abs(row[^1])).ToArray();

    static object History(RingModelResult m) => new { train_loss = m.History.TrainLoss, train_acc = m.History.TrainAcc, test_acc = m.History.ValAcc };

    static double[] PathStrength(RingModelResult mlp) =>
        mlp.W2!.Select(row => row.Select((w, h) => (double)Math.Abs(w) * Math.Abs(mlp.W1[h][^1])).Sum()).ToArray();

    static string Markdown(RingResult r, RunInfo info, float[] ringWeights, double[] pathStrength, double[] ringToHidden)
    {
        var o = r.Options;
        var sb = new StringBuilder();
        sb.AppendLine("# The ring feature against pixels").AppendLine();
        sb.AppendLine($"Ring = 1 when a digit encloses background: pixels > {o.Threshold} are foreground, and some background pixel is " +
                      "not reached by a 4-connected flood fill from the border. Input: 784 pixels + the ring bit. " +
                      $"Adam lr {o.Train.LearningRate}, batch {o.Train.BatchSize}, {o.Train.Epochs} epochs, ring boost alpha = {o.Alpha}, beta = {o.Beta}; " +
                      $"seed {o.Seed}. MnistLab {info.MnistlabVersion}, {info.Threads} thread(s).").AppendLine();

        sb.AppendLine("## The feature").AppendLine();
        sb.AppendLine($"Computed once for all {r.Ring.TotalTrain + r.Ring.TotalTest:N0} images in {r.Ring.Seconds * 1000:F0} ms, " +
                      "together with the number of holes and the Euler number (foreground components, 8-connected, minus holes).").AppendLine();
        sb.AppendLine(Table(["digit", "ring (train)", "ring (test)", "mean holes (train)"],
            Enumerable.Range(0, 10).Select(c => (IReadOnlyList<string>)[c.ToString(), Pct(r.Ring.FractionByClassTrain[c], 1), Pct(r.Ring.FractionByClassTest[c], 1), Num(MeanWhere(r.TrainFeatures.Holes, r, c), 2)])));
        var ringy = Enumerable.Range(0, 10).Where(c => r.Ring.FractionByClassTrain[c] >= 0.5).ToList();
        sb.AppendLine($"Digits that usually have a ring: {string.Join(", ", ringy)}. " +
                      $"Overall {Pct((double)r.TrainFeatures.Ring.Count(x => x == 1) / r.Ring.TotalTrain, 1)} of training images have one.").AppendLine();
        sb.AppendLine(Image("ring fraction by digit", "ring_fraction.png")).AppendLine();

        sb.AppendLine("## Linear softmax 785-10").AppendLine();
        sb.AppendLine($"Test accuracy {Pct(r.Linear.TestAcc)}.").AppendLine();
        sb.AppendLine(Image("ring weight per class", "ring_weights_linear.png")).AppendLine();
        sb.AppendLine(Image("pixel weights per class", "pixel_weights_linear.png")).AppendLine();
        sb.AppendLine("The explicit formula of every class logit (all 785 weights are in `linear_formula.json`); here the bias, the ring " +
                      "weight and the three pixels that push hardest each way, as (row, column):").AppendLine();
        sb.AppendLine("```");
        for (int c = 0; c < 10; c++)
        {
            var px = r.Linear.W1[c][..784].Select((w, i) => (w, i)).OrderByDescending(t => t.w).ToList();
            string Term((float w, int i) t) => $"{t.w:+0.000;-0.000}*x[{t.i / 28},{t.i % 28}]";
            sb.AppendLine($"logit_{c} = {r.Linear.B1[c]:+0.000;-0.000} {ringWeights[c]:+0.000;-0.000}*ring " +
                          $"{string.Join(" ", px.Take(3).Select(Term))} ... {string.Join(" ", px.TakeLast(3).Select(Term))}");
        }
        sb.AppendLine("```").AppendLine();

        sb.AppendLine($"## MLP 785-{o.MlpHidden}-10").AppendLine();
        sb.AppendLine($"Test accuracy {Pct(r.Mlp.TestAcc)}; mean |W1[h, ring]| = {ringToHidden.Average():F4} " +
                      $"(mean |W1| over the pixel inputs: {r.Mlp.W1.SelectMany(row => row[..784]).Average(w => Math.Abs(w)):F4}).").AppendLine();
        sb.AppendLine(Image("ring to hidden weights", "ring_to_hidden_mlp.png")).AppendLine();
        sb.AppendLine(Image("ring path strength per class", "ring_path_mlp.png")).AppendLine();
        sb.AppendLine(Image("test accuracy per epoch", "test_acc.png")).AppendLine();

        sb.Append(RingAttribution.Markdown(r.Mlp.Attribution));
        sb.AppendLine("## Does the ring help?").AppendLine();
        if (r.Ablation.Count > 0)
        {
            sb.AppendLine($"Test accuracy over seeds {string.Join(", ", r.Ablation[0].Seeds)}: mean ± standard deviation. " +
                          "\"pixels\" is the same model with the ring column set to 0.").AppendLine();
            sb.AppendLine(Table(["model", "input", "ring boost", "test acc (mean ± sd)", "per seed"],
                r.Ablation.Select(a => (IReadOnlyList<string>)[a.Model, a.Input, a.Alpha.ToString("0.####"), $"{Pct(a.Mean)} ± {a.Std * 100:F2}", string.Join(" ", a.TestAcc.Select(x => Pct(x)))])));
            foreach (var line in Verdict(r)) sb.AppendLine($"- {line}");
            sb.AppendLine();
        }
        sb.AppendLine("Test accuracy per class, split by whether the test image has a ring:").AppendLine();
        sb.AppendLine(Table(["digit", "n ring=0", "linear ring=0", "MLP ring=0", "n ring=1", "linear ring=1", "MLP ring=1"],
            Enumerable.Range(0, 10).Select(c =>
            {
                var l = r.Linear.ByRing[c];
                var m = r.Mlp.ByRing[c];
                string P(double? x) => x is null ? "-" : Pct(x.Value, 1);
                return (IReadOnlyList<string>)[c.ToString(), l.CountRing0.ToString(), P(l.AccRing0), P(m.AccRing0), l.CountRing1.ToString(), P(l.AccRing1), P(m.AccRing1)];
            })));
        return sb.ToString();
    }

    /// <summary>What the ablation shows (<see cref="RingResult.Gains"/>), in words: a difference counts only if it exceeds the seed-to-seed spread.</summary>
    static IEnumerable<string> Verdict(RingResult r)
    {
        foreach (var g in r.Gains)
        {
            double gain = g.Gain * 100, spread = Math.Max(g.Spread, RingGain.MinSpread) * 100;
            yield return g.Measurable
                ? $"{g.Model}: adding the ring changes test accuracy by {gain:+0.00;-0.00} points ({Pct(g.Pixels.Mean)} -> {Pct(g.Ring.Mean)}), more than twice the seed-to-seed spread ({spread:F2})."
                : $"{g.Model}: adding the ring changes test accuracy by {gain:+0.00;-0.00} points ({Pct(g.Pixels.Mean)} -> {Pct(g.Ring.Mean)}), within twice the seed-to-seed spread ({spread:F2}): no measurable help.";
            if (g.BoostGain is { } boost) yield return $"{g.Model}: the ring-boost term moves it by a further {boost * 100:+0.00;-0.00} points.";
        }
    }

    static double MeanWhere(int[] values, RingResult r, int digit)
    {
        // Training labels are in the same order as the features.
        var labels = r.TrainLabels;
        double sum = 0;
        int n = 0;
        for (int i = 0; i < values.Length; i++) if (labels[i] == digit) { sum += values[i]; n++; }
        return n == 0 ? 0 : sum / n;
    }
}
