using System.Globalization;
using System.Text;
using MnistLab.Analysis.Dictionaries;
using MnistLab.Data;
using MnistLab.Export;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Reports;

/// <summary>
/// The report folder of a sparse dictionary: the weights as float32 .npy in the input's units (dictionary.npy (width, d),
/// one direction per row; encoder.npy (d, width); encoder_bias.npy (width); bias.npy (d), the pre-encoder and decoder
/// bias; threshold.npy (width) for JumpReLU), metrics.json, report.md and report.html with each metric's definition,
/// and the figures.
/// </summary>
public static class DictionaryReport
{
    public const string DictionaryFile = "dictionary.npy", EncoderFile = "encoder.npy", EncoderBiasFile = "encoder_bias.npy", BiasFile = "bias.npy", ThresholdFile = "threshold.npy";

    /// <summary>Writes <paramref name="outDir"/> whole or not at all, one writer at a time (<see cref="ReportFolder"/>).</summary>
    public static void Write(SparseDictionaryResult r, string outDir, DataProvenance data, IReadOnlyList<string>? command = null, LabeledImages? test = null)
    {
        using var folder = ReportFolder.Open(outDir);
        folder.Publish(f => Write(r, f, data, command, test));
    }

    /// <summary>
    /// Writes the report's files into an open <paramref name="folder"/> (the caller commits it). Given the test images the
    /// features were scored on, it also draws each tabled feature's top-activating images.
    /// </summary>
    public static void Write(SparseDictionaryResult r, ReportFolder folder, DataProvenance data, IReadOnlyList<string>? command = null, LabeledImages? test = null)
    {
        var d = r.Dictionary;
        Npy(folder, DictionaryFile, [d.Width, d.Features], d.Decoder);
        Npy(folder, EncoderFile, [d.Features, d.Width], d.Encoder);
        Npy(folder, EncoderBiasFile, [d.Width], d.EncoderBias);
        Npy(folder, BiasFile, [d.Features], d.Bias);
        if (d.Threshold is { } threshold) Npy(folder, ThresholdFile, [d.Width], threshold);

        var log10 = r.Metrics.Frequency.Select(f => Math.Log10(Math.Max(f, 1e-7))).ToList();
        Plots.Histogram(folder.PathOf("frequency.png"), "How often each feature fires on the held-out rows", "log10 of the share of rows (dead at -7)", log10, 30);
        Plots.Lines(folder.PathOf("training.png"), "Training", "epoch", "per row",
            [("objective", r.Training.Loss), ("squared error (scaled inputs)", r.Training.Reconstruction), ("L0", r.Training.L0)]);
        bool gallery = r.Concepts is not null && test is not null && Tabled(r).Count > 0;
        if (gallery) Gallery(r, r.Concepts!, test!, folder.PathOf(GalleryFile));
        bool maps = r.Maps is { Count: > 0 } m;
        if (maps)
        {
            var shown = Tabled(r);
            int cols = Math.Min(5, shown.Count);
            Plots.DivergingGrid(folder.PathOf(MapsFile), r.Maps!, [.. shown.Select(f => $"#{f}")], (shown.Count + cols - 1) / cols, cols);
            Npy(folder, MapsNpy, [r.Maps!.Count, 28, 28], [.. r.Maps!.SelectMany(v => v)]);
        }
        folder.WriteJson(ReportFolder.Marker, Metrics(r, data, command));
        folder.WriteReport(MarkdownText(r, gallery, maps));
    }

    static void Npy(ReportFolder folder, string name, long[] shape, float[] values)
    {
        using var npy = new NpyWriter(folder.PathOf(name), shape);
        npy.Append(values);
        npy.Complete();
    }

