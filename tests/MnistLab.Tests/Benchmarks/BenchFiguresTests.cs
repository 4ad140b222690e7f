using System.Text.Json;
using MnistLab.Benchmarks;

namespace MnistLab.Tests.Benchmarks;

/// <summary>Which ratios can be read as MnistLab's: those whose peer's BLAS reaches half of MnistLab's ceiling.</summary>
public class BenchFiguresTests
{
    static PeerBlas Blas(double gflops, double ceiling, params string[] libraries) =>
        PeerBlas.From(JsonDocument.Parse(JsonSerializer.Serialize(new { blas_info = "generic", blas_libraries = libraries, matmul_gflops = gflops })).RootElement, ceiling);

    static BenchFigures TwoRatios()
    {
        var f = new BenchFigures();
        f.Ratio("fast", "speedup", 1.9, "the same training");
        f.Ratio("ring", "features_speedup", 250, "the same feature");
        return f;
    }

    [Fact]
    public void A_peer_on_the_reference_blas_makes_every_ratio_not_comparable_and_says_what_to_install()
    {
        // Netlib's reference BLAS: 3.6 GFLOP/s against a ceiling of 145.
        var blas = Blas(3.6, 145, "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3");
        Assert.False(blas.Comparable);
        Assert.Equal(3.6 / 145, blas.FractionOfCeiling, 12);
        Assert.Contains("libopenblas0-pthread", blas.Note);
        Assert.Contains("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3", blas.Note);
        Assert.All(TwoRatios().Marked(blas), r => Assert.False(r.Comparable));
    }

    [Theory]
    [InlineData(129, 145, true)]    // OpenBLAS: level with libtorch
    [InlineData(72.5, 145, true)]   // exactly half
    [InlineData(72.4, 145, false)]
    public void Half_of_the_ceiling_is_the_line(double gflops, double ceiling, bool comparable)
    {
        var blas = Blas(gflops, ceiling);
        Assert.Equal(comparable, blas.Comparable);
        Assert.All(TwoRatios().Marked(blas), r => Assert.Equal(comparable, r.Comparable));
    }

    [Fact]
    public void Without_a_measured_peer_blas_no_ratio_is_comparable()
    {
        Assert.All(TwoRatios().Marked(null), r => Assert.False(r.Comparable));
    }

    [Fact]
    public void A_share_is_the_flop_rate_over_the_ceiling_for_both_sides()
    {
        var f = new BenchFigures();
        f.Share("fast", "cnn", imagesPerSecond: 10000, gflopPerImage: 0.007, ceiling: 140, peerImagesPerSecond: 5000);
        var s = Assert.Single(f.Shares);
        Assert.Equal(0.5, s.Fraction, 12);      // 10,000 x 0.007 = 70 GFLOP/s of 140
        Assert.Equal(0.25, s.PeerFraction!.Value, 12);
    }

    [Fact]
    public void The_page_lays_a_breakdown_out_layer_by_layer_with_each_variants_totals_and_a_dash_where_a_layer_is_missing()
    {
        var f = new BenchFigures();
        f.Breakdown("rotated", "ResNet step", new Dictionary<string, IReadOnlyList<StageTimes.StageTime>>
        {
            ["channels_last"] = [new("conv", 2, 5), new("add", 0.5, 1)],
            ["peer"] = [new("conv", 3, 6)],
        });
        var page = BenchPage.Markdown(new BenchResult([], 100, null, [], []) { Breakdowns = f.Breakdowns });
        Assert.Contains("## Where the time goes: rotated", page);
        Assert.Contains("| layer | channels_last forward | channels_last backward | peer forward | peer backward |", page);
        Assert.Contains("| conv | 2.00 | 5.00 | 3.00 | 6.00 |", page);
        Assert.Contains("| add | 0.50 | 1.00 | — | — |", page);
        Assert.Contains("| **total** | **2.50** | **6.00** | **3.00** | **6.00** |", page);
    }
}
