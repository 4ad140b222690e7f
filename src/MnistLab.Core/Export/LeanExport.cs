using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;
using Fractions;

namespace MnistLab.Export;

/// <summary>
/// What goes into a Lean export: the probe (float64, (d + 1) x k, last row the bias), the samples its delta is
/// measured on, and where they came from.
/// </summary>
public sealed record ProbeExport(
    IReadOnlyList<string> Concepts, double[,] Weights, double[,] Z, double[,] C,
    IReadOnlyDictionary<string, string> DataSha256, string CheckpointSha256, string SampleDescription, string Version)
{
    /// <summary>The probe's error proved over balls around the first test images, per concept and radius (null: none).</summary>
    public IReadOnlyList<ProvedDelta>? Proved { get; init; }
}

/// <summary>
/// |c(x) − w(mu(x′))| ≤ <paramref name="Delta"/> for each of the first <paramref name="Images"/> test images x and every x′
/// within L∞ radius <paramref name="Eps"/> of it, clipped to [0, 1]; <paramref name="Certified"/>: every bound was re-derived
/// in exact arithmetic.
/// </summary>
public sealed record ProvedDelta(string Concept, double Eps, double Delta, int Images, bool Certified);

/// <summary>The exact check of one concept: the largest residual over the samples and the exported delta.</summary>
public sealed record ConceptCheck(string Concept, Fraction MaxResidual, Fraction Delta, int Samples)
{
    public bool Holds => MaxResidual.CompareTo(Delta) <= 0;
}

/// <summary>
/// Writes a probe as a Lean 4 file (one <c>ProbeSpec</c> per concept, seed 004's ProbeSpec.δ): weights and bias
/// as the exact rationals of the float64 numbers, delta as the exact maximum residual over the samples,
/// rounded up to 9 decimals. The same export gives the same bytes.
/// </summary>
public static class LeanExport
{
    public const int DeltaDecimals = 9;

    public static string Render(ProbeExport e)
    {
        int d = e.Weights.GetLength(0) - 1;
        int n = e.Z.GetLength(0);
        var sb = new StringBuilder();
        sb.Append("/-\n");
        sb.Append($"  Linear concept probes exported by MnistLab {e.Version} (the ridge probe of the VAE experiment).\n");
        sb.Append("  Data files (SHA-256):\n");
        foreach (var (name, sha) in e.DataSha256.OrderBy(p => p.Key, StringComparer.Ordinal)) sb.Append($"    {name} {sha}\n");
        sb.Append($"  Model checkpoint (SHA-256): {e.CheckpointSha256}\n");
        sb.Append($"  Samples: {n} ({e.SampleDescription}).\n");
        sb.Append("  The weights and biases are the exact values of the fitted float64 numbers, not rounded decimals.\n");
        sb.Append($"  δ is an empirical maximum of |c - w(z)| over exactly these {n} samples, computed in exact rational\n");
        sb.Append($"  arithmetic and rounded up to {DeltaDecimals} decimals. It is not a bound over all inputs.\n");
        sb.Append("-/\n");
        sb.Append("import Mathlib\n\n");
        sb.Append("namespace MnistLab\n\n");
        sb.Append("/-- A linear probe `w z = ∑ i, weights i * z i + bias` on a latent space of dimension `d`, and its\n");
        sb.Append("    empirical sup error `δ` over `samples` measured points. -/\n");
        sb.Append("structure ProbeSpec (d : ℕ) where\n");
        sb.Append("  weights : Fin d → ℚ\n  bias : ℚ\n  δ : ℚ\n  samples : ℕ\n\n");
        for (int k = 0; k < e.Concepts.Count; k++)
        {
            var w = Enumerable.Range(0, d).Select(t => ExactRational.FromDouble(e.Weights[t, k])).ToArray();
            var b = ExactRational.FromDouble(e.Weights[d, k]);
            var delta = RoundUp(MaxResidual(w, b, e.Z, e.C, k), DeltaDecimals);
            sb.Append($"def probe_{e.Concepts[k]} : ProbeSpec {d} where\n");
            sb.Append($"  weights := ![{string.Join(", ", w.Select(Literal))}]\n");
            sb.Append($"  bias := {Literal(b)}\n");
            sb.Append($"  δ := {Literal(delta)}\n");
            sb.Append($"  samples := {n}\n\n");
        }
        if (e.Proved is { Count: > 0 } proved) Proved(sb, proved);
        sb.Append("end MnistLab\n");
        return sb.ToString();
    }

