using MnistLab.Analysis;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis;

public class FilterDiversityTests
{
    [Fact]
    public void Identical_filters_have_cosine_one_are_all_duplicates_and_rank_one()
    {
        var w = ones(5, 2, 3, 3);
        var d = FilterDiversity.Compute(w);
        Assert.Equal(1.0, d.MeanAbsCos, 9);
        Assert.Equal(10, d.NearDuplicates); // 5 choose 2
        Assert.Equal(1.0, d.EffectiveRank, 6);
        Assert.All(d.Cosine.SelectMany(r => r), c => Assert.Equal(1f, c, 5));
    }

    [Fact]
    public void Orthogonal_filters_have_cosine_zero_no_duplicates_and_full_rank()
    {
        var w = eye(6).reshape(6, 1, 2, 3);
        var d = FilterDiversity.Compute(w);
        Assert.Equal(0.0, d.MeanAbsCos, 9);
        Assert.Equal(0, d.NearDuplicates);
        Assert.Equal(6.0, d.EffectiveRank, 6);
    }

    [Fact]
    public void A_filter_and_its_negative_count_as_duplicates()
    {
        var w = stack([tensor(new float[] { 1, 2, 3 }), tensor(new float[] { -1, -2, -3 }), tensor(new float[] { 3, -1, 0 })]);
        var d = FilterDiversity.Compute(w);
        Assert.Equal(1, d.NearDuplicates);
        Assert.Equal(-1f, d.Cosine[0][1], 5);
    }

    [Fact]
    public void The_fan_in_is_read_off_the_weight_shape_and_bounds_the_rank()
    {
        var first = FilterDiversity.Compute(randn(64, 1, 3, 3));
        Assert.Equal((9, 9), (first.FanIn, first.MaxRank)); // 64 filters of 9 weights span at most 9 directions
        var deep = FilterDiversity.Compute(randn(64, 64, 3, 3));
        Assert.Equal((576, 64), (deep.FanIn, deep.MaxRank));
        Assert.Equal(Math.Sqrt(2 / (Math.PI * 576)), deep.RandomMeanAbsCos, 12);
        Assert.Equal(7, FilterDiversity.Compute(randn(4, 7)).FanIn);
    }
}
