using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Analysis.Dictionaries;

/// <summary>
/// JumpReLU sparse autoencoder (Rajamanoharan et al. 2024, "Jumping Ahead"): codes f = z·H(z − θ) with a learned threshold
/// θ = exp(log θ) per feature, and loss the reconstruction error plus λ‖f‖₀. Neither H nor ‖·‖₀ has a useful gradient
/// in θ, so both use the paper's straight-through estimator: in the backward pass ∂H(z − θ)/∂θ is
/// −(1/ε) K((z − θ)/ε) with the rectangle kernel K(u) = 1{|u| &lt; ½}, and ∂f/∂θ is θ times that; ∂f/∂z is H(z − θ).
/// Each is written as a term that is 0 in value and carries that gradient, so autograd needs no custom function.
/// </summary>
public sealed class JumpReluAutoencoder : SparseAutoencoder
{
    readonly Parameter log_threshold;
    readonly double _l0, _bandwidth;

    public JumpReluAutoencoder(int features, int width, double l0, double initialThreshold, double bandwidth) : base(nameof(JumpReluAutoencoder), features, width)
    {
        (_l0, _bandwidth) = (l0, bandwidth);
        log_threshold = Parameter(ones(width) * Math.Log(initialThreshold));
        RegisterComponents();
    }

    /// <summary>(width): each feature's threshold θ.</summary>
    public Tensor Threshold => log_threshold.exp();

    public override Tensor Activate(Tensor pre)
    {
        var (codes, _) = Jump(pre);
        return codes;
    }

    public override SaeLoss Loss(Tensor x, Tensor dead)
    {
        var (codes, l0) = Jump(PreActivations(x));
        var error = SquaredError(Decode(codes), x);
        return new SaeLoss(error + l0.sum(1, keepdim: false).mean() * _l0, error, codes);
    }

    /// <summary>The codes and the per-entry L0 indicator, each with the straight-through gradient in θ.</summary>
    (Tensor Codes, Tensor L0) Jump(Tensor pre)
    {
        var theta = Threshold;                          // (width)
        var on = pre.detach().gt(theta.detach()).to_type(pre.dtype); // H(z − θ), (B, width)
        var kernel = (pre.detach() - theta.detach()).div(_bandwidth).abs().lt(0.5).to_type(pre.dtype) / _bandwidth;
        var moved = theta - theta.detach();             // 0 in value, gradient 1 in θ
        var codes = pre * on - moved * (kernel * theta.detach()).detach();
        var l0 = on - moved * kernel.detach();
        return (codes, l0);
    }
}
