using System.Diagnostics;
using MnistLab.Benchmarks;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Features;
using MnistLab.Models;
using MnistLab.Reports;
using MnistLab.Runs;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Experiments.Ring;

/// <summary>Ring fraction per class, on train and test.</summary>
public sealed record RingStats(double[] FractionByClassTrain, double[] FractionByClassTest, int TotalTrain, int TotalTest, double Seconds);

/// <summary>Test accuracy of one class among test images with ring = 0 and ring = 1 (null where none).</summary>
public sealed record RingSplitAccuracy(int Class, int CountRing0, double? AccRing0, int CountRing1, double? AccRing1);

public sealed record RingModelResult(string Key, double TestAcc, TrainingHistory History, float[][] W1, float[] B1, float[][]? W2, RingSplitAccuracy[] ByRing)
{
    /// <summary>Where the run's own MLP on pixels + ring looks (null for the other models).</summary>
    public RingAttributionResult? Attribution { get; init; }
}

public sealed record AblationCell(string Input, double Alpha, string Model, long[] Seeds, double[] TestAcc)
{
    public double Mean => TestAcc.Average();
    public double Std => TestAcc.Length < 2 ? 0 : Math.Sqrt(TestAcc.Sum(a => (a - Mean) * (a - Mean)) / (TestAcc.Length - 1));
}

/// <summary>
/// The ablation's answer for one model: mean test accuracy over the seeds with the ring minus without (both without
/// the boost), what the boost adds on top, and the largest seed-to-seed standard deviation of the two unboosted cells.
/// </summary>
public sealed record RingGain(string Model, AblationCell Pixels, AblationCell Ring, AblationCell? Boosted)
{
    /// <summary>The threshold's floor, so that identical seeds (a spread of 0) do not make any difference count.</summary>
    public const double MinSpread = 1e-4;

    public double Gain => Ring.Mean - Pixels.Mean;
    public double Spread => Math.Max(Pixels.Std, Ring.Std);

    /// <summary>The boost's further change (boosted minus unboosted, with the ring); null when the ablation had no boosted cell.</summary>
    public double? BoostGain => Boosted is null ? null : Boosted.Mean - Ring.Mean;

    /// <summary>A gain counts when it exceeds twice the seed-to-seed spread.</summary>
    public bool Measurable => Math.Abs(Gain) > 2 * Math.Max(Spread, MinSpread);

    /// <summary>The gain of <paramref name="model"/> in <paramref name="ablation"/>, or null when it lacks either unboosted cell.</summary>
    public static RingGain? Of(IReadOnlyList<AblationCell> ablation, string model)
    {
        var cells = ablation.Where(a => a.Model == model).ToList();
        var pixels = cells.FirstOrDefault(a => a.Input == RingExperiment.PixelsOnly && a.Alpha == 0);
        var ring = cells.FirstOrDefault(a => a.Input == RingExperiment.PixelsAndRing && a.Alpha == 0);
        var boosted = cells.FirstOrDefault(a => a.Input == RingExperiment.PixelsAndRing && a.Alpha > 0);
        return pixels is null || ring is null ? null : new RingGain(model, pixels, ring, boosted);
    }
}

/// <param name="Gains">The ablation's answer per model (linear, then MLP); empty without an ablation.</param>
public sealed record RingResult(RingOptions Options, TopologyFeatures TrainFeatures, TopologyFeatures TestFeatures, long[] TrainLabels, RingStats Ring,
    RingModelResult Linear, RingModelResult Mlp, IReadOnlyList<AblationCell> Ablation, IReadOnlyList<RingGain> Gains)
{
    /// <summary>The probe of the pixels-only MLP's hidden layer, when measured.</summary>
    public RingProbeAnswer? Probe { get; init; }

    /// <summary>The ring erased from the pixels-only MLP's hidden layer, when measured.</summary>
    public Analysis.Causal.ErasureResult? Erasure { get; init; }

    /// <summary>The sparse dictionary of the pixels-only MLP's hidden layer, when learned.</summary>
    public Analysis.Dictionaries.SparseDictionaryResult? Dictionary { get; init; }

    /// <summary>The certified accuracy of the run's own unboosted models, when measured.</summary>
    public IReadOnlyList<Analysis.Verification.CertifiedRow>? Certified { get; init; }
}

