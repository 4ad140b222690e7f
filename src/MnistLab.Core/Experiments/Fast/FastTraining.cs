using System.Diagnostics;
using MnistLab.Data;
using MnistLab.Models;
using MnistLab.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Experiments.Fast;

/// <summary>Test accuracy after <paramref name="Epochs"/> epochs of training (a fraction within one), reached after <paramref name="TrainSeconds"/> of training.</summary>
public sealed record CurvePoint(double Epochs, double TrainSeconds, double TestAcc);

/// <summary>What one seed's training has measured so far; saved after each epoch, so a resumed run keeps its first clock.</summary>
public sealed record FastProgress(IReadOnlyList<CurvePoint> Curve, double TrainSeconds);

/// <summary>
/// One training of the speed run: Adam under a one-cycle schedule on shuffled batches of the in-memory training set,
/// the test accuracy measured at evenly spaced steps with the clock stopped. The clock covers every step: the batch
/// gather, forward, backward, optimiser and schedule.
/// </summary>
public sealed class FastTraining : EpochTraining<FastProgress>
{
    readonly FastCnn _model;
    readonly LabeledImages _train, _test;
    readonly FastOptions _options;
    readonly Generator _shuffle;
    readonly optim.lr_scheduler.LRScheduler _schedule;
    readonly Stopwatch _clock = new();
    int _scheduled;

    public FastTraining(FastCnn model, LabeledImages train, LabeledImages test, FastOptions options, long seed)
        : base($"cnn seed {seed}", options.Epochs, options, model)
    {
        (_model, _train, _test, _options) = (model, train, test, options);
        var adam = optim.Adam(model.parameters(), options.MaxLearningRate, beta1: options.Beta1, beta2: options.Beta2);
        Optimizer = adam;
        _schedule = optim.lr_scheduler.OneCycleLR(adam, options.MaxLearningRate, total_steps: StepsPerEpoch * options.Epochs, cycle_momentum: false);
        _shuffle = Stream("shuffle", seed);
    }

    public override FastProgress State { get; set; } = new([], 0);

    public override int StepsPerEpoch => Batches.CountOf(_train.Count, _options.BatchSize);

    /// <summary>The learning rate of the next step.</summary>
    public double LearningRate => Optimizer!.ParamGroups.First().LearningRate;

    public override IEnumerable<double> Epoch(int epoch)
    {
        // A resumed training starts the schedule where the saved epochs left it.
        for (; _scheduled < (epoch - 1) * StepsPerEpoch; _scheduled++) _schedule.step();
        var evalAt = Enumerable.Range(1, _options.EvalsPerEpoch).Select(j => (int)Math.Round((double)j * StepsPerEpoch / _options.EvalsPerEpoch)).ToHashSet();
        var curve = State.Curve.ToList();
        var optimizer = Optimizer!;
        _model.train();
        _clock.Restart();
        int step = 0;
        foreach (var (x, y) in Batches.Of(_train, _options.BatchSize, _shuffle))
        {
            optimizer.zero_grad();
            var loss = functional.cross_entropy(_model.call(x), y);
            loss.backward();
            optimizer.step();
            _schedule.step();
            _scheduled++;
            float value = loss.item<float>();
            if (evalAt.Contains(++step))
            {
                _clock.Stop();
                double acc = Evaluation.Run(_model, _test, LossKind.CrossEntropy, 1000).Accuracy;
                curve.Add(new CurvePoint(epoch - 1 + (double)step / StepsPerEpoch, State.TrainSeconds + _clock.Elapsed.TotalSeconds, acc));
                _clock.Start();
            }
            yield return value;
        }
        _clock.Stop();
        State = new FastProgress(curve, State.TrainSeconds + _clock.Elapsed.TotalSeconds);
    }
}
