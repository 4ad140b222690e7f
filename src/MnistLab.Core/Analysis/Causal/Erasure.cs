using MnistLab.Analysis.Concepts;
using MnistLab.Analysis.Probes;
using MnistLab.Common;
using MnistLab.Models;
using static TorchSharp.torch;
using Activations = MnistLab.Models.Activations;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace MnistLab.Analysis.Causal;

public sealed record ErasureOptions
{
    public const string Leace = "leace", Inlp = "inlp";

    /// <summary>The points to erase from; each must hold at most <see cref="MaxWidth"/> values per image.</summary>
    public IReadOnlyList<string> Layers { get; init; } = [];

    /// <summary>Names of <see cref="ConceptRegistry"/> or columns of <see cref="ConceptCsv"/>.</summary>
    public IReadOnlyList<string> Concepts { get; init; } = ["class", "ring", "size", "thick", "slant"];
    public string? ConceptCsv { get; init; }

    /// <summary>The first this many training images fit the erasers; the evaluation images are others (the test images by default).</summary>
    public int FitImages { get; init; } = 10000;

    /// <summary>The eraser: LEACE's closed form or INLP's iterations.</summary>
    public string Method { get; init; } = Leace;

    /// <summary>Random subspaces of the eraser's rank erased as the control.</summary>
    public int Controls { get; init; } = 20;

    public int InlpIterations { get; init; } = 10;

    /// <summary>Widest point (values per image) an eraser is fitted on: its covariance is width² doubles.</summary>
    public int MaxWidth { get; init; } = 4096;

    /// <summary>The probes that measure what is readable before and after: point estimates, control task on.</summary>
    public ProbeOptions Probe { get; init; } = new() { Fast = true, Mdl = false };

    public ErasureOptions Validated()
    {
        const string o = nameof(ErasureOptions);
        Require.That(Layers.Count > 0 && Layers.All(l => !string.IsNullOrWhiteSpace(l)), $"{o}.{nameof(Layers)}", "must name at least one point of the model.");
        Require.That(Concepts.Count > 0, $"{o}.{nameof(Concepts)}", "must name at least one concept.");
        Require.InRange(FitImages, 10, 60000, $"{o}.{nameof(FitImages)}");
        Require.That(Method is Leace or Inlp, $"{o}.{nameof(Method)}", $"must be {Leace} or {Inlp}, got '{Method}'.");
        Require.That(Controls >= 2, $"{o}.{nameof(Controls)}", $"needs at least 2 random subspaces for an interval, got {Controls}.");
        Require.That(InlpIterations >= 1, $"{o}.{nameof(InlpIterations)}", $"must be at least 1, got {InlpIterations}.");
        Require.That(MaxWidth >= 1, $"{o}.{nameof(MaxWidth)}", $"must be positive, got {MaxWidth}.");
        Probe.Validated();
        return this;
    }
}

/// <summary>Mean and 2.5%–97.5% range of a quantity over random draws.</summary>
public sealed record Spread(double Mean, double Low, double High)
{
    public static Spread Of(IReadOnlyList<double> values)
    {
        var s = values.Order().ToArray();
        double At(double q) => s[(int)Math.Round(q * (s.Length - 1))];
        return new Spread(s.Average(), At(0.025), At(0.975));
    }
}

/// <summary>
/// One concept erased from one point: how well a linear probe reads the concept before and after (held-out score, with
/// a 95% Wilson interval for accuracy, beside the constant predictor's score), and what the model does with the erased
/// activation: test accuracy and each class's, against erasing random subspaces of the same rank; and how much of each
/// other concept the probe still reads (what else went).
/// </summary>
public sealed record ErasureRow(
    string Layer, string Concept, string Method, int Rank, int Width, string ScoreKind,
    double ProbeBefore, double ProbeAfter, double? ProbeAfterLow, double? ProbeAfterHigh, double ConstantScore, double Selectivity,
    double AccBefore, double AccAfter, Spread ControlAccAfter, double[] ClassAccBefore, double[] ClassAccAfter,
    IReadOnlyDictionary<string, (double Before, double After)> OtherConcepts)
{
    /// <summary>Encoded: the probe's selectivity before erasure (score minus control-task score).</summary>
    public double Encoded => Selectivity;

    /// <summary>Used: the accuracy lost beyond what erasing a random subspace of the same rank loses.</summary>
    public double Used => ControlAccAfter.Mean - AccAfter;
}

