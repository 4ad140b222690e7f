using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Models;

/// <summary>
/// PyTorch's default initialisation, drawn from an explicit generator. Linear and Conv2d weights use
/// kaiming_uniform_(a = sqrt(5)) and biases uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)); both bounds come to
/// 1/sqrt(fan_in). BatchNorm starts at weight 1, bias 0 and draws nothing. (TorchSharp's nn.init functions
/// accept a generator but do not use it, so the draws are made here with Tensor.uniform_.)
/// </summary>
public static class ModelInit
{
    /// <summary>Redraws every Linear and Conv2d parameter of <paramref name="model"/>, in module order.</summary>
    public static void Reset(Module model, Generator generator)
    {
        using var _ = no_grad();
        foreach (var (_, module) in model.named_modules())
        {
            var (weight, bias) = module switch
            {
                Linear l => (l.weight, l.bias),
                Conv2d c => (c.weight, c.bias),
                _ => (null, null),
            };
            if (weight is null) continue;
            long fanIn = weight.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            double bound = 1 / Math.Sqrt(fanIn);
            weight.uniform_(-bound, bound, generator);
            bias?.uniform_(-bound, bound, generator);
        }
    }
}
