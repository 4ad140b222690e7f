using MnistLab.Common;
using MnistLab.Training;

namespace MnistLab.Experiments.LocalMi;

/// <summary>The local-MI experiment: the rule's options and which estimators and update orders it compares (all by default).</summary>
public sealed record LocalMiExperimentOptions
{
    public LocalMiOptions Rule { get; init; } = new();
    public IReadOnlyList<MiEstimator> Estimators { get; init; } = [MiEstimator.Hard, MiEstimator.Soft];
    public IReadOnlyList<UpdateOrder> Orders { get; init; } = [UpdateOrder.Sequential, UpdateOrder.Simultaneous];

    public LocalMiExperimentOptions Validated()
    {
        Rule.Validated();
        Require.That(Estimators.Count > 0, "LocalMiExperimentOptions.Estimators", "must name at least one estimator.");
        Require.That(Orders.Count > 0, "LocalMiExperimentOptions.Orders", "must name at least one update order.");
        return this;
    }
}
