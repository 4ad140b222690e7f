using System.Diagnostics;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Training;

/// <summary>
/// Mini-batch training of a classifier with Adam, as seed 003's <c>run_experiment</c>: per epoch the
/// mean training loss and accuracy (over the batches as they were trained) and, when given, the
/// validation loss and accuracy. Each step runs in the dispose scope of its batch, which keeps native memory flat.
/// Given a <see cref="Checkpointing"/>, it saves its whole state after every epoch under <c>name</c> and, when
/// resuming, continues after the last saved epoch.
/// </summary>
public static class Trainer
{
    /// <summary>Extra differentiable term added to each step's loss (for example a regulariser).</summary>
    public delegate Tensor LossTerm(Module<Tensor, Tensor> model);

    /// <summary>
    /// Trains <paramref name="model"/>; its shuffle (and a stochastic model's noise) are streams of the run's
    /// <paramref name="seed"/> named after the training (<see cref="Seeds"/>).
    /// </summary>
    public static TrainingHistory Train(
        Module<Tensor, Tensor> model,
        LabeledImages train,
        LabeledImages? validation,
        LossKind loss,
        TrainOptions options,
        IProgressSink? progress = null,
        string name = "model",
        LossTerm? extraLoss = null,
        Checkpointing? checkpoints = null,
        CancellationToken cancel = default,
        IEpochObserver? observer = null,
        long seed = 0)
    {
        options.Validated();
        using var training = new ClassifierTraining(model, train, validation, loss, options, name, extraLoss, seed);
        TrainingLoop.Run(training, checkpoints, progress, cancel, observer);
        return TrainingHistory.From(training.State);
    }
}

/// <summary>The classifier's step: Adam on the loss (plus an optional term), shuffled by its own seeded stream.</summary>
public sealed class ClassifierTraining : EpochTraining<List<EpochMetrics>>
{
    readonly Module<Tensor, Tensor> _model;
    readonly LabeledImages _train;
    readonly LabeledImages? _validation;
    readonly LossKind _loss;
    readonly TrainOptions _options;
    readonly Trainer.LossTerm? _extra;
    readonly Generator _shuffle;
    readonly Stopwatch _clock = new();
    double _lossSum;
    long _correct, _seen;

    public ClassifierTraining(Module<Tensor, Tensor> model, LabeledImages train, LabeledImages? validation, LossKind loss,
        TrainOptions options, string name, Trainer.LossTerm? extraLoss = null, long seed = 0)
        : base(name, options.Epochs, options, model)
    {
        (_model, _train, _validation, _loss, _options, _extra) = (model, train, validation, loss, options, extraLoss);
        Optimizer = optim.Adam(model.parameters(), options.LearningRate, weight_decay: options.WeightDecay);
        _shuffle = Stream("shuffle", seed);
        if (model is IStochastic stochastic) stochastic.Noise = Stream("noise", seed);
    }

    public override List<EpochMetrics> State { get; set; } = [];

    public override int StepsPerEpoch => Batches.CountOf(_train.Count, _options.BatchSize);

    public override string Status => $"loss {_lossSum / _seen:F4}  acc {(double)_correct / _seen:F4}  {_seen / _clock.Elapsed.TotalSeconds:N0} img/s";

    public override IEnumerable<double> Epoch(int epoch)
    {
        _model.train();
        _clock.Restart();
        (_lossSum, _correct, _seen) = (0, 0, 0);
        var optimizer = Optimizer!;
        foreach (var (x, y) in Batches.Of(_train, _options.BatchSize, _shuffle))
        {
            optimizer.zero_grad();
            var logits = _model.call(x);
            var batchLoss = Losses.Compute(_loss, logits, y);
            var objective = _extra is null ? batchLoss : batchLoss + _extra(_model);
            objective.backward();
            optimizer.step();

            float value = objective.item<float>();
            long n = y.shape[0];
            _lossSum += value * n;
            _correct += logits.argmax(1).eq(y).sum().item<long>();
            _seen += n;
            yield return value;
        }
        _clock.Stop();
    }

    public override void EndEpoch(int epoch, IProgressSink progress)
    {
        double trainSeconds = _clock.Elapsed.TotalSeconds;
        _clock.Start(); // the epoch's time includes its validation pass; its throughput does not
        EvaluationResult? val = _validation is null ? null : Evaluation.Run(_model, _validation, _loss, _options.EvalBatchSize);
        State.Add(new EpochMetrics(epoch, _lossSum / _seen, (double)_correct / _seen, val?.Loss, val?.Accuracy, _clock.Elapsed.TotalSeconds, _seen / trainSeconds));
        progress.Info($"{Name} epoch {epoch}: train loss {_lossSum / _seen:F4} acc {(double)_correct / _seen:F4}" +
            (val is null ? "" : $", val loss {val.Loss:F4} acc {val.Accuracy:F4}") + $" ({trainSeconds:F1} s, {_seen / trainSeconds:N0} img/s)");
    }
}
