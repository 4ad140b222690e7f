using MnistLab.Common;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Analysis.Verification;

/// <summary>Options of an experiment's certified-accuracy section: the radii, the test images, the bound method.</summary>
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

    /// <summary>The options of one <see cref="Verifier"/> run at radius <paramref name="eps"/> over the first <paramref name="images"/> test images.</summary>
    public VerifyOptions At(double eps, int images, long seed) =>
        new() { Eps = eps, Method = Method, Images = new Data.ImageSelection("test", 0, images), Seed = seed, Hardest = 0 };
}

/// <summary>One model at one radius: accuracy on the clean images, against the attack (an upper bound on robust accuracy) and proved (a lower bound).</summary>
public sealed record CertifiedRow(string Model, double Eps, int Images, double Clean, double Pgd, double Certified, double Seconds)
{
    public static CertifiedRow Of(string model, VerificationResult r) =>
        new(model, r.Options.Eps, r.Count, r.CleanAccuracy, r.PgdAccuracy, r.CertifiedAccuracy, r.PgdSeconds + r.BoundSeconds);
}

/// <summary>How an experiment's report shows its models' certified accuracy: one table, one metrics entry per row.</summary>
public static class CertifiedAccuracy
{
    public static string Table(IReadOnlyList<CertifiedRow> rows) =>
        Reports.Markdown.Table(["model", "ε", "clean", "PGD (upper bound)", "certified (lower bound)", "seconds"],
            rows.Select(x => (IReadOnlyList<string>)[x.Model, Num(x.Eps, 3), Pct(x.Clean), Pct(x.Pgd), Pct(x.Certified), Num(x.Seconds, 2)]));

    public static object Metrics(IEnumerable<CertifiedRow> rows) => rows.Select(x => new
    {
        model = x.Model, eps = x.Eps, images = x.Images, clean = x.Clean, pgd = x.Pgd, certified = x.Certified, seconds = x.Seconds,
    });
}
