using MnistLab.Analysis;
using MnistLab.Analysis.Information;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Models;
using MnistLab.Tests.Support;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Tests.Training;

/// <summary>
/// Native memory is invisible to the collector, so every step and every analysis call must free what it makes. Each
/// test counts live native tensors after a warm-up (optimiser state, caches) and again after 100 more steps or
/// calls: the count must not grow at all. Counts live tensors, so nothing else may run beside it.
/// </summary>
[Collection(SerialCollection.Name)]
public class LeakTests
{
    const int WarmUp = 10, Steps = 100;

    /// <summary>Records the live tensor count at every step the training loop reports.</summary>
    sealed class CountingSink : IProgressSink, IProgressTask
    {
        public readonly List<long> Counts = [];
        public IProgressTask Start(string description, double total) => this;
        public void Info(string message) { }
        public void Advance(double amount, string? status = null) => Counts.Add(Tensor.TotalCount);
        public void Dispose() { }
    }

    /// <summary>Runs a training through the one loop and checks the count at step WarmUp + Steps against step WarmUp.</summary>
    static void AssertFlat<T>(EpochTraining<T> training)
    {
        var sink = new CountingSink();
        TrainingLoop.Run(training, checkpoints: null, sink);
        Assert.True(sink.Counts.Count >= WarmUp + Steps, $"only {sink.Counts.Count} steps");
        Assert.True(sink.Counts[WarmUp + Steps - 1] <= sink.Counts[WarmUp - 1],
            $"{sink.Counts[WarmUp + Steps - 1] - sink.Counts[WarmUp - 1]} tensors more after {Steps} steps");
    }

    /// <summary>Calls <paramref name="call"/> WarmUp times, then Steps times more: the count must not grow.</summary>
    static void AssertFlat(Action call)
    {
        for (int i = 0; i < WarmUp; i++) call();
        long before = Tensor.TotalCount;
        for (int i = 0; i < Steps; i++) call();
        Assert.True(Tensor.TotalCount <= before, $"{Tensor.TotalCount - before} tensors more after {Steps} calls");
    }

    [Fact]
    public void Classifier_training_steps_do_not_leak()
    {
        using var data = Digits.SeparableSet(12); // 120 images: 12 steps of 10 per epoch
        using var init = Seeds.Generator(0, "leak/init");
        using var model = new Mlp(new MlpSpec(Hidden: 16), init);
        using var training = new ClassifierTraining(model, data, data, LossKind.CrossEntropy, new TrainOptions { Epochs = 10, BatchSize = 10 }, "mlp");
        AssertFlat(training);
    }

    [Fact]
    public void Dropout_training_of_the_resnet_does_not_leak()
    {
        using var data = Digits.SeparableSet(2); // 20 images, batches of 2
        using var init = Seeds.Generator(0, "leak/resnet");
        using var model = new RotResNet(init);
        using var training = new ClassifierTraining(model, data, null, LossKind.CrossEntropy, new TrainOptions { Epochs = 12, BatchSize = 2 }, "resnet");
        AssertFlat(training);
    }

    [Fact]
    public void The_speed_runs_training_with_its_fused_kernel_does_not_leak()
    {
        using var data = Digits.SeparableSet(12); // 120 images: 12 steps of 10 per epoch, each through PoolBiasRelu's own backward
        using var init = Seeds.Generator(0, "leak/fast");
        using var model = new FastCnn(init);
        using var training = new MnistLab.Experiments.Fast.FastTraining(model, data, data, new() { Epochs = 10, BatchSize = 10, EvalsPerEpoch = 1 }, seed: 0);
        AssertFlat(training);
    }

    [Fact]
    public void Vae_training_steps_do_not_leak()
    {
        using var data = Digits.SeparableSet(12);
        using var init = Seeds.Generator(0, "leak/vae");
        using var vae = new Vae(new VaeSpec(4), init);
        using var training = new VaeTraining(vae, data, 4, new TrainOptions { Epochs = 10, BatchSize = 10, WeightDecay = 1e-4 });
        AssertFlat(training);
    }

    [Theory]
    [InlineData(MiEstimator.Hard, UpdateOrder.Sequential)]
    [InlineData(MiEstimator.Soft, UpdateOrder.Simultaneous)]
    public void Local_rule_steps_do_not_leak(MiEstimator estimator, UpdateOrder order)
    {
        using var images = Digits.SeparableSet(12);
        using var data = new LabeledImages(images.Images.reshape(images.Count, -1), images.Labels, "flat");
        using var init = Seeds.Generator(0, "leak/local");
        using var layer = new LocalLayer(new LocalLayerSpec(784, 8), init);
        var o = new LocalMiOptions { EpochsPerLayer = 10, BatchSize = 10, Estimator = estimator, Order = order };
        using var training = new LocalLayerTraining(layer, data, 1, o, "layer1");
        AssertFlat(training);
    }

    [Fact]
    public void Evaluation_and_activation_calls_do_not_leak()
    {
        using var data = Digits.SeparableSet(5);
        using var init = Seeds.Generator(0, "leak/eval");
        using var model = new Mlp(new MlpSpec(Hidden: 16), init);
        AssertFlat(() => Evaluation.Run(model, data, LossKind.CrossEntropy, batchSize: 16));
        AssertFlat(() => Activations.Run(model, data.Images, ["relu1", "output"]).Dispose());
        AssertFlat(() => Activations.RunWith(model, data.Images, "relu1", Replacement.Mean).Dispose());
        AssertFlat(() => Activations.Gradient(model, data.Images, "input", o => o[.., 3]).Dispose());
    }

    [Fact]
    public void Both_mi_estimators_and_the_ridge_probe_do_not_leak()
    {
        using var g = Seeds.Generator(0, "leak/mi");
        using var y = randn([500, 16], generator: g);
        using var c = randint(0, 10, [500], generator: g);
        var bins = Binning.Seed;
        AssertFlat(() => MutualInformation.Hard(y, c, bins, 10));
        AssertFlat(() => MutualInformation.Soft(y, c, bins, 10, 0.3).Dispose());
        var z = new double[200, 4];
        var target = new double[200, 2];
        var rng = new Random(1);
        for (int i = 0; i < 200; i++)
        {
            for (int j = 0; j < 4; j++) z[i, j] = rng.NextDouble();
            target[i, 0] = z[i, 0] + 2 * z[i, 1];
            target[i, 1] = z[i, 3];
        }
        AssertFlat(() => RidgeProbe.Evaluate(RidgeProbe.Fit(z, target), z, target));
    }
}
