using System.Text;
using MnistLab.Analysis.Verification;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Import;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace MnistLab.Experiments.Linearity;

/// <summary>
/// How robust are the three models, proved rather than sampled? <see cref="Verifier"/> on the first test images at each
/// radius: PGD first, then the margins' lower bounds over each L∞ ball. For the linear models the bounds are exact (a
/// linear margin over a box reaches its minimum at a corner), so their certified accuracy is their true robust accuracy
/// on these images; for the MLP the truth lies between the certified and the PGD accuracy.
/// </summary>
static class CertifiedSection
{
    public static IEnumerable<CertifiedRow> Compute(LinearityOptions options, string key, Module model, Mnist mnist, IProgressSink progress)
    {
        if (options.Certified is not { } o) yield break;
        using var loaded = LoadedModel.Borrowed(model, key);
        int n = Math.Min(o.Images, mnist.Test.Count);
        foreach (var eps in o.Epsilons)
        {
            progress.Info($"{key}: proving its answers over L∞ balls of radius {eps} ...");
            yield return CertifiedRow.Of(key, Verifier.Run(loaded, mnist, o.At(eps, n, options.Seed)));
        }
    }

    public static string Markdown(LinearityResult r)
    {
        if (r.Certified is not { Count: > 0 } rows) return "";
        var o = r.Options.Certified!;
        var sb = new StringBuilder();
        sb.AppendLine("## Proved robustness: certified accuracy").AppendLine();
        sb.AppendLine($"Each model on the first {rows[0].Images:N0} test images, for every input within an L∞ ball around the image (clipped to [0, 1]): " +
                      $"a PGD attack first (accuracy against it is an upper bound on the robust accuracy), then {o.Method.ToUpperInvariant()}'s lower " +
                      "bounds on every margin over the ball (an image whose margins are all above zero is proved: certified accuracy is a lower bound; " +
                      "see `mnistlab verify`). For the linear models the bounds are exact, so certified accuracy is the robust accuracy itself.").AppendLine();
        sb.AppendLine(CertifiedAccuracy.Table(rows));
        return sb.ToString();
    }

    public static object? Metrics(LinearityResult r) => r.Certified is null ? null : CertifiedAccuracy.Metrics(r.Certified);
}
