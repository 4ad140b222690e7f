using MnistLab.Analysis.Concepts;
using MnistLab.Analysis.Dictionaries;
using MnistLab.Data;
using MnistLab.Import;
using MnistLab.Models;
using MnistLab.Reports;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis.Dictionaries;

/// <summary>Features that are a concept by construction are found as that concept, with the score it must have.</summary>
public class DictionaryConceptMatchTests
{
    [Fact]
    public void A_feature_built_from_a_concept_is_that_concepts_best_feature_with_a_perfect_score()
    {
        const int images = 1000, width = 4; // every digit 100 times, above the smallest class scored
        var rng = new Random(3);
        var slant = Enumerable.Range(0, images).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var digit = Enumerable.Range(0, images).Select(i => (long)(i % 10)).ToArray();
        var noise = Enumerable.Range(0, images).Select(_ => rng.NextDouble()).ToArray();
        var values = new float[images * width];
        for (int i = 0; i < images; i++)
        {
            values[i * width + 0] = (float)Math.Exp(slant[i]);          // a monotone function of the slant
            values[i * width + 1] = digit[i] == 3 ? 1f + (float)noise[i] : 0f; // fires on threes only
            values[i * width + 2] = 0f;                                    // never fires
            values[i * width + 3] = (float)noise[i];                       // unrelated to both
        }
        var concepts = new[] { ConceptValues.Continuous("slant", slant), ConceptValues.Discrete("class", digit) };
        var match = ConceptMatch.Score(values, images, width, concepts);

        var slantBest = match.BestPerConcept.Single(m => m.Concept == "slant");
        Assert.Equal(0, slantBest.Feature);
        Assert.Equal(1.0, slantBest.Score, 12);
        var classBest = match.BestPerConcept.Single(m => m.Concept == "class");
        Assert.Equal(1, classBest.Feature);
        Assert.Equal("3", classBest.Class);
        Assert.Equal(1.0, classBest.Score, 12);

        // The threes' feature is largest on threes, and a feature that never fires has no top images.
        Assert.Equal(ConceptMatch.TopCount, match.TopImages[1].Length);
        Assert.All(match.TopImages[1], i => Assert.Equal(3, digit[i]));
        Assert.Empty(match.TopImages[2]);
        Assert.Equal("slant", match.Best[0].Concept);
        Assert.Equal("class", match.Best[1].Concept);
        // A silent feature tells nothing: AUC ½ for every class, ρ 0.
        Assert.Equal(0.0, match.Best[2].Strength, 12);
        Assert.True(match.Best[3].Strength < 0.3, $"noise scored {match.Best[3].Strength}");

        // Where a feature fires, its histogram: the threes' feature takes 1 + noise (100 threes, all firing); the silent one has none.
        Assert.Equal(100, match.Histograms[1].Counts.Sum());
        Assert.Equal(1 + noise.Where((_, i) => digit[i] == 3).Max(), match.Histograms[1].Max, 6);
        Assert.All(match.Histograms[1].Counts.Take(4), c => Assert.Equal(0, c)); // nothing below half of its largest value (about 2)
        Assert.Equal(0, match.Histograms[2].Counts.Sum());
        Assert.Equal("", match.Histograms[2].Sparkline());
    }

    [Fact]
    public void A_conv_points_top_images_come_with_the_position_where_the_feature_is_largest_and_its_patch()
    {
        // The ResNet's input is a conv point of one channel, one row per pixel; feature 0 codes the pixel, and each image
        // has its one bright pixel at a known place among dim ones: that pixel is where the feature is largest.
        using var scope = NewDisposeScope();
        int[] bright = [100, 137, 174, 211, 248, 785 - 2];
        var images = rand(6, 1, 28, 28, generator: new Generator(4)).mul(0.3);
        for (int i = 0; i < 6; i++) images[i, 0, bright[i] / 28, bright[i] % 28] = tensor(1f - 0.1f * i); // image 0 largest, then 1, ...
        using var set = new LabeledImages(images, zeros(6, dtype: ScalarType.Int64), "test");
        using var net = new RotResNet(new Generator(0));
        using var model = LoadedModel.Borrowed(net, "a ResNet");
        var rows = new PointRows(model, "input", set, set);
        using var sae = new LearnedDictionary(new DictionaryOptions { Width = 2, K = 1, Concepts = [] }, 1, [1f, -1f], [1f, -1f], [0f, 1f], [0f], null, 1).ToModule();

        var match = ConceptMatch.Compute(sae, rows, [ConceptRegistry.Find("class")!], 6, 4);

        Assert.Equal((28, 28), match.Grid);
        Assert.Equal([0, 1, 2, 3, 4, 5], match.TopImages[0]);
        Assert.Equal(bright, match.TopPositions![0]);
        // Its patch: 10 pixels a side around the cell (row 3, column 16 for pixel 100), kept inside the image: rows 0–9, columns 12–21.
        Assert.Equal(10, DictionaryReport.PatchSide((28, 28)));
        Assert.Equal(12, DictionaryReport.PatchSide((7, 7)));
        var patch = DictionaryReport.Patch(images[0], (28, 28), bright[0], 10);
        Assert.Equal(100, patch.Length);
        Assert.Equal(1f, patch[3 * 10 + 4]);
        Assert.Equal(images[0, 0, 9, 21].item<float>(), patch[99]);
        var corner = DictionaryReport.Patch(images[5], (28, 28), bright[5], 10); // pixel 783: the bottom-right corner of the patch
        Assert.Equal(0.5f, corner[99], 6);
    }

    [Fact]
    public void A_histogram_bins_only_the_values_where_the_feature_fires_and_draws_them_as_blocks()
    {
        var h = FiringHistogram.Of([0, 0, 0, 1, 2, 2, 10, 10, 10, 10]);
        Assert.Equal(10, h.Max);
        // 1 and 2 fall in bins 1 and 2 of [0, 10) by tenths; 10 is in the last bin, which is closed.
        Assert.Equal([0, 1, 2, 0, 0, 0, 0, 0, 0, 4], h.Counts);
        Assert.Equal(" ▂▄      █", h.Sparkline());
    }

    [Fact]
    public void A_class_too_small_to_score_is_left_out_rather_than_matched_by_chance()
    {
        // Class 9 has 5 images, and feature 0 fires on exactly those: a perfect AUC on five images is not evidence.
        const int images = 500;
        var codes = Enumerable.Range(0, images).Select(i => (long)(i < 5 ? 9 : i % 2)).ToArray();
        var values = codes.Select(c => c == 9 ? 1f : 0f).ToArray();
        var match = ConceptMatch.Score(values, images, 1, [ConceptValues.Discrete("class", codes)]);
        Assert.NotEqual("9", match.Best[0].Class);
        Assert.True(match.Best[0].Score < 0.6, $"AUC {match.Best[0].Score}");
    }
}
