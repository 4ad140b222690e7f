using System.Text;
using MnistLab.Attribution;
using MnistLab.Data;
using MnistLab.Reports;
using static MnistLab.Reports.Markdown;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Experiments.Linearity;

/// <summary>
/// What each model reads, in one picture: the mean Integrated Gradients map (zero baseline, 50 Gauss–Legendre steps,
/// target the true digit) over the first <see cref="PerClass"/> test images of each digit, set beside the linear models'
/// weight templates. For a linear model IG is exactly x ⊙ w_c, so its mean map is the template seen through the digits'
/// ink; the MLP's mean map shows what its hidden layer adds.
/// </summary>
public static class LinearityAttribution
{
    public const int PerClass = 50;

    /// <summary>The mean IG map of each class (10 x 784).</summary>
    public static float[][] ClassMeans(Module<Tensor, Tensor> model, LabeledImages test)
    {
        using var scope = NewDisposeScope();
        long[] labels = test.LabelArray();
        var idx = Enumerable.Range(0, 10).SelectMany(c => Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).Take(PerClass)).Select(i => (long)i).ToArray();
        var chosen = idx.Select(i => labels[i]).ToArray();
        var ig = IntegratedGradients.Compute(new AttributionInput(model, test.Images.index_select(0, tensor(idx)), chosen), new IntegratedGradientsOptions());
        return Enumerable.Range(0, 10).Select(c =>
        {
            var rows = Enumerable.Range(0, idx.Length).Where(i => chosen[i] == c).Select(ig.Map).ToList();
            return Enumerable.Range(0, 784).Select(p => rows.Count == 0 ? 0f : rows.Average(r => r[p])).ToArray();
        }).ToArray();
    }

    static double Cosine(float[] a, float[] b)
    {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++) { ab += a[i] * (double)b[i]; aa += a[i] * (double)a[i]; bb += b[i] * (double)b[i]; }
        return aa == 0 || bb == 0 ? 0 : ab / Math.Sqrt(aa * bb);
    }

    static float[] Scaled(float[] m)
    {
        float max = m.Max(Math.Abs);
        return max == 0 ? m : m.Select(v => v / max).ToArray();
    }

    /// <summary>Per class: cos(MLP mean IG, linear template) and cos(MLP mean IG, linear mean IG), for each linear model.</summary>
    static IEnumerable<(string Linear, double[] ToTemplate, double[] ToLinearIg)> Cosines(LinearityResult r)
    {
        var mlp = r.Models.FirstOrDefault(m => m.Templates is null && m.MeanIg is not null);
        if (mlp is null) yield break;
        foreach (var lin in r.Models.Where(m => m.Templates is not null && m.MeanIg is not null))
            yield return (lin.Key, Enumerable.Range(0, 10).Select(c => Cosine(mlp.MeanIg![c], lin.Templates![c])).ToArray(),
                Enumerable.Range(0, 10).Select(c => Cosine(mlp.MeanIg![c], lin.MeanIg![c])).ToArray());
    }

    public static object Metrics(LinearityResult r) => new
    {
        per_class = PerClass,
        mlp_ig_vs_linear = Cosines(r).ToDictionary(c => c.Linear, c => new { cos_to_template = c.ToTemplate, cos_to_linear_ig = c.ToLinearIg }),
    };

    public static void WriteFigures(LinearityResult r, ReportFolder folder)
    {
        var rows = new List<(string Name, float[][] Maps)>();
        foreach (var m in r.Models.Where(m => m.Templates is not null)) rows.Add(($"{m.Key} w", m.Templates!));
        foreach (var m in r.Models.Where(m => m.MeanIg is not null)) rows.Add(($"{m.Key} IG", m.MeanIg!));
        if (rows.Count == 0) return;
        Plots.DivergingGrid(folder.PathOf("ig_vs_templates.png"), rows.SelectMany(x => x.Maps.Select(Scaled)).ToList(),
            rows.SelectMany(x => Enumerable.Range(0, 10).Select(c => $"{x.Name} {c}")).ToList(), rows.Count, 10);
    }

    public static string Markdown(LinearityResult r)
    {
        var cos = Cosines(r).ToList();
        if (!r.Models.Any(m => m.MeanIg is not null)) return "";
        var sb = new StringBuilder();
        sb.AppendLine("## What the models read: the MLP's Integrated Gradients beside the linear templates").AppendLine();
        sb.AppendLine($"Each row: a linear model's weight template per digit (w), then each model's mean Integrated Gradients map (zero baseline, 50 steps, " +
                      $"target the true digit) over the first {PerClass} test images of that digit; every map scaled by its own largest |value|, red positive, blue negative.").AppendLine();
        sb.AppendLine(Image("IG beside the templates", "ig_vs_templates.png")).AppendLine();
        if (cos.Count > 0)
        {
            sb.AppendLine("Cosine similarity of the MLP's mean IG map of each digit with each linear model's template, and with that linear model's own mean IG map:").AppendLine();
            sb.AppendLine(Table(["compared with", .. Enumerable.Range(0, 10).Select(c => c.ToString()), "mean"],
                cos.SelectMany(c => new IReadOnlyList<string>[]
                {
                    [$"{c.Linear} template", .. c.ToTemplate.Select(v => Num(v, 2)), Num(c.ToTemplate.Average(), 2)],
                    [$"{c.Linear} IG", .. c.ToLinearIg.Select(v => Num(v, 2)), Num(c.ToLinearIg.Average(), 2)],
                })));
            sb.AppendLine("A linear model's IG is x ⊙ w_c: it keeps the template's sign only where the digit has ink, so the MLP's maps are compared with both. " +
                          "A high cosine with the linear IG says the MLP reads the digits much as the linear model does; a low one, that its hidden layer reads other evidence.").AppendLine();
        }
        return sb.ToString();
    }
}
