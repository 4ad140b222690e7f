using MnistLab.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MnistLab.Attribution.Graph;

/// <summary>BatchNorm in eval mode: a per-channel affine map a·s + c. The reader folds it into a Linear or Conv2d it follows.</summary>
sealed class BatchNormStage(Tensor scale, Tensor shift) : Stage
{
    public Tensor Scale { get; } = scale;
    public Tensor Shift { get; } = shift;

    public static BatchNormStage Of(BatchNorm bn)
    {
        if (bn.running_mean is null || bn.running_var is null) throw new MnistLabException("a BatchNorm without running statistics cannot be read in eval mode.");
        var mean = bn.running_mean.detach().to_type(ScalarType.Float64);
        var std = (bn.running_var.detach().to_type(ScalarType.Float64) + bn.eps).sqrt();
        var gamma = bn.weight is null ? ones_like(mean) : bn.weight.detach().to_type(ScalarType.Float64);
        var beta = bn.bias is null ? zeros_like(mean) : bn.bias.detach().to_type(ScalarType.Float64);
        var scale = gamma / std;
        return new BatchNormStage(scale.clone(), (beta - mean * scale).clone());
    }

    Tensor View(Tensor p, Tensor a) => Cast(p, a).view(a.dim() == 4 ? [1, -1, 1, 1] : [1, -1]);

    public override string Describe() => "batchnorm";

    /// <summary>The map without its shift: a·s.</summary>
    public Tensor Linear(Tensor a) => a * View(Scale, a);

    public override Tensor Forward(Tensor a) => Linear(a) + View(Shift, a);
}
