using System.Text;
using MnistLab.Attribution;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Reports;
using static MnistLab.Reports.Markdown;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Experiments.Rotated;

/// <summary>One method's share of |attribution| mass on the digit's pixels (<see cref="Share"/>), mean over the test images.</summary>
/// <param name="DigitPixelShare">The digit pixels' share of the image: what a map spread evenly would put on them.</param>
public sealed record DigitShare(string Method, int Images, double Share, double DigitPixelShare);

/// <param name="Shares">Null when the digit masks could not be recovered (LISA's files, or a replay that failed its check).</param>
public sealed record RotatedAttributionResult(string MaskSource, IReadOnlyList<DigitShare>? Shares, float[][] Images, float[][] Maps, string[] Titles);

/// <summary>
/// Where the ResNet looks on rotated digits over textures: the share of its attribution mass Σ|a| on the digit's pixels
/// against the texture behind it. The digit's pixels are those where the rotated digit alone is above 0.5, recovered by
/// replaying the data generator (<see cref="RotBackDigits"/>); LISA's files carry no such mask.
/// </summary>
public static class RotatedAttribution
{
    public const int Count = 100, Steps = 32;

    public static RotatedAttributionResult Compute(Module<Tensor, Tensor> model, RotBack data, RotatedData options, Func<Mnist> mnist)
    {
        using var scope = NewDisposeScope();
        int n = Math.Min(Count, data.Test.Count);
        var x = data.Test.Images.narrow(0, 0, n);
        long[] labels = data.Test.LabelArray()[..n];
        var input = new AttributionInput(model, x, labels);
        var ig = IntegratedGradients.Compute(input, new IntegratedGradientsOptions { Steps = Steps });
        var saliency = Saliency.Compute(input, new SaliencyOptions());
        var images = TensorData.Rows(x);
        int shown = Math.Min(8, n);
        var maps = Enumerable.Range(0, shown).Select(i => ig.Map(i)).ToArray();
        var titles = Enumerable.Range(0, shown).Select(i => $"#{i} y={labels[i]}").ToArray();

        if (options.Amat is not null) return new("none: LISA's files carry no digit mask", null, images[..shown], maps, titles);
        var digits = RotBackDigits.Test(mnist(), options.Generate, data.Test, 0, n);
        if (digits is null) return new("none: the generator's replay did not match the stored images", null, images[..shown], maps, titles);
        var masks = TensorData.Rows(digits).Select(d => d.Select(v => v > 0.5f).ToArray()).ToArray();
        IReadOnlyList<DigitShare> shares = [Share("ig (zero baseline, 32 steps)", ig, masks), Share("saliency", saliency, masks)];
        return new("the generator replayed: the rotated digit alone above 0.5", shares, images[..shown], maps, titles);
    }

    static DigitShare Share(string method, AttributionResult r, bool[][] masks)
    {
        double share = 0, pixels = 0;
        for (int i = 0; i < r.Count; i++)
        {
            var m = r.Map(i);
            double total = m.Sum(v => Math.Abs((double)v));
            share += total == 0 ? 0 : Enumerable.Range(0, m.Length).Where(p => masks[i][p]).Sum(p => Math.Abs((double)m[p])) / total;
            pixels += masks[i].Count(b => b) / (double)m.Length;
        }
        return new DigitShare(method, r.Count, share / r.Count, pixels / r.Count);
    }

    public static object? Metrics(RotatedAttributionResult? r) => r is null ? null : new
    {
        mask = r.MaskSource,
        shares = r.Shares?.Select(s => new { method = s.Method, images = s.Images, digit_share = s.Share, texture_share = 1 - s.Share, digit_pixel_share = s.DigitPixelShare }),
    };

    public static void WriteFigures(RotatedAttributionResult? r, ReportFolder folder)
    {
        if (r is null || r.Maps.Length == 0) return;
        AttributionFigure.Write(folder.PathOf("ig_resnet.png"), r.Images, r.Maps, r.Titles, 4, new MapDisplay());
    }

    public static string Markdown(RotatedAttributionResult? r)
    {
        if (r is null) return "";
        var sb = new StringBuilder();
        sb.AppendLine("## Where does the ResNet look: the digit or the texture?").AppendLine();
        sb.AppendLine($"Attributions of the ResNet's score for the true digit on the first {Count} test images: Integrated Gradients (zero baseline, {Steps} " +
                      $"Gauss–Legendre steps) and saliency. Digit mask: {r.MaskSource}.").AppendLine();
        if (r.Shares is { } shares)
        {
            sb.AppendLine(Table(["method", "n", "share on the digit's pixels", "share on the texture", "digit pixels' share of the image"],
                shares.Select(s => (IReadOnlyList<string>)[s.Method, s.Images.ToString(), Pct(s.Share), Pct(1 - s.Share), Pct(s.DigitPixelShare)])));
            var ig = shares[0];
            sb.AppendLine($"The digit covers {Pct(ig.DigitPixelShare)} of the image and receives {Pct(ig.Share)} of the Integrated Gradients mass: " +
                          $"{(ig.Share > ig.DigitPixelShare ? $"{ig.Share / Math.Max(ig.DigitPixelShare, 1e-9):F1} times its share of the pixels, so the model looks at the digit more than at the texture" : "no more than its share of the pixels, so the texture draws as much attention as the digit")}.").AppendLine();
        }
        sb.AppendLine(Image("IG of the ResNet", "ig_resnet.png")).AppendLine();
        return sb.ToString();
    }
}
