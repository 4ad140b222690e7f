using MnistLab.Features;
using static TorchSharp.torch;

namespace MnistLab.Tests.Features;

public class ConceptsTests
{
    static float[] Scores(params (int R, int C)[] pixels)
    {
        var img = new float[784];
        foreach (var (r, c) in pixels) img[r * 28 + c] = 1f;
        using var t = tensor(img, [1, 1, 28, 28]);
        using var s = Concepts.Compute(t);
        return s.data<float>().ToArray();
    }

    [Fact]
    public void A_single_pixel_has_size_1_and_gains_8_by_dilation()
    {
        var s = Scores((10, 10));
        Assert.Equal(1f, s[0]);
        Assert.Equal(8f, s[1]);
    }

    [Fact]
    public void A_vertical_bar_has_slant_0_and_known_size_and_thickness()
    {
        var s = Scores(Enumerable.Range(5, 10).Select(r => (r, 12)).ToArray()); // 10 pixels in one column
        Assert.Equal(10f, s[0]);
        Assert.Equal(2 * 10 + 6, s[1]); // a 3 x 12 block minus the bar
        Assert.Equal(0f, s[2], 5);
    }

    [Fact]
    public void A_bar_leaning_with_columns_growing_down_the_rows_has_positive_slant_in_the_seeds_convention()
    {
        // The seed's xs run down the rows (dim 2) and ys along the columns (dim 3): a stroke whose column grows
        // with its row ("\" on screen) has uxy > 0, so slant = 0.5 atan2(2 uxy, uxx - uyy) > 0.
        var back = Scores(Enumerable.Range(4, 16).Select(r => (r, 8 + r / 2)).ToArray());
        var forward = Scores(Enumerable.Range(4, 16).Select(r => (r, 20 - r / 2)).ToArray());
        Assert.True(back[2] > 0.2f, $"slant {back[2]}");
        Assert.Equal(-back[2], forward[2], 4); // the mirror image leans the other way by the same angle
    }

    [Fact]
    public void A_pixel_of_exactly_one_half_is_not_foreground_and_an_empty_image_scores_zero()
    {
        var img = new float[784];
        img[300] = 0.5f;
        using var t = tensor(img, [1, 1, 28, 28]);
        using var s = Concepts.Compute(t);
        Assert.Equal([0f, 0f], s.data<float>().ToArray()[..2]);
    }
}
