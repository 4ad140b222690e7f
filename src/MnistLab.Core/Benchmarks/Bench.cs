using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Experiments;

namespace MnistLab.Benchmarks;

/// <summary>
/// What every bench section works with: the data, the peers, the thread count and this machine's matmul ceiling; and
/// where it puts its ratios against the peers and its shares of the ceiling.
/// </summary>
public sealed record BenchContext(Mnist Mnist, MnistFiles Files, PythonPeer? Peer, int Threads, double Ceiling, BenchOptions Options, IProgressSink Progress)
{
    public BenchFigures Figures { get; init; } = new();

    /// <summary>What the sections before this one measured, by key: bench.json as it is being written.</summary>
    public IReadOnlyDictionary<string, object?> Measured { get; init; } = new Dictionary<string, object?>();
}

/// <summary>One section of the bench: its measurements, written as JSON under the section's name.</summary>
public delegate object BenchSection(BenchContext context);

public sealed record BenchOptions
{
    /// <summary>Run the PyTorch peers (the seeds' own code paths) in the same run.</summary>
    public bool Peers { get; init; } = true;
    public TimeSpan PeerTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The sections: every registered experiment with a workload, then the lab-wide ones.</summary>
    public static IReadOnlyList<string> AllSections => [.. Bench.Sections.Select(s => s.Name)];

    /// <summary>Which sections to measure (the matmul ceiling is always measured).</summary>
    public IReadOnlyList<string> Sections { get; init; } = AllSections;

    public BenchOptions Validated()
    {
        foreach (var s in Sections)
            Require.That(AllSections.Contains(s), $"{nameof(BenchOptions)}.{nameof(BenchOptions.Sections)}", $"names an unknown section '{s}'; the sections are {string.Join(", ", AllSections)}.");
        return this;
    }
}

/// <summary>Training throughput of one model: images/s and what fraction of the matmul ceiling that is.</summary>
public sealed record Throughput(double ImagesPerSecond, double GflopPerImage, double GflopsPerSecond, double FractionOfCeiling);

/// <summary>
/// One bench run: everything measured (as bench.json writes it), the ratios against the peers marked comparable or
/// not by the peers' BLAS, and each training workload's share of the ceiling.
/// </summary>
public sealed record BenchResult(Dictionary<string, object?> Report, double Ceiling, PeerBlas? PeerBlas, IReadOnlyList<BenchRatio> Ratios, IReadOnlyList<CeilingShare> Shares)
{
    /// <summary>The processor the figures were measured on; ratios hold for its family.</summary>
    public Processor? Processor { get; init; }

    /// <summary>Where workloads' time goes, layer by layer, for the sections that measured it.</summary>
    public IReadOnlyList<TimeBreakdown> Breakdowns { get; init; } = [];
}

/// <summary>
/// Every speed figure MnistLab reports, measured in one run so they can be read as ratios: against the
/// machine's matmul ceiling, and against the PyTorch peers doing the same work the seeds' way.
/// </summary>
public static class Bench
{
    /// <summary>The sections in the order they run: the registry's experiments, then the cost of checkpoints.</summary>
    public static IReadOnlyList<(string Name, BenchSection Run)> Sections =>
    [
        .. Registry.All.Where(e => e.Bench is not null).Select(e => (e.Name, e.Bench!)),
        ("explain", ExplainBench.Run),
        ("probe", ProbeBench.Run),
        ("causal", CausalBench.Run),
        ("dictionary", DictionaryBench.Run),
        ("serve", ServeBench.Run),
        ("verify", VerifyBench.Run),
        ("checkpoints", c => CheckpointBench.Run(RotatedImagesPerSecond(c), RotatedEpochImages(), c.Progress)),
    ];

    /// <param name="processor">This machine's processor (<see cref="Processor.OfThisMachine"/>), recorded beside every ratio.</param>
    public static BenchResult Run(MnistFiles files, int threads, BenchOptions options, IProgressSink progress, Processor? processor = null)
    {
        options.Validated();
        processor ??= Processor.OfThisMachine();
        var report = new Dictionary<string, object?>
        {
            ["mnistlab_version"] = LabVersion.Current,
            ["machine"] = new
            {
                cores = Environment.ProcessorCount, threads, os = Environment.OSVersion.VersionString,
                processor = new { model = processor.Model, family = processor.Family, vector_features = processor.VectorFeatures, onednn_isa = processor.OneDnnIsa, onednn_max_cpu_isa = processor.OneDnnIsaCap },
            },
        };
        progress.Info($"processor: {processor}");
        progress.Info("matmul ceiling (2048x2048 float32) ...");
        double ceiling = MatmulCeiling.GflopsPerSecond();
        report["matmul_gflops"] = ceiling;

        using var mnist = Mnist.LoadVerified(files);
        using var peer = options.Peers ? PythonPeer.Prepare(files) : null;
        var blas = CheckPeerBlas(peer, threads, ceiling, options, progress, report);
        var context = new BenchContext(mnist, files, peer, threads, ceiling, options, progress) { Measured = report };
        foreach (var (name, run) in Sections.Where(s => options.Sections.Contains(s.Name)))
            report[Key(name)] = run(context);
        var ratios = context.Figures.Marked(blas);
        report["ratios"] = ratios;
        report["ceiling_shares"] = context.Figures.Shares;
        return new BenchResult(report, ceiling, blas, ratios, context.Figures.Shares) { Processor = processor, Breakdowns = context.Figures.Breakdowns };
    }

    /// <summary>
    /// The peers' matmul, measured as MnistLab's ceiling is: a peer on netlib's reference BLAS (Debian's python3-torch
    /// without an optimised one installed) is some 40 times slower there, and every ratio against it would say so.
    /// </summary>
    static PeerBlas? CheckPeerBlas(PythonPeer? peer, int threads, double ceiling, BenchOptions options, IProgressSink progress, Dictionary<string, object?> report)
    {
        if (peer is null) return null;
        progress.Info("PyTorch peer: its BLAS and matmul (2048x2048 float32) ...");
        var (result, skipped) = Peer.Run(peer, "blas_peer.py", threads, options);
        report["peer_blas"] = skipped;
        if (result is not { } r) return null;
        var blas = PeerBlas.From(r, ceiling);
        report["peer_blas"] = new { blas.BlasInfo, blas.Libraries, blas.MatmulGflops, blas.FractionOfCeiling, blas.Comparable, blas.Note };
        progress.Info(blas.Comparable ? $"peer BLAS: {blas.Note}." : $"NOT COMPARABLE: {blas.Note}");
        return blas;
    }

    static string Key(string section) => section.Replace('-', '_');

    /// <summary>The rotated experiment's training throughput when this run measured it: the checkpoint save is also read as a share of its epoch.</summary>
    static double? RotatedImagesPerSecond(BenchContext c) =>
        c.Measured.GetValueOrDefault(Key("rotated")) is Dictionary<string, object?> r ? (double?)r["images_per_second"] : null;

    /// <summary>The images of one epoch of the rotated experiment with its default options: its train+valid set less the validation share.</summary>
    static int RotatedEpochImages()
    {
        var o = new Experiments.Rotated.RotatedOptions();
        int all = o.Data.Generate.TrainValidCount;
        return all - (int)Math.Round(all * o.ValidationFraction);
    }
}
