using MnistLab.Analysis;
using MnistLab.Analysis.Information;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Training;

/// <summary>What one layer's local training measured.</summary>
public sealed record LocalLayerStats(int Layer, double[] MiBefore, double[] MiAfter, double MeanMiGradNorm, double MeanRedundancyGradNorm, double[] LossPerEpoch, double Seconds);

/// <summary>
/// Seed 002's rule: for neuron i, L_i = -I(y_i; c) + lambda * sum_{j != i} w_i . w_j, and only w_i, b_i move
/// (plain SGD). Because y_i depends only on row i, the MI gradients of all neurons come from one backward
/// pass of the summed MI; the redundancy gradient of row i is lambda * (S - w_i) with S the sum of all rows.
/// The sequential order, where neuron i sees the rows already moved in this batch, is a linear recurrence
/// in those moves, solved here exactly by one (K x K) lower-triangular matrix product.
/// </summary>
public static class LocalMiRule
{
    /// <summary>
    /// Gradients of -MI with respect to W (K, D) and b (K), and MI per neuron, for one batch. The hard
    /// estimator bins with bucketize, which has no gradient: its MI gradient is exactly zero, as in the seed.
    /// </summary>
    public static (Tensor GradW, Tensor GradB, Tensor Mi) MiGradients(LocalLayer layer, Tensor x, Tensor c, LocalMiOptions o)
    {
        using var scope = NewDisposeScope();
        if (o.Estimator == MiEstimator.Hard)
        {
            using var _ = no_grad();
            var y = layer.call(x);
            var mi = tensor(MutualInformation.Hard(y, c, o.Bins, LabeledImages.Classes));
            return (zeros_like(layer.Weight).MoveToOuterDisposeScope(), zeros_like(layer.Bias).MoveToOuterDisposeScope(), mi.MoveToOuterDisposeScope());
        }
        var w = layer.Weight.detach().requires_grad_(true);
        var b = layer.Bias.detach().requires_grad_(true);
        var ySoft = x.flatten(1).matmul(w.t()) + b; // (B, K)
        var miSoft = MutualInformation.Soft(ySoft, c, o.Bins, LabeledImages.Classes, o.SoftWidth); // (K)
        miSoft.sum().neg().backward();
        return (w.grad!.detach().MoveToOuterDisposeScope(), b.grad!.detach().MoveToOuterDisposeScope(), miSoft.detach().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// One batch of the rule. Returns the Frobenius norms of the MI and redundancy gradient terms and the mean
    /// local loss (-MI_i + lambda * sum_{j != i} w_i . w_j, averaged over neurons, at the weights before the step).
    /// </summary>
    public static (double MiGradNorm, double RedundancyGradNorm, double Loss) Step(LocalLayer layer, Tensor x, Tensor c, LocalMiOptions o)
    {
        using var mix = SequentialMix(layer.Neurons, o);
        return Step(layer, x, c, o, mix);
    }

    /// <summary><see cref="Step(LocalLayer, Tensor, Tensor, LocalMiOptions)"/> with the order's mixing matrix made once per layer, not once per batch.</summary>
    internal static (double MiGradNorm, double RedundancyGradNorm, double Loss) Step(LocalLayer layer, Tensor x, Tensor c, LocalMiOptions o, Tensor? mix)
    {
        using var scope = NewDisposeScope();
        var (gMi, gB, mi) = MiGradients(layer, x, c, o);
        using var _ = no_grad();
        var w = layer.Weight;
        var sum = w.sum(0, keepdim: true);             // S: (1, D)
        var gRed = (sum - w).mul(o.Lambda);             // lambda * (S - w_i): (K, D)
        double redundancy = (w * (sum - w)).sum(1, keepdim: false).mean().item<float>();
        double loss = -mi.to_type(ScalarType.Float64).mean().item<double>() + o.Lambda * redundancy;

        var move = (gMi + gRed).mul(-o.LearningRate); // each row's move if it saw no other move (simultaneous)
        if (mix is not null) move = move - mix.matmul(move).mul(o.LearningRate * o.Lambda);
        w.add_(move);
        layer.Bias.add_(gB.mul(-o.LearningRate));
        return (gMi.norm().item<float>(), gRed.norm().item<float>(), loss);
    }

    /// <summary>
    /// The sequential order's coupling, null for the simultaneous one. Row i also sees the moves d_j of rows
    /// j &lt; i through S: d_i = v_i - a * sum_{j&lt;i} d_j with a = lr * lambda. The prefix sums obey
    /// D_{i+1} = (1 - a) D_i + v_i, so D = M v with M_ij = (1 - a)^(i - 1 - j) for j &lt; i, and d = v - a M v.
    /// </summary>
    internal static Tensor? SequentialMix(int k, LocalMiOptions o)
    {
        if (o.Order != UpdateOrder.Sequential) return null;
        double a = o.LearningRate * o.Lambda;
        var m = new float[k * k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < i; j++)
                m[i * k + j] = (float)Math.Pow(1 - a, i - 1 - j);
        return tensor(m, [k, k]).DetachFromDisposeScope();
    }

    /// <summary>
    /// The seed's inner loop body for one neuron, kept as the plain reference: gradient of L_i with respect
    /// to row i only, SGD step on row i and b_i. <see cref="Step(LocalLayer, Tensor, Tensor, LocalMiOptions)"/> in sequential order equals calling this
    /// for i = 0..K-1.
    /// </summary>
    public static void StepNeuron(LocalLayer layer, Tensor x, Tensor c, int i, LocalMiOptions o)
    {
        using var scope = NewDisposeScope();
        var (gMi, gB, _) = MiGradients(layer, x, c, o);
        using var _ = no_grad();
        var w = layer.Weight;
        var others = w.sum(0, keepdim: false) - w[i]; // not sum(0): a literal 0 binds to sum(ScalarType)
        w[i].add_((gMi[i] + others.mul(o.Lambda)).mul(-o.LearningRate));
        layer.Bias[i].add_(gB[i].mul(-o.LearningRate));
    }

    /// <summary>
    /// Trains one layer on (inputs, labels) for the configured epochs, shuffled by a stream of the run's
    /// <paramref name="seed"/>. With <paramref name="checkpoints"/> it saves its state as <paramref name="name"/> after
    /// every epoch and resumes from it; a cancelled <paramref name="cancel"/> stops it after the current step.
    /// </summary>
    public static LocalLayerStats TrainLayer(LocalLayer layer, LabeledImages data, int index, LocalMiOptions o, IProgressSink progress,
        string? name = null, Checkpointing? checkpoints = null, CancellationToken cancel = default, IEpochObserver? observer = null, long seed = 0)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double[] before = MiOn(layer, data, o.Bins);
        using var training = new LocalLayerTraining(layer, data, index, o, name ?? $"layer{index}", seed);
        TrainingLoop.Run(training, checkpoints, progress, cancel, observer);
        var run = training.State;
        return new LocalLayerStats(index, before, MiOn(layer, data, o.Bins), run.MiNorm / run.Steps, run.RedNorm / run.Steps, run.Losses.ToArray(), clock.Elapsed.TotalSeconds);
    }

    /// <summary>Hard-binned MI of every neuron over the whole set in one pass.</summary>
    public static double[] MiOn(LocalLayer layer, LabeledImages data, Binning bins)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return MutualInformation.Hard(layer.call(data.Images), data.Labels, bins, LabeledImages.Classes);
    }

