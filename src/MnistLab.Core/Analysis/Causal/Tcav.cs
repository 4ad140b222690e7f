using MathNet.Numerics.Distributions;
using MnistLab.Analysis.Concepts;
using MnistLab.Analysis.Probes;
using MnistLab.Common;
using static TorchSharp.torch;
using Activations = MnistLab.Models.Activations;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace MnistLab.Analysis.Causal;

public sealed record TcavOptions
{
    public IReadOnlyList<string> Layers { get; init; } = [];

    /// <summary>
    /// The concepts, each a set of example images: <c>NAME</c> for a two-valued concept (its second value, e.g. the
    /// digits with a ring) or a continuous one (its top quarter, e.g. the thickest), <c>NAME=VALUE</c> for one value of
    /// a discrete concept (<c>class=7</c>, <c>holes=2</c>).
    /// </summary>
    public IReadOnlyList<string> Concepts { get; init; } = ["ring", "thick", "slant"];
    public string? ConceptCsv { get; init; }

    /// <summary>Examples of the concept, and of each random set, per run.</summary>
    public int Examples { get; init; } = 200;

    /// <summary>Runs: each trains a CAV against its own random set, and a random CAV (two random sets) for the null.</summary>
    public int Runs { get; init; } = 10;

    /// <summary>Images of each class whose directional derivatives are counted.</summary>
    public int ClassImages { get; init; } = 200;

    /// <summary>The L2 penalty of the logistic regression that finds each CAV.</summary>
    public double Lambda { get; init; } = 1e-3;

    /// <summary>Family-wise significance level (Bonferroni over every layer, concept and class).</summary>
    public double Alpha { get; init; } = 0.05;

    public TcavOptions Validated()
    {
        const string o = nameof(TcavOptions);
        Require.That(Layers.Count > 0 && Layers.All(l => !string.IsNullOrWhiteSpace(l)), $"{o}.{nameof(Layers)}", "must name at least one point of the model.");
        Require.That(Concepts.Count > 0, $"{o}.{nameof(Concepts)}", "must name at least one concept.");
        Require.InRange(Examples, 10, 100_000, $"{o}.{nameof(Examples)}");
        Require.InRange(Runs, 2, 1000, $"{o}.{nameof(Runs)}");
        Require.InRange(ClassImages, 1, 100_000, $"{o}.{nameof(ClassImages)}");
        Require.That(Lambda > 0 && double.IsFinite(Lambda), $"{o}.{nameof(Lambda)}", $"must be a positive number, got {Lambda}.");
        Require.That(Alpha is > 0 and < 1, $"{o}.{nameof(Alpha)}", $"must lie between 0 and 1, got {Alpha}.");
        return this;
    }
}

/// <summary>
/// TCAV of one concept at one point for one class (Kim et al. 2018, as Captum reports it): <see cref="Score"/> is the
/// mean over runs of the share of the class's images whose logit rises along the concept's activation vector (Captum's
/// <c>sign_count</c>); <see cref="Magnitude"/> the mean share of the absolute directional derivatives that is positive;
/// <see cref="PValue"/> the two-sided t-test of the runs' scores against those of random CAVs, Bonferroni-corrected.
/// </summary>
public sealed record TcavRow(string Layer, string Concept, int Class, double Score, double Magnitude, double RandomScore,
    double PValue, bool Significant, double[] Scores, double[] RandomScores, double CavAccuracy);

public sealed record TcavResult(IReadOnlyList<TcavRow> Rows, IReadOnlyList<string> Layers, IReadOnlyList<string> Concepts, IReadOnlyList<int> Classes, TcavOptions Options, int PoolImages);