/// <summary>
/// Seed 000: does a digit enclose background? The ring bit is appended to the 784 pixels; a linear
/// softmax (785-10) and an MLP (785-64-10) are trained with cross-entropy plus the seed's ring-boost term,
/// then read: the ring weights, the explicit linear formula, the MLP's ring paths. An ablation over seeds
/// answers the question the seed leaves open: does the ring help?
/// </summary>
public sealed class RingExperiment : Experiment<RingOptions, RingResult>
{
    public const string PixelsOnly = "pixels", PixelsAndRing = "pixels+ring";

    public override string Name => "ring";
    public override string Title => "The ring feature against pixels (seed 000)";
    public override string Question => "Does knowing that a digit encloses a hole (the ring bit) help a linear model or an MLP read it?";
    public override string SeedDocument => "000_3dea73b08640bcfd.txt";

    public override RingOptions Defaults => new();
    public override RingOptions Quick => new() { Train = new TrainOptions { Epochs = 3 }, AblationSeeds = 2 };
    public override RingOptions WithSeed(RingOptions o, long seed) => o with { Seed = seed };
    public override long SeedOf(RingOptions o) => o.Seed;
    public override RingOptions Validated(RingOptions o) => o.Validated();
    public override BenchSection Bench => RingBench.Run;

    public override IReadOnlyList<Headline> Headlines { get; } =
    [
        new("linear_test_acc", "linear on pixels + ring: test accuracy", "ring: linear"),
        new("mlp_test_acc", "MLP on pixels + ring: test accuracy", "ring: MLP"),
        new("ring_gain_linear", "linear: accuracy with the ring minus without (mean over the ablation seeds)", "ring gain linear", FigureKind.Points)
            { Effect = "the ring adds {0} to the linear model" },
        new("ring_gain_mlp", "MLP: accuracy with the ring minus without (mean over the ablation seeds)", "ring gain MLP", FigureKind.Points)
            { Effect = "the ring adds {0} to the MLP" },
        new("seed_spread_linear", "linear: seed-to-seed standard deviation of test accuracy (largest ablation cell)", "sd linear", FigureKind.Spread),
        new("seed_spread_mlp", "MLP: seed-to-seed standard deviation of test accuracy (largest ablation cell)", "sd MLP", FigureKind.Spread),
        new("ring_used_mlp", "pixels-only MLP: test accuracy lost by erasing the ring from its hidden layer, beyond random directions", "ring used", FigureKind.Points)
            { Effect = "erasing the ring from the pixels-only MLP's hidden layer costs {0} beyond random directions" },
        new("dictionary_l0", "pixels-only MLP's hidden layer: the dictionary's active features per image (L0, test images)", "dictionary L0", FigureKind.Number),
        new("dictionary_fvu", "pixels-only MLP's hidden layer: the dictionary's fraction of variance unexplained (test images)", "dictionary FVU", FigureKind.Score)
            { Against = "dictionary_l0" },
        new("dictionary_ring_auc", "pixels-only MLP's hidden layer: AUC of the dictionary's best single feature for the ring", "best ring feature AUC", FigureKind.Score),
    ];

    public override IReadOnlyDictionary<string, double> Figures(RingResult r)
    {
        var f = new Dictionary<string, double> { ["linear_test_acc"] = r.Linear.TestAcc, ["mlp_test_acc"] = r.Mlp.TestAcc };
        foreach (var g in r.Gains)
        {
            f[$"ring_gain_{g.Model}"] = g.Gain;
            f[$"seed_spread_{g.Model}"] = g.Spread;
        }
        if (r.Erasure?.Rows.FirstOrDefault(x => x.Concept == "ring") is { } ring) f["ring_used_mlp"] = ring.Used;
        if (r.Dictionary is { } d)
        {
            (f["dictionary_l0"], f["dictionary_fvu"]) = (d.Metrics.L0, d.Metrics.Fvu);
            if (RingDictionarySection.BestRing(d) is { } feature) f["dictionary_ring_auc"] = feature.Score;
        }
        return f;
    }

