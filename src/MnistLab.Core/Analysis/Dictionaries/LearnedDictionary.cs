using static TorchSharp.torch;

namespace MnistLab.Analysis.Dictionaries;

/// <summary>
/// A learned sparse dictionary in the input's own units (the training's input scaling folded in): codes
/// f = σ((x − b) E + c) and reconstruction x̂ = f D + b, with D (width, d) the dictionary's directions, E (d, width) the
/// encoder, c (width) the encoder's bias, b (d) the pre-encoder and decoder bias and, for JumpReLU, each feature's
/// threshold. Immutable: <see cref="ToModule"/> builds a module that computes it.
/// </summary>
public sealed record LearnedDictionary(DictionaryOptions Options, int Features, float[] Decoder, float[] Encoder, float[] EncoderBias, float[] Bias, float[]? Threshold, double Scale)
{
    public int Width => Options.Width;

    /// <summary>Feature <paramref name="i"/>'s direction (d values, norm 1/<see cref="Scale"/> when the directions were kept at unit norm).</summary>
    public float[] Direction(int i) => Decoder.AsSpan(i * Features, Features).ToArray();

    /// <summary>The weights of a trained module whose inputs were multiplied by <paramref name="scale"/> (already folded in).</summary>
    public static LearnedDictionary Of(SparseAutoencoder folded, DictionaryOptions options, double scale)
    {
        static float[] Values(Tensor t) => t.detach().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        return new LearnedDictionary(options, folded.Features, Values(folded.Decoder), Values(folded.Encoder), Values(folded.EncoderBias), Values(folded.Bias),
            folded is JumpReluAutoencoder jump ? Values(jump.Threshold) : null, scale);
    }

    /// <summary>A module (eval mode) that encodes and decodes rows in the input's units with these weights.</summary>
    public SparseAutoencoder ToModule()
    {
        var module = DictionaryKinds.Create(Options, Features);
        using var _ = no_grad();
        var p = module.named_parameters().ToDictionary(n => n.name, n => n.parameter);
        p["encoder"].copy_(tensor(Encoder, new long[] { Features, Width }));
        p["encoder_bias"].copy_(tensor(EncoderBias));
        p["decoder"].copy_(tensor(Decoder, new long[] { Width, Features }));
        p["bias"].copy_(tensor(Bias));
        if (Threshold is not null) p["log_threshold"].copy_(tensor(Threshold).log());
        module.eval();
        return module;
    }
}
