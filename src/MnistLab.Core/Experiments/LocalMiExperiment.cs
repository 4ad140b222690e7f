using System.Diagnostics;
using MnistLab.Analysis;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Models;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Experiments;

/// <summary>One configuration's outcome: accuracy, time, and per-layer statistics (empty for backprop and pixels).</summary>
public sealed record LocalMiConfigResult(string Key, double TestAcc, double TrainSeconds, IReadOnlyList<LocalLayerStats> Layers,
    IReadOnlyList<float[][]> Weights, IReadOnlyList<float[][]> Gram);

public sealed record LocalMiResult(LocalMiOptions Options, IReadOnlyList<LocalMiConfigResult> Configs,
    double[] PixelMi, double PixelMiSeconds, double SoftHardMeanAbsDiff, double Mi16Seconds);

/// <summary>
/// Seed 002: layers trained greedily by a neuron-local rule (maximise binned I(y_i; class), penalise
/// redundancy), then a linear readout; compared with backprop (784-64-10) and a readout on raw pixels.
/// Runs the seed's hard estimator and a differentiable soft one, in both update orders.
/// </summary>
public static class LocalMiExperiment
{
    public static readonly IReadOnlyList<MiEstimator> Estimators = [MiEstimator.Hard, MiEstimator.Soft];
    public static readonly IReadOnlyList<UpdateOrder> Orders = [UpdateOrder.Sequential, UpdateOrder.Simultaneous];

    public static string Key(MiEstimator e, UpdateOrder o) => $"local_{e.ToString().ToLowerInvariant()}_{o.ToString().ToLowerInvariant()}";

    public static LocalMiResult Run(Mnist mnist, LocalMiOptions options, IReadOnlyList<MiEstimator> estimators, IReadOnlyList<UpdateOrder> orders, IProgressSink? progress = null,
        Checkpointing? checkpoints = null)
    {
        options.Validated();
        progress ??= ProgressSink.None;
        using var train = Flat(mnist.Train, "train");
        using var test = Flat(mnist.Test, "test");

        // The estimator as a tool: I(pixel; class) for all 784 pixels of the training set, binned on [0, 1].
        var clock = Stopwatch.StartNew();
        double[] pixelMi = MutualInformation.Hard(train.Images, train.Labels, new MiBins(options.Bins.Count, 0, 1), LabeledImages.Classes);
        double pixelSeconds = clock.Elapsed.TotalSeconds;

        var configs = new List<LocalMiConfigResult>();
        foreach (var estimator in estimators)
            foreach (var order in orders)
                configs.Add(RunLocal(train, test, options with { Estimator = estimator, Order = order }, progress, checkpoints));
        configs.Add(Supervised("backprop", new Func<Mlp>(() => new Mlp(784, 64)), train, test, options, progress, checkpoints));
        configs.Add(Supervised("pixels_readout", new Func<LinearClassifier>(() => new LinearClassifier(784)), train, test, options, progress, checkpoints));

        // How close the soft estimate stays to the hard one, on the first layer of the first local configuration,
        // and what one MI pass of 16 neurons over all 60,000 training images costs.
        var (diff, mi16) = SoftVsHard(train, options);
        return new LocalMiResult(options, configs, pixelMi, pixelSeconds, diff, mi16);
    }

    public static void WriteReport(LocalMiResult result, RunInfo info, string outDir) => LocalMiReport.Write(result, info, outDir);

    /// <summary>One local configuration: layers trained greedily, then the readout; inputs flat (N, 784).</summary>
    public static LocalMiConfigResult RunLocal(LabeledImages train, LabeledImages test, LocalMiOptions o, IProgressSink progress,
        Checkpointing? checkpoints = null)
    {
        string key = Key(o.Estimator, o.Order);
        var clock = Stopwatch.StartNew();
        manual_seed(o.Seed);
        var stats = new List<LocalLayerStats>();
        var weights = new List<float[][]>();
        var grams = new List<float[][]>();
        LabeledImages trainIn = train, testIn = test;
        int inputs = (int)train.Images.shape[1];
        for (int l = 0; l < o.Layers.Count; l++)
        {
            // Greedy: train this layer alone, freeze it, and re-encode the data for the next one.
            using var layer = new LocalLayer(inputs, o.Layers[l]);
            stats.Add(LocalMiRule.TrainLayer(layer, trainIn, l + 1, o, progress, $"{key} layer{l + 1}", checkpoints));
            weights.Add(TensorData.Rows(layer.Weight));
            using (var scope = NewDisposeScope()) grams.Add(TensorData.Rows(layer.Weight.matmul(layer.Weight.t())));
            var nextTrain = LocalMiRule.Encode(layer, trainIn, $"train/layer{l + 1}");
            var nextTest = LocalMiRule.Encode(layer, testIn, $"test/layer{l + 1}");
            if (l > 0) { trainIn.Dispose(); testIn.Dispose(); }
            (trainIn, testIn) = (nextTrain, nextTest);
            inputs = o.Layers[l];
        }
        // Readout as the seed: a linear classifier on the last layer's outputs, Adam, batch 128.
        manual_seed(o.Seed);
        using var readout = new LinearClassifier(inputs);
        Trainer.Train(readout, trainIn, null, LossKind.CrossEntropy,
            new TrainOptions { Epochs = o.ReadoutEpochs, BatchSize = o.BatchSize, LearningRate = o.ReadoutLearningRate, Seed = o.Seed }, progress, $"{key} readout", checkpoints: checkpoints);
        double acc = Evaluation.Run(readout, testIn, LossKind.CrossEntropy).Accuracy;
        trainIn.Dispose();
        testIn.Dispose();
        progress.Info($"{key}: test accuracy {acc:P2}");
        return new LocalMiConfigResult(key, acc, clock.Elapsed.TotalSeconds, stats, weights, grams);
    }

    static LocalMiConfigResult Supervised<T>(string key, Func<T> create, LabeledImages train, LabeledImages test, LocalMiOptions o, IProgressSink progress,
        Checkpointing? checkpoints) where T : nn.Module<Tensor, Tensor>
    {
        var clock = Stopwatch.StartNew();
        manual_seed(o.Seed);
        using var model = create();
        Trainer.Train(model, train, null, LossKind.CrossEntropy,
            new TrainOptions { Epochs = o.ReadoutEpochs, BatchSize = o.BatchSize, LearningRate = o.ReadoutLearningRate, Seed = o.Seed }, progress, key, checkpoints: checkpoints);
        double acc = Evaluation.Run(model, test, LossKind.CrossEntropy).Accuracy;
        progress.Info($"{key}: test accuracy {acc:P2}");
        return new LocalMiConfigResult(key, acc, clock.Elapsed.TotalSeconds, [], [], []);
    }

    static (double MeanAbsDiff, double Mi16Seconds) SoftVsHard(LabeledImages train, LocalMiOptions o)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        manual_seed(o.Seed);
        using var layer = new LocalLayer(784, 16);
        // Spread the outputs over the bins so both estimators have something to measure.
        layer.Weight.mul_(20);
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
