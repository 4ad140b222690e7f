using MnistLab.Analysis.Concepts;
using MnistLab.Analysis.Dictionaries;

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
