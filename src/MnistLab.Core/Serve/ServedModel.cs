using MnistLab.Analysis.Probes;
using MnistLab.Attribution;
using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Serve;

/// <summary>A named point of a served model and the shape of its activation for one image.</summary>
public sealed record PointShape(string Name, long[] Shape);

/// <summary>
/// What the page and <c>GET /api/models</c> show of a model: its id (the only way a client names it), kind, where it came
/// from, parameter count, accuracy as recorded, its points and the attribution methods that apply to it.
/// </summary>
/// <param name="TestAccuracy">An import's MNIST test accuracy, from its card; null for a checkpoint.</param>
/// <param name="ValidationAccuracy">A checkpoint's validation accuracy after its last saved epoch, where its training recorded one.</param>
public sealed record ModelDescription(
    string Id, string Kind, string Source, string Input, long Parameters, int Classes, double? TestAccuracy, double? ValidationAccuracy,
    IReadOnlyList<PointShape> Points, IReadOnlyList<string> Methods);

/// <summary>
/// One model of a running server: the <see cref="LoadedModel"/> every analysis reads, its description, and what it
/// computes over the test images on first use and keeps: each point's mean activation (mean ablation), each point's
/// top-activating images per unit and projection on its principal components, and its predictions (its mistakes). Not thread-safe: the server calls it from its
/// one libtorch thread (<see cref="TorchWorker"/>).
/// </summary>
public sealed class ServedModel : IDisposable
{
    readonly Dictionary<string, Tensor> _means = [];
    readonly Dictionary<string, UnitTopImages> _top = [];
    readonly Dictionary<string, TestSetProjection> _projections = [];
    readonly Dictionary<string, ProbeReadout> _probes = [];
    long[]? _testPredictions;

    internal ServedModel(LoadedModel loaded, ModelDescription description) => (Loaded, Description) = (loaded, description);

    public LoadedModel Loaded { get; }
    public ModelDescription Description { get; }
    public string Id => Description.Id;

    /// <summary>The point called <paramref name="name"/>; an unknown one is a <see cref="NotFoundException"/> listing the model's points.</summary>
    public PointShape Point(string name) =>
        Description.Points.FirstOrDefault(p => p.Name == name)
        ?? throw new NotFoundException($"model '{Id}' has no point '{name}'; its points are {string.Join(", ", Description.Points.Select(p => p.Name))}.");

    /// <summary>
    /// The mean activation at <paramref name="point"/> over <paramref name="images"/> (N, 1, 28, 28), shape (1, ...), kept
    /// for the model's lifetime: mean ablation replaces a unit by what it holds on an average test image, which a batch
    /// of one image cannot say.
    /// </summary>
    public Tensor MeanAt(string point, Tensor images)
    {
        if (_means.TryGetValue(point, out var known)) return known;
        using var scope = NewDisposeScope();
        Tensor? sum = null;
        long n = images.shape[0];
        const int Batch = 500;
        for (long start = 0; start < n; start += Batch)
        {
            using var batch = NewDisposeScope();
            long rows = Math.Min(Batch, n - start);
            using var cache = Activations.Run(Loaded.Model, Loaded.Input(images.narrow(0, start, rows)), [point]);
            var part = cache[point].sum(0, keepdim: true);
            sum = sum is null ? part.MoveToOuterDisposeScope() : sum.add_(part);
        }
        var mean = (sum ?? throw new MnistLabException("no test images to average over.")).div_(n).DetachFromDisposeScope();
        _means[point] = mean;
        return mean;
    }

    /// <summary>
    /// Probes of every concept at <paramref name="point"/>, fitted on the activations of <paramref name="images"/> (the test
    /// set, with <paramref name="concepts"/> its concepts) on first use and kept for the model's lifetime. A point wider than
    /// <see cref="MaxProbeFeatures"/> values is refused: its probes would take minutes to fit.
    /// </summary>
    public ProbeReadout ProbesAt(string point, Tensor images, IReadOnlyList<Analysis.Concepts.ConceptValues> concepts)
    {
        if (_probes.TryGetValue(point, out var known)) return known;
        long features = Point(point).Shape.Aggregate(1L, (a, b) => a * b);
        if (features > MaxProbeFeatures)
            throw new BadRequestException($"point '{point}' of '{Id}' holds {features:N0} values per image; probes are fitted at points of at most {MaxProbeFeatures:N0}.");
        using var scope = NewDisposeScope();
        var x = Activations.Collect(Loaded.Model, Loaded.Input, images, point, a => a.to_type(ScalarType.Float32).reshape(a.shape[0], -1));
        var readout = ProbeReadout.Fit(x, concepts, new ProbeOptions { Fast = true });
        _probes[point] = readout;
        return readout;
    }

