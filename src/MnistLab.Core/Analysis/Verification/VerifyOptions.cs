using MnistLab.Common;
using MnistLab.Data;

namespace MnistLab.Analysis.Verification;

/// <summary>The options of <c>mnistlab verify</c>: the ball, the bound method, the images, the attack run first.</summary>
public sealed record VerifyOptions
{
    /// <summary>The L∞ radius of the ball around each image, in pixel units (before any normalisation the model applies).</summary>
    public double Eps { get; init; } = 0.02;

    /// <summary><c>ibp</c>, <c>crown</c>, <c>alpha-crown</c> or <c>complete</c> (α-CROWN, then branch and bound where it leaves a margin below 0).</summary>
    public string Method { get; init; } = "crown";

    /// <summary>With <c>complete</c>: seconds of branch and bound per image before its answer is unknown.</summary>
    public double Timeout { get; init; } = 60;

    public ImageSelection Images { get; init; } = new("test", 0, 100);
    public PgdOptions Pgd { get; init; } = new();

    /// <summary>Seed of the attack's random starts.</summary>
    public long Seed { get; init; }

    /// <summary>
    /// Whether each verified image gets a certificate (sealed in exact arithmetic over its ball rounded outwards; fully
    /// connected networks only). An image whose proof exact arithmetic does not confirm is unknown.
    /// </summary>
    public bool Certify { get; init; }

    /// <summary>Images shown in the report's figure of the hardest ones (the smallest proved margins).</summary>
    public int Hardest { get; init; } = 16;

    public VerifyOptions Validated()
    {
        const string o = nameof(VerifyOptions);
        Require.That(double.IsFinite(Eps) && Eps >= 0 && Eps <= 1, $"{o}.{nameof(Eps)}", $"must be a number from 0 to 1 (an L∞ radius in pixel units, e.g. 0.02), got {Eps}.");
        Require.That(BoundMethods.Names.Contains(Method), $"{o}.{nameof(Method)}", $"must be ibp, crown, alpha-crown or complete, got '{Method}'.");
        Require.Positive(Timeout, $"{o}.{nameof(Timeout)}");
        if (Images.PerClass is { } k) Require.InRange(k, 1, 1000, $"{o}.{nameof(Images)}");
        Require.InRange(Hardest, 0, 1000, $"{o}.{nameof(Hardest)}");
        Pgd.Validated();
        return this;
    }

    public BoundMethod BoundMethod => BoundMethods.Parse(Method);
}
