using MnistLab.Analysis.Verification;
using MnistLab.Common;
using MnistLab.Training;

namespace MnistLab.Experiments.Linearity;

/// <summary>
/// Options of the limits-of-linearity experiment (seed 003). Defaults are the seed's: batch 256, Adam
/// lr 1e-3, 2 epochs per model, a seeded 55,000 / 5,000 train/validation split.
/// </summary>
public sealed record LinearityOptions
{
    public static readonly IReadOnlyList<string> AllModels = ["linear_mse", "linear_ce", "mlp_ce"];

    public TrainOptions Train { get; init; } = new();
    public int ValidationSize { get; init; } = 5000;
    public int MlpHidden { get; init; } = 256;
    public IReadOnlyList<string> Models { get; init; } = AllModels;

    /// <summary>The MLP's information plane per epoch (null: not measured).</summary>
    public Analysis.Information.PlaneOptions? Plane { get; init; } = new();

    /// <summary>Which hidden units the MLP needs for each class, by activation patching (null: not measured).</summary>
    public UnitPatchingOptions? UnitPatching { get; init; } = new();

    /// <summary>Each model's certified accuracy over L∞ balls (null: not measured).</summary>
    public CertifiedOptions? Certified { get; init; } = new();

    /// <summary>Whether attributions point at the pixels whose freedom costs each model's proofs (null: not measured).</summary>
    public ProofAttributionOptions? ProofAttribution { get; init; } = new();

    /// <summary>
    /// The run's seed (--seed): every split, initialisation, shuffle, noise and resample of the run is a stream of it
    /// (<see cref="Common.Seeds"/>); the sub-options carry no seed of their own.
    /// </summary>
    public long Seed { get; init; }

    public LinearityOptions Validated()
    {
        Train.Validated();
        Require.InRange(ValidationSize, 1, 59999, $"{nameof(LinearityOptions)}.{nameof(LinearityOptions.ValidationSize)}");
        Require.Positive(MlpHidden, $"{nameof(LinearityOptions)}.{nameof(LinearityOptions.MlpHidden)}");
        Require.That(Models.Count > 0, $"{nameof(LinearityOptions)}.{nameof(LinearityOptions.Models)}", "must name at least one model.");
        Plane?.Validated();
        UnitPatching?.Validated();
        Certified?.Validated();
        ProofAttribution?.Validated();
        foreach (var m in Models)
            Require.That(AllModels.Contains(m), $"{nameof(LinearityOptions)}.{nameof(LinearityOptions.Models)}", $"names an unknown model '{m}'; the models are {string.Join(", ", AllModels)}.");
        return this;
    }
}
