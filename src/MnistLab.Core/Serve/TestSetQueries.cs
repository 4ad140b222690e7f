using MnistLab.Analysis.Probes;
using MnistLab.Analysis.Concepts;
using MnistLab.Data;
using static TorchSharp.torch;

namespace MnistLab.Serve;

/// <summary>
/// What the API computes over the MNIST test set rather than for one image: a unit's top-activating test images with
/// its mean attribution map over them, the test images on a point's principal components, and the model's mistakes. Each is computed once per model (and point) and kept
/// on the <see cref="ServedModel"/>; the calls are made on the server's one libtorch thread.
/// </summary>
public static class TestSetQueries
{
    /// <summary>Top-activating images shown per unit.</summary>
    public const int TopCount = 16;

    public static UnitAnswer Unit(ServedModel model, string point, string unitText, LabeledImages? test)
    {
        var shape = model.Point(point).Shape;
        if (shape.Length == 0) throw new BadRequestException($"point '{point}' holds one value per image, with no units to choose.");
        long count = shape[0];
        if (!long.TryParse(unitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long unit) || unit >= count)
            throw new BadRequestException($"unit '{unitText}' is outside point '{point}', which has {count} units or channels (0 to {count - 1}).");
        var images = Require(test, "top-activating images").Images;
        var top = model.TopImagesAt(point, images).Of(unit);
        using var scope = NewDisposeScope();
        var chosen = images.index_select(0, tensor(top.Select(t => t.Index).ToArray()));
        var map = UnitAttribution.MeanMap(model.Loaded, point, unit, chosen);
        return new UnitAnswer(point, unit, top.Select(t => new UnitImage((int)t.Index, t.Activation)).ToList(), map);
    }

    /// <summary>The test images the model gets wrong, optionally only those of true class <paramref name="label"/> and predicted class <paramref name="predicted"/>.</summary>
    public static MistakesAnswer Mistakes(ServedModel model, LabeledImages? test, string? label, string? predicted)
    {
        var set = Require(test, "the model's mistakes");
        int? Class(string? text, string name)
        {
            if (text is null) return null;
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int c) || c >= model.Description.Classes)
                throw new BadRequestException($"'{name}' must be a class from 0 to {model.Description.Classes - 1}, got '{text}'.");
            return c;
        }
        int? wantLabel = Class(label, "label"), wantPredicted = Class(predicted, "predicted");
        long[] labels = set.LabelArray(), guesses = model.PredictionsOn(set.Images);
        int classes = model.Description.Classes;
        var confusion = new int[classes][];
        for (int c = 0; c < classes; c++) confusion[c] = new int[classes];
        var mistakes = new List<Mistake>();
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] == guesses[i] || labels[i] >= classes) continue;
            confusion[labels[i]][guesses[i]]++;
            if ((wantLabel is null || labels[i] == wantLabel) && (wantPredicted is null || guesses[i] == wantPredicted))
                mistakes.Add(new Mistake(i, (int)labels[i], (int)guesses[i]));
        }
        return new MistakesAnswer(labels.Length, confusion.Sum(r => r.Sum()), confusion, mistakes);
    }

    /// <summary>
    /// The test images at <paramref name="point"/> on its first two principal components, with each image's label and the
    /// model's prediction for it (to colour the points by class, by prediction or by correctness).
    /// </summary>
    public static ProjectionAnswer Projection(ServedModel model, string point, LabeledImages? test)
    {
        model.Point(point);
        var set = Require(test, "the projection");
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var projection = model.ProjectionAt(point, set.Images);
        var predicted = model.PredictionsOn(set.Images);
        return new ProjectionAnswer(point, projection.Explained, projection.X, projection.Y, set.LabelArray().Select(l => (int)l).ToArray(),
            predicted.Select(p => (int)p).ToArray(), stopwatch.Elapsed.TotalSeconds);
    }

    /// <summary>The built-in concepts of one image (all but its class, which an image alone does not give).</summary>
    public static ConceptsAnswer Concepts(float[] pixels)
    {
        using var scope = NewDisposeScope();
        var images = new ConceptImages(tensor(pixels, [1, 1, 28, 28]), [0]);
        var values = ConceptRegistry.All.Where(c => c is not ClassConcept).Select(c =>
        {
            var v = c.Compute(images);
            double value = v.IsDiscrete ? double.Parse(v.ClassNames[(int)v.Values[0]], System.Globalization.CultureInfo.InvariantCulture) : v.Values[0];
            return new ConceptValue(c.Name, value, c.Description);
        }).ToList();
        return new ConceptsAnswer(values);
    }

    /// <summary>
    /// The built-in concepts of every test image (all but the class, which the projection already carries): computed once
    /// per server into <paramref name="cache"/> (they belong to the images, not to a model), then read back.
    /// </summary>
    public static IReadOnlyList<ConceptValues> TestConceptValues(LabeledImages? test, ref IReadOnlyList<ConceptValues>? cache)
    {
        var set = Require(test, "their concepts");
        if (cache is not null) return cache;
        using var scope = NewDisposeScope();
        var images = new ConceptImages(set.Images, set.LabelArray());
        return cache = ConceptRegistry.All.Where(c => c is not ClassConcept).Select(c => c.Compute(images)).ToList();
    }

    /// <summary>The test images' concepts, to colour the projector by.</summary>
    public static TestSetConceptsAnswer TestConcepts(LabeledImages? test, ref IReadOnlyList<ConceptValues>? cache)
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var concepts = TestConceptValues(test, ref cache).Select(v =>
            new TestSetConcept(v.Name, ConceptRegistry.Find(v.Name)!.Description, v.IsDiscrete ? [.. v.ClassNames] : null, v.Values.Select(x => (float)x).ToArray()));
        return new TestSetConceptsAnswer(concepts.ToList(), stopwatch.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// What each concept's probe at <paramref name="point"/> reads off the image's activation there: the probes are fitted on
    /// the first four fifths of the test images and scored on the last fifth, once per model and point (<see cref="ServedModel.ProbesAt"/>).
    /// </summary>
    public static ProbeReadingsAnswer ProbeReadings(ServedModel model, float[] pixels, string? point, LabeledImages? test, ref IReadOnlyList<ConceptValues>? cache)
    {
        if (string.IsNullOrEmpty(point)) throw new BadRequestException("'point' is missing: name the point whose probes read the image.");
        model.Point(point);
        var set = Require(test, "the probes");
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var probes = model.ProbesAt(point, set.Images, TestConceptValues(set, ref cache));
        using var scope = NewDisposeScope();
        using var activation = Models.Activations.Run(model.Loaded.Model, model.Loaded.Input(tensor(pixels, [1, 1, 28, 28])), [point]);
        var readings = probes.Read(activation[point]).Select(r => new ProbeReadingAnswer(r.Concept, r.Value, r.Class, r.Probability, double.IsFinite(r.Score) ? r.Score : null)).ToList();
        int held = (int)Math.Round(set.Count * ProbeReadout.HeldOutFraction);
        return new ProbeReadingsAnswer(point, probes.Features, set.Count - held, held, readings, stopwatch.Elapsed.TotalSeconds);
    }

    static LabeledImages Require(LabeledImages? test, string what) =>
        test ?? throw new NotFoundException($"this server has not loaded MNIST, so it has no test images for {what}.");
}
