using MnistLab.Attribution;
using MnistLab.Common;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Analysis.Verification;

/// <summary>
/// Projected gradient descent in the L∞ ball clipped to [0, 1]: a search for an input the model gets wrong. What it finds
/// is only a candidate; <see cref="Verifier"/> keeps it as a counterexample after running the model on it again.
/// </summary>
public static class Pgd
{
    /// <summary>
    /// For each input (N, ...) in the model's float32 space with its label, an input of its ball the model classifies
    /// otherwise, (1, ...) float32, or null where the attack found none. Random starts come from <paramref name="generator"/>.
    /// </summary>
    public static Tensor?[] Attack(Module<Tensor, Tensor> model, Tensor inputs, long[] labels, double eps, PgdOptions options, Generator generator, IProgressTask? task = null)
    {
        options.Validated();
        Require.NonNegative(eps, "eps");
        long n = inputs.shape[0];
        var found = new Tensor?[n];
        for (long start = 0; start < n; start += options.Batch)
        {
            long count = Math.Min(options.Batch, n - start);
            using (var scope = NewDisposeScope())
            {
                var x = inputs.narrow(0, start, count).to_type(ScalarType.Float32);
                var (lo, hi) = Edges(x, eps);
                var y = tensor(labels[(int)start..(int)(start + count)]);
                double step = options.StepFraction * eps / options.Steps;
                for (int restart = 0; restart < options.Restarts; restart++)
                {
                    var open = Enumerable.Range(0, (int)count).Where(i => found[start + i] is null).Select(i => (long)i).ToArray();
                    if (open.Length == 0) break;
                    var rows = tensor(open);
                    var (l, h, target) = (lo.index_select(0, rows), hi.index_select(0, rows), y.index_select(0, rows));
                    var a = l + rand(l.shape, generator: generator) * (h - l);
                    for (int s = 0; ; s++)
                    {
                        var (margin, gradient) = Margin(model, a, target, s < options.Steps);
                        var wrong = (margin > 0).data<bool>().ToArray();
                        for (int i = 0; i < open.Length; i++)
                            if (wrong[i] && found[start + open[i]] is null)
                                found[start + open[i]] = a[i].unsqueeze(0).detach().clone().MoveToOuterDisposeScope();
                        if (gradient is null) break;
                        a = (a + step * gradient.sign()).maximum(l).minimum(h);
                    }
                }
            }
            task?.Advance(count);
        }
        return found;
    }

    /// <summary>
    /// The ball's corners in float32, each rounded inwards where float32 cannot hold the float64 value: every float32 point
    /// between them lies in the ball as the bounds read it (x − eps and x + eps in float64, clipped to [0, 1]).
    /// </summary>
    internal static (Tensor Low, Tensor High) Edges(Tensor x, double eps)
    {
        var c = x.to_type(ScalarType.Float64);
        return Inward((c - eps).clamp(0, 1), (c + eps).clamp(0, 1));
    }

    /// <summary>A float64 box as float32 corners rounded inwards, so that every float32 point between them lies in the box.</summary>
    internal static (Tensor Low, Tensor High) Inward(Tensor lo64, Tensor hi64)
    {
        var lo = lo64.to_type(ScalarType.Float32);
        var hi = hi64.to_type(ScalarType.Float32);
        lo = where(lo.to_type(ScalarType.Float64) < lo64, lo.nextafter(full_like(lo, float.PositiveInfinity)), lo);
        hi = where(hi.to_type(ScalarType.Float64) > hi64, hi.nextafter(full_like(hi, float.NegativeInfinity)), hi);
        return (lo, hi);
    }

    /// <summary>
    /// PGD in any box: an input between <paramref name="lower"/> and <paramref name="upper"/> (float64, (1, ...)) where
    /// <paramref name="objective"/> of the model's output (one value per row) is ≥ 0, or null. Each coordinate steps by
    /// its own share of the box's width, as the ball's attack steps by a share of eps.
    /// </summary>
    public static Tensor? Search(Module<Tensor, Tensor> model, Tensor lower, Tensor upper, Func<Tensor, Tensor> objective, PgdOptions options, Generator generator)
    {
        options.Validated();
        using var scope = NewDisposeScope();
        var (l, h) = Inward(lower, upper);
        var step = (h - l) / 2 * (options.StepFraction / options.Steps);
        for (int restart = 0; restart < options.Restarts; restart++)
        {
            var a = l + rand(l.shape, generator: generator) * (h - l);
            for (int s = 0; ; s++)
            {
                using var _ = enable_grad();
                var leaf = a.detach().requires_grad_(true);
                var value = objective(ModelCalls.InEval(model, () => model.call(leaf)));
                if (value.max().to_type(ScalarType.Float64).item<double>() >= 0) return leaf.detach().clone().MoveToOuterDisposeScope();
                if (s == options.Steps) break;
                var gradient = autograd.grad([value.sum()], [leaf])[0];
                a = (a + step * gradient.sign()).maximum(l).minimum(h).detach();
            }
        }
        return null;
    }

    /// <summary>
    /// PGD from given starts (N, ...) inside the float32 box [<paramref name="low"/>, <paramref name="high"/>]: each row climbs
    /// <paramref name="objective"/> (one value per row) by signed-gradient steps of a share of the box's width. Branch and
    /// bound starts it from the corners its bounds meet, so that the attack runs throughout the search and not only first.
    /// Returns the points after the last step (float32).
    /// </summary>
    public static Tensor Climb(Module<Tensor, Tensor> model, Tensor starts, Tensor low, Tensor high, Func<Tensor, Tensor> objective, int steps = 10)
    {
        using var scope = NewDisposeScope();
        var step = (high - low) * (2.5 / steps);
        var a = starts.to_type(ScalarType.Float32).maximum(low).minimum(high);
        for (int s = 0; s < steps; s++)
        {
            using var _ = enable_grad();
            var leaf = a.detach().requires_grad_(true);
            var value = objective(ModelCalls.InEval(model, () => model.call(leaf)));
            var gradient = autograd.grad([value.sum()], [leaf])[0];
            a = (a + step * gradient.sign()).maximum(low).minimum(high).detach();
        }
        return a.MoveToOuterDisposeScope();
    }

    /// <summary>max over other classes of logit_j − logit_label for each row of the outputs <paramref name="z"/> (N, classes): ≥ 0 where the label is lost.</summary>
    internal static Tensor WrongMargin(Tensor z, Tensor labels)
    {
        var own = z.gather(1, labels.view(-1, 1));
        var others = z.scatter(1, labels.view(-1, 1), full_like(own, float.NegativeInfinity));
        return others.max(1).values - own.squeeze(1);
    }

    /// <summary>max over other classes of logit_j − logit_label per row, and (when asked) its gradient with respect to the input.</summary>
    static (Tensor Margin, Tensor? Gradient) Margin(Module<Tensor, Tensor> model, Tensor a, Tensor labels, bool gradient)
    {
        using var _ = enable_grad();
        var leaf = a.detach().requires_grad_(gradient);
        var margin = WrongMargin(ModelCalls.InEval(model, () => model.call(leaf)), labels);
        if (!gradient) return (margin.detach(), null);
        return (margin.detach(), autograd.grad([margin.sum()], [leaf])[0].detach());
    }
}
