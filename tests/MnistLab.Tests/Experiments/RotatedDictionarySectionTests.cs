using MnistLab.Analysis.Dictionaries;
using MnistLab.Data;
using MnistLab.Experiments.Rotated;
using MnistLab.Import;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Tests.Experiments;

/// <summary>The rotated report's block dictionaries: digit and texture features, distinct directions, known answers.</summary>
public class RotatedDictionarySectionTests
{
    [Fact]
    public void A_feature_that_fires_on_bright_pixels_is_a_digit_feature_and_one_on_the_dim_texture_a_texture_feature()
    {
        // Images: a digit (a bar of 1s) over a texture below 0.5; the point is the ResNet's input, one row per pixel. Feature 0
        // codes x, feature 1 codes 1 − x, and TopK keeps the larger: 0 on the bar, 1 on the texture.
        using var scope = NewDisposeScope();
        var digits = zeros(6, 1, 28, 28);
        for (int i = 0; i < 6; i++) digits[i, 0, TensorIndex.Slice(4 + i, 20), TensorIndex.Slice(10 + i, 14 + i)] = tensor(1f);
        var texture = rand(6, 1, 28, 28, generator: new Generator(1)).mul(0.4);
        var images = maximum(digits, texture);
        using var set = new LabeledImages(images, zeros(6, dtype: ScalarType.Int64), "test");
        using var net = new RotResNet(new Generator(0));
        using var model = LoadedModel.Borrowed(net, "a ResNet");
        var rows = new PointRows(model, "input", set, set);
        Assert.Equal((1, 784), (rows.Features, rows.RowsPerItem));
        var options = new DictionaryOptions { Width = 2, K = 1, Concepts = [] };
        using var sae = new LearnedDictionary(options, 1, Decoder: [1f, -1f], Encoder: [1f, -1f], EncoderBias: [0f, 1f], Bias: [0f], null, 1).ToModule();

        var (share, baseShare) = RotatedDictionarySection.DigitShares(sae, rows, digits);

        Assert.Equal(1, share[0], 6);
        Assert.Equal(0, share[1], 6);
        Assert.Equal(digits.mean().item<float>(), baseShare, 5);
        Assert.Equal(FeaturePlace.Digit, RotatedDictionarySection.Place(share[0], baseShare));
        Assert.Equal(FeaturePlace.Texture, RotatedDictionarySection.Place(share[1], baseShare));
    }

    [Fact]
    public void The_splice_reads_a_model_left_in_training_mode_as_it_is_evaluated()
    {
        // A ResNet has dropout and batch norm; just trained, it is in training mode. Its own outputs in the splice must be
        // those of eval mode (dropout off), the same every call, else the dictionary is compared with a noisy model.
        using var scope = NewDisposeScope();
        var images = rand(12, 1, 28, 28, generator: new Generator(2));
        var labels = randint(0, 10, [12], generator: new Generator(3));
        using var set = new LabeledImages(images, labels, "test");
        using var net = new RotResNet(new Generator(0));
        using (no_grad()) net.get_parameter("fc2.weight").mul_(1000); // undo the seed's small last layer, so logits are not all near 0
        net.train();
        using var model = LoadedModel.Borrowed(net, "a ResNet");
        var rows = new PointRows(model, "res6", set, set);
        using var sae = new LearnedDictionary(new DictionaryOptions { Width = 1, K = 1, Concepts = [] }, 64, new float[64], new float[64], [0f], new float[64], null, 1).ToModule();
        var splice = SpliceMetrics.Compute(sae, rows, 6);
        double expected;
        using (no_grad())
        {
            net.eval();
            expected = nn.functional.cross_entropy(net.call(images).to_type(ScalarType.Float64), labels).item<double>();
        }
        Assert.Equal(expected, splice.Model.CrossEntropy, 5);
    }

