using System.Diagnostics;
using MnistLab.Analysis;
using MnistLab.Benchmarks;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Models;
using MnistLab.Reports;
using MnistLab.Runs;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Experiments.LocalMi;

/// <summary>
/// One configuration's outcome: accuracy, time, per-layer statistics (empty for backprop and pixels), and how far the
/// soft MI estimate of its trained first layer is from the hard one (mean |soft - hard| over its neurons; null without layers).
/// </summary>
public sealed record LocalMiConfigResult(string Key, double TestAcc, double TrainSeconds, IReadOnlyList<LocalLayerStats> Layers,
    IReadOnlyList<float[][]> Weights, IReadOnlyList<float[][]> Gram, double? SoftHardMeanAbsDiff)
{
    /// <summary>Each trained neuron's I(y_i; class) on the test images, per layer, when measured.</summary>
    public IReadOnlyList<IReadOnlyList<Analysis.Information.MiResult>>? Neurons { get; init; }
}

public sealed record LocalMiResult(LocalMiExperimentOptions Options, IReadOnlyList<LocalMiConfigResult> Configs,
    double[] PixelMi, double PixelMiSeconds, double Mi16Seconds)
{
    /// <summary>The information plane of the local layers and the backprop baseline, when measured.</summary>
    public IReadOnlyList<Analysis.Information.PlanePoint>? Plane { get; init; }
    public double PlaneSeconds { get; init; }

    /// <summary>Seconds spent testing the neurons' information.</summary>
    public double NeuronSeconds { get; init; }
}

/// <summary>
/// Seed 002: layers trained greedily by a neuron-local rule (maximise binned I(y_i; class), penalise
/// redundancy), then a linear readout; compared with backprop (784-64-10) and a readout on raw pixels.
/// Runs the seed's hard estimator and a differentiable soft one, in both update orders.
/// </summary>
public sealed class LocalMiExperiment : Experiment<LocalMiExperimentOptions, LocalMiResult>
{
    public static string Key(MiEstimator e, UpdateOrder o) => $"local_{e.ToString().ToLowerInvariant()}_{o.ToString().ToLowerInvariant()}";

    public override string Name => "local-mi";
    public override string Title => "A layer-local mutual-information rule (seed 002)";
    public override string Question => "Can neurons trained alone, each maximising I(output; class), build a representation as useful as backprop's?";
    public override string SeedDocument => "002_c84ee008ccf420e2.txt";

    public override LocalMiExperimentOptions Defaults => new();
    public override LocalMiExperimentOptions Quick => new() { Rule = new LocalMiOptions { ReadoutEpochs = 3 } };
    public override LocalMiExperimentOptions WithSeed(LocalMiExperimentOptions o, long seed) => o with { Seed = seed };
    public override long SeedOf(LocalMiExperimentOptions o) => o.Seed;
    public override LocalMiExperimentOptions Validated(LocalMiExperimentOptions o) => o.Validated();
    public override BenchSection Bench => LocalMiBench.Run;

    public override IReadOnlyList<Headline> Headlines { get; } =
    [
        new("local_hard_sequential_test_acc", "hard MI, sequential (the seed's rule): test accuracy", "local MI hard"),
        new("local_soft_sequential_test_acc", "soft MI, sequential: test accuracy", "local MI soft"),
        new("backprop_test_acc", "backprop baseline 784-64-10: test accuracy", "backprop 784-64"),
        new("pixels_readout_test_acc", "linear readout on the pixels: test accuracy", "pixel readout"),
    ];

    public override IReadOnlyDictionary<string, double> Figures(LocalMiResult r) => r.Configs.ToDictionary(c => $"{c.Key}_test_acc", c => c.TestAcc);

    public override string Answer(IReadOnlyDictionary<string, double> f)
    {
        var local = f.Where(p => p.Key.StartsWith("local_", StringComparison.Ordinal)).MaxBy(p => p.Value);
        double bp = f["backprop_test_acc"], px = f["pixels_readout_test_acc"];
        string name = local.Key.Replace("_test_acc", "").Replace("local_", "").Replace('_', ' ');
        string verdict = local.Value >= bp - 0.005 ? "Yes" : local.Value > px ? "Partly" : "No";
        return $"{verdict}: the best local rule ({name} MI) reaches {Markdown.Pct(local.Value)}, against {Markdown.Pct(bp)} for backprop and " +
               $"{Markdown.Pct(px)} for a linear readout of the raw pixels.";
    }

