using System.Text;
using MnistLab.Analysis;
using MnistLab.Analysis.Dictionaries;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Import;
using MnistLab.Models;
using MnistLab.Reports;
using static MnistLab.Reports.Markdown;
using static TorchSharp.torch;

namespace MnistLab.Experiments.Rotated;

/// <summary>Where a feature of a block fires: on the digit's positions, on the texture's, or on both.</summary>
public enum FeaturePlace { Digit, Texture, Mixed }

/// <summary>One block's dictionary and what its features are.</summary>
/// <param name="Positions">The block's positions per image (rows per image).</param>
/// <param name="TrainImages">Training images read: enough for the section's training rows at this block's positions per image.</param>
/// <param name="TestImages">Held-out test images (the first ones) every figure of the section is measured on.</param>
/// <param name="Live">Features active on at least one held-out position.</param>
/// <param name="Distinct">Live features after merging those whose directions are near-duplicates (|cos| ≥ <see cref="FilterDiversity.DuplicateThreshold"/>, joined transitively).</param>
/// <param name="DigitShare">Each feature's share of its activation mass on the digit's positions (NaN for a dead feature); null without digit masks.</param>
/// <param name="Places">Each feature's place (null for a dead feature); null without digit masks.</param>
/// <param name="BaseShare">The digit's share of the positions (mean digit fraction per position): the share of a feature that fires evenly.</param>
public sealed record BlockDictionary(string Block, SparseDictionaryResult Result, int Positions, int TrainImages, int TestImages, int Live, int Distinct,
    double[]? DigitShare, FeaturePlace?[]? Places, double BaseShare)
{
    public int Count(FeaturePlace place) => Places?.Count(p => p == place) ?? 0;
}

/// <param name="MaskSource">Where the digit masks came from, or why there are none.</param>
/// <param name="Images">For the figure: each shown feature's top test image and the feature's code over it (28 x 28, upsampled), with its title.</param>
public sealed record RotatedDictionaryResult(IReadOnlyList<BlockDictionary> Blocks, string MaskSource, float[][] Images, float[][] Maps, string[] Titles);

/// <summary>
/// Seed 001 asks whether the ResNet's filters are diverse; the filters are weights, and this section asks the same of what
/// the blocks compute. A TopK sparse dictionary of each chosen block's output, read per position (its 64 channels are the
/// features), counts the distinct features the block holds, and each feature's activation mass on the digit's pixels
/// against the texture's says which are digit features and which texture features. A feature's digit share is
/// s = Σ code · m / Σ code over the held-out positions, m the fraction of the position's cell (the block's resolution) that
/// is digit; with b the digit's share of all positions, the odds ratio [s / (1 − s)] / [b / (1 − b)] is at least
/// <see cref="PlaceOdds"/> for a digit feature, at most its inverse for a texture feature, and between for a mixed one.
/// </summary>
public static class RotatedDictionarySection
{
    public const double PlaceOdds = 3;

    /// <summary>Few features of a 64-channel point, each position keeping 8; no logit effects or IG maps (a ResNet's backward passes, per feature).</summary>
    public static readonly DictionaryOptions Defaults = new()
    {
        Kind = DictionaryKinds.TopK, Width = 256, K = 8, Epochs = 2, Concepts = ["class"], ConceptImages = 1000, Explain = false,
    };

    static readonly string[] BlockNames = ["res1", "res2", "res3", "res4", "res5", "res6"];

    public static void Validate(RotatedOptions o)
    {
        if (o.Dictionary is null) return;
        o.Dictionary.Validated();
        string name = $"{nameof(RotatedOptions)}.{nameof(RotatedOptions.DictionaryBlocks)}";
        Require.That(o.DictionaryBlocks is not null, name, "must list blocks (res1 to res6), or be [] for none.");
        foreach (var b in o.DictionaryBlocks)
            Require.That(BlockNames.Contains(b), name, $"names no block '{b}'; the blocks are {string.Join(", ", BlockNames)}.");
        Require.That(o.DictionaryBlocks.Distinct().Count() == o.DictionaryBlocks.Count, name, "names a block twice.");
        Require.Positive(o.DictionaryRows, $"{nameof(RotatedOptions)}.{nameof(RotatedOptions.DictionaryRows)}");
    }

