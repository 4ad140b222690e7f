using System.Diagnostics;
using MnistLab.Common;

namespace MnistLab.Data;

/// <summary>Where the rotated digits come from: LISA's .amat files (a folder or .zip), or generated from MNIST.</summary>
public sealed record RotatedData
{
    /// <summary>A folder or .zip with LISA's mnist_all_background_images_rotation_normalized_{train_valid,test}.amat; null generates.</summary>
    public string? Amat { get; init; }

    /// <summary>Transpose each .amat image (LISA's files are stored transposed relative to MNIST).</summary>
    public bool Transpose { get; init; }

    /// <summary>How to generate them when <see cref="Amat"/> is null.</summary>
    public RotBackOptions Generate { get; init; } = new();

    public RotatedData Validated()
    {
        Generate.Validated();
        Require.That(Amat is null || File.Exists(Amat) || Directory.Exists(Amat), "RotatedData.Amat", $"{Amat}: no such file or folder.");
        Require.That(Amat is not null || !Transpose, "RotatedData.Transpose", "applies to .amat files only.");
        return this;
    }
}

/// <summary>
/// The data of a session: MNIST, located, verified and loaded once on first use, and the rotated digits built from
/// it or read from LISA's files, once per source. Experiments ask it for what they need; each load's provenance
/// (what was read, its hashes) goes with the data.
/// </summary>
public sealed class LabData : IDisposable
{
    readonly MnistSource? _source;
    readonly Action<string>? _log;
    readonly bool _ownsMnist;
    Mnist? _mnist;
    readonly Dictionary<RotatedData, (RotBack Data, DataProvenance Provenance)> _rotated = [];

    LabData(MnistSource? source, Mnist? mnist, Action<string>? log, bool ownsMnist)
    {
        (_source, _mnist, _log, _ownsMnist) = (source, mnist, log, ownsMnist);
    }

    /// <summary>MNIST from <paramref name="source"/>, loaded (and checked against the originals) when first needed.</summary>
    public static LabData From(MnistSource source, Action<string>? log = null) => new(source, null, log, ownsMnist: true);

    /// <summary>MNIST already in memory (of any origin: its provenance says what it is); the caller keeps owning it.</summary>
    public static LabData Of(Mnist mnist) => new(null, mnist, null, ownsMnist: false);

    /// <summary>Seconds spent locating, reading, verifying and generating data so far.</summary>
    public double LoadSeconds { get; private set; }

    public Mnist Mnist
    {
        get
        {
            if (_mnist is not null) return _mnist;
            var clock = Stopwatch.StartNew();
            var files = MnistLocator.Locate(_source!, _log);
            _mnist = Mnist.LoadVerified(files);
            LoadSeconds += clock.Elapsed.TotalSeconds;
            _log?.Invoke($"MNIST: {_mnist.Train.Count:N0} train + {_mnist.Test.Count:N0} test images from {Path.GetDirectoryName(files.TrainImages)}");
            return _mnist;
        }
    }

    /// <summary>The rotated digits of <paramref name="options"/>, with what they were read or generated from.</summary>
    public (RotBack Data, DataProvenance Provenance) Rotated(RotatedData options, IProgressSink? progress = null)
    {
        if (_rotated.TryGetValue(options, out var cached)) return cached;
        var clock = Stopwatch.StartNew();
        (RotBack, DataProvenance) loaded;
        if (options.Amat is { } path)
        {
            var (tv, test) = Amat.Load(path, options.Transpose);
            var files = File.Exists(path) ? [path] : new[] { Amat.TrainValidName, Amat.TestName }.Select(n => Path.Combine(path, n));
            loaded = (new RotBack(tv, test, "amat"), DataProvenance.OfFiles("rot-back (LISA .amat)", files) with { Generator = options });
        }
        else
        {
            var data = RotBack.Generate(Mnist, options.Generate, progress: progress);
            _log?.Invoke($"rot-back (generated): {data.TrainValid.Count:N0} train+valid, {data.Test.Count:N0} test");
            loaded = (data, Mnist.Provenance with { Name = "rot-back (generated from MNIST)", Generator = options.Generate });
        }
        LoadSeconds += clock.Elapsed.TotalSeconds;
        return _rotated[options] = loaded;
    }

    public void Dispose()
    {
        foreach (var (data, _) in _rotated.Values) data.Dispose();
        _rotated.Clear();
        if (_ownsMnist) _mnist?.Dispose();
    }
}
