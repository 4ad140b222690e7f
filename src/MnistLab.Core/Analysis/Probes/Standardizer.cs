using static TorchSharp.torch;

namespace MnistLab.Analysis.Probes;

/// <summary>
/// Per-feature mean and standard deviation (population, as scikit-learn's StandardScaler) of the training rows; a
/// constant feature keeps scale 1, so it standardises to 0 and its weight stays 0 under any L2 penalty.
/// </summary>
public sealed record Standardizer(double[] Mean, double[] Scale)
{
    public static Standardizer Fit(Tensor x)
    {
        using var scope = NewDisposeScope();
        var x64 = x.to_type(ScalarType.Float64);
        var mean = x64.mean([0]);
        var sd = (x64 - mean).square().mean([0]).sqrt();
        sd = where(sd.eq(0), ones_like(sd), sd);
        return new(mean.data<double>().ToArray(), sd.data<double>().ToArray());
    }

    /// <summary>(x - mean) / scale in float64.</summary>
    public Tensor Apply(Tensor x)
    {
        using var scope = NewDisposeScope();
        return ((x.to_type(ScalarType.Float64) - tensor(Mean)) / tensor(Scale)).MoveToOuterDisposeScope();
    }
}
