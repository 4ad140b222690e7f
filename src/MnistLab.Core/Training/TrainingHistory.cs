namespace MnistLab.Training;

/// <summary>What one epoch measured. Validation figures are null when no validation set was given.</summary>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double TrainAcc, double? ValLoss, double? ValAcc, double Seconds, double ImagesPerSecond);

/// <summary>Per-epoch curves of one training run, in the shape the reports write them.</summary>
public sealed class TrainingHistory
{
    readonly List<EpochMetrics> _epochs = [];

    public IReadOnlyList<EpochMetrics> Epochs => _epochs;
    public IReadOnlyList<double> TrainLoss => _epochs.Select(e => e.TrainLoss).ToList();
    public IReadOnlyList<double> TrainAcc => _epochs.Select(e => e.TrainAcc).ToList();
    public IReadOnlyList<double> ValLoss => _epochs.Select(e => e.ValLoss ?? double.NaN).ToList();
    public IReadOnlyList<double> ValAcc => _epochs.Select(e => e.ValAcc ?? double.NaN).ToList();
    public double Seconds => _epochs.Sum(e => e.Seconds);

    internal void Add(EpochMetrics metrics) => _epochs.Add(metrics);

    /// <summary>A history that continues from saved epochs (a resumed training).</summary>
    public static TrainingHistory From(IEnumerable<EpochMetrics> epochs)
    {
        var history = new TrainingHistory();
        history._epochs.AddRange(epochs);
        return history;
    }
}
