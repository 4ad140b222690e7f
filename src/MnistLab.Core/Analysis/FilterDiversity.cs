using static TorchSharp.torch;

namespace MnistLab.Analysis;

/// <summary>How alike the filters of one convolution are.</summary>
/// <param name="MeanAbsCos">Mean |cosine| between distinct filters (0: orthogonal, 1: all parallel).</param>
/// <param name="NearDuplicates">Pairs i &lt; j with |cos| at or above the threshold.</param>
/// <param name="EffectiveRank">exp of the entropy of the normalised singular values (Roy and Vetterli, 2007).</param>
/// <param name="FanIn">Weights per filter (in channels x kernel height x kernel width), read off the weight's shape.</param>
public sealed record FilterDiversityResult(int Filters, double MeanAbsCos, int NearDuplicates, double EffectiveRank, float[][] Cosine, int FanIn)
{
    /// <summary>The most the effective rank can be: min(filters, fan-in).</summary>
    public int MaxRank => Math.Min(Filters, FanIn);

    /// <summary>Mean |cos| of random directions in <see cref="FanIn"/> dimensions (<see cref="FilterDiversity.RandomMeanAbsCos"/>): the level of no structure.</summary>
    public double RandomMeanAbsCos => FilterDiversity.RandomMeanAbsCos(FanIn);
}

public static class FilterDiversity
{
    public const double DuplicateThreshold = 0.9;

    /// <summary>E|cos| between two random Gaussian directions in n dimensions, about sqrt(2 / (pi n)): the level of "no structure".</summary>
    public static double RandomMeanAbsCos(int n) => Math.Sqrt(2 / (Math.PI * n));

    /// <summary>Measures a weight (out, in, kh, kw) or (out, fan_in): each filter is one flattened row.</summary>
    public static FilterDiversityResult Compute(Tensor weight, double duplicateThreshold = DuplicateThreshold)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var w = weight.detach().reshape(weight.shape[0], -1).to_type(ScalarType.Float64); // (F, fan_in)
        int f = (int)w.shape[0], fanIn = (int)w.shape[1];
        var unit = w / w.norm(1, keepdim: true).clamp_min(1e-12);
        var cos = unit.matmul(unit.t()); // (F, F)
        var abs = cos.abs();
        var offDiagonal = ones(f, f, dtype: ScalarType.Bool).triu(1);
        double mean = f < 2 ? 0 : abs.masked_select(offDiagonal).mean().item<double>();
        int duplicates = (int)abs.masked_select(offDiagonal).ge(duplicateThreshold).sum().item<long>();
        var s = linalg.svdvals(w);
        var p = s / s.sum();
        double entropy = -(p * p.clamp_min(1e-300).log()).sum().item<double>();
        var cosRows = Enumerable.Range(0, f).Select(i => cos[i].to_type(ScalarType.Float32).data<float>().ToArray()).ToArray();
        return new FilterDiversityResult(f, mean, duplicates, Math.Exp(entropy), cosRows, fanIn);
    }
}