    public static RotatedDictionaryResult? Compute(RotResNet model, LabeledImages train, RotBack data, RotatedOptions options, Func<Mnist> mnist, IProgressSink progress)
    {
        if (options.Dictionary is not { } o || options.DictionaryBlocks.Count == 0) return null;
        using var loaded = LoadedModel.Borrowed(model, "the ResNet");
        int testCount = Math.Min(o.ConceptImages, data.Test.Count);
        using var test = new LabeledImages(data.Test.Images.narrow(0, 0, testCount), data.Test.Labels.narrow(0, 0, testCount), "test");
        using var digits = options.Data.Amat is not null ? null : RotBackDigits.Test(mnist(), options.Data.Generate, data.Test, 0, testCount);
        string maskSource = options.Data.Amat is not null ? "none: LISA's files carry no digit mask"
            : digits is null ? "none: the generator's replay did not match the stored images" : "the generator replayed: the rotated digit alone above 0.5";

        var blocks = new List<BlockDictionary>();
        foreach (var block in options.DictionaryBlocks)
        {
            progress.Info($"learning a sparse dictionary of {block}'s output, per position ...");
            var probe = new PointRows(loaded, block, train, test, o.ReadBatch);
            int images = (int)Math.Min(train.Count, Math.Max(1, (options.DictionaryRows + probe.RowsPerItem - 1) / probe.RowsPerItem));
            using var subset = new LabeledImages(train.Images.narrow(0, 0, images), train.Labels.narrow(0, 0, images), "train");
            var rows = new PointRows(loaded, block, subset, test, o.ReadBatch);
            var result = SparseDictionary.Compute(rows, o, options.Seed, progress);
            using var sae = result.Dictionary.ToModule();
            var (share, baseShare) = digits is null ? (null, double.NaN) : DigitShares(sae, rows, digits);
            var places = share?.Select((s, f) => result.Metrics.Frequency[f] == 0 ? (FeaturePlace?)null : Place(s, baseShare)).ToArray();
            blocks.Add(new BlockDictionary(block, result, rows.RowsPerItem, images, testCount, result.Metrics.Frequency.Count(f => f > 0), Distinct(result.Dictionary, result.Metrics.Frequency), share, places, baseShare));
        }
        var (shownImages, maps, titles) = Figure(loaded, blocks, test);
        return new RotatedDictionaryResult(blocks, maskSource, shownImages, maps, titles);
    }

    /// <summary>Digit when the odds of the feature's mass being on the digit are <see cref="PlaceOdds"/> times those of an even spread; texture at a third; else mixed.</summary>
    public static FeaturePlace Place(double share, double baseShare)
    {
        double odds = share / (1 - share) / (baseShare / (1 - baseShare));
        return odds >= PlaceOdds ? FeaturePlace.Digit : odds <= 1 / PlaceOdds ? FeaturePlace.Texture : FeaturePlace.Mixed;
    }

