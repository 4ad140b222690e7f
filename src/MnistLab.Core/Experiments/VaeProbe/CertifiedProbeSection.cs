using System.Diagnostics;
using System.Text;
using MnistLab.Analysis;
using MnistLab.Analysis.Verification;
using MnistLab.Analysis.Verification.Certificates;
using MnistLab.Attribution;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Features;
using MnistLab.Models;
using static MnistLab.Reports.Markdown;
using static TorchSharp.torch;

namespace MnistLab.Experiments.VaeProbe;

/// <summary>Options of <see cref="CertifiedProbeSection"/>: the radii, the test images, whether each bound is certified, the points sampled in each ball.</summary>
public sealed record CertifiedProbeOptions
{
    /// <summary>The default radii, one shared list, so that two default records are equal.</summary>
    public static readonly IReadOnlyList<double> DefaultEpsilons = [0.005, 0.01, 0.02];

    public IReadOnlyList<double> Epsilons { get; init; } = DefaultEpsilons;
    public int Images { get; init; } = 100;

    /// <summary>Seal every bound as a certificate and re-derive it in exact arithmetic (false: α-CROWN's floating-point bounds only).</summary>
    public bool Certify { get; init; } = true;

    /// <summary>Random corners of each ball the probe is evaluated at: the largest residual seen is a lower bound on the true one.</summary>
    public int Samples { get; init; } = 64;

    /// <summary>
    /// Steps of the projected-gradient search (signed gradient, step ε/4, from the best random corner) for the reading's
    /// largest and smallest value in each ball: a stronger lower bound than the corners, so the gap to the proved bound is
    /// the bound's looseness at most. 0 turns the search off.
    /// </summary>
    public int AttackSteps { get; init; } = 20;

    public CertifiedProbeOptions Validated()
    {
        const string o = nameof(CertifiedProbeOptions);
        Require.That(Epsilons.Count > 0 && Epsilons.All(e => e is >= 0 and <= 1), $"{o}.{nameof(Epsilons)}", "must be radii from 0 to 1, at least one.");
        Require.InRange(Images, 1, 10_000, $"{o}.{nameof(Images)}");
        Require.InRange(Samples, 1, 100_000, $"{o}.{nameof(Samples)}");
        Require.InRange(AttackSteps, 0, 10_000, $"{o}.{nameof(AttackSteps)}");
        return this;
    }
}

/// <summary>
/// One concept at one radius over the images: the proved bound on |c(x) − probe(mu(x′))| for every x′ in the ball of any of
/// them (<paramref name="Delta"/>), the largest residual seen at sampled points of the balls (<paramref name="Sampled"/>, a
/// lower bound on the true one) and at the images themselves (<paramref name="Center"/>, the empirical δ on these images);
/// the mean width of the proved range of the probe's reading and of the sampled one; the certificates the exact checker accepted.
/// <paramref name="Attacked"/> and <paramref name="MeanAttackedWidth"/> are the same as the sampled ones for the points the
/// projected-gradient search found (with the corners), NaN when it did not run.
/// </summary>
public sealed record CertifiedProbeRow(string Concept, double Eps, int Images, double Delta, double Sampled, double Center,
    double MeanWidth, double MeanSampledWidth, int Accepted, double Seconds)
{
    public double Attacked { get; init; } = double.NaN;
    public double MeanAttackedWidth { get; init; } = double.NaN;
}

