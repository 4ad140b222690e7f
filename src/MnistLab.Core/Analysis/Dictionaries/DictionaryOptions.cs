using System.Text.Json.Serialization;
using MnistLab.Common;

namespace MnistLab.Analysis.Dictionaries;

/// <summary>
/// How a sparse dictionary (a sparse autoencoder) is learned on an activation matrix. The kinds are
/// <see cref="DictionaryKinds"/>: <c>topk</c> (Gao et al. 2024), <c>relu-l1</c> (Anthropic, "Towards Monosemanticity",
/// 2023, with the penalty weighted by decoder norm as in its 2024 update) and <c>jumprelu</c> (Rajamanoharan et al. 2024).
/// No seed: the initial weights and the shuffles are streams of the seed the training is given (the run's).
/// </summary>
public sealed record DictionaryOptions
{
    public string Kind { get; init; } = DictionaryKinds.TopK;

    /// <summary>Number of features (dictionary directions).</summary>
    public int Width { get; init; } = 512;

    /// <summary>TopK: features kept per row. Null: <see cref="DefaultK"/>. Only TopK takes it.</summary>
    public int? K { get; init; }

    /// <summary>
    /// Weight of the sparsity penalty: of the decoder-norm-weighted L1 (relu-l1) or of the L0 (jumprelu), on inputs scaled
    /// as <see cref="Normalize"/> says. Null: the kind's default (<see cref="DefaultL1"/>, <see cref="DefaultL0"/>). TopK takes none.
    /// </summary>
    public double? L1 { get; init; }

    public int Epochs { get; init; } = 5;

    /// <summary>Rows (images for a dense point, positions for a conv point) per optimiser step.</summary>
    public int BatchSize { get; init; } = 512;

    /// <summary>Adam's step size.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>
    /// Scale the inputs so that their mean norm is √d, as SAELens's <c>expected_average_only_in</c> does, so that one
    /// sparsity weight means the same on every point; the scale is folded into the weights that are written.
    /// </summary>
    public bool Normalize { get; init; } = true;

    /// <summary>
    /// Keep every decoder direction at unit norm (the gradient along it removed before each step, the norm restored after),
    /// as Gao et al. and SAELens do; off, the directions are free and only relu-l1's norm weighting holds them.
    /// </summary>
    public bool UnitNormDecoder { get; init; } = true;

    /// <summary>TopK's auxiliary loss (Gao et al.): dead features kept per row to model the residual. Null: half the input width (SAELens's choice).</summary>
    public int? AuxK { get; init; }

    /// <summary>Weight of TopK's auxiliary loss (Gao et al.'s 1/32); 0 turns the revival of dead features off.</summary>
    public double AuxCoefficient { get; init; } = 1.0 / 32;

    /// <summary>During training, a feature is dead once it has not fired on this many consecutive rows (for TopK's auxiliary loss).</summary>
    public long DeadRows { get; init; } = 20_000;

    /// <summary>
    /// JumpReLU: every feature's threshold at the start, on the scaled inputs (coordinates of order 1). Rajamanoharan et
    /// al. start at 0.001 and train for billions of rows; in the thousand-odd steps of a small training the thresholds
    /// climb from there too slowly: on planted features (40 in 20 dimensions, about one per row) L0 was still 34 after
    /// about 1,000 steps from 0.001 (bandwidth 0.001) and 16 after 350 from 0.1 (bandwidth 0.05); from 0.5 with the
    /// bandwidth below, 1,000 steps recovered the planted directions.
    /// </summary>
    public double InitialThreshold { get; init; } = 0.5;

    /// <summary>JumpReLU: width ε of the rectangle kernel of the straight-through estimator, on the scaled inputs (the paper's 0.001 at its scale; see <see cref="InitialThreshold"/>).</summary>
    public double Bandwidth { get; init; } = 0.1;

    /// <summary>An activation matrix without images: the share of its rows held out (seeded) to measure the dictionary.</summary>
    public double HeldOutFraction { get; init; } = 0.1;

    /// <summary>
    /// Known concepts (<see cref="MnistLab.Analysis.Concepts.ConceptRegistry"/>) each feature is scored against on the test images of a model's
    /// point; empty for none.
    /// </summary>
    public IReadOnlyList<string> Concepts { get; init; } = Analysis.Concepts.ConceptRegistry.Names;

