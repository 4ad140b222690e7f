using MnistLab.Analysis.Concepts;
using MnistLab.Analysis.Information;
using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Probes;

/// <summary>
/// A linear probe of one concept in one layer: ridge regression for a continuous concept (R² and seed 004's sup error
/// on the test images), multinomial logistic regression for a discrete one (accuracy and cross-entropy), lambda by k-fold
/// cross-validation on the training images; with its control task, its online code length and its MI estimate.
/// </summary>
public static class LinearProbe
{
    public const string Ridge = "ridge", Logistic = "logistic";

    /// <summary>Probes <paramref name="concept"/> in <paramref name="layer"/>; the control task and the MI's resamples are streams of <paramref name="seed"/>.</summary>
    public static ProbeResult Compute(ProbeLayer layer, ConceptValues concept, ProbeOptions options, long seed = 0)
    {
        options = options.Validated();
        if (concept.Count != layer.Split.Count)
            throw new ArgumentException($"{concept.Name}: {concept.Count} values for {layer.Split.Count} images.");
        var control = Shuffled(concept, seed);
        return concept.IsDiscrete ? Discrete(layer, concept, control, options, seed) : Continuous(layer, concept, control, options, seed);
    }

    /// <summary>The control task: the same values dealt to the images in a seeded random order, which no layer can know.</summary>
    public static ConceptValues Shuffled(ConceptValues concept, long seed)
    {
        var order = Enumerable.Range(0, concept.Count).ToArray();
        Seeds.Random(seed, $"probe/control/{concept.Name}").Shuffle(order);
        return concept.Rows(order);
    }

    static ProbeResult Discrete(ProbeLayer layer, ConceptValues concept, ConceptValues control, ProbeOptions o, long seed)
    {
        var split = layer.Split;
        int k = concept.Classes;
        var codes = concept.Codes;
        int[] train = split.Train.Select(i => codes[i]).ToArray(), test = split.Test.Select(i => codes[i]).ToArray();
        var axes = layer.Axes;
        var selection = LogisticRegression.Select(axes, layer.LogisticFolds(o.Folds), train, k, o.LogisticLambdas);
        double lambda = selection.Lambda;
        var fit = LogisticRegression.Fit(axes, layer.TrainRows, train, k, lambda, selection.Start);
        var logp = LogisticRegression.LogProbabilities(layer.TestRows, fit);
        double accuracy = Accuracy(logp, test);
        double ce = -Enumerable.Range(0, test.Length).Average(i => logp[i, test[i]]);

        double controlScore = double.NaN;
        if (o.Control)
        {
            var cc = control.Codes;
            var controlFit = LogisticRegression.Fit(axes, layer.TrainRows, split.Train.Select(i => cc[i]).ToArray(), k, lambda);
            controlScore = Accuracy(LogisticRegression.LogProbabilities(layer.TestRows, controlFit), split.Test.Select(i => cc[i]).ToArray());
        }
        var mdl = o.Mdl && !o.Fast ? OnlineCode.Compute(axes, layer.TrainRows, train, k, lambda, o.MdlFractions, concept.Name, o.LogisticLambdas.Count) : null;
        var mi = MiEstimate.Summarise(Estimators.Probe, ProbeBoundEstimator.FromHeldOut(logp, test, k), test.Length, MiOptions(o, concept, seed));
        var model = LogisticRegression.ToModel(axes, fit, lambda);
        return new ProbeResult(layer.Name, concept.Name, Logistic, layer.Features, train.Length, test.Length, accuracy, controlScore, lambda, selection.Loss,
            accuracy, ce, null, null, null, mdl, mi, Entropy(test, k))
        {
            Directions = Enumerable.Range(0, k).Select(model.Direction).ToArray(),
            Classes = concept.ClassNames,
        };
    }

