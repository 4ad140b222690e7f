using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Training;

/// <summary>
/// Trains a <see cref="Vae"/> with Adam on the seed's loss; returns the mean loss per image of each epoch. A cancelled
/// <c>cancel</c> stops it after the current step (the last epoch's checkpoint stays).
/// </summary>
public static class VaeTrainer
{
    public const string Name = "vae";

    /// <summary>Trains <paramref name="model"/>; its shuffle and noise are streams of the run's <paramref name="seed"/>.</summary>
    public static double[] Train(Vae model, LabeledImages data, double beta, TrainOptions options, IProgressSink? progress = null,
        Checkpointing? checkpoints = null, CancellationToken cancel = default, long seed = 0)
    {
        options.Validated();
        using var training = new VaeTraining(model, data, beta, options, seed);
        TrainingLoop.Run(training, checkpoints, progress, cancel);
        return [.. training.State];
    }

    /// <summary>Latent means (N, d) in float64 of every image, in eval mode without gradients.</summary>
    public static double[,] LatentMeans(Vae model, LabeledImages data)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        bool wasTraining = model.training;
        model.eval();
        try { return TensorData.Matrix(model.Encode(data.Images).Mu); }
        finally { model.train(wasTraining); }
    }
}

/// <summary>The VAE's step: Adam (with the options' weight decay) on BCE + beta KL, noise from its own seeded stream.</summary>
public sealed class VaeTraining : EpochTraining<List<double>>
{
    readonly Vae _model;
    readonly LabeledImages _data;
    readonly double _beta;
    readonly TrainOptions _options;
    readonly Generator _shuffle, _noise;
    double _sum;
    int _seen;

    public VaeTraining(Vae model, LabeledImages data, double beta, TrainOptions options, long seed = 0)
        : base(VaeTrainer.Name, options.Epochs, new { options, beta }, model)
    {
        (_model, _data, _beta, _options) = (model, data, beta, options);
        Optimizer = optim.Adam(model.parameters(), options.LearningRate, weight_decay: options.WeightDecay);
        _shuffle = Stream("shuffle", seed);
        _noise = Stream("noise", seed);
    }

    /// <summary>The mean loss per image of each finished epoch.</summary>
    public override List<double> State { get; set; } = [];

    public override int StepsPerEpoch => Batches.CountOf(_data.Count, _options.BatchSize);

    public override string Describe(int epoch) => $"VAE epoch {epoch}/{Epochs}";

    public override string Status => $"loss/image {_sum / _seen:F2}";

    public override IEnumerable<double> Epoch(int epoch)
    {
        _model.train();
        (_sum, _seen) = (0, 0);
        var optimizer = Optimizer!;
        foreach (var (x, _) in Batches.Of(_data, _options.BatchSize, _shuffle))
        {
            optimizer.zero_grad();
            var loss = _model.Loss(x, _beta, _noise);
            loss.backward();
            optimizer.step();
            float value = loss.item<float>();
            _sum += value;
            _seen += (int)x.shape[0];
            yield return value;
        }
    }

    public override void EndEpoch(int epoch, IProgressSink progress)
    {
        State.Add(_sum / _data.Count);
        progress.Info($"VAE epoch {epoch}: loss per image {State[^1]:F2}");
    }
}
