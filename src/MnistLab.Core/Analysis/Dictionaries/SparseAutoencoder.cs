using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Analysis.Dictionaries;

/// <summary>What one training step of a sparse autoencoder computes: the objective, its reconstruction term, and the codes.</summary>
public sealed record SaeLoss(Tensor Loss, Tensor Reconstruction, Tensor Codes);

/// <summary>
/// A sparse autoencoder on rows x (B, d): codes f = σ((x − b) W_enc + b_enc) (B, width), reconstruction x̂ = f W_dec + b.
/// The bias b is subtracted before the encoder (the pre-encoder bias of Anthropic and Gao et al.) and added back after the
/// decoder, so the dictionary models the input's offset from it. The rows of W_dec (width, d) are the dictionary's
/// directions. The kinds differ only in σ and the sparsity term of the loss (one file each).
/// </summary>
public abstract class SparseAutoencoder : Module<Tensor, Tensor>
{
    // Field names are the state_dict keys a checkpoint stores.
    protected readonly Parameter encoder, encoder_bias, decoder, bias;

    protected SparseAutoencoder(string name, int features, int width) : base(name)
    {
        Features = features;
        Width = width;
        encoder = Parameter(zeros(features, width));
        encoder_bias = Parameter(zeros(width));
        decoder = Parameter(zeros(width, features));
        bias = Parameter(zeros(features));
    }

    public int Features { get; }
    public int Width { get; }

    /// <summary>(d, width).</summary>
    public Tensor Encoder => encoder;
    /// <summary>(width).</summary>
    public Tensor EncoderBias => encoder_bias;
    /// <summary>(width, d): one direction per row.</summary>
    public Tensor Decoder => decoder;
    /// <summary>(d): the pre-encoder and decoder bias.</summary>
    public Tensor Bias => bias;

    /// <summary>Pre-activations (B, width).</summary>
    public Tensor PreActivations(Tensor x) => (x - bias).matmul(encoder) + encoder_bias;

    /// <summary>The codes (B, width) of rows x: every entry ≥ 0, and 0 where the feature is off.</summary>
    public Tensor Encode(Tensor x) => Activate(PreActivations(x));

    public Tensor Decode(Tensor codes) => codes.matmul(decoder) + bias;

    public override Tensor forward(Tensor x) => Decode(Encode(x));

    /// <summary>The kind's activation of pre-activations (B, width).</summary>
    public abstract Tensor Activate(Tensor pre);

    /// <summary>
    /// The objective of one batch: the squared reconstruction error summed over the d inputs and averaged over the rows
    /// (SAELens's), plus the kind's sparsity term. <paramref name="dead"/> (width, bool) marks the features that have
    /// not fired for a while, for a kind that revives them.
    /// </summary>
    public abstract SaeLoss Loss(Tensor x, Tensor dead);

    protected static Tensor SquaredError(Tensor reconstruction, Tensor x) => (reconstruction - x).pow(2).sum(1, keepdim: false).mean();

    /// <summary>
    /// The random unit directions (width, d) a dictionary starts from, drawn from <paramref name="generator"/>: a peer
    /// handed them starts where MnistLab does.
    /// </summary>
    public static Tensor InitialDirections(int width, int features, Generator generator)
    {
        using var scope = NewDisposeScope();
        var directions = randn(width, features, generator: generator);
        return (directions / directions.norm(1, keepdim: true).clamp_min(1e-12)).MoveToOuterDisposeScope();
    }

    /// <summary>Starts from random unit directions, the encoder their transpose (Gao et al.), the bias at <paramref name="mean"/>.</summary>
    public virtual void Initialize(Tensor mean, Generator generator)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var directions = InitialDirections(Width, Features, generator);
        decoder.copy_(directions);
        encoder.copy_(directions.t());
        encoder_bias.zero_();
        bias.copy_(mean.to_type(ScalarType.Float32));
    }

    /// <summary>Removes from the decoder's gradient its part along each direction, which a unit-norm constraint would undo anyway (Gao et al.).</summary>
    public void RemoveParallelGradient()
    {
        if (decoder.grad is not { } grad) return;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var unit = decoder / decoder.norm(1, keepdim: true).clamp_min(1e-12);
        grad.sub_((grad * unit).sum(1, keepdim: true) * unit);
    }

    /// <summary>Puts every decoder direction back at unit norm after a step.</summary>
    public void NormalizeDecoder()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        decoder.div_(decoder.norm(1, keepdim: true).clamp_min(1e-12));
    }

    /// <summary>
    /// Rewrites the weights for inputs in their own units, where training saw them multiplied by <paramref name="scale"/>:
    /// the same codes come out of x as came out of scale·x, and the reconstruction comes back in x's units.
    /// </summary>
    public void FoldScale(double scale)
    {
        using var _ = no_grad();
        encoder.mul_(scale);
        decoder.div_(scale);
        bias.div_(scale);
    }

    /// <summary>Copies the weights (and any kind's own parameters) of <paramref name="other"/>, a dictionary of the same kind and shape.</summary>
    public void CopyFrom(SparseAutoencoder other)
    {
        using var _ = no_grad();
        var mine = named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in other.named_parameters()) mine[name].copy_(p);
    }
}