/// <summary>
/// Testing with Concept Activation Vectors: is the model's answer for a class sensitive to a human concept at a point?
/// For each run a logistic regression separates the point's activations on the concept's examples from those on random
/// images; its normal, pointing to the concept, is the CAV. The gradient of the class's logit with respect to the
/// point, dotted with the CAV, is the directional derivative; the TCAV score is the share of the class's images where it
/// is positive. Scores over runs are tested against random CAVs (random against random images), so a concept the
/// model ignores scores as chance does.
/// </summary>
public static class Tcav
{
    public static TcavResult Compute(Module model, Func<Tensor, Tensor> input, ConceptImages pool, TcavOptions options, IProgressSink progress, long seed = 0)
    {
        options = options.Validated();
        foreach (var l in options.Layers) Activations.Find(model, l);
        var concepts = options.Concepts.Select(c => ExampleSet.Resolve(c, pool, options.ConceptCsv)).ToList();
        int classes;
        using (var probe = Activations.Run(model, input(pool.Images.narrow(0, 0, 1)), []))
            classes = (int)probe.Output.shape[1];
        var classIndex = Enumerable.Range(0, classes)
            .Select(k => Enumerable.Range(0, pool.Count).Where(i => pool.Labels[i] == k).Take(options.ClassImages).ToArray()).ToList();
        var tested = Enumerable.Range(0, classes).Where(k => classIndex[k].Length > 0).ToList();
        int tests = options.Layers.Count * concepts.Count * tested.Count;
        var rows = new List<TcavRow>();
        foreach (var layer in options.Layers)
        {
            using var acts = Flat(model, input, pool.Images, layer);
            // Every class's gradients of its logit at the point, once: each CAV is then one product with them.
            var gradients = tested.ToDictionary(k => k, k => Gradients(model, input, pool.Images, classIndex[k], layer, k));
            using (var task = progress.Start($"TCAV at {layer}: {concepts.Count} concepts x {options.Runs} runs", concepts.Count * options.Runs))
                foreach (var concept in concepts)
                {
                    var random = Seeds.Random(seed, $"tcav/{layer}/{concept.Name}");
                    var cavs = new List<(Tensor Cav, double Accuracy)>();
                    var nulls = new List<Tensor>();
                    for (int run = 0; run < options.Runs; run++)
                    {
                        var examples = Draw(concept.Members, options.Examples, random);
                        cavs.Add(Cav(acts, examples, Draw(pool.Count, options.Examples, random), options.Lambda));
                        nulls.Add(Cav(acts, Draw(pool.Count, options.Examples, random), Draw(pool.Count, options.Examples, random), options.Lambda).Cav);
                        task.Advance(1);
                    }
                    foreach (var k in tested)
                    {
                        var (scores, magnitudes) = Scores(gradients[k], cavs.Select(c => c.Cav));
                        var (randomScores, _) = Scores(gradients[k], nulls);
                        double p = Math.Min(1, TTest(scores, randomScores) * tests);
                        rows.Add(new TcavRow(layer, concept.Name, k, scores.Average(), magnitudes.Average(), randomScores.Average(), p, p < options.Alpha,
                            scores, randomScores, cavs.Average(c => c.Accuracy)));
                    }
                    foreach (var c in cavs) c.Cav.Dispose();
                    foreach (var n in nulls) n.Dispose();
                }
            foreach (var g in gradients.Values) g.Dispose();
        }
        return new TcavResult(rows, options.Layers, [.. concepts.Select(c => c.Name)], tested, options, pool.Count);
    }

    /// <summary>A point's activations (N, d) float64.</summary>
    static Tensor Flat(Module model, Func<Tensor, Tensor> input, Tensor images, string layer) =>
        Activations.Collect(model, input, images, layer, a => a.reshape(a.shape[0], -1).to_type(ScalarType.Float64), batch: 500);

