using System.Diagnostics;
using MnistLab.Attribution;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Import;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Analysis.Verification;

/// <summary>What is known about one image's ball: proved to keep the label, shown not to (by an input re-checked on the model), or neither.</summary>
public enum Verdict { Verified, Falsified, Unknown }

/// <param name="MarginBound">The smallest proved lower bound of logit_label − logit_other over the ball (> 0: verified).</param>
/// <param name="Margins">That bound for each class (+∞ at the label).</param>
/// <param name="Seconds">The time of this image's bounds (the attack runs on all images at once: <see cref="VerificationResult.PgdSeconds"/>).</param>
/// <param name="Counterexample">For a falsified image, the input of its ball the model gets wrong (the image itself if it is misclassified).</param>
/// <param name="CounterexamplePrediction">The model's class for the counterexample, as the re-check found it.</param>
public sealed record ImageVerdict(long Index, long Label, long Prediction, Verdict Verdict, double MarginBound, double[] Margins, double Seconds,
    float[]? Counterexample, long? CounterexamplePrediction)
{
    /// <summary>With <see cref="VerifyOptions.Certify"/>, a verified image's certificate.</summary>
    public Certificates.Certificate? Certificate { get; init; }
}

/// <param name="Pixels">The images as verified, row-major, for the report's figures.</param>
public sealed record VerificationResult(VerifyOptions Options, string Model, string Layers, IReadOnlyList<ImageVerdict> Images, float[][] Pixels,
    double PgdSeconds, double BoundSeconds, DataProvenance? Data)
{
    public int Count => Images.Count;
    public int Verified => Images.Count(i => i.Verdict == Verdict.Verified);
    public int Falsified => Images.Count(i => i.Verdict == Verdict.Falsified);
    public int Unknown => Images.Count(i => i.Verdict == Verdict.Unknown);
    public double CleanAccuracy => Images.Count(i => i.Prediction == i.Label) / (double)Count;

    /// <summary>The share of images the attack did not break: an upper bound on the true robust accuracy.</summary>
    public double PgdAccuracy => 1 - Falsified / (double)Count;

    /// <summary>The share proved robust: a lower bound on the true robust accuracy.</summary>
    public double CertifiedAccuracy => Verified / (double)Count;
}

/// <summary>
/// <c>mnistlab verify</c> as a library call. For each image: the attack first; a counterexample is kept only after the
/// model, run again on it, gets it wrong inside the ball (falsified); then the margins' lower bounds over the ball
/// (verified when all are above 0, unknown otherwise). Bounds are computed for falsified images too, and a proof that
/// contradicts a checked counterexample is an error, never a verdict.
/// </summary>
public static class Verifier
{
    /// <summary>The chosen MNIST images of <paramref name="mnist"/> against a loaded model.</summary>
    public static VerificationResult Run(LoadedModel model, Mnist mnist, VerifyOptions options, IProgressSink? progress = null)
    {
        options = options.Validated();
        model.RequireClassifier("verify proves a classifier's margins between class scores");
        if (model.Spec.Input.Kind != "image")
            throw new MnistLabException($"{model.Path}: verify bounds a model over balls of images, and this model reads {model.Spec.Input} rather than the image alone.");
        var graph = Graph(model.Model, model.Source);
        using var scope = NewDisposeScope();
        var split = options.Images.SplitOf(mnist);
        long[] indices = options.Images.Indices(mnist);
        var index = tensor(indices);
        var images = split.Images.index_select(0, index);
        long[] labels = [.. split.Labels.index_select(0, index).data<long>()];
        return Compute(model.Model, graph, model.Input(images), labels, indices, options, model.Source, mnist.Provenance, progress);
    }

    /// <summary>The bound graph of a model, checked to compute what the model computes.</summary>
    static BoundGraph Graph(Module<Tensor, Tensor> model, string source)
    {
        try { return BoundGraph.Of(model); }
        catch (MnistLabException e) when (e is not InvalidOptionException)
        {
            throw new MnistLabException($"{source}: verify reads the model as a chain of layers and cannot: {e.Message}");
        }
    }