/// <summary>
/// Seed 004 exports δ, the probe's largest error on the test images, to Lean; it says nothing of the image next to them.
/// Here the probe is proved over balls: the encoder up to mu is a ReLU network, so α-CROWN bounds each concept's reading
/// w·mu(x′) + b over every x′ within ε of a test image x, and the residual against the image's own concept score c(x) is
/// bounded by max(U − c, c − L). Each bound is sealed as a certificate and re-derived exactly by <c>verify-check</c>'s
/// checker, the bounds' soundness is also tested on the sampled points (a sampled reading outside them is an error), and the
/// largest proved residual per radius goes to probe.lean beside δ.
/// </summary>
static class CertifiedProbeSection
{
    public static IReadOnlyList<CertifiedProbeRow>? Compute(Vae vae, RidgeProbeResult probe, Mnist mnist, double[,] testC, VaeProbeOptions options, IProgressSink progress)
    {
        if (options.CertifiedProbe is not { } o) return null;
        using var scope = NewDisposeScope();
        int n = Math.Min(o.Images, mnist.Test.Count), d = probe.LatentDim, k = probe.Outputs;
        var images = mnist.Test.Images.narrow(0, 0, n).to_type(ScalarType.Float32);
        var graph = BoundGraph.Of(LayerGraph.FromSequence(vae.MeanLayers()));
        CheckReproduces(vae, graph, images.narrow(0, 0, Math.Min(16, n)));
        var network = o.Certify ? ExactNetwork.Of(graph) : null;

        var rows = new double[k, d];
        for (int j = 0; j < k; j++)
            for (int t = 0; t < d; t++) rows[j, t] = probe.Weights[t, j];
        double[] bias = [.. Enumerable.Range(0, k).Select(j => probe.Weights[d, j])];
        var readout = tensor(rows.Cast<double>().ToArray(), [k, d]);

        var result = new List<CertifiedProbeRow>();
        using var task = progress.Start($"certified probe bounds ({(o.Certify ? "α-CROWN, each certificate checked exactly" : "α-CROWN")})", o.Epsilons.Count * n);
        foreach (var eps in o.Epsilons)
        {
            var clock = Stopwatch.StartNew();
            var delta = new double[k];
            var sampled = new double[k];
            var center = new double[k];
            var width = new double[k];
            var sampledWidth = new double[k];
            var attacked = new double[k];
            var attackedWidth = new double[k];
            int accepted = 0;
            using var generator = Seeds.Generator(options.Seed, $"vae-probe/certified/{eps}");
            for (int i = 0; i < n; i++)
            {
                using var imageScope = NewDisposeScope();
                var x = images[i];
                var range = ReadoutBounds.Prove(graph, x, eps, rows, network);
                if (range.Check is { Accepted: true }) accepted++;

                // The probe's readings at random corners of the ball and at its centre, in float64 through the same layers.
                var signs = rand([o.Samples, .. x.shape], generator: generator).lt(0.5).to_type(ScalarType.Float64).mul(2).sub(1);
                var points = cat([x.unsqueeze(0).to_type(ScalarType.Float64), (x.to_type(ScalarType.Float64) + signs * eps).clamp(0, 1)], 0);
                Tensor readings;
                using (no_grad()) readings = graph.Layers.Forward(points).matmul(readout.t()); // (1 + samples, k), without the bias
                var found = o.AttackSteps > 0 ? Extremes(graph, readout, x.to_type(ScalarType.Float64), points, readings, eps, o.AttackSteps) : null;
                for (int j = 0; j < k; j++)
                {
                    double[] r = [.. readings.select(1, j).data<double>()];
                    double[] a = found is null ? [] : [.. found.select(1, j).data<double>()];
                    if (r.Concat(a).Any(v => v < range.Lower[j] - 1e-9 * (1 + Math.Abs(v)) || v > range.Upper[j] + 1e-9 * (1 + Math.Abs(v))))
                        throw new InvalidOperationException($"test image {i}, {Concepts.Names[j]}: a sampled or attacked reading lies outside the proved range [{range.Lower[j]:G9}, {range.Upper[j]:G9}] at radius {eps}: the bounds are not sound.");
                    double c = testC[i, j];
                    if (found is not null)
                    {
                        double[] all = [.. r, .. a];
                        attacked[j] = Math.Max(attacked[j], all.Max(v => Math.Abs(c - (v + bias[j]))));
                        attackedWidth[j] += (all.Max() - all.Min()) / n;
                    }
                    delta[j] = Math.Max(delta[j], Residual(range.Lower[j], range.Upper[j], bias[j], c));
                    sampled[j] = Math.Max(sampled[j], r.Max(v => Math.Abs(c - (v + bias[j]))));
                    center[j] = Math.Max(center[j], Math.Abs(c - (r[0] + bias[j])));
                    width[j] += (range.Upper[j] - range.Lower[j]) / n;
                    sampledWidth[j] += (r.Max() - r.Min()) / n;
                }
                task.Advance(1, $"ε {eps}: image {i + 1} of {n}");
            }
            for (int j = 0; j < k; j++)
                result.Add(new CertifiedProbeRow(Concepts.Names[j], eps, n, delta[j], sampled[j], center[j], width[j], sampledWidth[j], accepted, clock.Elapsed.TotalSeconds)
                    { Attacked = o.AttackSteps > 0 ? attacked[j] : double.NaN, MeanAttackedWidth = o.AttackSteps > 0 ? attackedWidth[j] : double.NaN });
        }
        return result;
    }

    /// <summary>
    /// The readings (2k, k) at the points a projected-gradient search finds in the ball of <paramref name="x"/>: row 2j
    /// climbs concept j's reading, row 2j + 1 descends it, each from the corner (of <paramref name="points"/>) where the
    /// reading was already highest or lowest; signed-gradient steps of ε/4, projected back into the ball and [0, 1].
    /// </summary>
    static Tensor Extremes(BoundGraph graph, Tensor readout, Tensor x, Tensor points, Tensor readings, double eps, int steps)
    {
        using var scope = NewDisposeScope();
        int k = (int)readout.shape[0];
        var starts = Enumerable.Range(0, 2 * k).Select(r => (long)(r % 2 == 0 ? readings.select(1, r / 2).argmax() : readings.select(1, r / 2).argmin()).item<long>()).ToArray();
        var z = points.index_select(0, tensor(starts)).clone();
        // Row r's objective: + reading j for r = 2j, − reading j for r = 2j + 1.
        var direction = zeros(2 * k, k, dtype: ScalarType.Float64);
        for (int j = 0; j < k; j++) { direction[2 * j, j] = 1; direction[2 * j + 1, j] = -1; }
        var low = (x - eps).clamp(0, 1).unsqueeze(0);
        var high = (x + eps).clamp(0, 1).unsqueeze(0);
        for (int t = 0; t < steps; t++)
        {
            using var step = NewDisposeScope();
            var leaf = z.detach().requires_grad_(true);
            Tensor grad;
            using (enable_grad())
            {
                var objective = (graph.Layers.Forward(leaf).matmul(readout.t()) * direction).sum();
                grad = autograd.grad([objective], [leaf], allow_unused: true)[0] ?? zeros_like(leaf);
            }
            z = (z + grad.sign() * (eps / 4)).maximum(low).minimum(high).MoveToOuterDisposeScope();
        }
        using (no_grad()) return graph.Layers.Forward(z).matmul(readout.t()).MoveToOuterDisposeScope();
    }

