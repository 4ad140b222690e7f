using MnistLab.Analysis.Causal;
using MnistLab.Analysis.Concepts;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis.Causal;

/// <summary>LEACE's and INLP's guarantees measured on data whose concept is planted along known directions.</summary>
public class EraserTests
{
    /// <summary>
    /// n points in d dimensions, correlated (a random mixing), with a discrete concept of k classes that shifts the mean
    /// along k directions and a continuous one that is a linear function of x plus noise.
    /// </summary>
    static (Tensor X, ConceptValues Discrete, ConceptValues Continuous) Planted(int n, int d, int k, long seed)
    {
        using var g = new Generator((ulong)seed);
        var classes = randint(0, k, [n], generator: g);
        var shifts = randn([k, d], ScalarType.Float64, generator: g) * 2;
        var mixing = randn([d, d], ScalarType.Float64, generator: g) / Math.Sqrt(d);
        var x = randn([n, d], ScalarType.Float64, generator: g).matmul(mixing) + shifts.index_select(0, classes) + 3;
        var w = randn([d], ScalarType.Float64, generator: g);
        var y = x.matmul(w) + randn([n], ScalarType.Float64, generator: g) * 0.1;
        return (x, ConceptValues.Discrete("planted", [.. classes.data<long>()]), ConceptValues.Continuous("linear", [.. y.data<double>()]));
    }

    static double CrossCovariance(Tensor x, ConceptValues z)
    {
        var centred = x - x.mean([0]);
        var zz = ConceptTargets.Of(z);
        return (centred.t().matmul(zz) / x.shape[0]).abs().max().item<double>();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void After_leace_no_linear_predictor_beats_a_constant_on_the_fitted_data(bool continuous)
    {
        using var scope = NewDisposeScope();
        var (x, discrete, linear) = Planted(2000, 12, 4, 1);
        var z = continuous ? linear : discrete;
        Assert.True(CrossCovariance(x, z) > 0.1);
        using var eraser = Leace.Fit(x, z);
        var erased = eraser.Apply(x);
        Assert.True(CrossCovariance(erased, z) < 1e-10, $"cross-covariance left: {CrossCovariance(erased, z)}");
        Assert.Equal(continuous ? 1 : 3, eraser.Rank); // k centred one-hot columns span k − 1 dimensions
        // The least-squares predictor of the concept from the erased data explains nothing of it.
        var design = cat([erased, ones(erased.shape[0], 1, ScalarType.Float64)], 1);
        var targets = ConceptTargets.Of(z);
        var fit = design.matmul(linalg.lstsq(design, targets).Solution);
        Assert.True((fit * fit).sum().item<double>() < 1e-12 * (targets * targets).sum().item<double>());
    }

    [Fact]
    public void Leaces_eraser_is_a_projection_that_moves_the_data_less_than_the_orthogonal_one_along_the_same_directions()
    {
        using var scope = NewDisposeScope();
        var (x, z, _) = Planted(2000, 10, 3, 2);
        using var eraser = Leace.Fit(x, z);
        Assert.True((eraser.M.matmul(eraser.M) - eraser.M).abs().max().item<double>() < 1e-9); // M² = M
        // Orthogonal projection onto the raw cross-covariance directions also zeroes the cross-covariance.
        var (u, _, _) = linalg.svd(((x - x.mean([0])).t().matmul(ConceptTargets.Of(z))), fullMatrices: false);
        var basis = u.narrow(1, 0, 2);
        var orthogonal = x - (x - x.mean([0])).matmul(basis).matmul(basis.t());
        Assert.True(CrossCovariance(orthogonal, z) < 1e-10);
        double Moved(Tensor y) => (y - x).pow(2).sum(1).mean().item<double>();
        Assert.True(Moved(eraser.Apply(x)) <= Moved(orthogonal) + 1e-9, $"LEACE moved {Moved(eraser.Apply(x))}, the orthogonal projection {Moved(orthogonal)}");
    }

    [Fact]
    public void Inlp_removes_every_linear_trace_with_an_orthogonal_projection()
    {
        using var scope = NewDisposeScope();
        var (x, z, _) = Planted(2000, 12, 4, 3);
        using var eraser = Inlp.Fit(x, z, iterations: 20);
        Assert.True((eraser.M - eraser.M.t()).abs().max().item<double>() < 1e-9);
        Assert.True((eraser.M.matmul(eraser.M) - eraser.M).abs().max().item<double>() < 1e-9);
        Assert.InRange(eraser.Rank, 3, 12);
        Assert.True(CrossCovariance(eraser.Apply(x), z) < 1e-3 * CrossCovariance(x, z));
    }

    [Fact]
    public void A_random_subspace_eraser_removes_as_many_dimensions_and_a_constant_concept_gives_rank_zero()
    {
        using var scope = NewDisposeScope();
        var (x, _, _) = Planted(500, 8, 2, 4);
        using var random = ConceptEraser.RandomSubspace(x.mean([0]), 3, new Generator(5));
        Assert.Equal(3, random.Rank);
        Assert.Equal(3, random.M.trace().item<double>(), 9);
        using var none = Leace.Fit(x, ConceptValues.Continuous("flat", [.. Enumerable.Repeat(1.0, 500)]));
        Assert.Equal(0, none.Rank);
        Assert.Equal(0, (none.Apply(x) - x).abs().max().item<double>(), 12);
    }
}
