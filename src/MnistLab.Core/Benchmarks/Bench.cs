using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Experiments;

namespace MnistLab.Benchmarks;

public sealed record BenchOptions
{
    /// <summary>Run the PyTorch peers (the seeds' own code paths) in the same run.</summary>
    public bool Peers { get; init; } = true;
    public TimeSpan PeerTimeout { get; init; } = TimeSpan.FromMinutes(10);

    public static readonly IReadOnlyList<string> AllSections = ["linearity", "ring", "local-mi", "vae-probe", "rotated", "checkpoints"];

    /// <summary>Which experiments' workloads to measure (the matmul ceiling is always measured).</summary>
    public IReadOnlyList<string> Sections { get; init; } = AllSections;

    public BenchOptions Validated()
    {
        foreach (var s in Sections)
            if (!AllSections.Contains(s))
                throw new InvalidOptionException($"--only: unknown section '{s}', expected some of {string.Join(", ", AllSections)}.");
        return this;
    }
}

/// <summary>Training throughput of one model: images/s and what fraction of the matmul ceiling that is.</summary>
public sealed record Throughput(double ImagesPerSecond, double GflopPerImage, double GflopsPerSecond, double FractionOfCeiling);

/// <summary>
/// Every speed figure MnistLab reports, measured in one run so they can be read as ratios: against the
/// machine's matmul ceiling, and against the PyTorch peers doing the same work the seeds' way.
/// </summary>
public static class Bench
{
    public static Dictionary<string, object?> Run(MnistFiles files, int threads, BenchOptions options, IProgressSink progress)
    {
        options.Validated();
        var report = new Dictionary<string, object?>
        {
            ["mnistlab_version"] = RunInfo.Version,
            ["machine"] = new { cores = Environment.ProcessorCount, threads, os = Environment.OSVersion.VersionString },
        };
        progress.Info("matmul ceiling (2048x2048 float32) ...");
        double ceiling = MatmulCeiling.GflopsPerSecond();
        report["matmul_gflops"] = ceiling;

        using var mnist = Mnist.Load(files);
        using var peer = options.Peers ? PythonPeer.Prepare(files) : null;
        bool Wanted(string section) => options.Sections.Contains(section);
        if (Wanted("linearity")) report["linearity"] = LinearityBench.Run(mnist, files, peer, threads, ceiling, options, progress);
        if (Wanted("ring")) report["ring"] = RingBench.Run(mnist, files, peer, threads, options, progress);
        if (Wanted("local-mi")) report["local_mi"] = LocalMiBench.Run(mnist, files, peer, threads, options, progress);
        if (Wanted("vae-probe")) report["vae_probe"] = VaeBench.Run(mnist, files, peer, threads, options, progress);
        if (Wanted("rotated")) report["rotated_resnet"] = ResNetBench.Run(peer, threads, ceiling, options, progress);
        if (Wanted("checkpoints"))
            report["checkpoints"] = CheckpointBench.Run(
                report.GetValueOrDefault("rotated_resnet") is Dictionary<string, object?> r ? (double?)r["images_per_second"] : null, progress);
        return report;
    }
}