    /// <summary>max(U + b − c, c − (L + b)) in exact arithmetic, rounded up: the largest |c − (w·mu + b)| with w·mu in [L, U].</summary>
    static double Residual(double lower, double upper, double bias, double c)
    {
        Dyadic b = Dyadic.From(bias), concept = Dyadic.From(c);
        return Dyadic.Max(Dyadic.From(upper) + b - concept, concept - Dyadic.From(lower) - b).Up();
    }

    /// <summary>The layers read for the bounds must compute the VAE's own mu.</summary>
    static void CheckReproduces(Vae vae, BoundGraph graph, Tensor x)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var mu = ModelCalls.InEval(vae, () => vae.Encode(x).Mu).to_type(ScalarType.Float64);
        double diff = (graph.Layers.Forward(x.to_type(ScalarType.Float64)) - mu).abs().max().item<double>();
        if (diff > 1e-4) throw new InvalidOperationException($"the encoder's layers as read for bound propagation differ from the VAE's mu by {diff:G3}.");
    }

    public static string Markdown(VaeProbeResult r)
    {
        if (r.CertifiedProbe is not { Count: > 0 } rows) return "";
        var o = r.Options.CertifiedProbe!;
        var sb = new StringBuilder();
        sb.AppendLine("## The probe proved over balls, not only at the test images").AppendLine();
        sb.AppendLine($"δ above is the largest error on the test images themselves. Here, for each of the first {rows[0].Images:N0} test images x and every " +
                      "image x′ within an L∞ radius ε of it (clipped to [0, 1]), α-CROWN bounds the probe's reading w·mu(x′) + b through the encoder " +
                      "(784-256-ReLU-mu), and the residual against the image's own concept score c(x) is bounded by the range's far end: " +
                      "\"proved δ\" holds for every such x′ of every one of these images. " +
                      (o.Certify
                          ? "Each bound is sealed as a certificate and re-derived in exact arithmetic by the checker of `mnistlab verify-check` before it is used. "
                          : "The bounds are α-CROWN's in float64, not certified (CertifiedProbe.Certify is off). ") +
                      $"\"Sampled\" is the largest residual at {o.Samples} random corners of each ball and at the image: the true worst case lies between " +
                      "the two. " + (o.AttackSteps > 0 ? $"\"PGD\" adds the points a projected-gradient search finds ({o.AttackSteps} signed-gradient steps of ε/4 " +
                      "from the best corner, for the largest and the smallest reading of each concept): a stronger lower bound, so proved δ − PGD is " +
                      "the most the bound can be loose. " : "") + "The widths are how far the reading can move inside a ball, proved and seen.").AppendLine();
        bool pgd = o.AttackSteps > 0;
        sb.AppendLine(Table(["concept", "ε", "δ at the images", "sampled", .. pgd ? ["PGD"] : Array.Empty<string>(), "proved δ", "mean width proved", "sampled",
                .. pgd ? ["PGD"] : Array.Empty<string>(), "certificates accepted", "seconds"],
            rows.Select(x => (IReadOnlyList<string>)[x.Concept, Num(x.Eps, 3), Num(x.Center, 3), Num(x.Sampled, 3), .. pgd ? [Num(x.Attacked, 3)] : Array.Empty<string>(),
                Num(x.Delta, 3), Num(x.MeanWidth, 3), Num(x.MeanSampledWidth, 3), .. pgd ? [Num(x.MeanAttackedWidth, 3)] : Array.Empty<string>(),
                o.Certify ? $"{x.Accepted} of {x.Images}" : "not certified", Num(x.Seconds, 1)])));
        sb.AppendLine("probe.lean carries the proved δ of each concept at each radius beside the empirical one.").AppendLine();
        return sb.ToString();
    }

    public static object? Metrics(VaeProbeResult r) => r.CertifiedProbe?.Select(x => new
    {
        concept = x.Concept, eps = x.Eps, images = x.Images, proved_delta = x.Delta, sampled_delta = x.Sampled, delta_at_images = x.Center,
        mean_width = x.MeanWidth, mean_sampled_width = x.MeanSampledWidth,
        pgd_delta = double.IsNaN(x.Attacked) ? (double?)null : x.Attacked, mean_pgd_width = double.IsNaN(x.MeanAttackedWidth) ? (double?)null : x.MeanAttackedWidth,
        certificates_accepted = x.Accepted, seconds = x.Seconds,
    });
}
