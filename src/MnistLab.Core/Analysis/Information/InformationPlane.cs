using MnistLab.Common;
using MnistLab.Models;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Information;

/// <summary>
/// How an information plane measures each layer T at each epoch, on a fixed set of images X with labels Y. T is binned
/// per unit (equal-width bins on the layer's own range at that epoch, 30 by default, as Shwartz-Ziv and Tishby 2017 and
/// Saxe et al. 2018 bin); I(T; X) is then H(binned T), since a deterministic network's binned layer is a function of the
/// image; I(T; Y) is given twice: the same binned plug-in estimate, and the probe bound (H(Y) minus a logistic probe's
/// held-out cross-entropy), which does not saturate when every image falls in its own bin pattern.
/// </summary>
public sealed record PlaneOptions
{
    /// <summary>The first this many images of the set given (test images in the lab's experiments).</summary>
    public int Images { get; init; } = 2000;
    public Binning Binning { get; init; } = Binning.WidthOfData(30);
    public int Bootstrap { get; init; } = 100;
    public double ProbeLambda { get; init; } = 1e-3;

    public PlaneOptions Validated()
    {
        Require.InRange(Images, 10, 1_000_000, $"{nameof(PlaneOptions)}.{nameof(PlaneOptions.Images)}");
        Binning.Validated();
        Require.InRange(Bootstrap, 0, 100_000, $"{nameof(PlaneOptions)}.{nameof(PlaneOptions.Bootstrap)}");
        Require.Positive(ProbeLambda, $"{nameof(PlaneOptions)}.{nameof(PlaneOptions.ProbeLambda)}");
        return this;
    }
}

/// <summary>
/// One layer at one epoch (0 = before training): I(T; X), I(T; Y) binned and I(T; Y) by the probe bound, in nats.
/// <see cref="Saturated"/>: more than half of the images have a bin pattern of their own, so H(binned T) is only a lower
/// bound (it cannot exceed log N) and has no interval (Low = the estimate, High = NaN); the binned I(T; Y) is then near H(Y).
/// </summary>
public sealed record PlanePoint(string Training, string Layer, int Epoch, MiResult TX, MiResult TYBinned, MiResult TYProbe, bool Saturated);

/// <summary>
/// Records the information plane of trainings as they run: <see cref="Watch"/> names a training, the images it reads
/// and the points to measure, and measures them at once (epoch 0); as an <see cref="IEpochObserver"/> it measures them
/// again after every epoch. Its resamples are streams of the run's seed it is given. Owns copies of the inputs it was given.
/// </summary>
public sealed class InformationPlane : IEpochObserver, IDisposable
{
    readonly PlaneOptions _options;
    readonly long _seed;
    readonly Variable _labels;
    readonly Dictionary<string, (Tensor Input, IReadOnlyList<string> Points)> _watched = [];
    readonly List<PlanePoint> _points = [];
    readonly System.Diagnostics.Stopwatch _clock = new();

    public InformationPlane(PlaneOptions options, long[] labels, long seed = 0)
    {
        _options = options.Validated();
        _seed = seed;
        _labels = Variable.Labels(labels.Take(options.Images).ToArray());
    }

    public PlaneOptions Options => _options;
    public IReadOnlyList<PlanePoint> Points => _points;

    /// <summary>Seconds spent measuring so far (the plane's cost on top of the trainings).</summary>
    public double Seconds => _clock.Elapsed.TotalSeconds;

    /// <summary>Measures <paramref name="points"/> of <paramref name="model"/> (training <paramref name="training"/>) now and after each of its epochs.</summary>
    public void Watch(string training, nn.Module model, Tensor input, IReadOnlyList<string> points)
    {
        var kept = input.narrow(0, 0, Math.Min(input.shape[0], _labels.Count)).clone().DetachFromDisposeScope();
        if (kept.shape[0] != _labels.Count) throw new ArgumentException($"{training}: {kept.shape[0]} inputs for {_labels.Count} labels.");
        _watched[training] = (kept, points);
        EndOfEpoch(training, 0, model);
    }

    public void EndOfEpoch(string training, int epoch, nn.Module model)
    {
        if (!_watched.TryGetValue(training, out var w)) return;
        _clock.Start();
        try { Measure(training, epoch, model, w.Input, w.Points); }
        finally { _clock.Stop(); }
    }

    void Measure(string training, int epoch, nn.Module model, Tensor input, IReadOnlyList<string> points)
    {
        using var scope = NewDisposeScope();
        using var cache = Activations.Run((nn.Module<Tensor, Tensor>)model, input, points);
        foreach (var point in points)
        {
            var t = cache[point].flatten(1).to_type(ScalarType.Float32).contiguous();
            var layer = Variable.Continuous(t.data<float>().ToArray(), (int)t.shape[1]);
            var seed = (long)(Seeds.Derive(_seed, $"plane/{training}/{point}/{epoch}") >> 1);
            var o = new MiOptions { Binning = _options.Binning, Bootstrap = _options.Bootstrap, Null = 0, ProbeLambda = _options.ProbeLambda, Seed = seed };
            var (tx, saturated) = Entropy(layer, o);
            _points.Add(new PlanePoint(training, point, epoch, tx, MiEstimate.Compute(layer, _labels, o),
                MiEstimate.Compute(layer, _labels, o with { Estimator = Estimators.Probe }), saturated));
        }
    }

    /// <summary>H(binned T) with its bootstrap interval (I(T; X) when T is a function of the image), and whether it saturates.</summary>
    static (MiResult Entropy, bool Saturated) Entropy(Variable layer, MiOptions o)
    {
        var codes = BinCodes.Of(layer, o.Binning);
        double H(IEnumerable<int> rows)
        {
            var counts = new int[codes.Distinct];
            int n = 0;
            foreach (int i in rows) { counts[codes.Codes[i]]++; n++; }
            return Contingency.Entropy(counts, n);
        }
        double h = H(Enumerable.Range(0, layer.Count));
        int alone = codes.Codes.GroupBy(c => c).Count(g => g.Count() == 1);
        if (alone * 2 > layer.Count) return (new MiResult("binned entropy", h, h, double.NaN, double.NaN, layer.Count, 0, 0), true);
        var fit = new MiFit(h, h, rows => H(rows), _ => double.NaN, layer.Count);
        return (MiEstimate.Summarise("binned entropy", fit, layer.Count, o), false);
    }

    public void Dispose()
    {
        foreach (var (input, _) in _watched.Values) input.Dispose();
        _watched.Clear();
    }
}
