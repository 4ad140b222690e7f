using System.Text;
using MnistLab.Analysis.Verification;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Import;
using static MnistLab.Reports.Markdown;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace MnistLab.Experiments.Linearity;

/// <summary>Options of <see cref="CertifiedSection"/>: the radii, the test images, the bound method.</summary>
public sealed record CertifiedOptions
{
    /// <summary>The default radii, one shared list, so that two default records are equal.</summary>
    public static readonly IReadOnlyList<double> DefaultEpsilons = [0.01, 0.02, 0.05];

    public IReadOnlyList<double> Epsilons { get; init; } = DefaultEpsilons;
    public int Images { get; init; } = 500;
    public string Method { get; init; } = "crown";

    public CertifiedOptions Validated()
    {
        const string o = nameof(CertifiedOptions);
        Require.That(Epsilons.Count > 0 && Epsilons.All(e => e is >= 0 and <= 1), $"{o}.{nameof(Epsilons)}", "must be radii from 0 to 1, at least one.");
        Require.InRange(Images, 1, 10_000, $"{o}.{nameof(Images)}");
        Require.That(Method is "ibp" or "crown" or "alpha-crown", $"{o}.{nameof(Method)}", $"must be ibp, crown or alpha-crown, got '{Method}'.");
        return this;
    }
}

/// <summary>One model at one radius: accuracy on the clean images, against the attack (an upper bound on robust accuracy) and proved (a lower bound).</summary>
public sealed record CertifiedRow(string Model, double Eps, int Images, double Clean, double Pgd, double Certified, double Seconds);

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
            var r = Verifier.Run(loaded, mnist, new VerifyOptions { Eps = eps, Method = o.Method, Images = new ImageSelection("test", 0, n), Seed = options.Seed, Hardest = 0 });
            yield return new CertifiedRow(key, eps, r.Count, r.CleanAccuracy, r.PgdAccuracy, r.CertifiedAccuracy, r.PgdSeconds + r.BoundSeconds);
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
        sb.AppendLine(Table(["model", "ε", "clean", "PGD (upper bound)", "certified (lower bound)", "seconds"],
            rows.Select(x => (IReadOnlyList<string>)[x.Model, Num(x.Eps, 3), Pct(x.Clean), Pct(x.Pgd), Pct(x.Certified), Num(x.Seconds, 2)])));
        return sb.ToString();
    }

    public static object? Metrics(LinearityResult r) => r.Certified?.Select(x => new
    {
        model = x.Model, eps = x.Eps, images = x.Images, clean = x.Clean, pgd = x.Pgd, certified = x.Certified, seconds = x.Seconds,
    });
}
