using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;

namespace MnistLab.Models;

/// <summary>
/// Seed 004's MLPVAE: encoder flatten-784-256-ReLU with heads mu and logvar of dimension d; decoder
/// d-256-ReLU-784-Sigmoid. Field names follow the seed (enc, fc_mu, fc_logvar, dec), so state_dict keys match.
/// forward(x) is the deterministic reconstruction decode(mu(x)).
/// </summary>
public sealed class Vae : Module<Tensor, Tensor>
{
    readonly Sequential enc;
    readonly Linear fc_mu;
    readonly Linear fc_logvar;
    readonly Sequential dec;

    public int LatentDim { get; }

    public Vae(int latentDim = 8) : base(nameof(Vae))
    {
        LatentDim = latentDim;
        enc = Sequential(Flatten(), Linear(784, 256), ReLU());
        fc_mu = Linear(256, latentDim);
        fc_logvar = Linear(256, latentDim);
        dec = Sequential(Linear(latentDim, 256), ReLU(), Linear(256, 784), Sigmoid());
        RegisterComponents();
    }

    /// <summary>(mu, logvar), each (N, d), of images (N, 1, 28, 28) in [0, 1].</summary>
    public (Tensor Mu, Tensor LogVar) Encode(Tensor x)
    {
        var h = enc.call(x); // (N, 256)
        return (fc_mu.call(h), fc_logvar.call(h));
    }

    /// <summary>z = mu + sigma * eps, eps ~ N(0, I) drawn from <paramref name="generator"/> (Kingma and Welling, 2014).</summary>
    public static Tensor Reparameterize(Tensor mu, Tensor logVar, Generator? generator) =>
        mu + exp(logVar.mul(0.5)) * randn(mu.shape, generator: generator);

    /// <summary>Images (N, 1, 28, 28) in [0, 1] from latents (N, d).</summary>
    public Tensor Decode(Tensor z) => dec.call(z).view(-1, 1, 28, 28);

    public override Tensor forward(Tensor x) => Decode(Encode(x).Mu);

    /// <summary>
    /// The seed's beta-VAE loss summed over the batch: BCE(recon, x, sum) + beta * KL(N(mu, sigma^2) || N(0, I)),
    /// KL = -1/2 sum(1 + logvar - mu^2 - exp(logvar)) (Higgins et al., 2017).
    /// </summary>
    public Tensor Loss(Tensor x, double beta, Generator? generator)
    {
        var (mu, logVar) = Encode(x);
        var recon = Decode(Reparameterize(mu, logVar, generator));
        var bce = functional.binary_cross_entropy(recon, x, reduction: Reduction.Sum);
        var kl = (1 + logVar - mu.square() - logVar.exp()).sum().mul(-0.5);
        return bce + kl.mul(beta);
    }
}
