using System.Text;
using MnistLab.Attribution;
using MnistLab.Common;
using MnistLab.Features;
using MnistLab.Reports;
using static MnistLab.Reports.Markdown;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Experiments.Ring;

/// <summary>One method's shares of |attribution| mass, mean over a group of test digits.</summary>
/// <param name="HoleShare">On the enclosed-hole pixels (digits with a ring only; 0 without).</param>
/// <param name="HolePixelShare">The hole pixels' share of the 785 inputs: what a map spread evenly would put there.</param>
/// <param name="RingShare">On the ring input.</param>
public sealed record RingShares(string Method, string Group, int Images, double HoleShare, double HolePixelShare, double RingShare);

public sealed record RingAttributionResult(IReadOnlyList<RingShares> Shares, float[][] Digits, float[][] Maps, string[] Titles);

/// <summary>
/// Where the MLP given pixels + ring looks: the share of its attribution mass (Σ|a| over a region / Σ|a| over all 785
/// inputs) on the enclosed-hole pixels and on the ring input, for test digits with and without a ring. Integrated
/// Gradients with a blurred baseline (a zero baseline gives black hole pixels, and an absent ring, no attribution at
/// all) and saliency (|gradient|, which sees black pixels too).
/// </summary>
public static class RingAttribution
{
    public const int PerGroup = 500;

    public static RingAttributionResult Compute(Module<Tensor, Tensor> model, Tensor inputs, long[] labels, byte[] ring)
    {
        using var scope = NewDisposeScope();
        var groups = new[] { ("with a ring", 1), ("without a ring", 0) };
        var shares = new List<RingShares>();
        float[][] digits = [], maps = [];
        string[] titles = [];
        foreach (var (group, bit) in groups)
        {
            var idx = Enumerable.Range(0, ring.Length).Where(i => ring[i] == bit).Take(PerGroup).Select(i => (long)i).ToArray();
            if (idx.Length == 0) continue;
            var x = inputs.index_select(0, tensor(idx));
            var input = new AttributionInput(model, x, idx.Select(i => labels[i]).ToArray());
            var images = TensorData.Rows(x.narrow(1, 0, InputLayout.Pixels));
            var holes = images.Select(im => HoleMask.Of(im)).ToArray();
            var ig = IntegratedGradients.Compute(input, new IntegratedGradientsOptions { Baseline = Baseline.Blurred() });
            var saliency = Saliency.Compute(input, new SaliencyOptions());
            foreach (var result in new[] { ig, saliency })
                shares.Add(Shares(result.Method == IntegratedGradients.Name ? "ig (blurred baseline)" : "saliency", group, result, holes));
            if (bit == 1)
            {
                int k = Math.Min(8, idx.Length);
                digits = images[..k];
                maps = Enumerable.Range(0, k).Select(i => ig.Map(i)[..InputLayout.Pixels]).ToArray();
                titles = Enumerable.Range(0, k).Select(i => $"#{idx[i]} y={labels[idx[i]]} ring {ig.Map(i)[InputLayout.Pixels]:+0.00;-0.00}").ToArray();
            }
        }
        return new RingAttributionResult(shares, digits, maps, titles);
    }

    static RingShares Shares(string method, string group, AttributionResult r, bool[][] holes)
    {
        double hole = 0, pixels = 0, ringShare = 0;
        for (int i = 0; i < r.Count; i++)
        {
            var m = r.Map(i);
            double total = m.Sum(v => Math.Abs((double)v));
            if (total == 0) continue;
            hole += Enumerable.Range(0, InputLayout.Pixels).Where(p => holes[i][p]).Sum(p => Math.Abs((double)m[p])) / total;
            ringShare += Math.Abs(m[InputLayout.Pixels]) / total;
            pixels += holes[i].Count(h => h) / (double)m.Length;
        }
        return new RingShares(method, group, r.Count, hole / r.Count, pixels / r.Count, ringShare / r.Count);
    }

    public static object? Metrics(RingAttributionResult? r) => r?.Shares.Select(s => new
    {
        method = s.Method, group = s.Group, images = s.Images, hole_share = s.HoleShare, hole_pixel_share = s.HolePixelShare, ring_share = s.RingShare,
    });

    public static void WriteFigures(RingAttributionResult? r, ReportFolder folder)
    {
        if (r is null || r.Maps.Length == 0) return;
        AttributionFigure.Write(folder.PathOf("ig_mlp_ring_digits.png"), r.Digits, r.Maps, r.Titles, 4, new MapDisplay());
    }

    public static string Markdown(RingAttributionResult? r)
    {
        if (r is null) return "";
        var sb = new StringBuilder();
        sb.AppendLine("## Where does the MLP look: the hole or the ring bit?").AppendLine();
        sb.AppendLine($"Attributions of the MLP's score for the true digit, on the first {PerGroup} test digits with a ring and the first {PerGroup} without: " +
                      "the share of the attribution mass Σ|a| over the 785 inputs that falls on the enclosed-hole pixels (background not reached by a flood fill " +
                      "from the border) and on the ring input. Integrated Gradients gives 0 to any input equal to its baseline value, so it uses a blurred " +
                      "baseline (Gaussian, σ = 3 px), under which the black hole pixels differ from the baseline; the baseline's ring input is 0, so the ring " +
                      "input of a digit without a ring gets no IG attribution under any baseline. Saliency is |∂f/∂x|, which sees every input.").AppendLine();
        sb.AppendLine(Table(["method", "digits", "n", "share on hole pixels", "hole pixels' share of the inputs", "share on the ring input"],
            r.Shares.Select(s => (IReadOnlyList<string>)[s.Method, s.Group, s.Images.ToString(), Pct(s.HoleShare), Pct(s.HolePixelShare), Pct(s.RingShare)])));
        var ig = r.Shares.FirstOrDefault(s => s.Method.StartsWith("ig") && s.Group == "with a ring");
        if (ig is not null)
            sb.AppendLine($"For digits with a ring, Integrated Gradients puts {Pct(ig.HoleShare)} of its mass on the hole pixels " +
                          $"({(ig.HoleShare > ig.HolePixelShare ? "more" : "less")} than their {Pct(ig.HolePixelShare)} share of the inputs) and {Pct(ig.RingShare)} on the ring bit " +
                          $"(one input of 785 is {Pct(1 / 785.0)}).").AppendLine();
        if (r.Maps.Length > 0)
        {
            sb.AppendLine("Integrated Gradients over digits with a ring (titles: the ring input's attribution):").AppendLine();
            sb.AppendLine(Image("IG of the MLP on ring digits", "ig_mlp_ring_digits.png")).AppendLine();
        }
        return sb.ToString();
    }
}
