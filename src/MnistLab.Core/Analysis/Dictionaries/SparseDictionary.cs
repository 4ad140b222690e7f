using System.Diagnostics;
using MnistLab.Common;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Dictionaries;

/// <summary>
/// A learned dictionary with what was measured on it: the source's description, the input statistics and scale, the
/// training curves, the held-out reconstruction metrics and, for a classifier's point, the spliced-in model's figures.
/// </summary>
public sealed record SparseDictionaryResult(
    DictionaryOptions Options, long Seed, string Source, LearnedDictionary Dictionary, RowStatistics Statistics,
    DictionaryProgress Training, DictionaryMetrics Metrics, SpliceMetrics? Splice, string? SpliceSkipped, ConceptMatch? Concepts, double Seconds)
{
    /// <summary>What each of the <see cref="DictionaryMetrics.Shown"/> features does to a classifier's logits; null where the model is none.</summary>
    public IReadOnlyList<FeatureEffect>? Effects { get; init; }

    /// <summary>Each of the <see cref="DictionaryMetrics.Shown"/> features' mean Integrated Gradients map over its top images (<see cref="FeatureMaps"/>); null without images.</summary>
    public IReadOnlyList<float[]>? Maps { get; init; }
}

/// <summary>
/// Learns a sparse dictionary on an activation matrix (<see cref="IActivationRows"/>: a model's named point, or any
/// matrix) and measures it. Steps: one streamed pass for the mean row and mean norm; the inputs scaled so their mean norm
/// is √d (when <see cref="DictionaryOptions.Normalize"/>), the pre-encoder bias started at their mean; the kind's
/// autoencoder trained with Adam by <see cref="TrainingLoop"/> (checkpoints, resume, progress); the scale folded into
/// the weights; then the held-out metrics and, for a classifier's point, the model with the reconstruction spliced in.
/// The initial weights are the stream "dictionary/init" of <paramref name="seed"/> and the shuffles the training's own
/// stream, so the same seed gives the same dictionary.
/// </summary>
public static class SparseDictionary
{
    public static SparseDictionaryResult Compute(IActivationRows source, DictionaryOptions options, long seed = 0, IProgressSink? progress = null,
        Checkpointing? checkpoints = null, CancellationToken cancel = default)
    {
        options.Validated();
        progress ??= ProgressSink.None;
        var clock = Stopwatch.StartNew();
        // A model's point is read in its own batches of images; a matrix in blocks of about 16k rows.
        int readItems = source is PointRows ? options.ReadBatch : Math.Max(1, 16_384 / source.RowsPerItem);
        var statistics = RowStatistics.Of(source, readItems, progress);
        double scale = options.Normalize ? Math.Sqrt(source.Features) / statistics.MeanNorm : 1;
        if (!double.IsFinite(scale) || scale <= 0)
            throw new MnistLabException($"{source.Description}: the training rows are all zero, so there is nothing to learn a dictionary of.");

        using var sae = DictionaryKinds.Create(options, source.Features);
        using (var init = Seeds.Generator(seed, "dictionary/init"))
        using (var mean = tensor(statistics.Mean.Select(m => (float)(m * scale)).ToArray()))
            sae.Initialize(mean, init);
        DictionaryProgress curves;
        using (var training = new DictionaryTraining(sae, source, options, scale, seed))
        // The steps are small matrix products, where libtorch's threads mostly wait on each other at every call: on a
        // busy two-core machine a width-512 TopK dictionary of a 256-unit layer trained at 1,900 rows/s on two threads
        // and 17,300 on one, with the same numbers. The measurements after it read the model in large batches, on all.
        using (TorchSetup.OneLibtorchThread())
        {
            TrainingLoop.Run(training, checkpoints, progress, cancel);
            curves = training.State;
        }
        sae.eval();
        sae.FoldScale(scale);
        var learned = LearnedDictionary.Of(sae, options, scale);

        var metrics = DictionaryMetrics.Compute(sae, source, readItems, progress);
        SpliceMetrics? splice = null;
        string? skipped = source is PointRows ? null : "the rows come from a matrix, not from a model that can run with them replaced";
        if (source is PointRows point)
        {
            try { point.Model.RequireClassifier("splicing compares the model's class scores"); }
            catch (MnistLabException e) { skipped = e.Message; }
            if (skipped is null) splice = SpliceMetrics.Compute(sae, point, options.ReadBatch, progress);
        }
        // Concepts are properties of images: a matrix's rows have none.
        var concepts = source is PointRows images && options.Concepts.Count > 0
            ? ConceptMatch.Compute(sae, images, options.Concepts.Select(c => Concepts.ConceptRegistry.Find(c)!).ToList(), options.ConceptImages, options.ReadBatch, progress)
            : null;
        var effects = options.Explain && splice is not null && source is PointRows classifier
            ? FeatureEffects.Compute(sae, classifier, metrics.Shown(), options.ConceptImages, options.ReadBatch, progress)
            : null;
        var maps = options.Explain && concepts is not null && source is PointRows shown ? FeatureMaps.Compute(sae, shown, metrics.Shown(), concepts) : null;
        return new SparseDictionaryResult(options, seed, source.Description, learned, statistics, curves, metrics, splice, skipped, concepts, clock.Elapsed.TotalSeconds)
            { Effects = effects, Maps = maps };
    }
}
