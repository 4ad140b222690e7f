using MnistLab.Analysis.Information;

namespace MnistLab.Experiments.LocalMi;

/// <summary>What a local configuration measures beyond the seed's run: an information plane to feed, and the neurons' significance.</summary>
public sealed record LocalMiExtras(InformationPlane? Plane, NeuronSignificanceOptions? Significance)
{
    /// <summary>Time spent testing the neurons, summed over configurations.</summary>
    public System.Diagnostics.Stopwatch NeuronClock { get; } = new();
}
