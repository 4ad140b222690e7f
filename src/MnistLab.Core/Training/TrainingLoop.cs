using MnistLab.Common;

namespace MnistLab.Training;

/// <summary>
/// The one training loop: resume from the last checkpoint, run the epochs with progress, stop on a loss that is
/// not finite, save a checkpoint after every epoch. A resumed training restores weights, optimiser state,
/// generator states and the training's own state, so it ends with the numbers of an uninterrupted one. An optional
/// observer sees the model after each epoch's checkpoint (epochs restored from a checkpoint are not seen again).
/// </summary>
public static class TrainingLoop
{
    public static void Run<TState>(EpochTraining<TState> training, Checkpointing? checkpoints, IProgressSink? progress = null, CancellationToken cancel = default,
        IEpochObserver? observer = null)
    {
        progress ??= ProgressSink.None;
        int first = 1;
        if (checkpoints?.Resumable(training.Name, training.Epochs) is { } saved)
        {
            saved.Restore(training.Model, training.Optimizer, training.Generators);
            training.State = saved.State<TState>();
            first = saved.Header.Epoch + 1;
            progress.Info(saved.ResumeMessage);
        }
        for (int epoch = first; epoch <= training.Epochs; epoch++)
        {
            int step = 0;
            using (var task = progress.Start(training.Describe(epoch), training.StepsPerEpoch))
            {
                foreach (double loss in training.Epoch(epoch))
                {
                    step++;
                    if (!double.IsFinite(loss)) throw NonFinite(training.Name, loss, epoch, step, checkpoints);
                    task.Advance(1, training.Status);
                    cancel.ThrowIfCancellationRequested();
                }
            }
            training.EndEpoch(epoch, progress);
            checkpoints?.Save(new TrainingState(training.Name, epoch, training.Epochs, training.Options, training.State!),
                training.Model, training.Optimizer, training.Generators);
            observer?.EndOfEpoch(training.Name, epoch, training.Model);
        }
    }

    /// <summary>The error for a loss that is NaN or infinite: where it happened and which checkpoint is still good.</summary>
    internal static MnistLabException NonFinite(string name, double value, int epoch, int step, Checkpointing? checkpoints) =>
        new($"{name}: the loss became {value} at epoch {epoch}, step {step}; lower the learning rate or check the data." +
            (checkpoints is not null && epoch > 1 ? $" The checkpoint of epoch {epoch - 1} is kept: {checkpoints.PathOf(name)}." : ""));
}