    public override DataProvenance Prepare(LocalMiExperimentOptions o, LabData data, IProgressSink progress) => data.Mnist.Provenance;

    public override LocalMiResult Run(LocalMiExperimentOptions options, LabData data, RunContext context)
    {
        var rule = options.Rule;
        using var train = Flat(data.Mnist.Train, "train");
        using var test = Flat(data.Mnist.Test, "test");

        // The estimator as a tool: I(pixel; class) for all 784 pixels of the training set, binned on [0, 1].
        var clock = Stopwatch.StartNew();
        double[] pixelMi = MutualInformation.Hard(train.Images, train.Labels, rule.Bins with { Min = 0, Max = 1 }, LabeledImages.Classes);
        double pixelSeconds = clock.Elapsed.TotalSeconds;

        var configs = new List<LocalMiConfigResult>();
        double mi16 = double.NaN;
        using var plane = InformationPlaneSection.Start(options, test);
        var extras = new LocalMiExtras(plane, options.Significance);
        foreach (var estimator in options.Estimators)
            foreach (var order in options.Orders)
            {
                var (config, seconds) = RunLocal(train, test, rule with { Estimator = estimator, Order = order }, options.Seed, context, extras);
                configs.Add(config);
                if (double.IsNaN(mi16)) mi16 = seconds;
            }
        configs.Add(Supervised("backprop", new MlpSpec(784, 64), train, test, rule, options.Seed, context, plane));
        configs.Add(Supervised("pixels_readout", new LinearSpec(784), train, test, rule, options.Seed, context));
        return new LocalMiResult(options, configs, pixelMi, pixelSeconds, mi16)
            { Plane = plane?.Points.ToList(), PlaneSeconds = plane?.Seconds ?? 0, NeuronSeconds = extras.NeuronClock.Elapsed.TotalSeconds };
    }

    public override object Metrics(LocalMiResult r) => LocalMiReport.Metrics(r);

    public override void WriteReport(LocalMiResult result, RunInfo info, ReportFolder folder) => LocalMiReport.Write(result, info, folder);

    /// <summary>
    /// One local configuration: layers trained greedily, then the readout; inputs flat (N, 784). Also returns the
    /// seconds of one hard MI pass over its trained first layer on the whole training set. Every layer, readout and
    /// shuffle draws its own stream of the run's <paramref name="seed"/>.
    /// </summary>
    public static (LocalMiConfigResult Result, double Mi16Seconds) RunLocal(LabeledImages train, LabeledImages test, LocalMiOptions o, long seed, RunContext context,
        LocalMiExtras? extras = null)
    {
        string key = Key(o.Estimator, o.Order);
        var progress = context.Progress;
        var clock = Stopwatch.StartNew();
        var stats = new List<LocalLayerStats>();
        var weights = new List<float[][]>();
        var grams = new List<float[][]>();
        double? softHard = null;
        double miSeconds = double.NaN;
        var neurons = new List<IReadOnlyList<Analysis.Information.MiResult>>();
        LabeledImages trainIn = train, testIn = test;
        int inputs = (int)train.Images.shape[1];
        for (int l = 0; l < o.Layers.Count; l++)
        {
            // Greedy: train this layer alone, freeze it, and re-encode the data for the next one.
            string name = $"{key} layer{l + 1}";
            var spec = new LocalLayerSpec(inputs, o.Layers[l]) { Input = l == 0 ? ModelInput.Image : ModelInput.OutputOf($"{key} layer{l}") };
            using var init = Seeds.Generator(seed, $"{name}/init");
            using var layer = new LocalLayer(spec, init);
            extras?.Plane?.Watch(name, layer, testIn.Images, ["output"]);
            stats.Add(LocalMiRule.TrainLayer(layer, trainIn, l + 1, o, progress, name, context.Checkpoints, context.Cancel, extras?.Plane, seed));
            if (extras?.Significance is { } significance)
            {
                extras.NeuronClock.Start();
                neurons.Add(NeuronInformationSection.Measure(layer, testIn, o, significance, l + 1, seed));
                extras.NeuronClock.Stop();
            }
            weights.Add(TensorData.Rows(layer.Weight));
            using (var scope = NewDisposeScope()) grams.Add(TensorData.Rows(layer.Weight.matmul(layer.Weight.t())));
            if (l == 0) (softHard, miSeconds) = SoftVsHard(layer, trainIn, o);
            var nextTrain = LocalMiRule.Encode(layer, trainIn, $"train/layer{l + 1}");
            var nextTest = LocalMiRule.Encode(layer, testIn, $"test/layer{l + 1}");
            if (l > 0) { trainIn.Dispose(); testIn.Dispose(); }
            (trainIn, testIn) = (nextTrain, nextTest);
            inputs = o.Layers[l];
        }
        // Readout as the seed: a linear classifier on the last layer's outputs, Adam, batch 128.
        string readoutName = $"{key} readout";
        using var readoutInit = Seeds.Generator(seed, $"{readoutName}/init");
        using var readout = new LinearClassifier(new LinearSpec(inputs) { Input = ModelInput.OutputOf($"{key} layer{o.Layers.Count}") }, readoutInit);
        Trainer.Train(readout, trainIn, null, LossKind.CrossEntropy, ReadoutOptions(o), progress, readoutName, checkpoints: context.Checkpoints, cancel: context.Cancel, seed: seed);
        double acc = Evaluation.Run(readout, testIn, LossKind.CrossEntropy).Accuracy;
        trainIn.Dispose();
        testIn.Dispose();
        progress.Info($"{key}: test accuracy {acc:P2}");
        return (new LocalMiConfigResult(key, acc, clock.Elapsed.TotalSeconds, stats, weights, grams, softHard)
            { Neurons = extras?.Significance is null ? null : neurons }, miSeconds);
    }

