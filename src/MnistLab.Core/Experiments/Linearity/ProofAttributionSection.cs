using System.Text;
using MnistLab.Analysis.Verification;
using MnistLab.Attribution;
using MnistLab.Attribution.Checks;
using MnistLab.Common;
using MnistLab.Data;
using static MnistLab.Reports.Markdown;
using static TorchSharp.torch;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace MnistLab.Experiments.Linearity;

/// <summary>Options of <see cref="ProofAttributionSection"/>: the radius, the test images, how many top pixels are compared, the attribution methods.</summary>
public sealed record ProofAttributionOptions
{
    public static readonly IReadOnlyList<string> DefaultMethods = [IntegratedGradients.Name, Saliency.Name, InputXGradient.Name];

    public double Eps { get; init; } = 0.02;
    public int Images { get; init; } = 100;
    public int Top { get; init; } = 50;
    public IReadOnlyList<string> Methods { get; init; } = DefaultMethods;

    public ProofAttributionOptions Validated()
    {
        const string o = nameof(ProofAttributionOptions);
        Require.That(Eps is > 0 and <= 1, $"{o}.{nameof(Eps)}", $"must be a radius in (0, 1], got {Eps}.");
        Require.InRange(Images, 1, 10_000, $"{o}.{nameof(Images)}");
        Require.InRange(Top, 1, 783, $"{o}.{nameof(Top)}");
        Require.That(Methods.Count > 0, $"{o}.{nameof(Methods)}", "must name at least one attribution method.");
        foreach (var m in Methods)
            Require.That(AttributionMethods.Names.Contains(m), $"{o}.{nameof(Methods)}", $"names an unknown attribution method '{m}'; the methods are {string.Join(", ", AttributionMethods.Names)}.");
        return this;
    }
}

/// <summary>
/// One ranking of the pixels on one model, averaged over the images: the share of its top pixels among the top pixels of
/// the proof's cost, Spearman's ρ between it and the cost, and how much the certified margin bound rises when its top
/// pixels are held at the image's values (the others left free).
/// </summary>
public sealed record ProofAttributionRow(string Model, string Ranking, int Images, double Overlap, double Spearman, double Gain);

/// <summary>
/// Do the pixels an attribution method ranks most relevant coincide with the pixels whose freedom most weakens the certified
/// margin? For each correctly classified test image, CROWN's bound on its weakest margin over the ball is split into one cost
/// per pixel (<see cref="MarginFreedom"/>); each attribution method's |map| for the true class ranks the pixels too. The
/// rankings are compared directly (top-k overlap, Spearman) and by what they do to the proof: the bound re-computed with a
/// ranking's top k pixels held fixed. The cost's own top k and k random pixels bracket the answer.
/// </summary>
static class ProofAttributionSection
{
    public const string Cost = "proof cost", Random = "random";