    /// <summary>
    /// Any classifier on any inputs (N, ...) whose values lie in [0, 1], with their labels; <paramref name="indices"/> names
    /// them in the report.
    /// </summary>
    public static VerificationResult Compute(Module<Tensor, Tensor> model, Tensor inputs, long[] labels, long[] indices, VerifyOptions options, IProgressSink? progress = null) =>
        Compute(model, Graph(model, model.GetType().Name), inputs, labels, indices, options.Validated(), model.GetType().Name, null, progress);

    static VerificationResult Compute(Module<Tensor, Tensor> model, BoundGraph graph, Tensor inputs, long[] labels, long[] indices, VerifyOptions options,
        string source, DataProvenance? data, IProgressSink? progress)
    {
        progress ??= ProgressSink.None;
        using var scope = NewDisposeScope();
        long n = inputs.shape[0];
        if (labels.Length != n || indices.Length != n) throw new ArgumentException($"{n} inputs, {labels.Length} labels and {indices.Length} indices.");
        var x = inputs.to_type(ScalarType.Float32);
        if (!((x >= 0) & (x <= 1)).all().item<bool>())
            throw new MnistLabException($"{source}: verify takes balls clipped to [0, 1], and the model's inputs have values outside it.");
        graph.Layers.CheckReproduces(model, x.narrow(0, 0, Math.Min(16, n)));
        var predictions = Predict(model, x);

        var clock = Stopwatch.StartNew();
        Tensor?[] candidates;
        using (var task = progress.Start($"PGD attack (eps {options.Eps}, {options.Pgd.Restarts} x {options.Pgd.Steps} steps)", n))
        using (var generator = Seeds.Generator(options.Seed, "verify/pgd"))
            candidates = Pgd.Attack(model, x, labels, options.Eps, options.Pgd, generator, task);
        double pgdSeconds = clock.Elapsed.TotalSeconds;

        var method = options.BoundMethod;
        var verdicts = new List<ImageVerdict>();
        double boundSeconds = 0;
        using (var task = progress.Start($"{BoundMethods.Name(method)} bounds", n))
            for (long i = 0; i < n; i++)
            {
                using var imageScope = NewDisposeScope();
                var xi = x[i];
                Tensor? counterexample = predictions[i] != labels[i] ? xi.unsqueeze(0) : candidates[i];
                long? wrongClass = counterexample is null ? null : Recheck(model, xi, counterexample, labels[i], options.Eps);
                if (wrongClass is null) counterexample = null;

                var time = Stopwatch.StartNew();
                var margins = graph.Margins(Interval.Ball(xi, options.Eps), (int)labels[i], method);
                double seconds = time.Elapsed.TotalSeconds;
                boundSeconds += seconds;
                double bound = margins.Min;
                if (counterexample is not null && bound > 0)
                    throw new MnistLabException($"{source}, image {indices[i]}: the {BoundMethods.Name(method)} bounds prove every margin ≥ {bound:G6} over the ball of " +
                        $"radius {options.Eps}, yet the model classifies an input of that ball as {wrongClass}: the bounds are not sound for this model.");
                var verdict = counterexample is not null ? Verdict.Falsified : bound > 0 ? Verdict.Verified : Verdict.Unknown;
                if (verdict == Verdict.Unknown && method == BoundMethod.Complete)
                {
                    var search = Branch(model, graph, xi, labels[i], options, m => task.Advance(0, $"image {indices[i]}: {m}"));
                    (verdict, bound) = (search.Verdict, search.Bound);
                    if (search.Counterexample is { } found)
                    {
                        counterexample = found;
                        wrongClass = Recheck(model, xi, counterexample, labels[i], options.Eps);
                    }
                    seconds += search.Seconds;
                    boundSeconds += search.Seconds;
                }
                Certificates.Certificate? certificate = null;
                if (verdict == Verdict.Verified && options.Certify)
                {
                    var sealing = Stopwatch.StartNew();
                    (certificate, bound) = Certify(model, graph, xi, labels[i], options, bound);
                    if (certificate is null) verdict = Verdict.Unknown;
                    seconds += sealing.Elapsed.TotalSeconds;
                    boundSeconds += sealing.Elapsed.TotalSeconds;
                }
                verdicts.Add(new ImageVerdict(indices[i], labels[i], predictions[i], verdict, bound, margins.Lower, seconds,
                    counterexample?.to_type(ScalarType.Float32).contiguous().data<float>().ToArray(), wrongClass) { Certificate = certificate });
                task.Advance(1, $"{verdicts.Count(v => v.Verdict == Verdict.Verified)} verified, {verdicts.Count(v => v.Verdict == Verdict.Falsified)} falsified");
            }
        foreach (var c in candidates) c?.Dispose();
        var pixels = Enumerable.Range(0, (int)n).Select(i => x[i].contiguous().data<float>().ToArray()).ToArray();
        return new VerificationResult(options, source, graph.Describe(), verdicts, pixels, pgdSeconds, boundSeconds, data);
    }

