using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Analysis.Dictionaries;

/// <summary>
/// TopK sparse autoencoder (Gao et al. 2024, "Scaling and evaluating sparse autoencoders"): each row keeps its k largest
/// pre-activations (through a ReLU) and zeroes the rest, so the sparsity is set, not paid for, and the loss is the
/// reconstruction error alone. Dead features are revived by Gao et al.'s auxiliary loss: the k_aux largest
/// pre-activations among the dead features reconstruct the main reconstruction's residual, scaled by
/// min(dead / k_aux, 1) as SAELens does, so the gradient reaches features that TopK would never select.
/// </summary>
public sealed class TopKAutoencoder : SparseAutoencoder
{
    readonly int _k, _auxK;
    readonly double _auxCoefficient;

    public TopKAutoencoder(int features, int width, int k, int auxK, double auxCoefficient) : base(nameof(TopKAutoencoder), features, width)
    {
        (_k, _auxK, _auxCoefficient) = (k, auxK, auxCoefficient);
        RegisterComponents();
    }

    public override Tensor Activate(Tensor pre)
    {
        var (values, indices) = pre.topk(_k, dim: 1);
        return zeros_like(pre).scatter(1, indices, functional.relu(values));
    }

    public override SaeLoss Loss(Tensor x, Tensor dead)
    {
        var pre = PreActivations(x);
        var codes = Activate(pre);
        var reconstruction = Decode(codes);
        var error = SquaredError(reconstruction, x);
        long deadCount = dead.sum().item<long>();
        if (deadCount == 0 || _auxCoefficient == 0) return new SaeLoss(error, error, codes);

        int kAux = (int)Math.Min(_auxK, deadCount);
        var residual = (x - reconstruction).detach();
        var deadOnly = pre.masked_fill(dead.logical_not().unsqueeze(0), double.NegativeInfinity);
        var (values, indices) = deadOnly.topk(kAux, dim: 1);
        var auxCodes = zeros_like(pre).scatter(1, indices, values);
        var aux = (auxCodes.matmul(Decoder) - residual).pow(2).sum(1, keepdim: false).mean() * Math.Min((double)deadCount / _auxK, 1.0);
        return new SaeLoss(error + aux * _auxCoefficient, error, codes);
    }
}
