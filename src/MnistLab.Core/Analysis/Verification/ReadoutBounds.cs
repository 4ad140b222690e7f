using MnistLab.Analysis.Verification.Certificates;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Verification;

/// <summary>
/// The proved range of linear readouts r_j·output of a network over an image's L∞ ball: for each row, a lower and an upper
/// bound that hold for every input of the ball, each sealed as a certificate and re-derived by the exact checker.
/// </summary>
/// <param name="Lower">The proved lower bound of each readout.</param>
/// <param name="Upper">The proved upper bound of each readout.</param>
/// <param name="Check">What the exact checker said of the certificate (null when the bounds were not certified).</param>
public sealed record ReadoutRange(double[] Lower, double[] Upper, CheckResult? Check);

/// <summary>
/// Bounds a readout (a probe on a layer, a concept direction) over a ball, the way <see cref="Verifier"/> bounds a margin:
/// α-CROWN on the rows and their negatives, then, when certified, branch and bound asked to prove each row above a
/// threshold just under α-CROWN's bound (which it does at the root), the proof sealed in exact arithmetic and checked again
/// by <see cref="CertificateCheck"/>. The certified bounds are the sealed ones (exact values rounded outwards), never the
/// floating-point ones, and a proof the checker rejects is an error.
/// </summary>
public static class ReadoutBounds
{
    /// <summary>
    /// The range of <paramref name="rows"/>·output (rows: (k, outputs)) over the ball of radius <paramref name="eps"/>
    /// around <paramref name="x"/>, clipped to [0, 1]. <paramref name="network"/> is the exact reading of
    /// <paramref name="graph"/> (<see cref="ExactNetwork.Of"/>, made once per network): when given, the bounds are certified.
    /// </summary>
    public static ReadoutRange Prove(BoundGraph graph, Tensor x, double eps, double[,] rows, ExactNetwork? network = null)
    {
        using var scope = NewDisposeScope();
        int k = rows.GetLength(0), outputs = rows.GetLength(1);
        var r = tensor(rows.Cast<double>().ToArray(), [k, outputs]);
        var spec = cat([r, -r], 0);
        var (box, ball) = CertifiedBall.Around(x, eps);
        double[] floatBounds = graph.LowerBounds(box, spec, BoundMethod.AlphaCrown);
        if (network is null) return Range(floatBounds, null);

        // Thresholds a hair under the floating-point bounds: the root proves every row, and the certificate's own bounds
        // (exact, rounded down) are what is reported.
        double[] thresholds = [.. floatBounds.Select(b => b - 1e-6 * (1 + Math.Abs(b)))];
        var property = new SplitProperty(spec, thresholds, [.. Enumerable.Range(0, 2 * k)]);
        var (result, certificate) = BranchAndBound.Certify(graph, box, property, _ => null, timeoutSeconds: 60, ball);
        if (certificate is null)
            throw new InvalidOperationException($"the readout bounds over the ball of radius {eps} were not confirmed in exact arithmetic ({result.Verdict}).");
        var check = CertificateCheck.Run(certificate, network, property, box);
        if (!check.Accepted) throw new InvalidOperationException($"the exact checker rejects the readout bounds' certificate: {check.Reason}");
        double[] proved = [.. thresholds];
        foreach (var p in certificate.Tree.Split is null ? certificate.Tree.Proofs : [])
            proved[p.Row] = Math.Max(proved[p.Row], p.Bound);
        return Range(proved, check);

        ReadoutRange Range(double[] lower, CheckResult? c) =>
            new([.. lower.Take(k)], [.. lower.Skip(k).Select(v => -v)], c);
    }
}
