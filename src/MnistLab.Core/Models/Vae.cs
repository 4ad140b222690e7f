using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;

namespace MnistLab.Models;

/// <summary>Sizes of a <see cref="Vae"/>.</summary>
public sealed record VaeSpec(int LatentDim = 8) : ModelSpec
{
    public override Module<Tensor, Tensor> Create(Generator? init = null) => new Vae(this, init);
}

/// <summary>
/// Seed 004's MLPVAE: encoder flatten-784-256-ReLU with heads mu and logvar of dimension d; decoder
/// d-256-ReLU-784-Sigmoid. Field names follow the seed (enc, fc_mu, fc_logvar, dec), so state_dict keys match.
/// forward(x) is the deterministic reconstruction decode(mu(x)).
/// Points: input, enc.hidden, mu, logvar, dec.hidden, output.
/// </summary>
public sealed class Vae : Module<Tensor, Tensor>, ILabModel
{
    readonly Sequential enc;
    readonly Linear fc_mu;
    readonly Linear fc_logvar;
    readonly Sequential dec;
    readonly HookPoint hook_input = new(), hook_output = new();

    public VaeSpec Spec { get; }
    ModelSpec ILabModel.Spec => Spec;
    public int LatentDim => Spec.LatentDim;
    public IReadOnlyList<NamedPoint> Points { get; }

    public Vae(int latentDim = 8) : this(new VaeSpec(latentDim)) { }

    public Vae(VaeSpec spec, Generator? init = null) : base(nameof(Vae))
    {
        Spec = spec;
        enc = Sequential(Flatten(), Linear(784, 256), ReLU());
        fc_mu = Linear(256, spec.LatentDim);
        fc_logvar = Linear(256, spec.LatentDim);
        var decHidden = ReLU(); // a point, kept in the Sequential so the state-dict keys stay the seed's dec.0 and dec.2
        dec = Sequential(Linear(spec.LatentDim, 256), decHidden, Linear(256, 784), Sigmoid());
        RegisterComponents();
        if (init is not null) ModelInit.Reset(this, init);
        Points = [new("input", hook_input), new("enc.hidden", enc), new("mu", fc_mu), new("logvar", fc_logvar), new("dec.hidden", decHidden), new("output", hook_output)];
    }

    /// <summary>(mu, logvar), each (N, d), of images (N, 1, 28, 28) in [0, 1].</summary>
    public (Tensor Mu, Tensor LogVar) Encode(Tensor x)
    {
        var h = enc.call(hook_input.call(x)); // (N, 256)
        return (fc_mu.call(h), fc_logvar.call(h));
    }

    /// <summary>z = mu + sigma * eps, eps ~ N(0, I) drawn from <paramref name="generator"/> (Kingma and Welling, 2014).</summary>
    public static Tensor Reparameterize(Tensor mu, Tensor logVar, Generator? generator) =>
        mu + exp(logVar.mul(0.5)) * randn(mu.shape, generator: generator);

    /// <summary>The layers from the image to mu, in order (what bound propagation reads: flatten, linear, ReLU, linear).</summary>
    public IEnumerable<Module> MeanLayers() => [enc, fc_mu];

    /// <summary>Images (N, 1, 28, 28) in [0, 1] from latents (N, d).</summary>
    public Tensor Decode(Tensor z) => dec.call(z).view(-1, 1, 28, 28);

    public override Tensor forward(Tensor x) => hook_output.call(Decode(Encode(x).Mu));

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