    /// <summary>
    /// A verified image's certificate: branch and bound, recorded, over its ball rounded outwards (so that the box holds the
    /// exact ball), then sealed. Null, with the bound unchanged, when exact arithmetic does not confirm the proof.
    /// </summary>
    static (Certificates.Certificate?, double) Certify(Module<Tensor, Tensor> model, BoundGraph graph, Tensor x, long label, VerifyOptions options, double bound)
    {
        using var scope = NewDisposeScope();
        var (box, ball) = Certificates.CertifiedBall.Around(x, options.Eps);
        int classes = (int)ModelCalls.InEval(model, () => { using var _ = no_grad(); return model.call(x.unsqueeze(0)).shape[1]; });
        var (result, certificate) = BranchAndBound.Certify(graph, box, SplitProperty.Margins((int)label, classes), _ => null, options.Timeout, ball);
        return certificate is null ? (null, bound) : (certificate, result.Bound);
    }

    /// <summary>Branch and bound on one image's ball, the candidates it finds re-checked on the model.</summary>
    static BranchResult Branch(Module<Tensor, Tensor> model, BoundGraph graph, Tensor x, long label, VerifyOptions options, Action<string> report)
    {
        var (low, high) = Pgd.Edges(x.unsqueeze(0), options.Eps);
        var labels = full(1, label, dtype: ScalarType.Int64);
        Tensor? Falsifies(Tensor candidates)
        {
            // The corners themselves, then where a short climb from each of them leads.
            var corners = candidates.to_type(ScalarType.Float32).maximum(low).minimum(high);
            var c = cat([corners, Pgd.Climb(model, corners, low, high, y => Pgd.WrongMargin(y, labels.expand(y.shape[0])))], 0);
            // One pass over all of them; only a point that seems to break the label is re-checked alone.
            var seeming = Predict(model, c);
            for (int j = 0; j < c.shape[0]; j++)
                if (seeming[j] != label && Recheck(model, x, c[j].unsqueeze(0), label, options.Eps) is not null) return c[j].unsqueeze(0);
            return null;
        }
        var ball = Interval.Ball(x, options.Eps);
        int classes = (int)ModelCalls.InEval(model, () => { using var _ = no_grad(); return model.call(x.unsqueeze(0)).shape[1]; });
        return BranchAndBound.Run(graph, ball, SplitProperty.Margins((int)label, classes), Falsifies, options.Timeout, report: report);
    }

    static long[] Predict(Module<Tensor, Tensor> model, Tensor x) => ModelCalls.InEval(model, () =>
    {
        using var _ = no_grad();
        return model.call(x).argmax(1).data<long>().ToArray();
    });

    /// <summary>
    /// The model's class for <paramref name="candidate"/> when that input lies in the ball of <paramref name="x"/> (checked in
    /// float64 against the bounds' ball) and the class is not the label; null otherwise.
    /// </summary>
    internal static long? Recheck(Module<Tensor, Tensor> model, Tensor x, Tensor candidate, long label, double eps)
    {
        using var scope = NewDisposeScope();
        var ball = Interval.Ball(x, eps);
        if (ball.CountOutside(candidate.to_type(ScalarType.Float64)) != 0) return null;
        long predicted = Predict(model, candidate.reshape([1, .. x.shape]))[0];
        return predicted == label ? null : predicted;
    }
}