    [Fact]
    public void A_feature_is_placed_by_the_odds_of_its_share_against_the_digits_share_of_the_positions()
    {
        // Base 0.2 (odds 1/4): a share of 0.5 has odds 1, four times the base's; 0.4 has 8/3; 0.05 has 4/19, under a third.
        Assert.Equal(FeaturePlace.Digit, RotatedDictionarySection.Place(0.5, 0.2));
        Assert.Equal(FeaturePlace.Mixed, RotatedDictionarySection.Place(0.4, 0.2));
        Assert.Equal(FeaturePlace.Mixed, RotatedDictionarySection.Place(0.2, 0.2));
        Assert.Equal(FeaturePlace.Texture, RotatedDictionarySection.Place(0.05, 0.2));
    }

    [Fact]
    public void Cell_fractions_are_the_digits_share_of_each_cell_in_row_order()
    {
        // The top-left 14 x 14 quadrant: at 7 positions a side (cells of 4), rows and columns 0–2 are all digit, cell (3, 3)
        // holds rows and columns 12–15, of which 12 and 13 are digit (a quarter), cells (3, 0..2) half; the rest none.
        var digits = zeros(1, 1, 28, 28);
        digits[0, 0, TensorIndex.Slice(0, 14), TensorIndex.Slice(0, 14)] = tensor(1f);
        var f = RotatedDictionarySection.CellFractions(digits, 7).data<float>().ToArray();
        Assert.Equal(49, f.Length);
        Assert.Equal(1f, f[0 * 7 + 2]);
        Assert.Equal(0.5f, f[3 * 7 + 1]);
        Assert.Equal(0.5f, f[1 * 7 + 3]);
        Assert.Equal(0.25f, f[3 * 7 + 3]);
        Assert.Equal(0f, f[4 * 7 + 0]);
        Assert.Equal(9 + 6 * 0.5 + 0.25, f.Sum(v => (double)v), 5);
    }

    [Fact]
    public void Live_near_duplicate_directions_count_once_and_dead_features_not_at_all()
    {
        // Five directions in 3 dimensions: 0 and 1 near-duplicates (0.4 rad apart, cos 0.921), 1 and 2 too, but 0 and 2 not
        // (0.8 rad, cos 0.697; joined through 1), 3 on its own, 4 parallel to 3 but dead.
        float c = MathF.Cos(0.4f), s = MathF.Sin(0.4f), c2 = MathF.Cos(0.8f), s2 = MathF.Sin(0.8f);
        float[] decoder = [1, 0, 0, c, s, 0, c2, s2, 0, 0, 0, 1, 0, 0, -1];
        var options = new DictionaryOptions { Width = 5, K = 1, Concepts = [] };
        var d = new LearnedDictionary(options, 3, decoder, new float[15], new float[5], new float[3], null, 1);
        Assert.True(c2 < MnistLab.Analysis.FilterDiversity.DuplicateThreshold && c > MnistLab.Analysis.FilterDiversity.DuplicateThreshold);
        Assert.Equal(2, RotatedDictionarySection.Distinct(d, [0.1, 0.2, 0.1, 0.3, 0]));
        Assert.Equal(3, RotatedDictionarySection.Distinct(d, [0.1, 0, 0.1, 0.3, 0])); // without 1, nothing joins 0 and 2
        Assert.Equal(0, RotatedDictionarySection.Distinct(d, [0, 0, 0, 0, 0]));
    }

    [Fact]
    public void Bad_blocks_are_named_in_the_error()
    {
        var e = Assert.Throws<MnistLab.Common.InvalidOptionException>(() => new RotatedOptions { DictionaryBlocks = ["res7"] }.Validated());
        Assert.Contains("res7", e.Message);
        Assert.Contains("res1, res2", e.Message);
        Assert.Throws<MnistLab.Common.InvalidOptionException>(() => new RotatedOptions { DictionaryBlocks = ["res2", "res2"] }.Validated());
        new RotatedOptions { DictionaryBlocks = [] }.Validated();
        new RotatedOptions { Dictionary = null, DictionaryBlocks = ["res7"] }.Validated(); // off: the blocks are not read
    }
}