    public const int MaxProbeFeatures = 4096;

    /// <summary>
    /// Each unit's top <see cref="TestSetQueries.TopCount"/> images at <paramref name="point"/> among <paramref name="images"/>,
    /// computed on first use and kept for the model's lifetime (the server passes the same test set every time).
    /// </summary>
    public UnitTopImages TopImagesAt(string point, Tensor images)
    {
        if (!_top.TryGetValue(point, out var top)) _top[point] = top = UnitTopImages.Compute(Loaded, point, images, TestSetQueries.TopCount);
        return top;
    }

    /// <summary>The test images' activations at <paramref name="point"/> on their first two principal components, computed on first use and kept.</summary>
    public TestSetProjection ProjectionAt(string point, Tensor images)
    {
        if (!_projections.TryGetValue(point, out var projection)) _projections[point] = projection = TestSetProjection.Compute(Loaded, point, images);
        return projection;
    }

    /// <summary>The class the model predicts for each of <paramref name="images"/>, computed once and kept.</summary>
    public long[] PredictionsOn(Tensor images)
    {
        if (_testPredictions is { } known) return known;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var predicted = new List<long>();
        const int Batch = 1000;
        for (long start = 0; start < images.shape[0]; start += Batch)
        {
            var x = Loaded.Input(images.narrow(0, start, Math.Min(Batch, images.shape[0] - start)));
            predicted.AddRange(ModelCalls.InEval(Loaded.Model, () => Loaded.Model.call(x)).argmax(1).data<long>().ToArray());
        }
        return _testPredictions = predicted.ToArray();
    }

    /// <summary>
    /// Loads <paramref name="loaded"/> for serving under <paramref name="id"/>: refuses a model whose output is not class
    /// scores for the image, reads its points' shapes from one pass over a blank image, and tries the methods that read the
    /// model as layers (exact IG, LRP) so the page offers only those that apply.
    /// </summary>
    internal static ServedModel Create(string id, LoadedModel loaded, string kind, string source, double? testAccuracy, double? validationAccuracy)
    {
        loaded.RequireClassifier("the server shows a classifier's scores for an image");
        using var scope = NewDisposeScope();
        var x = loaded.Input(zeros(1, 1, 28, 28));
        var summary = ModelSummary.Of(loaded.Model, x);
        int classes = ModelCalls.Classes(loaded.Model, x);
        var methods = AttributionMethods.Names.Where(m => m is not (ExactIntegratedGradients.Name or Lrp.Name)).ToList();
        try
        {
            // Checked on a random image: a blank one leaves most units at their bias and could hide a layer the graph misreads.
            using var g = Seeds.Generator(0, "serve/graph-check");
            var graph = LayerGraph.Checked(new AttributionInput(loaded.Model, loaded.Input(rand([1, 1, 28, 28], generator: g)), [0]));
            methods.Add(Lrp.Name);
            try { ExactPathWalk.RequireWalkable(graph); methods.Add(ExactIntegratedGradients.Name); }
            catch (MnistLabException) { } // a smooth activation: exact IG does not apply, the rest does
        }
        catch (MnistLabException) { } // not a sequence of layers the graph reads: neither applies
        var ordered = AttributionMethods.Names.Where(methods.Contains).ToList();
        var description = new ModelDescription(id, kind, source, loaded.Spec.Input.ToString(), summary.Parameters, classes, testAccuracy, validationAccuracy,
            summary.Points.Select(p => new PointShape(p.Name, p.Shape)).ToList(), ordered);
        return new ServedModel(loaded, description);
    }

    public void Dispose()
    {
        foreach (var m in _means.Values) m.Dispose();
        _means.Clear();
        Loaded.Dispose();
    }
}