    public static IEnumerable<ProofAttributionRow> Compute(LinearityOptions options, string key, Module model, Mnist mnist, IProgressSink progress)
    {
        if (options.ProofAttribution is not { } o) yield break;
        using var scope = NewDisposeScope();
        var graph = BoundGraph.Of(model);
        int n = Math.Min(o.Images, mnist.Test.Count);
        var images = mnist.Test.Images.narrow(0, 0, n);
        long[] labels = mnist.Test.LabelArray()[..n];
        var predictions = ModelCalls.InEval(model, () => { using var _ = no_grad(); return model.call(images).argmax(1).data<long>().ToArray(); });
        int[] correct = [.. Enumerable.Range(0, n).Where(i => predictions[i] == labels[i])];
        if (correct.Length == 0) yield break;
        progress.Info($"{key}: which pixels' freedom costs its proofs, against {string.Join(", ", o.Methods)} ...");

        var input = new AttributionInput(model, images.index_select(0, tensor(correct.Select(i => (long)i).ToArray())), [.. correct.Select(i => labels[i])]);
        var maps = o.Methods.ToDictionary(m => m, m => AttributionMethods.Get(m).Compute(input, new AttributionSettings()));
        var rankings = new[] { Cost }.Concat(o.Methods).Append(Random).ToList();
        var overlap = rankings.ToDictionary(r => r, _ => 0.0);
        var spearman = rankings.ToDictionary(r => r, _ => 0.0);
        var gain = rankings.ToDictionary(r => r, _ => 0.0);
        var random = Seeds.Random(options.Seed, $"linearity/proof-attribution/{key}");
        for (int c = 0; c < correct.Length; c++)
        {
            using var imageScope = NewDisposeScope();
            var x = images[correct[c]];
            int label = (int)labels[correct[c]];
            var freedom = MarginFreedom.Of(graph, x, label, o.Eps);
            var costTop = Top(freedom.Cost.Select(v => (float)v).ToArray(), o.Top);
            foreach (var r in rankings)
            {
                float[] scores = r == Cost ? [.. freedom.Cost.Select(v => (float)v)]
                    : r == Random ? [.. Enumerable.Range(0, freedom.Cost.Length).Select(_ => (float)random.NextDouble())]
                    : [.. maps[r].Map(c).Select(Math.Abs)];
                var top = Top(scores, o.Top);
                overlap[r] += top.Intersect(costTop).Count() / (double)o.Top / correct.Length;
                spearman[r] += MapSimilarity.Spearman(scores, [.. freedom.Cost.Select(v => (float)v)]) / correct.Length;
                gain[r] += (MarginFreedom.BoundHolding(graph, x, label, o.Eps, top) - freedom.Bound) / correct.Length;
            }
        }
        foreach (var r in rankings) yield return new ProofAttributionRow(key, r, correct.Length, overlap[r], spearman[r], gain[r]);
    }

    /// <summary>The indices of the <paramref name="k"/> largest scores (ties by index).</summary>
    static int[] Top(float[] scores, int k) => [.. Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(k)];

    public static string Markdown(LinearityResult r)
    {
        if (r.ProofAttribution is not { Count: > 0 } rows) return "";
        var o = r.Options.ProofAttribution!;
        var sb = new StringBuilder();
        sb.AppendLine("## Do attributions point at the pixels that weaken the proof?").AppendLine();
        sb.AppendLine($"For each correctly classified image among the first {o.Images:N0} test images, CROWN's lower bound on its weakest margin over the " +
                      $"L∞ ball of radius {o.Eps} is split into one cost per pixel: how far that pixel's freedom pulls the bound below its value at the " +
                      $"image (for a linear model exactly |w_label − w_other| times the room the ball leaves). Each ranking's top {o.Top} pixels are set " +
                      $"against the {o.Top} costliest: **overlap** is the shared share (chance {Pct(o.Top / 784.0, 1)}), **ρ** Spearman's correlation over " +
                      $"all 784 pixels, and **margin gain** how much the proved margin rises when those {o.Top} pixels are held at the image's values and " +
                      "only the others are free (the costliest pixels' gain is the mark to reach; random pixels the floor). Attribution is |map| for the " +
                      "true class.").AppendLine();
        sb.AppendLine(Table(["model", "ranking", "images", "overlap with the cost's top", "ρ with the cost", "margin gain"],
            rows.Select(x => (IReadOnlyList<string>)[x.Model, x.Ranking, x.Images.ToString(), Pct(x.Overlap, 1), Num(x.Spearman, 3), Num(x.Gain, 3)])));
        foreach (var model in rows.GroupBy(x => x.Model))
        {
            var cost = model.Single(x => x.Ranking == Cost);
            var best = model.Where(x => x.Ranking is not Cost and not Random).MaxBy(x => x.Gain)!;
            sb.AppendLine($"- {model.Key}: the best attribution for the proof is {best.Ranking}: its top {o.Top} pixels share {Pct(best.Overlap, 1)} with the " +
                          $"costliest and holding them recovers {(cost.Gain > 0 ? Pct(best.Gain / cost.Gain, 0) : "n/a")} of the margin the costliest recover.");
        }
        sb.AppendLine();
        return sb.ToString();
    }

    public static object? Metrics(LinearityResult r) => r.ProofAttribution?.Select(x => new
    {
        model = x.Model, ranking = x.Ranking, images = x.Images, overlap = x.Overlap, spearman = x.Spearman, margin_gain = x.Gain,
    });
}
