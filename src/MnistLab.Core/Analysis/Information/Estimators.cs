namespace MnistLab.Analysis.Information;

/// <summary>Every mutual-information estimator of the lab, registered once; the command line and reports enumerate this list.</summary>
public static class Estimators
{
    public const string Plugin = "plugin", MillerMadow = "miller-madow", PanzeriTreves = "panzeri-treves", Ross = "ross", Ksg = "ksg", Probe = "probe";

    public static IReadOnlyList<IMiEstimator> All { get; } =
    [
        new PluginEstimator(),
        new MillerMadowEstimator(),
        new PanzeriTrevesEstimator(),
        new RossEstimator(),
        new KsgEstimator(),
        new ProbeBoundEstimator(),
    ];

    public static IReadOnlyList<string> Names => All.Select(e => e.Name).ToList();

    public static IMiEstimator? Find(string name) => All.FirstOrDefault(e => e.Name == name);

    public static IMiEstimator Get(string name) =>
        Find(name) ?? throw new Common.InvalidOptionException($"{nameof(MiOptions)}.{nameof(MiOptions.Estimator)}", $"no estimator '{name}'; the estimators are {string.Join(", ", Names)}.");
}
