using static TorchSharp.torch;

namespace MnistLab.Attribution.Graph;

/// <summary>An imported model's input normalisation (x − mean) / std per channel: affine.</summary>
sealed class NormalizeStage(double[] mean, double[] std) : Stage
{
    readonly Tensor _scale = tensor(std.Select(s => 1 / s).ToArray()), _shift = tensor(mean.Zip(std, (m, s) => -m / s).ToArray());

    /// <summary>(mean, std) when one pair serves every channel.</summary>
    public (double, double)? Scalar => mean.Length == 1 ? (mean[0], std[0]) : null;

    Tensor View(Tensor p, Tensor a) => Cast(p, a).view(a.dim() == 4 ? [1, -1, 1, 1] : a.dim() == 3 ? [-1, 1, 1] : [1, -1]);

    public override string Describe() => "normalize";

    /// <summary>The map without its shift: a / std.</summary>
    public Tensor Linear(Tensor a) => a * View(_scale, a);

    public override Tensor Forward(Tensor a) => Linear(a) + View(_shift, a);
}