    /// <summary>metrics.json: the headline metrics, the spliced-in model, the training, the options and the run record.</summary>
    public static object Metrics(SparseDictionaryResult r, DataProvenance data, IReadOnlyList<string>? command) => new
    {
        source = r.Source,
        kind = r.Options.Kind,
        width = r.Dictionary.Width,
        features = r.Dictionary.Features,
        l0 = r.Metrics.L0,
        fvu = r.Metrics.Fvu,
        mse = r.Metrics.MeanSquaredError,
        dead = r.Metrics.Dead,
        dense = r.Metrics.Dense,
        test_rows = r.Metrics.Rows,
        splice = r.Splice is { } s ? new
        {
            images = s.Images,
            loss_recovered = s.LossRecovered,
            model = Outputs(s.Model),
            dictionary = Outputs(s.Dictionary),
            zero = Outputs(s.Zero),
            mean = Outputs(s.Mean),
        } : null,
        splice_skipped = r.SpliceSkipped,
        dead_feature_handling = DictionaryKinds.DeadFeatureHandling(r.Options),
        training = new
        {
            rows = r.Statistics.Rows,
            mean_norm = r.Statistics.MeanNorm,
            scale = r.Dictionary.Scale,
            loss = r.Training.Loss,
            reconstruction = r.Training.Reconstruction,
            l0 = r.Training.L0,
            seconds = r.Seconds,
        },
        feature_frequency = r.Metrics.Frequency,
        shown_features = r.Metrics.Shown(),
        feature_effects = r.Effects?.Select(e => new { feature = e.Feature, images = e.Images, measured = e.Measured, linearised = e.Linearised }),
        concepts = r.Concepts is { } c ? new
        {
            images = c.Images,
            best_feature_per_concept = c.BestPerConcept.Select(Match),
            best_concept_per_feature = c.Best.Select(Match),
            firing_histograms = c.Histograms.Select(h => new { max = h.Max, counts = h.Counts }),
            top_images = c.TopImages,
            top_positions = c.TopPositions,
            grid = c.Grid is { } g ? new[] { g.Height, g.Width } : null,
        } : null,
        files = new { dictionary = DictionaryFile, encoder = EncoderFile, encoder_bias = EncoderBiasFile, bias = BiasFile, threshold = r.Dictionary.Threshold is null ? null : ThresholdFile },
        options = r.Options,
        run = Runs.RunInfo.Capture(data) with { Seed = r.Seed, Command = command },
    };

    static object Match(FeatureConcept m) => new { feature = m.Feature, concept = m.Concept, kind = m.Kind, score = m.Score, @class = m.Class, strength = m.Strength };

    static object Outputs(SplicedOutputs o) => new { accuracy = o.Accuracy, cross_entropy = o.CrossEntropy, kl = o.Kl };

    static string F(double v, int decimals = 4) => double.IsFinite(v) ? v.ToString("F" + decimals, CultureInfo.InvariantCulture) : "-";

    public const string GalleryFile = "features.png", MapsFile = "feature_maps.png", MapsNpy = "feature_maps.npy";

    /// <summary>The features of the report's table: the most frequent that fire on at most the dense share of rows.</summary>
    static IReadOnlyList<int> Tabled(SparseDictionaryResult r) => r.Metrics.Shown();

    /// <summary>
    /// Each tabled feature's top test images in a row (black where it fires on fewer); for a conv point, the <see cref="PatchSide"/>-pixel patch of each
    /// image around the position where the feature is largest (the position's cell at its centre, the patch kept inside the image).
    /// </summary>
    static void Gallery(SparseDictionaryResult r, ConceptMatch c, LabeledImages test, string path)
    {
        var features = Tabled(r);
        int side = c.Grid is { } g ? PatchSide(g) : LabeledImages.Side;
        var images = new List<float[]>();
        var titles = new List<string>();
        foreach (int f in features)
            for (int j = 0; j < ConceptMatch.TopCount; j++)
            {
                int[] top = c.TopImages[f];
                images.Add(j >= top.Length ? new float[side * side]
                    : c.Grid is { } grid ? Patch(test.Images[top[j]], grid, c.TopPositions![f][j], side)
                    : test.Images[top[j]].reshape(-1).data<float>().ToArray());
                titles.Add(j == 0 ? $"#{f}" : "");
            }
        Plots.GrayGrid(path, images, titles, features.Count, ConceptMatch.TopCount, side);
    }

