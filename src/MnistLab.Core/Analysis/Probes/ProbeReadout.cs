using MnistLab.Analysis.Concepts;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Probes;

/// <summary>One concept's probe, fitted and scored, ready to read new activations.</summary>
/// <param name="Score">On the held-out images: accuracy for a discrete concept, R² for a continuous one.</param>
/// <param name="Classes">A discrete concept's class names; null for a continuous one.</param>
public sealed record ConceptProbe(string Concept, string Kind, double Score, double Lambda, IReadOnlyList<string>? Classes, RidgeModel? Ridge, LogisticModel? Logistic);

/// <summary>What one probe reads off one image's activation: a value, or a class with its probability.</summary>
public sealed record ConceptReading(string Concept, double? Value, string? Class, double? Probability, double Score);

/// <summary>
/// Probes of a layer that read new activations, as the live lab shows them: what each probe says about the current image.
/// Unlike <see cref="ProbeTable"/>, which measures how readable each concept is, these keep the fitted probes: the layer's
/// features standardised by the fitting rows' statistics, then ridge regression for a continuous concept and multinomial
/// logistic regression for a discrete one, lambda chosen by k-fold cross-validation on the fitting rows
/// (<see cref="ProbeOptions.RidgeLambdas"/>, <see cref="ProbeOptions.LogisticLambdas"/>), each scored on the held-out
/// rows. The fitting rows are the first ones, the held-out rows the last <see cref="HeldOutFraction"/>.
/// </summary>
public sealed class ProbeReadout
{
    public const double HeldOutFraction = 0.2;

    readonly Standardizer _scaler;

    public int Features { get; }
    public IReadOnlyList<ConceptProbe> Probes { get; }

    ProbeReadout(Standardizer scaler, int features, IReadOnlyList<ConceptProbe> probes) => (_scaler, Features, Probes) = (scaler, features, probes);

    /// <summary>Fits a probe of each concept on <paramref name="features"/> (N, d), one row per image in the concepts' order.</summary>
    public static ProbeReadout Fit(Tensor features, IReadOnlyList<ConceptValues> concepts, ProbeOptions? options = null)
    {
        var o = (options ?? new ProbeOptions()).Validated();
        int n = (int)features.shape[0], held = (int)Math.Round(n * HeldOutFraction), fit = n - held;
        if (fit < 2 * o.Folds || held < 1)
            throw new ArgumentException($"{n} rows are too few to fit probes with {o.Folds}-fold cross-validation and score them on a fifth.");
        foreach (var c in concepts)
            if (c.Count != n) throw new ArgumentException($"{c.Name}: {c.Count} values for {n} rows.");
        using var scope = NewDisposeScope();
        var x = features.reshape(n, -1);
        var scaler = Standardizer.Fit(x.narrow(0, 0, fit));
        var xs = scaler.Apply(x.narrow(0, 0, fit));
        var hs = scaler.Apply(x.narrow(0, fit, held));
        var probes = concepts.Select(c => c.IsDiscrete ? Discrete(c, xs, hs, fit, o) : Continuous(c, xs, hs, fit, o)).ToList();
        return new ProbeReadout(scaler, (int)x.shape[1], probes);
    }

    static ConceptProbe Discrete(ConceptValues c, Tensor xs, Tensor hs, int fit, ProbeOptions o)
    {
        var codes = c.Codes;
        int[] train = codes[..fit], test = codes[fit..];
        var (lambda, _) = LogisticRegression.Select(xs, train, c.Classes, o.LogisticLambdas, o.Folds);
        var model = LogisticRegression.Fit(xs, train, c.Classes, lambda);
        return new ConceptProbe(c.Name, LinearProbe.Logistic, LinearProbe.Accuracy(model.LogProbabilities(hs), test), lambda, c.ClassNames, null, model);
    }

    static ConceptProbe Continuous(ConceptValues c, Tensor xs, Tensor hs, int fit, ProbeOptions o)
    {
        double[] train = c.Values[..fit], test = c.Values[fit..];
        var (lambda, _) = RidgeRegression.Select(RidgeRegression.Folds(xs, o.Folds), train, o.RidgeLambdas);
        var model = new RidgePath(xs).Fit(train, lambda);
        var predicted = model.Predict(hs);
        double mean = test.Average(), total = test.Sum(v => (v - mean) * (v - mean));
        double residual = test.Select((v, i) => (v - predicted[i]) * (v - predicted[i])).Sum();
        return new ConceptProbe(c.Name, LinearProbe.Ridge, total > 0 ? 1 - residual / total : double.NaN, lambda, null, model, null);
    }

    /// <summary>Each probe's reading of one activation (any shape with <see cref="Features"/> values).</summary>
    public IReadOnlyList<ConceptReading> Read(Tensor activation)
    {
        if (activation.numel() != Features)
            throw new ArgumentException($"the probes read {Features} values; the activation has {activation.numel()}.");
        using var scope = NewDisposeScope();
        var x = _scaler.Apply(activation.reshape(1, Features));
        return Probes.Select(p =>
        {
            if (p.Ridge is { } ridge) return new ConceptReading(p.Concept, ridge.Predict(x)[0], null, null, p.Score);
            var logp = p.Logistic!.LogProbabilities(x);
            int k = ArgMax(logp, 0);
            return new ConceptReading(p.Concept, null, p.Classes![k], Math.Exp(logp[0, k]), p.Score);
        }).ToList();
    }

    static int ArgMax(double[,] logp, int row)
    {
        int best = 0;
        for (int k = 1; k < logp.GetLength(1); k++) if (logp[row, k] > logp[row, best]) best = k;
        return best;
    }
}