    static TrainOptions ReadoutOptions(LocalMiOptions o) =>
        new() { Epochs = o.ReadoutEpochs, BatchSize = o.BatchSize, LearningRate = o.ReadoutLearningRate };

    static LocalMiConfigResult Supervised(string key, ModelSpec spec, LabeledImages train, LabeledImages test, LocalMiOptions o, long seed, RunContext context,
        Analysis.Information.InformationPlane? plane = null)
    {
        var clock = Stopwatch.StartNew();
        using var init = Seeds.Generator(seed, $"{key}/init");
        using var model = spec.Create(init);
        plane?.Watch(key, model, test.Images, ["relu1", "output"]);
        Trainer.Train(model, train, null, LossKind.CrossEntropy, ReadoutOptions(o), context.Progress, key, checkpoints: context.Checkpoints, cancel: context.Cancel,
            observer: plane, seed: seed);
        double acc = Evaluation.Run(model, test, LossKind.CrossEntropy).Accuracy;
        context.Progress.Info($"{key}: test accuracy {acc:P2}");
        return new LocalMiConfigResult(key, acc, clock.Elapsed.TotalSeconds, [], [], [], null);
    }

    /// <summary>
    /// The trained first layer measured both ways over the whole training set: mean |soft MI - hard MI| over its neurons,
    /// and the seconds of the hard pass (one MI estimate of every neuron over 60,000 images).
    /// </summary>
    static (double MeanAbsDiff, double HardSeconds) SoftVsHard(LocalLayer layer, LabeledImages train, LocalMiOptions o)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var y = layer.call(train.Images);
        var clock = Stopwatch.StartNew();
        var hard = MutualInformation.Hard(y, train.Labels, o.Bins, LabeledImages.Classes);
        double seconds = clock.Elapsed.TotalSeconds;
        var soft = MutualInformation.Soft(y, train.Labels, o.Bins, LabeledImages.Classes, o.SoftWidth).to_type(ScalarType.Float64).data<double>().ToArray();
        return (hard.Zip(soft).Average(p => Math.Abs(p.First - p.Second)), seconds);
    }

    public static LabeledImages Flat(LabeledImages set, string name)
    {
        using var scope = NewDisposeScope();
        return new LabeledImages(set.Images.reshape(set.Count, -1), set.Labels.clone(), name);
    }
}
