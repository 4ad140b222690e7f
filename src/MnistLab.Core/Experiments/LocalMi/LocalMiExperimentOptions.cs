using MnistLab.Common;
using MnistLab.Training;

namespace MnistLab.Experiments.LocalMi;

/// <summary>The local-MI experiment: the rule's options and which estimators and update orders it compares (all by default).</summary>
public sealed record LocalMiExperimentOptions
{
    public LocalMiOptions Rule { get; init; } = new();
    public IReadOnlyList<MiEstimator> Estimators { get; init; } = [MiEstimator.Hard, MiEstimator.Soft];
    public IReadOnlyList<UpdateOrder> Orders { get; init; } = [UpdateOrder.Sequential, UpdateOrder.Simultaneous];

    /// <summary>Each trained neuron's I(y_i; class) with interval and null (null: not measured).</summary>
    public NeuronSignificanceOptions? Significance { get; init; } = new();

    /// <summary>The information plane of the local layers and the backprop baseline (null: not measured).</summary>
    public Analysis.Information.PlaneOptions? Plane { get; init; } = new();

    /// <summary>
    /// The run's seed (--seed): every split, initialisation, shuffle, noise and resample of the run is a stream of it
    /// (<see cref="Common.Seeds"/>); the sub-options carry no seed of their own.
    /// </summary>
    public long Seed { get; init; }

    public LocalMiExperimentOptions Validated()
    {
        Rule.Validated();
        Require.That(Estimators.Count > 0, $"{nameof(LocalMiExperimentOptions)}.{nameof(LocalMiExperimentOptions.Estimators)}", "must name at least one estimator.");
        Significance?.Validated();
        Plane?.Validated();
        Require.That(Orders.Count > 0, $"{nameof(LocalMiExperimentOptions)}.{nameof(LocalMiExperimentOptions.Orders)}", "must name at least one update order.");
        return this;
    }
}