    /// <summary>Each feature's activation mass on the digit over its whole mass, on the held-out images; and the digit's share of the positions.</summary>
    public static (double[] Share, double Base) DigitShares(SparseAutoencoder sae, PointRows rows, Tensor digits)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var onDigit = zeros(sae.Width, dtype: ScalarType.Float64);
        var mass = zeros(sae.Width, dtype: ScalarType.Float64);
        double digitPositions = 0;
        long positions = 0;
        for (int start = 0; start < rows.TestItems; start += 100)
        {
            using var step = NewDisposeScope();
            int n = Math.Min(100, rows.TestItems - start);
            var codes = sae.Encode(rows.TestRows(start, n)).to_type(ScalarType.Float64);
            var m = CellFractions(digits.narrow(0, start, n), (int)rows.Shape[1]).to_type(ScalarType.Float64);
            onDigit.add_(codes.mul(m.unsqueeze(1)).sum(0, keepdim: false));
            mass.add_(codes.sum(0, keepdim: false));
            digitPositions += m.sum().item<double>();
            positions += m.shape[0];
        }
        var share = (onDigit / mass).data<double>().ToArray(); // 0/0 = NaN for a feature that never fires
        return (share, digitPositions / positions);
    }

    /// <summary>
    /// For each position of a conv point <paramref name="side"/> positions a side, in the row order of
    /// <see cref="PointRows.ToRows"/> (image, y, x), the fraction of the 28 x 28 pixels its cell covers where the digit
    /// alone is above 0.5.
    /// </summary>
    public static Tensor CellFractions(Tensor digits, int side)
    {
        int cell = LabeledImages.Side / side;
        var mask = digits.gt(0.5).to_type(ScalarType.Float32).reshape(-1, 1, LabeledImages.Side, LabeledImages.Side);
        return nn.functional.avg_pool2d(mask, cell).reshape(-1); // (n, 1, side, side): row order n, y, x, as ToRows reads a conv point
    }

    /// <summary>Live features after merging near-duplicate directions, transitively (union–find over the pairs).</summary>
    public static int Distinct(LearnedDictionary dictionary, double[] frequency)
    {
        var live = Enumerable.Range(0, dictionary.Width).Where(f => frequency[f] > 0).ToArray();
        if (live.Length == 0) return 0;
        using var scope = NewDisposeScope();
        var d = tensor(dictionary.Decoder, new long[] { dictionary.Width, dictionary.Features }).index_select(0, tensor(live.Select(f => (long)f).ToArray()));
        var unit = d / d.norm(1, keepdim: true).clamp_min(1e-12);
        var near = unit.matmul(unit.t()).abs().ge(FilterDiversity.DuplicateThreshold).data<bool>().ToArray();
        var parent = Enumerable.Range(0, live.Length).ToArray();
        int Root(int i) => parent[i] == i ? i : parent[i] = Root(parent[i]);
        for (int i = 0; i < live.Length; i++)
            for (int j = i + 1; j < live.Length; j++)
                if (near[i * live.Length + j]) parent[Root(i)] = Root(j);
        return Enumerable.Range(0, live.Length).Count(i => Root(i) == i);
    }

    /// <summary>Per block, the four most frequent digit features and the four most frequent texture features, each on its top image.</summary>
    static (float[][], float[][], string[]) Figure(LoadedModel model, IReadOnlyList<BlockDictionary> blocks, LabeledImages test)
    {
        var (images, maps, titles) = (new List<float[]>(), new List<float[]>(), new List<string>());
        foreach (var b in blocks)
        {
            if (b.Places is null || b.Result.Concepts is not { } concepts) continue;
            var freq = b.Result.Metrics.Frequency;
            var shown = new[] { FeaturePlace.Digit, FeaturePlace.Texture }.SelectMany(place => Enumerable.Range(0, freq.Length)
                .Where(f => b.Places[f] == place && concepts.TopImages[f].Length > 0).OrderByDescending(f => freq[f]).Take(4));
            using var sae = b.Result.Dictionary.ToModule();
            var rows = new PointRows(model, b.Block, test, test);
            foreach (int f in shown)
            {
                using var scope = NewDisposeScope();
                int image = concepts.TopImages[f][0];
                var x = test.Images.narrow(0, image, 1);
                Tensor code;
                using (no_grad()) code = sae.Encode(rows.ToRows(rows.Activation(x))).select(1, f);
                int side = (int)rows.Shape[1], cell = LabeledImages.Side / side;
                var map = code.reshape(side, side).repeat_interleave(cell, 0).repeat_interleave(cell, 1);
                images.Add(x.reshape(-1).data<float>().ToArray());
                maps.Add(map.reshape(-1).data<float>().ToArray());
                titles.Add($"#{f} {(b.Places[f] == FeaturePlace.Digit ? "digit" : "texture")}");
            }
            // One row per block: a block with fewer than four features of a kind leaves its cells blank.
            while (titles.Count % FigureColumns != 0)
                (images, maps, titles) = ([.. images, new float[LabeledImages.Pixels]], [.. maps, new float[LabeledImages.Pixels]], [.. titles, ""]);
        }
        return (images.ToArray(), maps.ToArray(), titles.ToArray());
    }

    public const string FigureFile = "dictionary_features.png";
    const int FigureColumns = 8;

    public static void WriteFigures(RotatedDictionaryResult? r, ReportFolder folder)
    {
        if (r is null || r.Maps.Length == 0) return;
        AttributionFigure.Write(folder.PathOf(FigureFile), r.Images, r.Maps, r.Titles, FigureColumns, new MapDisplay());
    }

    public static string Markdown(RotatedResult result)
    {
        if (result.Dictionaries is not { } r) return "";
        var o = result.Options.Dictionary!;
        var sb = new StringBuilder();
        sb.AppendLine("## What do the blocks compute: how many distinct features, digit or texture?").AppendLine();
        sb.AppendLine($"The filters above are weights; this asks the same of the blocks' outputs. A TopK sparse dictionary ({o.Width} features, k = {o.KOrDefault}, " +
                      $"{o.Epochs} epochs) of each block's output, read per position with its 64 channels as the features, trained on about " +
                      $"{result.Options.DictionaryRows:N0} positions (the first training images of the split) and measured on the first {r.Blocks[0].TestImages:N0} " +
                      "test images. A feature is live when it fires somewhere on them; live features whose directions are near-duplicates " +
                      $"(|cos| ≥ {FilterDiversity.DuplicateThreshold}) count once as distinct. Digit masks: {r.MaskSource}. A feature's digit share is its " +
                      "activation mass on the digit's positions (each weighted by the fraction of its cell that is digit) over its whole mass; it is a digit " +
                      $"feature when the odds of that share are at least {PlaceOdds:0} times those of the digit's share of the positions (what a feature firing evenly " +
                      $"would get), a texture feature at a third or less, mixed between.").AppendLine();
        var filters = result.Filters.ToDictionary(f => f.Layer);
        sb.AppendLine(Table(["block", "positions", "FVU", "accuracy spliced in", "live / distinct features", "digit / texture / mixed", "digit's share of positions", "its convolutions' effective rank (of 64)"],
            r.Blocks.Select(b => (IReadOnlyList<string>)[b.Block, $"{b.Positions} per image, {b.TrainImages:N0} images", Num(b.Result.Metrics.Fvu, 3),
                b.Result.Splice is { } s ? $"{Pct(s.Dictionary.Accuracy)} ({Pct(s.Model.Accuracy)})" : "–", $"{b.Live} / {b.Distinct}",
                b.Places is null ? "–" : $"{b.Count(FeaturePlace.Digit)} / {b.Count(FeaturePlace.Texture)} / {b.Count(FeaturePlace.Mixed)}",
                double.IsNaN(b.BaseShare) ? "–" : Pct(b.BaseShare),
                string.Join(", ", new[] { ".conv1", ".conv2" }.Select(c => filters.TryGetValue(b.Block + c, out var f) ? $"{f.Trained.EffectiveRank:F1}" : "–"))])));
        foreach (var b in r.Blocks)
        {
            int digit = b.Count(FeaturePlace.Digit), texture = b.Count(FeaturePlace.Texture);
            string held = b.Distinct == b.Result.Options.Width
                ? $"all {b.Distinct} features are live and distinct, {(double)b.Distinct / RotResNet.ConvDim:0.#} per channel: the block holds at least that many (a wider dictionary would say how many more)"
                : $"{b.Distinct} distinct features from {RotResNet.ConvDim} channels ({b.Live} live of {b.Result.Options.Width})";
            sb.AppendLine($"- {b.Block}: {held}" + (b.Places is null ? "." :
                $"; {digit} fire mostly on the digit, {texture} mostly on the texture and {b.Live - digit - texture} on both" +
                (texture > 1.5 * digit ? ": more of its features are about the background than about the digit." : digit > 1.5 * texture ? ": most of its placed features are about the digit." : ".")));
        }
        sb.AppendLine();
        if (r.Maps.Length > 0)
            sb.AppendLine($"One row per block ({string.Join(", ", r.Blocks.Where(b => b.Places is not null && b.Result.Concepts is not null).Select(b => b.Block))}): its four most frequent digit features, then its four most " +
                          "frequent texture features, each drawn over its top-activating test image, its code at each position upsampled to the pixels (where on the image it fires, each on its own scale):").AppendLine().AppendLine(Image("digit and texture features", FigureFile)).AppendLine();
        return sb.ToString();
    }

    public static object? Metrics(RotatedDictionaryResult? r) => r is null ? null : new
    {
        mask = r.MaskSource,
        blocks = r.Blocks.Select(b => new
        {
            block = b.Block, positions = b.Positions, train_images = b.TrainImages, test_images = b.TestImages, width = b.Result.Options.Width, k = b.Result.Options.KOrDefault,
            l0 = b.Result.Metrics.L0, fvu = b.Result.Metrics.Fvu, dead = b.Result.Metrics.Dead, live = b.Live, distinct = b.Distinct,
            spliced_accuracy = b.Result.Splice?.Dictionary.Accuracy, accuracy = b.Result.Splice?.Model.Accuracy,
            digit = b.Places is null ? (int?)null : b.Count(FeaturePlace.Digit), texture = b.Places is null ? (int?)null : b.Count(FeaturePlace.Texture),
            mixed = b.Places is null ? (int?)null : b.Count(FeaturePlace.Mixed),
            digit_positions_share = double.IsNaN(b.BaseShare) ? (double?)null : b.BaseShare,
            digit_share = b.DigitShare?.Select(s => double.IsNaN(s) ? (double?)null : s),
            best_class = b.Result.Concepts?.BestPerConcept.FirstOrDefault(c => c.Concept == "class") is { } c ? new { feature = c.Feature, @class = c.Class, auc = c.Score } : null,
            seconds = b.Result.Seconds,
        }),
    };
}