    /// <summary>A gain counts when it exceeds twice the seed-to-seed spread (<see cref="RingGain.Measurable"/>, read off the figures).</summary>
    public override string Answer(IReadOnlyDictionary<string, double> f)
    {
        if (!f.ContainsKey("ring_gain_linear") || !f.ContainsKey("ring_gain_mlp"))
            return $"Not measured (no ablation over seeds); with the ring the linear model reaches {Markdown.Pct(f["linear_test_acc"])} and the MLP {Markdown.Pct(f["mlp_test_acc"])}.";
        string Part(string model)
        {
            double gain = f[$"ring_gain_{model}"], spread = f[$"seed_spread_{model}"];
            return $"{gain * 100:+0.00;-0.00} points ({(Math.Abs(gain) > 2 * Math.Max(spread, RingGain.MinSpread) ? "beyond" : "within")} twice the seed spread of {spread * 100:F2})";
        }
        bool helps = new[] { "linear", "mlp" }.Any(m => f[$"ring_gain_{m}"] > 2 * Math.Max(f[$"seed_spread_{m}"], RingGain.MinSpread));
        return $"{(helps ? "Yes" : "No")}: the ring adds {Part("linear")} to the linear model and {Part("mlp")} to the MLP.";
    }

    public override DataProvenance Prepare(RingOptions o, LabData data, IProgressSink progress) => data.Mnist.Provenance;

    public override RingResult Run(RingOptions options, LabData data, RunContext context)
    {
        var mnist = data.Mnist;
        var progress = context.Progress;

        // Feature: computed once for all 70,000 images, never per item per epoch.
        var clock = Stopwatch.StartNew();
        var trainF = Topology.Compute(mnist.Train.Images, options.Threshold);
        var testF = Topology.Compute(mnist.Test.Images, options.Threshold);
        double seconds = clock.Elapsed.TotalSeconds;
        var ring = new RingStats(FractionByClass(trainF.Ring, mnist.Train.LabelArray()), FractionByClass(testF.Ring, mnist.Test.LabelArray()),
            trainF.Count, testF.Count, seconds);
        progress.Info($"ring feature for {trainF.Count + testF.Count:N0} images in {seconds * 1000:F0} ms");

        // Inputs: 784 pixels + the ring bit; the "pixels" control zeroes that column (same architecture).
        using var train = mnist.Train.WithFeature(trainF.Ring.Select(r => (float)r).ToArray(), "train+ring");
        using var test = mnist.Test.WithFeature(testF.Ring.Select(r => (float)r).ToArray(), "test+ring");
        using var trainPixels = mnist.Train.WithFeature(new float[trainF.Count], "train+0");
        using var testPixels = mnist.Test.WithFeature(new float[testF.Count], "test+0");

        // Models as the seed trains them, evaluated on the test set after every epoch.
        var cache = new Dictionary<(string, double, string, long), RingModelResult>();
        RingProbeAnswer? probe = null;
        Analysis.Causal.ErasureResult? erasure = null;
        Analysis.Dictionaries.SparseDictionaryResult? dictionary = null;
        var certified = new List<Analysis.Verification.CertifiedRow>();
        RingModelResult TrainOne(string input, double strength, string model, long seed)
        {
            var key = (input, strength, model, seed);
            if (cache.TryGetValue(key, out var hit)) return hit;
            var (tr, te) = input == PixelsAndRing ? (train, test) : (trainPixels, testPixels);
            // The unboosted models of the run's own seed are proved robust or not, and the pixels-only MLP is also probed for
            // the ring, while they are at hand.
            Action<nn.Module<Tensor, Tensor>>? inspect = strength == 0 && seed == options.Seed
                ? net =>
                {
                    if (model == "mlp" && input == PixelsOnly)
                    {
                        if (options.Probe is { } p) probe = RingProbeSection.Compute(net, mnist, p, seed, progress);
                        if (options.Erasure is { } e) erasure = RingErasureSection.Compute(net, mnist, e, seed, progress);
                        if (options.Dictionary is { } d) dictionary = RingDictionarySection.Compute(net, mnist, d, seed, progress);
                    }
                    certified.AddRange(RingCertifiedSection.Compute(net, $"{model} on {input}", input == PixelsAndRing, mnist, testF.Ring, options, progress));
                }
                : null;
            var result = TrainModel(model, input, tr, te, testF.Ring, strength, options, seed, context, inspect);
            return cache[key] = result;
        }
        long s0 = options.Seed;
        var linear = TrainOne(PixelsAndRing, options.Alpha, "linear", s0);
        var mlp = TrainOne(PixelsAndRing, options.Beta, "mlp", s0);

        // Ablation: every combination over several seeds; the first is the run's own (its main runs are reused),
        // the others are replicates drawn from it, so no two runs seeded nearby share one.
        var seeds = Enumerable.Range(0, options.AblationSeeds).Select(i => i == 0 ? s0 : Seeds.Replicate(s0, i)).ToArray();
        var ablation = new List<AblationCell>();
        if (seeds.Length > 0)
            foreach (var model in new[] { "linear", "mlp" })
                foreach (var input in new[] { PixelsOnly, PixelsAndRing })
                    foreach (var strength in new[] { 0.0, model == "linear" ? options.Alpha : options.Beta })
                        ablation.Add(new AblationCell(input, strength, model, seeds,
                            seeds.Select(s => TrainOne(input, strength, model, s).TestAcc).ToArray()));

        var gains = new[] { "linear", "mlp" }.Select(m => RingGain.Of(ablation, m)).OfType<RingGain>().ToList();
        return new RingResult(options, trainF, testF, mnist.Train.LabelArray(), ring, linear, mlp, ablation, gains) { Probe = probe, Erasure = erasure, Dictionary = dictionary,
            Certified = options.Certified is null || seeds.Length == 0 ? null : certified };
    }

