using System.Text;
using MnistLab.Reports;
using ScottPlot;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Benchmarks;

/// <summary>
/// bench.html: one self-contained page (its charts inlined) of a bench run: every ratio against the peers on a log
/// scale with 1x marked, ratios that cannot be read as MnistLab's greyed and said so, and each training workload's share
/// of the matmul ceiling beside its peer's.
/// </summary>
public static class BenchPage
{
    static BenchPage()
    {
        Fonts.Default = "DejaVu Sans"; // as Plots: the default family resolves to a serif face on Debian
    }

    public static string Html(BenchResult r) => HtmlPage.FromMarkdown(Markdown(r));

    public static string Markdown(BenchResult r)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# MnistLab bench").AppendLine();
        sb.AppendLine($"Matmul ceiling of this machine (2048x2048 float32, best of 8): **{r.Ceiling:F1} GFLOP/s**. " +
                      $"Every ratio is how many times faster MnistLab did the same work as its PyTorch peer, measured in this run; " +
                      $"above 1x MnistLab is faster.").AppendLine();
        sb.AppendLine(r.PeerBlas switch
        {
            null => "The peers' BLAS was not measured (no peers ran), so no ratio is marked comparable.",
            { Comparable: true } b => $"Peer BLAS: {b.BlasInfo} build, {Libraries(b)}; {b.MatmulGflops:F1} GFLOP/s, {Pct(b.FractionOfCeiling, 0)} of MnistLab's ceiling: a fair peer.",
            var b => $"**Not comparable:** {b.Note}",
        }).AppendLine();

        if (r.Processor is { } cpu)
            sb.AppendLine($"Processor: **{cpu.Family}** family, {cpu}. The ratios below hold for this family: on another (AVX2 against AVX-512, say) they differ.").AppendLine();
        sb.AppendLine("## Ratios against the peers").AppendLine();
        if (r.Ratios.Count == 0) sb.AppendLine("No ratio was measured (peers skipped or failed).").AppendLine();
        else
        {
            sb.AppendLine(Image("every ratio on a log scale", DataUri(RatioChart(r.Ratios)))).AppendLine();
            string family = r.Processor?.Family ?? "unknown";
            sb.AppendLine(Table(["section", "ratio", "MnistLab faster by", "processor family", "comparable", "the same work on both sides"],
                r.Ratios.Select(x => (IReadOnlyList<string>)[x.Section, x.Key, Times(x.Value), family, x.Comparable ? "yes" : "**no**", x.Work])));
        }

