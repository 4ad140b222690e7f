using MathNet.Numerics.Statistics;
using MnistLab.Analysis.Concepts;
using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Dictionaries;

/// <summary>How well one feature's activation on the test images tells one concept.</summary>
/// <param name="Score">For a discrete concept the AUC of the feature for its best class against the rest; for a continuous one |Spearman ρ|.</param>
/// <param name="Class">The class of a discrete concept the feature tells best; null for a continuous one.</param>
/// <param name="Strength">A score on one scale for both kinds: 2·AUC − 1 (the rank-biserial correlation) or |ρ|.</param>
public sealed record FeatureConcept(int Feature, string Concept, ConceptKind Kind, double Score, string? Class, double Strength);

/// <summary>
/// Every feature scored against every known concept on the test images. A feature's value for an image is its code
/// there (a dense point) or its largest code over the image's positions (a conv point: is the feature anywhere in the
/// image). A discrete concept is scored by the best one-vs-rest AUC over its classes (Mann–Whitney, ties shared), a
/// continuous one by |Spearman ρ|; to compare the two kinds, an AUC counts as 2·AUC − 1, the rank-biserial correlation
/// on the same scale as ρ. A feature that never fires scores AUC ½ and ρ 0. Classes of fewer than
/// <see cref="MinClassImages"/> images are not scored: among 512 features one reaches an AUC near 1 on three images by chance.
/// </summary>
/// <param name="TopImages">For each feature, the test images (indices) where it is largest, largest first, among those where it fires.</param>
public sealed record ConceptMatch(int Images, IReadOnlyList<string> Concepts, IReadOnlyList<FeatureConcept> Best, IReadOnlyList<FeatureConcept> BestPerConcept,
    IReadOnlyList<int[]> TopImages)
{
    /// <summary>For each feature, the histogram of its values on the test images where it fires.</summary>
    public IReadOnlyList<FiringHistogram> Histograms { get; init; } = [];

    /// <summary>
    /// A conv point's positions: for each feature, the position (row-major in <see cref="Grid"/>) where it is largest
    /// in each of its <see cref="TopImages"/>; null for a point read per image.
    /// </summary>
    public IReadOnlyList<int[]>? TopPositions { get; init; }

    /// <summary>A conv point's positions per image as (height, width); null for a point read per image.</summary>
    public (int Height, int Width)? Grid { get; init; }

    public const int MinClassImages = 50;

    /// <summary>Top-activating images kept per feature.</summary>
    public const int TopCount = 8;

    /// <summary>Scores each feature of <paramref name="dictionary"/> (in the point's units) on the test images of <paramref name="point"/>.</summary>
    public static ConceptMatch Compute(SparseAutoencoder dictionary, PointRows point, IReadOnlyList<IConcept> concepts, int images, int batchImages,
        IProgressSink? progress = null)
    {
        progress ??= ProgressSink.None;
        int n = Math.Min(images, point.TestItems);
        var (perImage, where) = PerImage(dictionary, point, n, batchImages, progress);
        using var scope = NewDisposeScope();
        var conceptImages = new ConceptImages(point.Test.Images.narrow(0, 0, n), point.Test.LabelArray()[..n]);
        var values = concepts.Select(c => c.Compute(conceptImages)).ToList();
        var match = Score(perImage, n, dictionary.Width, values);
        if (!point.IsConv) return match;
        int width = dictionary.Width;
        return match with
        {
            TopPositions = [.. match.TopImages.Select((top, f) => top.Select(i => where[(long)i * width + f]).ToArray())],
            Grid = ((int)point.Shape[1], (int)point.Shape[2]),
        };
    }

    /// <summary>Scores features given as (images, width) values in row-major order against concept values of the same images.</summary>
    public static ConceptMatch Score(float[] perImage, int images, int width, IReadOnlyList<ConceptValues> concepts)
    {
        var conceptRanks = concepts.Select(c => c.IsDiscrete ? null : Statistics.Ranks(c.Values, RankDefinition.Average)).ToList();
        var classMembers = concepts.Select(c => c.IsDiscrete ? Enumerable.Range(0, c.Classes).Select(k => c.Codes.Select((code, i) => (code, i)).Where(p => p.code == k).Select(p => p.i).ToArray()).ToArray() : null).ToList();
        var all = new FeatureConcept[width, concepts.Count];
        var top = new int[width][];
        var histograms = new FiringHistogram[width];
        Parallel.For(0, width, TorchSetup.Parallel, f =>
        {
            var x = new double[images];
            for (int i = 0; i < images; i++) x[i] = perImage[i * width + f];
            top[f] = Enumerable.Range(0, images).Where(i => x[i] > 0).OrderByDescending(i => x[i]).ThenBy(i => i).Take(TopCount).ToArray();
            histograms[f] = FiringHistogram.Of(x);
            var ranks = Statistics.Ranks(x, RankDefinition.Average);
            for (int c = 0; c < concepts.Count; c++)
            {
                var concept = concepts[c];
                if (concept.IsDiscrete)
                {
                    double best = 0.5;
                    string? bestClass = null;
                    for (int k = 0; k < concept.Classes; k++)
                    {
                        var members = classMembers[c]![k];
                        long positives = members.Length, negatives = images - members.Length;
                        if (positives < MinClassImages || negatives < MinClassImages) continue;
                        double rankSum = members.Sum(i => ranks[i]);
                        double auc = (rankSum - positives * (positives + 1) / 2.0) / (positives * (double)negatives);
                        if (bestClass is null || auc > best) (best, bestClass) = (auc, concept.ClassNames[k]);
                    }
                    all[f, c] = new FeatureConcept(f, concept.Name, concept.Kind, best, bestClass, 2 * best - 1);
                }
                else
                {
                    double rho = Correlation.Pearson(ranks, conceptRanks[c]!);
                    double score = double.IsFinite(rho) ? Math.Abs(rho) : 0;
                    all[f, c] = new FeatureConcept(f, concept.Name, concept.Kind, score, null, score);
                }
            }
        });
        var best = Enumerable.Range(0, width).Select(f => Enumerable.Range(0, concepts.Count).Select(c => all[f, c]).MaxBy(m => m.Strength)!).ToList();
        var perConcept = Enumerable.Range(0, concepts.Count).Select(c => Enumerable.Range(0, width).Select(f => all[f, c]).MaxBy(m => m.Strength)!).ToList();
        return new ConceptMatch(images, concepts.Select(c => c.Name).ToList(), best, perConcept, top) { Histograms = histograms };
    }

    /// <summary>
    /// Each feature's value per test image (images, width): its code, or its largest code over a conv point's positions;
    /// and, for a conv point, the position where it is largest (images, width), row-major.
    /// </summary>
    static (float[] Values, int[] Positions) PerImage(SparseAutoencoder dictionary, PointRows point, int images, int batchImages, IProgressSink progress)
    {
        var values = new float[images * dictionary.Width];
        var positions = new int[point.IsConv ? images * dictionary.Width : 0];
        using var _ = no_grad();
        using var task = progress.Start("features on the test images", images);
        for (int start = 0; start < images; start += batchImages)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(batchImages, images - start);
            var (codes, at) = dictionary.Encode(point.TestRows(start, n)).reshape(n, point.RowsPerItem, dictionary.Width).max(1);
            var block = codes.contiguous().data<float>().ToArray();
            Array.Copy(block, 0, values, start * dictionary.Width, block.Length);
            if (point.IsConv)
                Array.Copy(at.to_type(ScalarType.Int32).contiguous().data<int>().ToArray(), 0, positions, start * dictionary.Width, block.Length);
            task.Advance(n);
        }
        return (values, positions);
    }
}

/// <summary>
/// How strongly a feature fires where it fires: <see cref="Counts"/>[b] images with a value in the b-th of
/// <see cref="Bins"/> equal bins from 0 to <see cref="Max"/> (the last bin closed), images where it is 0 left out.
/// </summary>
public sealed record FiringHistogram(double Max, int[] Counts)
{
    public const int Bins = 10;

    public static FiringHistogram Of(IReadOnlyList<double> values)
    {
        double max = values.DefaultIfEmpty(0).Max();
        var counts = new int[Bins];
        if (max > 0)
            foreach (double v in values)
                if (v > 0) counts[Math.Min(Bins - 1, (int)(v / max * Bins))]++;
        return new FiringHistogram(max, counts);
    }

    /// <summary>The histogram as a line of block characters, one per bin, its height the bin's share of the tallest.</summary>
    public string Sparkline()
    {
        const string Blocks = "▁▂▃▄▅▆▇█";
        int tallest = Counts.Max();
        return tallest == 0 ? "" : string.Concat(Counts.Select(c => c == 0 ? ' ' : Blocks[Math.Min(Blocks.Length - 1, (int)Math.Ceiling((double)c / tallest * Blocks.Length) - 1)]));
    }
}