public sealed record ErasureResult(IReadOnlyList<ErasureRow> Rows, IReadOnlyList<string> Layers, IReadOnlyList<string> Concepts, ErasureOptions Options, int FitImages, int EvalImages)
{
    public ErasureRow Get(string layer, string concept) => Rows.First(r => r.Layer == layer && r.Concept == concept);
}

/// <summary>
/// Amnesic probing (Elazar et al. 2021): erase a concept from a point's activations, with an eraser fitted on one set
/// of images (LEACE or INLP), and measure on another whether a probe can still read it and whether the model, run
/// with the erased activation (<see cref="Activations.RunWith"/>), still classifies as well. "Encoded" is the probe's
/// selectivity; "used" is the accuracy lost beyond the control, erasing random subspaces of the same rank.
/// </summary>
public static class Erasure
{
    /// <param name="fitted">When given, receives each eraser as it is fitted (to be saved: it is disposed after).</param>
    public static ErasureResult Compute(Module model, Func<Tensor, Tensor> input, ConceptImages fit, ConceptImages eval,
        ErasureOptions options, IProgressSink progress, long seed = 0, Action<string, string, ConceptEraser>? fitted = null)
    {
        options = options.Validated();
        var layers = options.Layers;
        foreach (var l in layers) Activations.Find(model, l);
        var concepts = ConceptRegistry.Resolve(options.Concepts, options.ConceptCsv);
        // The probes train on the images the erasers are fitted on and are scored on the others: LEACE's guarantee (no
        // linear predictor beats a constant) holds on its fitted images, so a held-out score above the constant's is
        // what the erasure leaves of the concept on new images. The concepts are computed on both sets at once, so a
        // discrete concept numbers its classes the same way in both.
        using var allImages = cat([fit.Images, eval.Images], 0);
        var all = new ConceptImages(allImages, [.. fit.Labels, .. eval.Labels], [.. fit.Index, .. eval.Index]);
        var split = new ProbeSplit([.. Enumerable.Range(0, fit.Count)], [.. Enumerable.Range(fit.Count, eval.Count)]);
        var values = concepts.ToDictionary(c => c.Name, c => c.Compute(all));
        using var evalInput = input(eval.Images);
        var predicted = Predict(model, evalInput, null, progress, "the model on the evaluation images");
        var rows = new List<ErasureRow>();
        foreach (var layer in layers)
        {
            using var fitActs = Read(model, input, fit.Images, layer, options.MaxWidth, progress);
            using var evalActs = Read(model, input, eval.Images, layer, options.MaxWidth, progress);
            Dictionary<string, ProbeResult> Probe(Tensor fitRows, Tensor evalRows)
            {
                using var both = cat([fitRows, evalRows], 0);
                return Probes(layer, both, split, values, options, seed);
            }
            var before = Probe(fitActs, evalActs);
            foreach (var concept in concepts)
            {
                progress.Info($"erasing {concept.Name} from {layer} ({options.Method}) ...");
                var fitValues = values[concept.Name].Rows(split.Train);
                using var eraser = options.Method == ErasureOptions.Leace
                    ? Leace.Fit(fitActs, fitValues)
                    : Inlp.Fit(fitActs, fitValues, options.InlpIterations);
                fitted?.Invoke(layer, concept.Name, eraser);
                using var erasedFit = eraser.Apply(fitActs);
                using var erased = eraser.Apply(evalActs);
                var after = Probe(erasedFit, erased);
                var afterOutputs = Predict(model, evalInput, (layer, eraser), progress, $"the model with {concept.Name} erased from {layer}");
                var controls = new List<double>();
                using (var g = Seeds.Generator(seed, $"erase/control/{layer}/{concept.Name}"))
                using (var task = progress.Start($"{options.Controls} random subspaces of rank {eraser.Rank}", options.Controls))
                    for (int c = 0; c < options.Controls; c++)
                    {
                        using var random = ConceptEraser.RandomSubspace(eraser.Mean, eraser.Rank, g);
                        controls.Add(Accuracy(Predict(model, evalInput, (layer, random), ProgressSink.None, ""), eval.Labels));
                        task.Advance(1);
                    }
                var target = after[concept.Name];
                var z = values[concept.Name];
                double? low = null, high = null;
                if (target.Accuracy is { } acc) (low, high) = Wilson(acc, target.TestImages);
                rows.Add(new ErasureRow(layer, concept.Name, options.Method, eraser.Rank, eraser.Width, target.Kind == LinearProbe.Logistic ? "accuracy" : "R²",
                    before[concept.Name].Score, target.Score, low, high, ConstantScore(z, split), before[concept.Name].Selectivity,
                    Accuracy(predicted, eval.Labels), Accuracy(afterOutputs, eval.Labels), Spread.Of(controls),
                    ClassAccuracy(predicted, eval.Labels), ClassAccuracy(afterOutputs, eval.Labels),
                    concepts.Where(o => o.Name != concept.Name).ToDictionary(o => o.Name, o => (before[o.Name].Score, after[o.Name].Score))));
            }
        }
        return new ErasureResult(rows, layers, [.. concepts.Select(c => c.Name)], options, fit.Count, eval.Count);
    }

