using MnistLab.Analysis.Probes;
using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Information;

/// <summary>
/// The probe bound: H(Y) - the held-out cross-entropy of a logistic probe from X to Y. A cross-entropy is at least the
/// conditional entropy H(Y | X) under any model, so the difference is a lower bound on I(X; Y) up to sampling error; it
/// stays meaningful for wide layers, where binned estimates saturate at log N. The probe is trained on part of the
/// samples (seeded) and the bound read on the rest; its interval resamples the held-out samples and its null shuffles
/// their labels against the fixed probe's predictions.
/// </summary>
public sealed class ProbeBoundEstimator : IMiEstimator
{
    public string Name => Estimators.Probe;
    public string Description => "probe bound: H(Y) minus the held-out cross-entropy of a logistic probe, a lower bound on I(X; Y)";

    public MiFit Fit(Variable x, Variable y, MiOptions options)
    {
        if (x.IsDiscrete || !y.IsDiscrete)
            throw new InvalidOptionException($"{nameof(MiOptions)}.{nameof(MiOptions.Estimator)}", $"probe needs a continuous X (any number of values per sample) and a discrete Y, got X {x} and Y {y}.");
        var split = ProbeSplit.Random(x.Count, options.ProbeHeldOut, options.Seed);
        using var scope = NewDisposeScope();
        var all = tensor(x.Values.ToArray(), [x.Count, x.Dims]);
        var train = all.index_select(0, tensor(split.Train.Select(i => (long)i).ToArray()));
        var test = all.index_select(0, tensor(split.Test.Select(i => (long)i).ToArray()));
        var scaler = Standardizer.Fit(train);
        var codes = y.Codes.ToArray();
        var model = LogisticRegression.Fit(scaler.Apply(train), split.Train.Select(i => codes[i]).ToArray(), y.Classes, options.ProbeLambda);
        return FromHeldOut(model.LogProbabilities(scaler.Apply(test)), split.Test.Select(i => codes[i]).ToArray(), y.Classes);
    }

    /// <summary>
    /// The bound from a probe's held-out log-probabilities (n, classes) and the true labels: H(labels) (plug-in) minus
    /// the mean of -log p(label). Replicates recompute both on resampled rows; shuffles move the labels only.
    /// </summary>
    public static MiFit FromHeldOut(double[,] logp, int[] labels, int classes)
    {
        int n = labels.Length;
        var loss = Enumerable.Range(0, n).Select(i => -logp[i, labels[i]]).ToArray();
        double Entropy(IEnumerable<int> rows)
        {
            var counts = new int[classes];
            int total = 0;
            foreach (int i in rows) { counts[labels[i]]++; total++; }
            return Contingency.Entropy(counts, total);
        }
        double estimate = Entropy(Enumerable.Range(0, n)) - loss.Average();
        double h = Entropy(Enumerable.Range(0, n));
        return new MiFit(estimate, estimate,
            rows => Entropy(rows) - rows.Average(i => loss[i]),
            perm => h - Enumerable.Range(0, n).Average(i => -logp[i, labels[perm[i]]]),
            n);
    }
}
