using MnistLab.Common;
using MnistLab.Training;

namespace MnistLab.Experiments.VaeProbe;

/// <summary>
/// Options of the VAE concept-probe experiment (seed 004): latent dimension 8, beta 4, ridge lambda 1e-3 as the
/// seed; Adam 1e-3, batch 128, 10 epochs for the training the seed never ran.
/// </summary>
public sealed record VaeProbeOptions
{
    public TrainOptions Train { get; init; } = new() { Epochs = 10, BatchSize = 128 };
    public int LatentDim { get; init; } = 8;
    public double Beta { get; init; } = 4;
    public double Lambda { get; init; } = 1e-3;
    public IReadOnlyList<double> LambdaSweep { get; init; } = [1e-3, 1e-2, 1e-1, 1, 10, 100, 1000, 10000];
    public int Folds { get; init; } = 5;

    /// <summary>
    /// A model folder holding a VAE (`mnistlab model import --kind vae-probe`) to probe instead of training one here,
    /// so a model trained elsewhere (the seed's own, say) is studied as it is; null trains the VAE.
    /// </summary>
    public string? Model { get; init; }
    /// <summary>The probe of every encoder layer beside the pixels (null: not measured).</summary>
    public Analysis.Probes.ProbeTableOptions? EncoderProbe { get; init; } = EncoderProbeSection.Defaults;

    /// <summary>Each concept erased from mu before decoding: does the decoder use it? (null: not measured).</summary>
    public DecoderErasureOptions? DecoderErasure { get; init; } = new();

    /// <summary>A sparse dictionary of the encoder's hidden layer, its features scored against the concepts (null: not learned).</summary>
    public Analysis.Dictionaries.DictionaryOptions? Dictionary { get; init; } = EncoderDictionarySection.Defaults;

    /// <summary>The probe proved over L∞ balls around test images, each bound certified (null: not measured).</summary>
    public CertifiedProbeOptions? CertifiedProbe { get; init; } = new();

    /// <summary>
    /// The run's seed (--seed): every split, initialisation, shuffle, noise and resample of the run is a stream of it
    /// (<see cref="Common.Seeds"/>); the sub-options carry no seed of their own.
    /// </summary>
    public long Seed { get; init; }

    public VaeProbeOptions Validated()
    {
        Train.Validated();
        Require.InRange(LatentDim, 1, 512, $"{nameof(VaeProbeOptions)}.{nameof(VaeProbeOptions.LatentDim)}");
        Require.NonNegative(Beta, $"{nameof(VaeProbeOptions)}.{nameof(VaeProbeOptions.Beta)}");
        Require.NonNegative(Lambda, $"{nameof(VaeProbeOptions)}.{nameof(VaeProbeOptions.Lambda)}");
        Require.InRange(Folds, 2, 100, $"{nameof(VaeProbeOptions)}.{nameof(VaeProbeOptions.Folds)}");
        EncoderProbe?.Validated();
        DecoderErasure?.Validated();
        Dictionary?.Validated();
        CertifiedProbe?.Validated();
        foreach (var l in LambdaSweep) Require.NonNegative(l, $"{nameof(VaeProbeOptions)}.{nameof(VaeProbeOptions.LambdaSweep)}");
        Require.That(Model is null || Directory.Exists(Model), $"{nameof(VaeProbeOptions)}.{nameof(VaeProbeOptions.Model)}", $"{Model}: no such folder.");
        return this;
    }
}
