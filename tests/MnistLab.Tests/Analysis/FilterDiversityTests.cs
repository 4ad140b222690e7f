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
}
