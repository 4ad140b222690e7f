using System.Diagnostics;
using MnistLab.Common;
using MnistLab.Data;
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
        CancellationToken cancel = default)
    {
        options.Validated();
        progress ??= ProgressSink.None;
        var history = new TrainingHistory();
        using var optimizer = optim.Adam(model.parameters(), options.LearningRate, weight_decay: options.WeightDecay);
        using var shuffle = TorchSetup.Generator(options.Seed);
        var generators = new Dictionary<string, Generator> { ["shuffle"] = shuffle };
        int steps = Batches.CountOf(train.Count, options.BatchSize);

        // Resume: weights, Adam's moments and the shuffle's state as they were after the saved epoch, so the
        // remaining epochs see the same batches and end with the same numbers as an uninterrupted run.
        int first = 1;
        if (checkpoints?.Resumable(name, options.Epochs) is { } saved)
        {
            saved.Restore(model, optimizer, generators);
            history = TrainingHistory.From(saved.State<List<EpochMetrics>>());
            first = saved.Header.Epoch + 1;
            progress.Info(saved.ResumeMessage);
        }

        for (int epoch = first; epoch <= options.Epochs; epoch++)
        {
            model.train();
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            long correct = 0, seen = 0;
            int step = 0;
            using (var task = progress.Start($"{name} epoch {epoch}/{options.Epochs}", steps))
            {
                foreach (var (x, y) in Batches.Of(train, options.BatchSize, shuffle))
                {
                    cancel.ThrowIfCancellationRequested();
                    step++;
                    optimizer.zero_grad();
                    var logits = model.call(x);
                    var batchLoss = Losses.Compute(loss, logits, y);
                    var objective = extraLoss is null ? batchLoss : batchLoss + extraLoss(model);
                    objective.backward();
                    optimizer.step();

                    float value = objective.item<float>();
                    if (!float.IsFinite(value))
                        throw NonFinite(name, value, epoch, step, checkpoints);
                    long n = y.shape[0];
                    lossSum += value * n;
                    correct += logits.argmax(1).eq(y).sum().item<long>();
                    seen += n;
                    if (step % 20 == 0 || step == steps)
                        task.Advance(step % 20 == 0 ? 20 : step % 20,
                            $"loss {lossSum / seen:F4}  acc {(double)correct / seen:F4}  {seen / clock.Elapsed.TotalSeconds:N0} img/s");
                }
            }
            double trainSeconds = clock.Elapsed.TotalSeconds;
            EvaluationResult? val = validation is null ? null : Evaluation.Run(model, validation, loss, options.EvalBatchSize);
            history.Add(new EpochMetrics(epoch, lossSum / seen, (double)correct / seen, val?.Loss, val?.Accuracy,
                clock.Elapsed.TotalSeconds, seen / trainSeconds));
            progress.Info($"{name} epoch {epoch}: train loss {lossSum / seen:F4} acc {(double)correct / seen:F4}" +
                (val is null ? "" : $", val loss {val.Loss:F4} acc {val.Accuracy:F4}") + $" ({trainSeconds:F1} s, {seen / trainSeconds:N0} img/s)");
            checkpoints?.Save(new TrainingState(name, epoch, options.Epochs, options, history.Epochs), model, optimizer, generators);
        }
        return history;
    }

    /// <summary>The error for a loss that is NaN or infinite: where it happened and which checkpoint is still good.</summary>
    internal static MnistLabException NonFinite(string name, float value, int epoch, int step, Checkpointing? checkpoints) =>
        new($"{name}: the loss became {value} at epoch {epoch}, step {step}; lower --lr or check the data." +
            (checkpoints is not null && epoch > 1 ? $" The checkpoint of epoch {epoch - 1} is kept: {checkpoints.PathOf(name)}." : ""));
}
