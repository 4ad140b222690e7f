using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import;

/// <summary>
/// The per-channel (x - mean) / std that PyTorch users usually apply in their data transform
/// (<c>transforms.Normalize((0.1307,), (0.3081,))</c>). MnistLab makes it the model's first step, so every analysis
/// reads the image as MnistLab holds it, in [0, 1].
/// </summary>
public sealed record Normalization(double[] Mean, double[] Std)
{
    /// <summary>Null if it fits an input of <paramref name="inputShape"/> (no batch), else what is wrong.</summary>
    public string? Mismatch(long[] inputShape)
    {
        if (Mean is null || Std is null || Mean.Length == 0 || Mean.Length != Std.Length) return "normalize needs mean and std lists of the same, non-zero length";
        if (Std.Any(s => !(s > 0) || double.IsInfinity(s)) || Mean.Any(m => !double.IsFinite(m))) return "normalize needs finite means and positive finite stds";
        long channels = inputShape.Length == 3 ? inputShape[0] : 1;
        return Mean.Length == 1 || Mean.Length == channels ? null : $"normalize has {Mean.Length} means, the input has {channels} channel(s)";
    }
}

/// <summary>
/// (x - mean) / std with mean and std as non-persistent buffers: they move with the module but stay out of its
/// state_dict, so the weights keep exactly the nn.Sequential's keys that PyTorch's load_state_dict expects.
/// </summary>
public sealed class NormalizeModule : Module<Tensor, Tensor>
{
    // An array, not Tensor fields: TorchSharp registers a module's Tensor fields as persistent buffers when it is added to a parent.
    readonly Tensor[] _stats;

    public NormalizeModule(Normalization n, long[] inputShape) : base("Normalize")
    {
        long[] shape = inputShape.Length == 3 ? [n.Mean.Length, 1, 1] : [n.Mean.Length];
        _stats = [tensor(n.Mean.Select(v => (float)v).ToArray(), shape), tensor(n.Std.Select(v => (float)v).ToArray(), shape)];
        register_buffer("mean", _stats[0], persistent: false);
        register_buffer("std", _stats[1], persistent: false);
    }

    public override Tensor forward(Tensor x) => (x - _stats[0]) / _stats[1];
}