    /// <summary>The layer's outputs for every item, as a new set with the same labels (the next layer's input).</summary>
    public static LabeledImages Encode(LocalLayer layer, LabeledImages data, string name)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return new LabeledImages(layer.call(data.Images), data.Labels.clone(), name);
    }
}

/// <summary>Running sums of a layer's training, kept in its checkpoint so a resumed layer reports the same figures.</summary>
public sealed record LayerProgress(double MiNorm, double RedNorm, int Steps, List<double> Losses);

/// <summary>One greedy layer of the local rule: plain SGD steps of <see cref="LocalMiRule"/>, shuffled by its own seeded stream.</summary>
public sealed class LocalLayerTraining : EpochTraining<LayerProgress>
{
    readonly LocalLayer _layer;
    readonly LabeledImages _data;
    readonly int _index;
    readonly LocalMiOptions _o;
    readonly Generator _shuffle;
    readonly Tensor? _mix;
    double _lossSum;
    int _n;

    public LocalLayerTraining(LocalLayer layer, LabeledImages data, int index, LocalMiOptions o, string name, long seed = 0)
        : base(name, o.EpochsPerLayer, o, layer)
    {
        (_layer, _data, _index, _o) = (layer, data, index, o);
        _shuffle = Stream("shuffle", seed);
        _mix = LocalMiRule.SequentialMix(layer.Neurons, o);
    }

    public override LayerProgress State { get; set; } = new(0, 0, 0, []);

    public override int StepsPerEpoch => Batches.CountOf(_data.Count, _o.BatchSize);

    public override string Describe(int epoch) =>
        $"layer {_index} ({_o.Estimator.ToString().ToLowerInvariant()} MI, {_o.Order.ToString().ToLowerInvariant()}) epoch {epoch}/{Epochs}";

    public override string Status => $"local loss {_lossSum / Math.Max(_n, 1):F4}";

    public override IEnumerable<double> Epoch(int epoch)
    {
        (_lossSum, _n) = (0, 0);
        foreach (var (x, y) in Batches.Of(_data, _o.BatchSize, _shuffle))
        {
            var (gm, gr, loss) = LocalMiRule.Step(_layer, x, y, _o, _mix);
            State = State with { MiNorm = State.MiNorm + gm, RedNorm = State.RedNorm + gr, Steps = State.Steps + 1 };
            _lossSum += loss;
            _n++;
            yield return loss;
        }
    }

    public override void EndEpoch(int epoch, IProgressSink progress) => State.Losses.Add(_lossSum / _n);

    public override void Dispose()
    {
        _mix?.Dispose();
        base.Dispose();
    }
}