    /// <summary>A point's activations of every image, flattened per image (N, d) float32, or an error when d is too wide to fit an eraser on.</summary>
    static Tensor Read(Module model, Func<Tensor, Tensor> input, Tensor images, string layer, int maxWidth, IProgressSink progress)
    {
        using (var probe = Activations.Run(model, input(images.narrow(0, 0, 1)), [layer]))
        {
            long width = probe[layer].numel();
            if (width > maxWidth)
                throw new InvalidOptionException("layers", $"{layer} holds {width} values per image; an eraser's covariance needs width² numbers, so " +
                    $"points up to {maxWidth} values are erased (a dense layer, or a pooled conv point; --max-width raises the bound).");
        }
        var read = LayerFeatures.Read(model, input, images, [layer], int.MaxValue, 0, progress: progress)[0];
        return read.Features;
    }

    static Dictionary<string, ProbeResult> Probes(string layer, Tensor features, ProbeSplit split, Dictionary<string, ConceptValues> values, ErasureOptions options, long seed)
    {
        using var prepared = ProbeLayer.Prepare(layer, features.to_type(ScalarType.Float32), split);
        return values.ToDictionary(v => v.Key, v => LinearProbe.Compute(prepared, v.Value, options.Probe, seed));
    }

    /// <summary>The logits of the model on <paramref name="x"/>, with the eraser applied at its point when one is given.</summary>
    static Tensor Predict(Module model, Tensor x, (string Layer, ConceptEraser Eraser)? erase, IProgressSink progress, string what, int batch = 1000)
    {
        var parts = new List<Tensor>();
        using var task = progress.Start(what, x.shape[0]);
        try
        {
            for (long start = 0; start < x.shape[0]; start += batch)
            {
                using var scope = NewDisposeScope();
                var chunk = x.narrow(0, start, Math.Min(batch, x.shape[0] - start));
                Tensor logits;
                if (erase is { } e) logits = Activations.RunWith(model, chunk, e.Layer, Replacement.Using(e.Eraser.Apply));
                else using (no_grad()) { model.eval(); logits = model.call(chunk); }
                parts.Add(logits.detach().MoveToOuterDisposeScope());
                task.Advance(chunk.shape[0]);
            }
            return cat(parts, 0);
        }
        finally { foreach (var p in parts) p.Dispose(); }
    }

    static double Accuracy(Tensor logits, long[] labels)
    {
        using var predicted = logits.argmax(1);
        var p = predicted.data<long>().ToArray();
        return (double)p.Zip(labels).Count(t => t.First == t.Second) / labels.Length;
    }

    static double[] ClassAccuracy(Tensor logits, long[] labels)
    {
        using var predicted = logits.argmax(1);
        var p = predicted.data<long>().ToArray();
        int classes = (int)logits.shape[1];
        return [.. Enumerable.Range(0, classes).Select(k =>
        {
            var rows = Enumerable.Range(0, labels.Length).Where(i => labels[i] == k).ToList();
            return rows.Count == 0 ? double.NaN : (double)rows.Count(i => p[i] == k) / rows.Count;
        })];
    }

    /// <summary>What a constant predictor scores on the held-out rows: the training rows' majority class, or R² 0 for a continuous concept.</summary>
    static double ConstantScore(ConceptValues z, ProbeSplit split)
    {
        if (!z.IsDiscrete) return 0;
        var codes = z.Codes;
        int majority = split.Train.GroupBy(i => codes[i]).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        return (double)split.Test.Count(i => codes[i] == majority) / split.Test.Length;
    }

    /// <summary>The 95% Wilson score interval of an accuracy measured on <paramref name="n"/> images.</summary>
    public static (double Low, double High) Wilson(double p, int n)
    {
        const double z = 1.959963984540054;
        double denominator = 1 + z * z / n;
        double centre = (p + z * z / (2 * n)) / denominator;
        double half = z * Math.Sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / denominator;
        return (centre - half, centre + half);
    }
}