    static ProbeResult Continuous(ProbeLayer layer, ConceptValues concept, ConceptValues control, ProbeOptions o, long seed)
    {
        var split = layer.Split;
        double[] train = split.Train.Select(i => concept.Values[i]).ToArray(), test = split.Test.Select(i => concept.Values[i]).ToArray();
        var (lambda, cv) = RidgeRegression.Select(layer.RidgeFolds(o.Folds), train, o.RidgeLambdas);
        var model = layer.RidgePath.Fit(train, lambda);
        var predicted = model.Predict(layer.TestValues, layer.Rank);
        var metrics = Metrics(test, predicted);

        double controlScore = double.NaN;
        if (o.Control)
        {
            // The control gets its own cross-validated lambda, as the concept did: with the concept's lambda, ridge would
            // fit the shuffled values and score below 0 on new images, which measures overfitting rather than capacity.
            var controlTrain = split.Train.Select(i => control.Values[i]).ToArray();
            var (controlLambda, _) = RidgeRegression.Select(layer.RidgeFolds(o.Folds), controlTrain, o.RidgeLambdas);
            var controlModel = layer.RidgePath.Fit(controlTrain, controlLambda);
            controlScore = Metrics(split.Test.Select(i => control.Values[i]).ToArray(), controlModel.Predict(layer.TestValues, layer.Rank)).R2[0];
        }
        MdlResult? mdl = null;
        if (o.Mdl && !o.Fast)
        {
            // A code needs a distribution over values: a continuous concept is sent as its equal-mass bin.
            mdl = OnlineCode.Ridge(layer, train, o.MdlBins, lambda, o.MdlFractions, $"{concept.Name} ({o.MdlBins} equal-mass bins)", o.RidgeLambdas.Count);
        }
        var mi = MiEstimate.Compute(Variable.Continuous(predicted.Select(v => (float)v).ToArray()), Variable.Continuous(test.Select(v => (float)v).ToArray()),
            MiOptions(o, concept, seed) with { Estimator = Estimators.Ksg });
        return new ProbeResult(layer.Name, concept.Name, Ridge, layer.Features, train.Length, test.Length, metrics.R2[0], controlScore, lambda, cv,
            null, null, metrics.R2[0], metrics.Delta[0], metrics.P99[0], mdl, mi, double.NaN)
        {
            Directions = [layer.Axes.ToFeatures(model.Weights, [model.Intercept]).Weights],
        };
    }

    static MiOptions MiOptions(ProbeOptions o, ConceptValues concept, long seed) =>
        new() { Estimator = Estimators.Probe, Bootstrap = o.Fast ? 0 : o.Bootstrap, Null = o.Fast ? 0 : o.Null, Seed = (long)(Seeds.Derive(seed, $"probe/mi/{concept.Name}") >> 1) };

    /// <summary>R², sup error and 99th percentile of |residual| with seed 004's formulas (<see cref="RidgeProbe.Evaluate"/>).</summary>
    static ProbeMetrics Metrics(double[] truth, double[] predicted)
    {
        int n = truth.Length;
        var z = new double[n, 1];
        var c = new double[n, 1];
        for (int i = 0; i < n; i++) { z[i, 0] = predicted[i]; c[i, 0] = truth[i]; }
        // The identity probe on the predictions: Evaluate then measures the predictions themselves.
        return RidgeProbe.Evaluate(new RidgeProbeResult(new double[,] { { 1 }, { 0 } }, 0), z, c);
    }

    /// <summary>The share of rows whose most probable class is their label.</summary>
    internal static double Accuracy(double[,] logp, int[] labels) =>
        Enumerable.Range(0, labels.Length).Count(i => Enumerable.Range(0, logp.GetLength(1)).MaxBy(k => logp[i, k]) == labels[i]) / (double)labels.Length;

    static double Entropy(int[] labels, int classes)
    {
        var counts = new int[classes];
        foreach (int l in labels) counts[l]++;
        return Contingency.Entropy(counts, labels.Length);
    }
}
