using MnistLab.Common;

namespace MnistLab.Attribution;

/// <summary>The options of every registered method, one record each (the command line sets them by flag).</summary>
public sealed record AttributionSettings
{
    public SaliencyOptions Saliency { get; init; } = new();
    public InputXGradientOptions InputXGradient { get; init; } = new();
    public IntegratedGradientsOptions IntegratedGradients { get; init; } = new();
    public ExactIntegratedGradientsOptions ExactIntegratedGradients { get; init; } = new();
    public NoiseTunnelOptions SmoothGrad { get; init; } = new();
    public GradientShapOptions GradientShap { get; init; } = new();
    public OcclusionOptions Occlusion { get; init; } = new();
    public LrpOptions Lrp { get; init; } = new();

    public AttributionSettings Validated()
    {
        Saliency.Validated(); InputXGradient.Validated(); IntegratedGradients.Validated(); ExactIntegratedGradients.Validated();
        SmoothGrad.Validated(); GradientShap.Validated(); Occlusion.Validated(); Lrp.Validated();
        return this;
    }
}

/// <summary>A registered method: its name on the command line and in file names, what it is, and whether its maps promise completeness.</summary>
public sealed record AttributionMethod(string Name, string Description, bool PromisesCompleteness, Func<AttributionInput, AttributionSettings, AttributionResult> Compute);

/// <summary>
/// Every input-attribution method, registered once: the command line, the report, the checks and the bench enumerate
/// this list. The layer and neuron variants (by point name) are called directly: they attribute to a layer or from a neuron.
/// </summary>
public static class AttributionMethods
{
    public static IReadOnlyList<AttributionMethod> All { get; } =
    [
        new(Attribution.Saliency.Name, "|∂f/∂x| (Captum's Saliency, abs by default)", false, (i, s) => Attribution.Saliency.Compute(i, s.Saliency)),
        new(Attribution.InputXGradient.Name, "x ⊙ ∂f/∂x", false, (i, s) => Attribution.InputXGradient.Compute(i, s.InputXGradient)),
        new(IntegratedGradients.Name, "Integrated Gradients (Gauss–Legendre, 50 steps, zero baseline by default)", true, (i, s) => IntegratedGradients.Compute(i, s.IntegratedGradients)),
        new(ExactIntegratedGradients.Name, "Integrated Gradients summed exactly over the linear pieces of the path", true,
            (i, s) => ExactIntegratedGradients.Compute(i, s.ExactIntegratedGradients with { Baseline = s.IntegratedGradients.Baseline })),
        new(NoiseTunnel.Name, "noise tunnel (SmoothGrad, SmoothGrad², VarGrad) over another method", false,
            (i, s) => NoiseTunnel.Compute(i, s.SmoothGrad, x => Get(s.SmoothGrad.Method).Compute(x, s))),
        new(Attribution.GradientShap.Name, "GradientSHAP: gradients at random points between random baselines and the input", true, (i, s) => Attribution.GradientShap.Compute(i, s.GradientShap)),
        new(Attribution.Occlusion.Name, "output drop when a sliding window is set to the baseline, averaged over covering windows", false, (i, s) => Attribution.Occlusion.Compute(i, s.Occlusion)),
        new(Attribution.Lrp.Name, "layer-wise relevance propagation with a Zennit-style composite", true, (i, s) => Attribution.Lrp.Compute(i, s.Lrp)),
    ];

    public static IReadOnlyList<string> Names => All.Select(m => m.Name).ToList();

    /// <summary>The method called <paramref name="name"/>, or an error listing the names.</summary>
    public static AttributionMethod Get(string name) =>
        All.FirstOrDefault(m => m.Name == name) ?? throw new InvalidOptionException("methods", $"no attribution method '{name}'; the methods are {string.Join(", ", Names)}.");
}