    public override object Metrics(RingResult r) => RingReport.Metrics(r);

    public override void WriteReport(RingResult result, RunInfo info, ReportFolder folder) => RingReport.Write(result, info, folder);

    static RingModelResult TrainModel(string model, string input, LabeledImages train, LabeledImages test, byte[] testRing, double strength,
        RingOptions options, long seed, RunContext context, Action<nn.Module<Tensor, Tensor>>? inspect = null)
    {
        string name = $"{model} {input} a={strength:0.###} seed {seed}";
        int inputs = (int)train.Images.shape[1];
        var reads = input == PixelsAndRing ? ModelInput.PixelsAndRing : ModelInput.PixelsAndZero;
        ModelSpec spec = model == "linear" ? new LinearSpec(inputs) { Input = reads } : new MlpSpec(inputs, options.MlpHidden) { Input = reads };
        using var init = Seeds.Generator(seed, $"{name}/init");
        using var net = spec.Create(init);
        // The seed's ring boost: minus the mean |weight| from the ring input (the last column), so the
        // optimiser is rewarded for leaning on it. Added only when its strength is above zero, as the seed does.
        Trainer.LossTerm? boost = strength > 0
            ? m => -strength * (m is LinearClassifier l ? l.Weight : ((Mlp)m).Weight1)[.., -1].abs().mean()
            : null;
        var history = Trainer.Train(net, train, test, LossKind.CrossEntropy, options.Train, context.Progress, name, boost,
            context.Checkpoints, context.Cancel, seed: seed);
        var eval = Evaluation.Run(net, test, LossKind.CrossEntropy);
        inspect?.Invoke(net);

        var (w1, b1, w2) = net is LinearClassifier lin
            ? (TensorData.Rows(lin.Weight), lin.Bias.detach().data<float>().ToArray(), (float[][]?)null)
            : (TensorData.Rows(((Mlp)net).Weight1), Array.Empty<float>(), TensorData.Rows(((Mlp)net).Weight2));
        var attribution = model == "mlp" && input == PixelsAndRing && seed == options.Seed && strength == options.Beta
            ? RingAttribution.Compute(net, test.Images, test.LabelArray(), testRing) : null;
        return new RingModelResult(model, eval.Accuracy, history, w1, b1, w2, SplitByRing(test.LabelArray(), eval.Predictions, testRing)) { Attribution = attribution };
    }

    static RingSplitAccuracy[] SplitByRing(long[] labels, long[] predictions, byte[] ring) =>
        Enumerable.Range(0, 10).Select(c =>
        {
            int[] n = new int[2], ok = new int[2];
            for (int i = 0; i < labels.Length; i++)
                if (labels[i] == c) { n[ring[i]]++; if (predictions[i] == c) ok[ring[i]]++; }
            return new RingSplitAccuracy(c, n[0], n[0] == 0 ? null : (double)ok[0] / n[0], n[1], n[1] == 0 ? null : (double)ok[1] / n[1]);
        }).ToArray();

    internal static double[] FractionByClass(byte[] ring, long[] labels)
    {
        var count = new int[10];
        var with = new int[10];
        for (int i = 0; i < labels.Length; i++) { count[labels[i]]++; with[labels[i]] += ring[i]; }
        return Enumerable.Range(0, 10).Select(c => count[c] == 0 ? 0 : (double)with[c] / count[c]).ToArray();
    }

}