    /// <summary>d logit_k / d activation for the images <paramref name="rows"/>: (n, d) float64.</summary>
    static Tensor Gradients(Module model, Func<Tensor, Tensor> input, Tensor images, int[] rows, string layer, int k)
    {
        using var scope = NewDisposeScope();
        using var index = tensor(rows.Select(r => (long)r).ToArray());
        using var g = Activations.Gradient(model, input(images.index_select(0, index)), layer, output => output.select(1, k));
        return g.Gradient.reshape(rows.Length, -1).to_type(ScalarType.Float64).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The unit normal of a logistic regression separating the concept's examples (label 1) from the random ones (label
    /// 0), and its training accuracy. It is fitted on the activations standardised unit by unit, so the penalty means the
    /// same at any scale, and its weights are mapped back to the point's own units (w / sd) before they are normalised.
    /// </summary>
    static (Tensor Cav, double Accuracy) Cav(Tensor acts, int[] concept, int[] random, double lambda)
    {
        using var scope = NewDisposeScope();
        var rows = tensor(concept.Concat(random).Select(i => (long)i).ToArray());
        var x = acts.index_select(0, rows);
        var scaler = Standardizer.Fit(x);
        var standard = scaler.Apply(x);
        int[] labels = [.. concept.Select(_ => 1), .. random.Select(_ => 0)];
        var fit = LogisticRegression.Fit(standard, labels, 2, lambda);
        var w = (tensor(fit.Direction(1)) - tensor(fit.Direction(0))) / tensor(scaler.Scale);
        var logp = fit.LogProbabilities(standard);
        double accuracy = Enumerable.Range(0, labels.Length).Count(i => (logp[i, 1] > logp[i, 0] ? 1 : 0) == labels[i]) / (double)labels.Length;
        double norm = w.norm().item<double>();
        return ((norm > 0 ? w / norm : w).MoveToOuterDisposeScope(), accuracy);
    }

    /// <summary>Per CAV: the share of positive directional derivatives, and the share of their absolute sum that is positive.</summary>
    static (double[] Scores, double[] Magnitudes) Scores(Tensor gradients, IEnumerable<Tensor> cavs)
    {
        var scores = new List<double>();
        var magnitudes = new List<double>();
        foreach (var cav in cavs)
        {
            using var scope = NewDisposeScope();
            var s = gradients.matmul(cav);
            scores.Add(s.gt(0).to_type(ScalarType.Float64).mean().item<double>());
            double total = s.abs().sum().item<double>();
            magnitudes.Add(total == 0 ? 0 : s.clamp_min(0).sum().item<double>() / total);
        }
        return ([.. scores], [.. magnitudes]);
    }

    /// <summary>Student's two-sample t-test (equal variances, as scipy's ttest_ind and Captum use it), two-sided; 1 when both samples are constant and equal.</summary>
    public static double TTest(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        int n = a.Count, m = b.Count;
        double ma = a.Average(), mb = b.Average();
        double pooled = (a.Sum(v => (v - ma) * (v - ma)) + b.Sum(v => (v - mb) * (v - mb))) / (n + m - 2);
        double se = Math.Sqrt(pooled * (1.0 / n + 1.0 / m));
        if (se == 0) return ma == mb ? 1 : 0;
        double t = (ma - mb) / se;
        return 2 * StudentT.CDF(0, 1, n + m - 2, -Math.Abs(t));
    }

    static int[] Draw(int count, int k, Random random) => Draw([.. Enumerable.Range(0, count)], k, random);

    /// <summary>k distinct members (all of them when there are fewer), in a seeded order.</summary>
    static int[] Draw(int[] members, int k, Random random)
    {
        var order = (int[])members.Clone();
        random.Shuffle(order);
        return order[..Math.Min(k, order.Length)];
    }

    /// <summary>The images of the pool that are examples of a concept.</summary>
    sealed record ExampleSet(string Name, int[] Members)
    {
        public static ExampleSet Resolve(string spec, ConceptImages pool, string? csv)
        {
            var parts = spec.Split('=', 2);
            var concept = ConceptRegistry.Resolve([parts[0]], csv)[0];
            var values = concept.Compute(pool);
            int[] members;
            string name;
            if (parts.Length == 2)
            {
                if (!values.IsDiscrete) throw new InvalidOptionException("concepts", $"{spec}: {parts[0]} is continuous; NAME=VALUE picks a value of a discrete concept.");
                int code = values.ClassNames.ToList().IndexOf(parts[1]);
                if (code < 0) throw new InvalidOptionException("concepts", $"{spec}: {parts[0]} takes the values {string.Join(", ", values.ClassNames)} on these images.");
                var codes = values.Codes;
                members = [.. Enumerable.Range(0, values.Count).Where(i => codes[i] == code)];
                name = spec;
            }
            else if (values.IsDiscrete)
            {
                if (values.Classes != 2) throw new InvalidOptionException("concepts", $"{spec} takes {values.Classes} values ({string.Join(", ", values.ClassNames)}): pick one as {spec}=VALUE.");
                var codes = values.Codes;
                members = [.. Enumerable.Range(0, values.Count).Where(i => codes[i] == 1)];
                name = $"{spec}={values.ClassNames[1]}";
            }
            else
            {
                double cut = values.Values.Order().ElementAt((int)(0.75 * (values.Count - 1)));
                members = [.. Enumerable.Range(0, values.Count).Where(i => values.Values[i] >= cut)];
                name = $"{spec} (top quarter)";
            }
            if (members.Length < 10) throw new InvalidOptionException("concepts", $"{spec}: only {members.Length} of the {pool.Count} images are examples; give more images.");
            return new ExampleSet(name, members);
        }
    }
}
