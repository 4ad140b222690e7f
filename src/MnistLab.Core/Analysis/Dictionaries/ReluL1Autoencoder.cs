using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Analysis.Dictionaries;

/// <summary>
/// ReLU sparse autoencoder with an L1 penalty (Anthropic, "Towards Monosemanticity", 2023): codes relu(pre), loss the
/// reconstruction error plus λ Σ_i f_i ‖d_i‖, each code weighted by its decoder direction's norm (Anthropic's 2024
/// update), so the penalty cannot be escaped by shrinking codes and growing directions when the directions are free.
/// With unit-norm directions the weight is 1 and this is the 2023 set-up.
/// </summary>
public sealed class ReluL1Autoencoder : SparseAutoencoder
{
    readonly double _l1;

    public ReluL1Autoencoder(int features, int width, double l1) : base(nameof(ReluL1Autoencoder), features, width)
    {
        _l1 = l1;
        RegisterComponents();
    }

    public override Tensor Activate(Tensor pre) => functional.relu(pre);

    public override SaeLoss Loss(Tensor x, Tensor dead)
    {
        var codes = Activate(PreActivations(x));
        var error = SquaredError(Decode(codes), x);
        var penalty = (codes * Decoder.norm(1, keepdim: false)).sum(1, keepdim: false).mean();
        return new SaeLoss(error + penalty * _l1, error, codes);
    }
}
