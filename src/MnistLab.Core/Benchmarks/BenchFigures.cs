using System.Text.Json;

namespace MnistLab.Benchmarks;

/// <summary>
/// How many times faster MnistLab did a piece of work than its PyTorch peer did the same work: the peer's seconds over
/// MnistLab's (or MnistLab's throughput over the peer's). Both sides do the same work, timed the same way: cold against
/// cold or warm against warm, measured whole wherever the peer finishes in a few minutes, otherwise both timed on the
/// same part and scaled the same way, and then the key ends in <c>_extrapolated</c>.
/// </summary>
/// <param name="Work">What both sides did and how they were timed, in words.</param>
public sealed record BenchRatio(string Section, string Key, double Value, string Work)
{
    /// <summary>False when the peer ran on a BLAS below half of MnistLab's ceiling: the ratio would measure the BLAS, not MnistLab.</summary>
    public bool Comparable { get; init; } = true;
}

/// <summary>A training workload's FLOP rate (FLOPs per image read from its layers) as a share of this machine's matmul ceiling, MnistLab's and its peer's.</summary>
public sealed record CeilingShare(string Section, string Workload, double ImagesPerSecond, double GflopPerImage, double Fraction, double? PeerFraction);

/// <summary>The BLAS the peers' torch runs on, its matmul rate, and whether ratios against it can be read as MnistLab's.</summary>
public sealed record PeerBlas(string BlasInfo, IReadOnlyList<string> Libraries, double MatmulGflops, double FractionOfCeiling)
{
    /// <summary>A peer below half of MnistLab's ceiling is not a fair peer (netlib's reference BLAS reaches a few percent of it).</summary>
    public const double ComparableFraction = 0.5;

    public bool Comparable => FractionOfCeiling >= ComparableFraction;

    public static PeerBlas From(JsonElement peer, double ceiling)
    {
        double gflops = peer.GetProperty("matmul_gflops").GetDouble();
        return new PeerBlas(peer.GetProperty("blas_info").GetString() ?? "unknown",
            [.. peer.GetProperty("blas_libraries").EnumerateArray().Select(l => l.GetString() ?? "")], gflops, gflops / ceiling);
    }

    /// <summary>Why the ratios are not comparable, and what makes them so.</summary>
    public string Note => Comparable
        ? $"the peers' BLAS reaches {Reports.Markdown.Pct(FractionOfCeiling, 0)} of MnistLab's ceiling"
        : $"the peers' BLAS ({(Libraries.Count == 0 ? BlasInfo : string.Join(", ", Libraries))}) reaches {MatmulGflops:F1} GFLOP/s, {Reports.Markdown.Pct(FractionOfCeiling, 1)} of MnistLab's ceiling, " +
          "below half of it: its ratios measure the BLAS, not MnistLab. Install an optimised BLAS (apt-get install libopenblas0-pthread; scripts/setup.sh does).";
}

/// <summary>
/// Where one workload's time goes, layer by layer: milliseconds per step of each layer's forward and backward pass, in
/// each of the variants measured (MnistLab's layouts, its peer), by variant name, rows in forward order.
/// </summary>
public sealed record TimeBreakdown(string Section, string Title, IReadOnlyDictionary<string, IReadOnlyList<StageTimes.StageTime>> Variants);

/// <summary>What the sections of one bench run put forward: their ratios against the peers and their shares of the ceiling.</summary>
public sealed class BenchFigures
{
    readonly List<BenchRatio> _ratios = [];
    readonly List<CeilingShare> _shares = [];
    readonly List<TimeBreakdown> _breakdowns = [];

    public IReadOnlyList<BenchRatio> Ratios => _ratios;
    public IReadOnlyList<CeilingShare> Shares => _shares;
    public IReadOnlyList<TimeBreakdown> Breakdowns => _breakdowns;

    public void Breakdown(string section, string title, IReadOnlyDictionary<string, IReadOnlyList<StageTimes.StageTime>> variants) =>
        _breakdowns.Add(new TimeBreakdown(section, title, variants));

    public void Ratio(string section, string key, double value, string work) => _ratios.Add(new BenchRatio(section, key, value, work));

    public void Share(string section, string workload, double imagesPerSecond, double gflopPerImage, double ceiling, double? peerImagesPerSecond = null) =>
        _shares.Add(new CeilingShare(section, workload, imagesPerSecond, gflopPerImage, imagesPerSecond * gflopPerImage / ceiling,
            peerImagesPerSecond * gflopPerImage / ceiling));

    /// <summary>Every ratio, marked by the peer's BLAS: all comparable, or none.</summary>
    public IReadOnlyList<BenchRatio> Marked(PeerBlas? blas) =>
        [.. _ratios.Select(r => r with { Comparable = blas?.Comparable ?? false })];
}