    /// <summary>
    /// For a classifier's point, describe each tabled feature further: its measured logit effect and its mean Integrated
    /// Gradients map (<see cref="FeatureEffects"/>, <see cref="FeatureMaps"/>). They cost about 30 forward and backward
    /// passes of the model per test image and 256 per tabled feature: seconds for an MLP, minutes for a ResNet.
    /// </summary>
    public bool Explain { get; init; } = true;

    /// <summary>Test images the concept scores are computed on (the first ones).</summary>
    public int ConceptImages { get; init; } = 10_000;

    /// <summary>Images per batch when reading a model's point (memory, not maths).</summary>
    public int ReadBatch { get; init; } = 500;

    public const int DefaultK = 32;
    public const double DefaultL1 = 5;
    public const double DefaultL0 = 1;

    /// <summary>The features TopK keeps per row.</summary>
    [JsonIgnore]
    public int KOrDefault => K ?? DefaultK;

    /// <summary>The sparsity weight in force for relu-l1 and jumprelu.</summary>
    [JsonIgnore]
    public double L1OrDefault => L1 ?? (Kind == DictionaryKinds.JumpRelu ? DefaultL0 : DefaultL1);

    public DictionaryOptions Validated()
    {
        const string name = nameof(DictionaryOptions);
        Require.That(DictionaryKinds.Names.Contains(Kind), $"{name}.{nameof(Kind)}", $"must be one of {string.Join(", ", DictionaryKinds.Names)}, got '{Kind}'.");
        Require.InRange(Width, 1, 1 << 20, $"{name}.{nameof(Width)}");
        if (K is { } k)
        {
            Require.That(Kind == DictionaryKinds.TopK, $"{name}.{nameof(K)}", $"is TopK's; a {Kind} dictionary is made sparse by its penalty's weight ({nameof(L1)}).");
            Require.InRange(k, 1, Width, $"{name}.{nameof(K)}");
        }
        else if (Kind == DictionaryKinds.TopK)
            Require.That(DefaultK <= Width, $"{name}.{nameof(Width)}", $"must be at least TopK's default k ({DefaultK}), got {Width}; or give a smaller k.");
        if (L1 is { } l1)
        {
            Require.That(Kind != DictionaryKinds.TopK, $"{name}.{nameof(L1)}", "is the penalty weight of relu-l1 and jumprelu; a topk dictionary is made sparse by k.");
            Require.NonNegative(l1, $"{name}.{nameof(L1)}");
        }
        Require.Positive(Epochs, $"{name}.{nameof(Epochs)}");
        Require.InRange(BatchSize, 1, 1 << 20, $"{name}.{nameof(BatchSize)}");
        Require.Positive(LearningRate, $"{name}.{nameof(LearningRate)}");
        if (AuxK is { } aux) Require.InRange(aux, 1, Width, $"{name}.{nameof(AuxK)}");
        Require.NonNegative(AuxCoefficient, $"{name}.{nameof(AuxCoefficient)}");
        Require.That(DeadRows >= 1, $"{name}.{nameof(DeadRows)}", $"must be ≥ 1, got {DeadRows}.");
        Require.Positive(InitialThreshold, $"{name}.{nameof(InitialThreshold)}");
        Require.Positive(Bandwidth, $"{name}.{nameof(Bandwidth)}");
        Require.Between(HeldOutFraction, 0, 1, $"{name}.{nameof(HeldOutFraction)}");
        Require.InRange(ReadBatch, 1, 100_000, $"{name}.{nameof(ReadBatch)}");
        foreach (var c in Concepts)
            Require.That(Analysis.Concepts.ConceptRegistry.Find(c) is not null, $"{name}.{nameof(Concepts)}",
                $"names no concept '{c}'; the concepts are {string.Join(", ", Analysis.Concepts.ConceptRegistry.Names)}.");
        Require.That(Concepts.Distinct().Count() == Concepts.Count, $"{name}.{nameof(Concepts)}", "names a concept twice.");
        Require.InRange(ConceptImages, 2, 1_000_000, $"{name}.{nameof(ConceptImages)}");
        return this;
    }
}
