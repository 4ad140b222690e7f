using MnistLab.Common;
using MnistLab.Training;

namespace MnistLab.Experiments.Ring;

/// <summary>
/// Options of the ring experiment (seed 000). Defaults are the seed's: Adam lr 1e-3, batch 256, 5 epochs,
/// MLP hidden 64, ring-boost strengths alpha = beta = 1e-3, threshold 0.5.
/// </summary>
public sealed record RingOptions
{
    public TrainOptions Train { get; init; } = new() { Epochs = 5 };
    public int MlpHidden { get; init; } = 64;

    /// <summary>Strength of <c>-alpha * mean(|W[:, ring]|)</c> (linear) and <c>-beta * mean(|W1[:, ring]|)</c> (MLP).</summary>
    public double Alpha { get; init; } = 1e-3;
    public double Beta { get; init; } = 1e-3;
    public double Threshold { get; init; } = Features.Topology.DefaultThreshold;

    /// <summary>Seeds of the ablation ({pixels, pixels+ring} x {0, alpha} x {linear, MLP}); 0 skips it.</summary>
    public int AblationSeeds { get; init; } = 3;

    /// <summary>The probe of the pixels-only MLP's hidden layer for the ring (null: not measured; needs the ablation).</summary>
    public Analysis.Probes.ProbeTableOptions? Probe { get; init; } = RingProbeSection.Defaults;

    /// <summary>The ring (and the class) erased from the pixels-only MLP's hidden layer: is it used? (null: not measured; needs the ablation).</summary>
    public Analysis.Causal.ErasureOptions? Erasure { get; init; } = RingErasureSection.Defaults;

    /// <summary>A sparse dictionary of the pixels-only MLP's hidden layer, its features scored against the ring (null: not learned).</summary>
    public Analysis.Dictionaries.DictionaryOptions? Dictionary { get; init; } = RingDictionarySection.Defaults;

    /// <summary>The certified accuracy of the run's own unboosted models (null: not measured; needs the ablation).</summary>
    public Analysis.Verification.CertifiedOptions? Certified { get; init; } = new();

    /// <summary>
    /// The run's seed (--seed): every split, initialisation, shuffle, noise and resample of the run is a stream of it
    /// (<see cref="Common.Seeds"/>); the sub-options carry no seed of their own.
    /// </summary>
    public long Seed { get; init; }

    public RingOptions Validated()
    {
        Train.Validated();
        Require.Positive(MlpHidden, $"{nameof(RingOptions)}.{nameof(RingOptions.MlpHidden)}");
        Require.NonNegative(Alpha, $"{nameof(RingOptions)}.{nameof(RingOptions.Alpha)}");
        Require.NonNegative(Beta, $"{nameof(RingOptions)}.{nameof(RingOptions.Beta)}");
        Require.That(Threshold is >= 0 and <= 1, $"{nameof(RingOptions)}.{nameof(RingOptions.Threshold)}", $"must be in [0, 1], got {Threshold}.");
        Require.InRange(AblationSeeds, 0, 50, $"{nameof(RingOptions)}.{nameof(RingOptions.AblationSeeds)}");
        Probe?.Validated();
        Erasure?.Validated();
        Dictionary?.Validated();
        Certified?.Validated();
        return this;
    }
}