    /// <summary>The proved deltas, one list of (ε, δ) per concept, after the probes they speak of.</summary>
    static void Proved(StringBuilder sb, IReadOnlyList<ProvedDelta> proved)
    {
        var first = proved[0];
        bool certified = proved.All(p => p.Certified);
        sb.Append($"/-- Proved over balls: for each of the first {first.Images} test images x and every image x' with ‖x' - x‖∞ ≤ ε (clipped to\n");
        sb.Append("    [0, 1]), |c(x) - w(mu(x'))| ≤ δ, with c the concept score of x, mu the VAE's latent mean and w the probe above.\n");
        sb.Append(certified
            ? "    Each bound is α-CROWN's through the encoder, sealed as a certificate and re-derived in exact arithmetic by\n    `mnistlab verify-check`'s checker. Pairs (ε, δ), ε rounded down and δ up to 9 decimals. -/\n"
            : "    The bounds are α-CROWN's in float64 (not certified). Pairs (ε, δ), ε rounded down and δ up to 9 decimals. -/\n");
        foreach (var concept in proved.GroupBy(p => p.Concept))
        {
            // ε rounded down: the ball of the decimal radius lies inside the one proved, so δ holds there too.
            var pairs = concept.Select(p => $"({Literal(-RoundUp(-ExactRational.FromDouble(p.Eps), DeltaDecimals))}, {Literal(RoundUp(ExactRational.FromDouble(p.Delta), DeltaDecimals))})");
            sb.Append($"def probe_{concept.Key}_proved_δ : List (ℚ × ℚ) := [{string.Join(", ", pairs)}]\n\n");
        }
    }

    /// <summary>
    /// Re-reads every <c>ProbeSpec</c> from <paramref name="lean"/> and checks |c - w(z)| &lt;= δ on every sample
    /// with exact rational arithmetic: the numbers checked are the numbers written.
    /// </summary>
    public static IReadOnlyList<ConceptCheck> Check(string lean, IReadOnlyList<string> concepts, double[,] z, double[,] c)
    {
        var checks = new List<ConceptCheck>();
        for (int k = 0; k < concepts.Count; k++)
        {
            var m = Regex.Match(lean, $@"def probe_{Regex.Escape(concepts[k])} : ProbeSpec (\d+) where\n  weights := !\[(.*)\]\n  bias := (.*)\n  δ := (.*)\n  samples := (\d+)\n");
            if (!m.Success) throw new FormatException($"no ProbeSpec for concept '{concepts[k]}' in the Lean text.");
            var w = Regex.Matches(m.Groups[2].Value, @"\(\((-?\d+) : ℚ\) / (\d+)\)|\((-?\d+) : ℚ\)").Select(ParseLiteral).ToArray();
            if (w.Length != int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) || w.Length != z.GetLength(1))
                throw new FormatException($"probe_{concepts[k]}: {w.Length} weights for a latent space of dimension {z.GetLength(1)}.");
            var b = ParseLiteral(Regex.Match(m.Groups[3].Value, @"\(\((-?\d+) : ℚ\) / (\d+)\)|\((-?\d+) : ℚ\)"));
            var delta = ParseLiteral(Regex.Match(m.Groups[4].Value, @"\(\((-?\d+) : ℚ\) / (\d+)\)|\((-?\d+) : ℚ\)"));
            checks.Add(new ConceptCheck(concepts[k], MaxResidual(w, b, z, c, k), delta, z.GetLength(0)));
        }
        return checks;
    }

    /// <summary>max_i |c_ik - (sum_t w_t z_it + b)| in exact arithmetic (every float64 is a dyadic rational).</summary>
    public static Fraction MaxResidual(Fraction[] w, Fraction b, double[,] z, double[,] c, int k)
    {
        var max = Fraction.Zero;
        for (int i = 0; i < z.GetLength(0); i++)
        {
            var s = b;
            for (int t = 0; t < w.Length; t++) s += w[t] * ExactRational.FromDouble(z[i, t]);
            var r = (ExactRational.FromDouble(c[i, k]) - s).Abs();
            if (r.CompareTo(max) > 0) max = r;
        }
        return max;
    }

    /// <summary>The smallest multiple of 10^-decimals that is at least <paramref name="x"/>.</summary>
    public static Fraction RoundUp(Fraction x, int decimals)
    {
        var scale = BigInteger.Pow(10, decimals);
        var scaled = x.Numerator * scale;
        var q = BigInteger.DivRem(scaled, x.Denominator, out var rem);
        if (rem.Sign > 0) q += 1; // x >= 0 here: round towards +infinity
        return new Fraction(q, scale).Reduce();
    }

    /// <summary>Lean's spelling of a rational: <c>((n : ℚ) / d)</c>, or <c>(n : ℚ)</c> for an integer.</summary>
    public static string Literal(Fraction f)
    {
        var r = f.Reduce();
        return r.Denominator.IsOne ? $"({r.Numerator} : ℚ)" : $"(({r.Numerator} : ℚ) / {r.Denominator})";
    }

    static Fraction ParseLiteral(Match m) =>
        m.Groups[3].Success
            ? new Fraction(BigInteger.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture))
            : new Fraction(BigInteger.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), BigInteger.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
}
