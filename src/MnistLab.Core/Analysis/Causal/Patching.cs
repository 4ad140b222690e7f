using System.Diagnostics;
using MnistLab.Common;
using MnistLab.Models;
using static TorchSharp.torch;
using Activations = MnistLab.Models.Activations;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace MnistLab.Analysis.Causal;

/// <summary>How much of the clean run's answer one patch restores in the corrupted run: the measured share, and attribution patching's estimate of it.</summary>
public sealed record PatchEffect(string Name, double Restored, double Estimated);

/// <param name="Points">Each named point patched whole, from input to output.</param>
/// <param name="Units">Each unit (dense point) or channel (conv point) of <see cref="Point"/> patched alone; empty without a point.</param>
/// <param name="Correlation">Pearson's r between the units' measured and estimated shares.</param>
public sealed record PatchingResult(int Pairs, string Metric, double CleanMetric, double CorruptMetric, IReadOnlyList<PatchEffect> Points,
    string? Point, IReadOnlyList<PatchEffect> Units, double Correlation, double PatchSeconds, double AttributionSeconds);

/// <summary>
/// Activation patching between pairs of images (clean, corrupted): run the corrupted image with one activation taken
/// from the clean run (<see cref="Activations.RunWith"/>) and measure how much of the clean answer comes back. The answer
/// is the logit difference m = logit[y] − logit[o], y the clean prediction and o the corrupted one (its runner-up when
/// the corruption did not change the prediction); the share restored is (Σ m_patched − Σ m_corrupt) / (Σ m_clean −
/// Σ m_corrupt) over the pairs, 1 when the patch brings the clean answer back and 0 when it changes nothing. Attribution
/// patching (Nanda 2023; Kramár et al. 2024) estimates every share from one backward pass of the corrupted run:
/// Σ (a_clean − a_corrupt) · ∂m/∂a, the first-order Taylor step from the corrupted activation to the clean one.
/// </summary>
public static class Patching
{
    public static PatchingResult Compute(Module model, Tensor clean, Tensor corrupt, string? point, IProgressSink progress, int maxUnits = 1024)
    {
        if (clean.shape[0] != corrupt.shape[0] || clean.shape[0] == 0)
            throw new ArgumentException($"{clean.shape[0]} clean and {corrupt.shape[0]} corrupted inputs: the pairs must match, and there must be some.");
        var points = Activations.PointsOf(model).Select(p => p.Name).ToList();
        if (point is not null) Activations.Find(model, point);
        using var scope = NewDisposeScope();
        using var cleanRun = Activations.Run(model, clean, points);
        using var corruptRun = Activations.Run(model, corrupt, points);
        var y = cleanRun.Output.argmax(1);
        var o = Other(corruptRun.Output, y);
        Tensor Metric(Tensor logits) => logits.gather(1, y.unsqueeze(1)).squeeze(1) - logits.gather(1, o.unsqueeze(1)).squeeze(1);
        double mClean = Metric(cleanRun.Output).sum().item<float>(), mCorrupt = Metric(corruptRun.Output).sum().item<float>();
        double gap = mClean - mCorrupt;
        if (Math.Abs(gap) < 1e-6 * Math.Max(1, Math.Abs(mClean)))
            throw new InvalidOptionException("pairs", "the corrupted images give the clean answer: there is nothing to restore (choose pairs whose predictions differ).");
        double Share(Tensor logits) => (Metric(logits).sum().item<float>() - mCorrupt) / gap;

        var patchClock = new Stopwatch();
        var attributionClock = new Stopwatch();
        var effects = new List<PatchEffect>();
        using (var task = progress.Start("patching every point", points.Count))
            foreach (var name in points)
            {
                patchClock.Start();
                double restored = Share(Activations.RunWith(model, corrupt, name, Replacement.With(cleanRun[name])));
                patchClock.Stop();
                attributionClock.Start();
                double estimated = Estimate(model, corrupt, name, cleanRun[name], Metric).sum().item<double>() / gap;
                attributionClock.Stop();
                effects.Add(new PatchEffect(name, restored, estimated));
                task.Advance(1);
            }

        var units = new List<PatchEffect>();
        double correlation = double.NaN;
        if (point is not null)
        {
            var cleanAct = cleanRun[point];
            long count = cleanAct.dim() >= 2 ? cleanAct.shape[1] : 1;
            if (count > maxUnits)
                throw new InvalidOptionException("point", $"{point} has {count} units; patching them one by one is bounded at {maxUnits}.");
            attributionClock.Start();
            var perUnit = Estimate(model, corrupt, point, cleanAct, Metric);
            attributionClock.Stop();
            using var task = progress.Start($"patching each of the {count} units of {point}", count);
            for (long j = 0; j < count; j++)
            {
                long unit = j;
                patchClock.Start();
                double restored = Share(Activations.RunWith(model, corrupt, point, Replacement.Using(a =>
                {
                    var b = a.clone();
                    b[TensorIndex.Colon, unit] = cleanAct[TensorIndex.Colon, unit];
                    return b;
                })));
                patchClock.Stop();
                units.Add(new PatchEffect($"{point}[{j}]", restored, perUnit[TensorIndex.Colon, unit].sum().item<double>() / gap));
                task.Advance(1);
            }
            correlation = Pearson([.. units.Select(u => u.Restored)], [.. units.Select(u => u.Estimated)]);
        }
        return new PatchingResult((int)clean.shape[0], "logit[clean prediction] − logit[corrupted prediction, or its runner-up]", mClean, mCorrupt, effects,
            point, units, correlation, patchClock.Elapsed.TotalSeconds, attributionClock.Elapsed.TotalSeconds);
    }

    /// <summary>The corrupted run's prediction where it differs from <paramref name="y"/>, else its runner-up: its best class other than y.</summary>
    static Tensor Other(Tensor logits, Tensor y)
    {
        using var own = nn.functional.one_hot(y, logits.shape[1]).to_type(ScalarType.Bool);
        return logits.masked_fill(own, double.NegativeInfinity).argmax(1);
    }

    /// <summary>(a_clean − a_corrupt) ⊙ ∂m/∂a at the corrupted run, per image and element: (N, ...) float64.</summary>
    static Tensor Estimate(Module model, Tensor corrupt, string point, Tensor cleanAct, Func<Tensor, Tensor> metric)
    {
        using var g = Activations.Gradient(model, corrupt, point, metric);
        return ((cleanAct - g.Activation) * g.Gradient).to_type(ScalarType.Float64).MoveToOuterDisposeScope();
    }

    static double Pearson(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average();
        double cov = a.Zip(b).Sum(t => (t.First - ma) * (t.Second - mb));
        double va = a.Sum(v => (v - ma) * (v - ma)), vb = b.Sum(v => (v - mb) * (v - mb));
        return va == 0 || vb == 0 ? double.NaN : cov / Math.Sqrt(va * vb);
    }
}
