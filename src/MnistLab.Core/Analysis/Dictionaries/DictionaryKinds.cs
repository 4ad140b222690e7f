namespace MnistLab.Analysis.Dictionaries;

/// <summary>The kinds of sparse dictionary, registered once: the options, the command line and the reports enumerate this list.</summary>
public static class DictionaryKinds
{
    public const string TopK = "topk", ReluL1 = "relu-l1", JumpRelu = "jumprelu";

    public static IReadOnlyList<string> Names { get; } = [TopK, ReluL1, JumpRelu];

    /// <summary>An untrained autoencoder of the kind <paramref name="options"/> names, on rows of <paramref name="features"/> values.</summary>
    public static SparseAutoencoder Create(DictionaryOptions options, int features) => options.Kind switch
    {
        TopK => new TopKAutoencoder(features, options.Width, options.KOrDefault, options.AuxK ?? Math.Max(1, Math.Min(features / 2, options.Width)), options.AuxCoefficient),
        ReluL1 => new ReluL1Autoencoder(features, options.Width, options.L1OrDefault),
        JumpRelu => new JumpReluAutoencoder(features, options.Width, options.L1OrDefault, options.InitialThreshold, options.Bandwidth),
        _ => throw new ArgumentException($"no dictionary kind '{options.Kind}'; the kinds are {string.Join(", ", Names)}."),
    };

    /// <summary>How the kind keeps features alive, in one sentence for the report.</summary>
    public static string DeadFeatureHandling(DictionaryOptions options) => options.Kind switch
    {
        TopK when options.AuxCoefficient > 0 =>
            $"Gao et al.'s auxiliary loss (weight {options.AuxCoefficient:G3}): a feature silent for {options.DeadRows:N0} consecutive training rows counts as dead, " +
            "and the largest pre-activations among the dead features are trained to reconstruct the residual error.",
        TopK => "none (the auxiliary loss is off).",
        _ => "none: this kind has no revival; dead features are counted and reported.",
    };
}