        sb.AppendLine("## Share of the matmul ceiling").AppendLine();
        if (r.Shares.Count == 0) sb.AppendLine("No training workload was measured.").AppendLine();
        else
        {
            sb.AppendLine("FLOPs per image are read from each model's layers (the multiply-adds of its convolutions and linear layers, " +
                          "forward, weight gradient and input gradient; Integrated Gradients needs no weight gradient); element-wise work is not " +
                          "counted. The ceiling is libtorch's own large matmul, not the processor's peak: a share above 1 means the workload's " +
                          "kernels (oneDNN's convolutions) run faster than that matmul.").AppendLine();
            sb.AppendLine(Image("each workload's share of the ceiling", DataUri(ShareChart(r.Shares)))).AppendLine();
            sb.AppendLine(Table(["workload", "images/s", "GFLOP per image", "GFLOP/s", "share of ceiling", "peer's share"],
                r.Shares.Select(s => (IReadOnlyList<string>)[s.Workload, $"{s.ImagesPerSecond:N0}", $"{s.GflopPerImage:G4}", $"{s.ImagesPerSecond * s.GflopPerImage:F1}",
                    Pct(s.Fraction, 1), s.PeerFraction is { } p ? Pct(p, 1) : "—"])));
        }
        foreach (var b in r.Breakdowns) Breakdown(sb, b);
        return sb.ToString();
    }

    /// <summary>One table: a row per layer, forward and backward milliseconds of each variant side by side, and their totals.</summary>
    static void Breakdown(StringBuilder sb, TimeBreakdown b)
    {
        sb.AppendLine($"## Where the time goes: {b.Section}").AppendLine();
        sb.AppendLine(b.Title + ".").AppendLine();
        var variants = b.Variants.ToList();
        var rows = variants[0].Value.Select(s => s.Name).ToList();
        string Cell(IReadOnlyList<StageTimes.StageTime> times, string row, Func<StageTimes.StageTime, double> pick) =>
            times.FirstOrDefault(t => t.Name == row) is { } t ? Num(pick(t), 2) : "—";
        var table = rows.Select(row => (IReadOnlyList<string>)[row, .. variants.SelectMany(v => new[] { Cell(v.Value, row, t => t.Forward), Cell(v.Value, row, t => t.Backward) })]).ToList();
        table.Add(["**total**", .. variants.SelectMany(v => new[] { $"**{Num(v.Value.Sum(t => t.Forward), 2)}**", $"**{Num(v.Value.Sum(t => t.Backward), 2)}**" })]);
        sb.AppendLine(Table(["layer", .. variants.SelectMany(v => new[] { $"{v.Key} forward", $"{v.Key} backward" })], table));
    }

    static string Libraries(PeerBlas b) => b.Libraries.Count == 0 ? "library not seen" : string.Join(", ", b.Libraries.Select(Path.GetFileName));

    static string Times(double ratio) => ratio >= 10 ? $"{ratio:F0}x" : $"{ratio:F2}x";

    static string DataUri(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);

    /// <summary>Horizontal bars of log10(ratio) from the 1x line: right of it MnistLab is faster; grey bars are not comparable.</summary>
    static byte[] RatioChart(IReadOnlyList<BenchRatio> ratios)
    {
        using var plot = new Plot();
        var comparable = Colors.SteelBlue;
        var bars = ratios.Select((x, i) => new Bar
        {
            Position = ratios.Count - 1 - i,
            Value = Math.Log10(Math.Max(x.Value, 1e-3)),
            ValueBase = 0,
            FillColor = x.Comparable ? comparable : Colors.LightGray,
            Label = Times(x.Value) + (x.Comparable ? "" : " (not comparable)"),
        }).ToList();
        var series = plot.Add.Bars(bars);
        series.Horizontal = true;
        var one = plot.Add.VerticalLine(0);
        one.LineColor = Colors.Black;
        one.LineWidth = 2;
        one.Text = "1x";
        double low = Math.Min(-1, Math.Floor(bars.Min(b => b.Value))), high = Math.Max(1, Math.Ceiling(bars.Max(b => b.Value) + 0.6));
        var decades = Enumerable.Range((int)low, (int)(high - low) + 1).Select(d => (double)d).ToArray();
        plot.Axes.Bottom.SetTicks(decades, decades.Select(d => Times(Math.Pow(10, d))).ToArray());
        plot.Axes.Left.SetTicks(Enumerable.Range(0, ratios.Count).Select(i => (double)(ratios.Count - 1 - i)).ToArray(),
            ratios.Select(x => $"{x.Section}: {x.Key}").ToArray());
        plot.Axes.Left.MinimumSize = 320;
        plot.Axes.SetLimitsX(low, high);
        plot.Title("MnistLab against its peers (log scale; right of 1x MnistLab is faster)");
        return plot.GetImageBytes(1000, 120 + 34 * ratios.Count, ImageFormat.Png);
    }

    /// <summary>Horizontal bars of each workload's share of the ceiling, MnistLab's and its peer's side by side.</summary>
    static byte[] ShareChart(IReadOnlyList<CeilingShare> shares)
    {
        using var plot = new Plot();
        var ours = shares.Select((s, i) => new Bar { Position = 2 * (shares.Count - 1 - i) + 0.4, Value = s.Fraction, FillColor = Colors.SteelBlue, Size = 0.8, Label = Pct(s.Fraction, 0) });
        var theirs = shares.Select((s, i) => (s, i)).Where(p => p.s.PeerFraction is not null)
            .Select(p => new Bar { Position = 2 * (shares.Count - 1 - p.i) - 0.4, Value = p.s.PeerFraction!.Value, FillColor = Colors.Orange, Size = 0.8, Label = Pct(p.s.PeerFraction.Value, 0) });
        var a = plot.Add.Bars(ours.ToList());
        a.Horizontal = true;
        a.LegendText = "MnistLab";
        var b = plot.Add.Bars(theirs.ToList());
        b.Horizontal = true;
        b.LegendText = "PyTorch peer";
        var ceiling = plot.Add.VerticalLine(1);
        ceiling.LineColor = Colors.Black;
        ceiling.LinePattern = LinePattern.Dashed;
        ceiling.Text = "ceiling";
        plot.Axes.Left.SetTicks(Enumerable.Range(0, shares.Count).Select(i => 2.0 * (shares.Count - 1 - i)).ToArray(), shares.Select(s => s.Workload).ToArray());
        plot.Axes.Left.MinimumSize = 300;
        double max = Math.Max(1.1, shares.Max(s => Math.Max(s.Fraction, s.PeerFraction ?? 0)) * 1.2);
        plot.Axes.SetLimitsX(0, max);
        plot.XLabel("share of the matmul ceiling (FLOPs from the layers)");
        plot.ShowLegend(Alignment.LowerRight);
        plot.Title("Workloads: share of the matmul ceiling");
        return plot.GetImageBytes(1000, 140 + 60 * shares.Count, ImageFormat.Png);
    }
}
