using System.Diagnostics;
using MnistLab.Common;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Dictionaries;

/// <summary>What a dictionary's training saves after each epoch and continues from: its curves and each feature's silence.</summary>
public sealed record DictionaryProgress
{
    /// <summary>Mean objective per row of each finished epoch.</summary>
    public List<double> Loss { get; init; } = [];

    /// <summary>Mean squared reconstruction error per row (summed over the inputs, on the scaled inputs) of each finished epoch.</summary>
    public List<double> Reconstruction { get; init; } = [];

    /// <summary>Mean active features per training row of each finished epoch.</summary>
    public List<double> L0 { get; init; } = [];

    /// <summary>For each feature, the training rows since it last fired (what makes it dead for TopK's auxiliary loss).</summary>
    public long[] SinceFired { get; init; } = [];
}

/// <summary>
/// A sparse autoencoder's training as <see cref="TrainingLoop"/> runs it: Adam on the kind's loss over the training rows,
/// read chunk by chunk from the source (items in an order drawn from the stream "shuffle", the rows of a chunk shuffled
/// again, so a conv point's positions of one image do not arrive together), the inputs multiplied by the scale.
/// </summary>
public sealed class DictionaryTraining : EpochTraining<DictionaryProgress>
{
    public const string TrainingName = "dictionary";

    /// <summary>Steps drawn from one chunk of items read from the model: large enough to amortise a model's forward pass.</summary>
    const int StepsPerChunk = 16;

    readonly SparseAutoencoder _sae;
    readonly IActivationRows _source;
    readonly DictionaryOptions _options;
    readonly double _scale;
    readonly Generator _shuffle;
    readonly Tensor _sinceFired;
    readonly Stopwatch _clock = new();
    double _lossSum, _errorSum, _activeSum;
    long _rows;

    public DictionaryTraining(SparseAutoencoder sae, IActivationRows source, DictionaryOptions options, double scale, long seed)
        : base(TrainingName, options.Epochs, options, sae)
    {
        (_sae, _source, _options, _scale) = (sae, source, options, scale);
        Optimizer = optim.Adam(sae.parameters(), options.LearningRate);
        _shuffle = Stream("shuffle", seed);
        _sinceFired = zeros(sae.Width, dtype: ScalarType.Int64).DetachFromDisposeScope();
    }

    /// <summary>Training items per chunk.</summary>
    public int ChunkItems => Math.Clamp((int)Math.Ceiling((double)StepsPerChunk * _options.BatchSize / _source.RowsPerItem), 1, _source.TrainItems);

    DictionaryProgress _state = new();

    public override DictionaryProgress State
    {
        get => _state with { SinceFired = _sinceFired.data<long>().ToArray() };
        set
        {
            if (value.SinceFired.Length == _sae.Width)
                using (var saved = tensor(value.SinceFired)) _sinceFired.copy_(saved);
            _state = value;
        }
    }

    public override int StepsPerEpoch
    {
        get
        {
            int steps = 0, chunk = ChunkItems;
            for (int start = 0; start < _source.TrainItems; start += chunk)
                steps += Batches(Math.Min(chunk, _source.TrainItems - start) * (long)_source.RowsPerItem);
            return steps;
        }
    }

    int Batches(long rows) => (int)((rows + _options.BatchSize - 1) / _options.BatchSize);

    public override string Describe(int epoch) => $"{_options.Kind} dictionary epoch {epoch}/{Epochs}";

    public override string Status => _rows == 0 ? "" :
        $"loss {_lossSum / _rows:G4}  L0 {_activeSum / _rows:F1}  {_rows / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9):N0} rows/s";

    public override IEnumerable<double> Epoch(int epoch)
    {
        _sae.train();
        _clock.Restart();
        (_lossSum, _errorSum, _activeSum, _rows) = (0, 0, 0, 0);
        var optimizer = Optimizer!;
        using var order = randperm(_source.TrainItems, generator: _shuffle, dtype: ScalarType.Int64);
        int chunk = ChunkItems;
        for (int start = 0; start < _source.TrainItems; start += chunk)
        {
            using var chunkScope = NewDisposeScope();
            Tensor rows;
            using (no_grad()) rows = _source.TrainRows(order.narrow(0, start, Math.Min(chunk, _source.TrainItems - start))) * _scale;
            long n = rows.shape[0];
            var shuffled = randperm(n, generator: _shuffle, dtype: ScalarType.Int64);
            for (long first = 0; first < n; first += _options.BatchSize)
            {
                using var step = NewDisposeScope();
                var x = rows.index_select(0, shuffled.narrow(0, first, Math.Min(_options.BatchSize, n - first)));
                optimizer.zero_grad();
                using var dead = _sinceFired.ge(_options.DeadRows);
                var loss = _sae.Loss(x, dead);
                loss.Loss.backward();
                if (_options.UnitNormDecoder) _sae.RemoveParallelGradient();
                optimizer.step();
                if (_options.UnitNormDecoder) _sae.NormalizeDecoder();

                long m = x.shape[0];
                double value = loss.Loss.item<float>();
                using (no_grad())
                {
                    var active = loss.Codes.gt(0);
                    _sinceFired.add_(m).masked_fill_(active.any(0, keepdim: false), 0);
                    _activeSum += active.sum().item<long>();
                }
                _lossSum += value * m;
                _errorSum += loss.Reconstruction.item<float>() * m;
                _rows += m;
                yield return value;
            }
        }
        _clock.Stop();
    }

    public override void EndEpoch(int epoch, IProgressSink progress)
    {
        _state.Loss.Add(_lossSum / _rows);
        _state.Reconstruction.Add(_errorSum / _rows);
        _state.L0.Add(_activeSum / _rows);
        long dead = _sinceFired.ge(_options.DeadRows).sum().item<long>();
        progress.Info($"{_options.Kind} dictionary epoch {epoch}: loss {_state.Loss[^1]:G4}, reconstruction {_state.Reconstruction[^1]:G4}, L0 {_state.L0[^1]:F1}, " +
                      $"{dead} features silent for {_options.DeadRows:N0} rows ({_rows / _clock.Elapsed.TotalSeconds:N0} rows/s)");
    }

    public override void Dispose()
    {
        _sinceFired.Dispose();
        base.Dispose();
    }
}