    /// <summary>Three cells of the point's grid a side (at least 10 pixels, at most the image).</summary>
    public static int PatchSide((int Height, int Width) grid) =>
        Math.Min(LabeledImages.Side, Math.Max(10, (int)Math.Ceiling(3.0 * LabeledImages.Side / Math.Min(grid.Height, grid.Width))));

    /// <summary>The <paramref name="side"/> x <paramref name="side"/> pixels of <paramref name="image"/> (1, 28, 28) centred on the cell of <paramref name="position"/>, shifted to stay inside.</summary>
    public static float[] Patch(TorchSharp.torch.Tensor image, (int Height, int Width) grid, int position, int side)
    {
        double cy = (position / grid.Width + 0.5) * LabeledImages.Side / grid.Height, cx = (position % grid.Width + 0.5) * LabeledImages.Side / grid.Width;
        int top = Math.Clamp((int)Math.Round(cy - side / 2.0), 0, LabeledImages.Side - side), left = Math.Clamp((int)Math.Round(cx - side / 2.0), 0, LabeledImages.Side - side);
        using var patch = image.reshape(LabeledImages.Side, LabeledImages.Side).narrow(0, top, side).narrow(1, left, side).contiguous();
        return patch.reshape(-1).data<float>().ToArray();
    }

    static string MarkdownText(SparseDictionaryResult r, bool gallery, bool maps)
    {
        var o = r.Options;
        var m = r.Metrics;
        var sb = new StringBuilder();
        string sparsity = o.Kind == DictionaryKinds.TopK ? $"k = {o.KOrDefault}" : o.Kind == DictionaryKinds.ReluL1 ? $"L1 weight {o.L1OrDefault:G4}" : $"L0 weight {o.L1OrDefault:G4}";
        sb.AppendLine("# A sparse dictionary").AppendLine();
        sb.AppendLine($"Source: {r.Source}. A {o.Kind} sparse autoencoder of width {o.Width} ({sparsity}) on rows of {r.Dictionary.Features} values, " +
                      $"trained for {o.Epochs} epochs on {r.Statistics.Rows:N0} rows per epoch (Adam, step {o.LearningRate:G3}, {o.BatchSize} rows per step, seed {r.Seed}) " +
                      $"in {r.Seconds:F1} s; measured on {m.Rows:N0} held-out rows.").AppendLine();
        sb.AppendLine(Table(["L0", "FVU", "dead", "dense", "mean squared error per row"],
            [[F(m.L0, 2), F(m.Fvu), $"{m.Dead} of {o.Width}", $"{m.Dense} of {o.Width}", $"{m.MeanSquaredError:G4}"]]));
        sb.AppendLine("## Definitions").AppendLine();
        sb.AppendLine("- **L0**: the mean number of features active (code > 0) per held-out row.");
        sb.AppendLine("- **FVU** (fraction of variance unexplained): Σ‖x − x̂‖² / Σ‖x − x̄‖² over the held-out rows, x̂ the reconstruction and x̄ the mean row; 0 is perfect, 1 is no better than the mean.");
        sb.AppendLine($"- **Dead**: features active on none of the held-out rows; **dense**: features active on more than {Pct(DictionaryMetrics.DenseFraction, 0)} of them.");
        sb.AppendLine("- **Spliced in**: the model run on the test images with the point's activation replaced by its reconstruction; accuracy, mean " +
                      "cross-entropy to the labels, and mean KL(p_model ‖ p_spliced) of the softmax outputs in nats, beside zero ablation (every value 0) " +
                      "and mean ablation (every value its mean over the test images). Loss recovered = (CE_zero − CE_dictionary) / (CE_zero − CE_model).").AppendLine();
        sb.AppendLine("## The model with the reconstruction spliced in").AppendLine();
        if (r.Splice is { } s)
        {
            sb.AppendLine(Table(["point replaced by", "test accuracy", "cross-entropy (nats)", "KL to the model (nats)"],
                s.All.Select(x => (IReadOnlyList<string>)[x.Replacement == "model" ? "nothing (the model)" : x.Replacement == "dictionary" ? "the reconstruction" : $"{x.Replacement} ablation",
                    Pct(x.Accuracy), F(x.CrossEntropy), F(x.Kl)])));
            sb.AppendLine($"Loss recovered: {Pct(s.LossRecovered, 1)} on {s.Images:N0} test images.").AppendLine();
        }
        else sb.AppendLine($"Not measured: {r.SpliceSkipped}.").AppendLine();

        if (r.Concepts is { } concepts) sb.Append(ConceptSection(r, concepts, gallery, maps));

        sb.AppendLine("## How it was learned").AppendLine();
        sb.AppendLine(Kind(o));
        sb.AppendLine();
        sb.AppendLine($"Inputs: {(o.Normalize ? $"multiplied by {r.Dictionary.Scale:G4} so their mean norm over the training rows ({r.Statistics.MeanNorm:G4}) becomes √d, as SAELens's `expected_average_only_in` does; " : "taken as they are; ")}" +
                      "the pre-encoder bias (subtracted before the encoder, added after the decoder) starts at the mean training row, so the features model " +
                      $"the offset from it. Decoder directions {(o.UnitNormDecoder ? "kept at unit norm (the gradient along each removed before a step, the norm restored after)" : "free")}, " +
                      "the encoder started as the decoder's transpose (Gao et al.). The weights written are in the input's units (the scale folded in): " +
                      $"codes f = σ((x − b) E + c), reconstruction x̂ = f D + b, with D in `{DictionaryFile}` (width, d), E in `{EncoderFile}` (d, width), c in " +
                      $"`{EncoderBiasFile}` and b in `{BiasFile}`{(r.Dictionary.Threshold is null ? "" : $", each feature's threshold in `{ThresholdFile}`")}.").AppendLine();
        sb.AppendLine($"Dead features: {DictionaryKinds.DeadFeatureHandling(o)}").AppendLine();
        sb.AppendLine(Table(["epoch", "objective per row", "squared error per row (scaled)", "L0 (training)"],
            r.Training.Loss.Select((l, i) => (IReadOnlyList<string>)[$"{i + 1}", $"{l:G4}", $"{r.Training.Reconstruction[i]:G4}", F(r.Training.L0[i], 2)])));
        sb.AppendLine(Image("training", "training.png")).AppendLine();
        sb.AppendLine(Image("feature frequency", "frequency.png")).AppendLine();
        return sb.ToString();
    }

    static string Score(FeatureConcept m) => m.Kind != Analysis.Concepts.ConceptKind.Discrete ? $"|ρ| {F(m.Score, 3)}"
        : m.Class is null ? $"- (no class of {ConceptMatch.MinClassImages} images)" : $"AUC {F(m.Score, 3)} ({m.Concept} = {m.Class})";

    static string ConceptSection(SparseDictionaryResult r, ConceptMatch c, bool gallery, bool maps)
    {
        var sb = new StringBuilder();
        sb.AppendLine("## Features and known concepts").AppendLine();
        sb.AppendLine($"Each feature's value on each of the first {c.Images:N0} test images (its code, or for a conv point its largest code over the " +
                      "image's positions) against each known concept: a discrete concept by the feature's best one-vs-rest AUC over the concept's classes, " +
                      $"a continuous one by |Spearman ρ| (classes of fewer than {ConceptMatch.MinClassImages} images are not scored). To rank the two kinds together an AUC counts as 2·AUC − 1 (the rank-biserial correlation, on ρ's " +
                      "scale); 0 means the feature says nothing of the concept.").AppendLine();
        sb.AppendLine(Table(["concept", "best single feature", "its score", "fires on (held-out rows)"],
            c.BestPerConcept.Select(m => (IReadOnlyList<string>)[m.Concept, $"#{m.Feature}", Score(m), Pct(r.Metrics.Frequency[m.Feature])])));
        var shown = Tabled(r);
        sb.AppendLine($"The {shown.Count} most frequent features that are neither dead nor dense, with the concept each tells best:").AppendLine();
        var effects = r.Effects?.ToDictionary(e => e.Feature);
        if (effects is not null)
            sb.AppendLine("Its logit effect is what the feature adds to the logits where it fires: the logits with the reconstruction spliced in " +
                          "minus those with the same reconstruction less this feature's part (code × direction), averaged over the test images where it " +
                          "fires; the class it raises most, and beside it the first-order estimate (each logit's gradient at the model's own activation " +
                          "dotted with the feature's part), which equals the measurement where the rest of the network is linear. The columns sort in the HTML page.").AppendLine();
        sb.AppendLine($"Its histogram is that of its values on the test images where it fires, in {FiringHistogram.Bins} bins from 0 to its largest value.").AppendLine();
        sb.AppendLine(Table(["feature", "fires on", "largest value", "histogram", "best concept", "score", "rank-biserial / |ρ|", .. effects is null ? Array.Empty<string>() : ["raises most", "logit effect", "first-order"]],
            shown.Select(f =>
            {
                var m = c.Best[f];
                var h = c.Histograms[f];
                IReadOnlyList<string> row = [$"#{f}", Pct(r.Metrics.Frequency[f]), F(h.Max, 3), $"`{h.Sparkline()}`", m.Concept, Score(m), F(m.Strength, 3)];
                if (effects?.GetValueOrDefault(f) is { Images: > 0 } e)
                {
                    var (k, v) = e.Strongest;
                    row = [.. row, $"class {k}", $"{v:+0.000;-0.000}", $"{e.Linearised[k]:+0.000;-0.000}"];
                }
                else if (effects is not null) row = [.. row, "–", "–", "–"];
                return row;
            })));
        if (gallery)
            sb.AppendLine($"Each of these features' {ConceptMatch.TopCount} test images where it is largest (one row per feature, in the table's order)" +
                          (r.Concepts?.Grid is { } grid ? $"; of each, the {PatchSide(grid)} x {PatchSide(grid)} pixels around the position where the feature is largest (of the point's {grid.Height} x {grid.Width}):" : ":"))
              .AppendLine().AppendLine(Image("top-activating images", GalleryFile)).AppendLine();
        if (maps)
            sb.AppendLine($"Which pixels drive each of them: Integrated Gradients ({FeatureMaps.Steps} Gauss–Legendre steps, blank baseline) of the " +
                          "feature's pre-activation with respect to the image, averaged over its top-activating images; red raises the feature, blue " +
                          $"lowers it, on one colour scale for all of them (the maps themselves in `{MapsNpy}`, shape (features, 28, 28), in the table's order):").AppendLine().AppendLine(Image("feature maps", MapsFile)).AppendLine();
        return sb.ToString();
    }

    static string Kind(DictionaryOptions o) => o.Kind switch
    {
        DictionaryKinds.TopK => $"TopK (Gao et al. 2024): each row keeps its {o.KOrDefault} largest pre-activations (through a ReLU); the loss is the squared " +
                                "reconstruction error summed over the inputs and averaged over the rows.",
        DictionaryKinds.ReluL1 => $"ReLU with an L1 penalty (Anthropic, \"Towards Monosemanticity\"): loss = squared error + {o.L1OrDefault:G4} Σ_i f_i ‖d_i‖, each " +
                                  "code weighted by its decoder direction's norm.",
        _ => $"JumpReLU (Rajamanoharan et al. 2024): f = z·H(z − θ) with a learned threshold per feature (starting at {o.InitialThreshold:G3}); loss = squared " +
             $"error + {o.L1OrDefault:G4} ‖f‖₀, the threshold trained through the straight-through estimator with a rectangle kernel of width {o.Bandwidth:G3}.",
    };
}
