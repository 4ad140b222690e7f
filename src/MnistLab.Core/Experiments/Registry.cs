using MnistLab.Common;
using MnistLab.Experiments.Fast;
using MnistLab.Experiments.Linearity;
using MnistLab.Experiments.LocalMi;
using MnistLab.Experiments.Ring;
using MnistLab.Experiments.Rotated;
using MnistLab.Experiments.VaeProbe;

namespace MnistLab.Experiments;

/// <summary>
/// Every experiment of the lab, in the order <c>run all</c> runs them. The command line, <c>run all</c>, <c>analyze</c>,
/// the index, the quick budgets and the bench all enumerate this list; an experiment is added here and nowhere else.
/// </summary>
public static class Registry
{
    public static IReadOnlyList<IExperiment> All { get; } =
    [
        new LinearityExperiment(),
        new RingExperiment(),
        new LocalMiExperiment(),
        new VaeProbeExperiment(),
        new RotatedExperiment(),
        new FastExperiment(),
    ];

    public static IReadOnlyList<string> Names => All.Select(e => e.Name).ToList();

    /// <summary>The experiment called <paramref name="name"/>, or null.</summary>
    public static IExperiment? Find(string name) => All.FirstOrDefault(e => e.Name == name);

    /// <summary>The experiment called <paramref name="name"/>, or an error listing the names.</summary>
    public static IExperiment Get(string name) =>
        Find(name) ?? throw new InvalidOptionException("experiment", $"no experiment '{name}'; the experiments are {string.Join(", ", Names)}.");

    /// <summary>The registered instance of <typeparamref name="T"/>.</summary>
    public static T Get<T>() where T : IExperiment => All.OfType<T>().Single();
}
