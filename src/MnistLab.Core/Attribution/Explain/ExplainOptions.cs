using System.Globalization;
using MnistLab.Attribution.Checks;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Reports;

namespace MnistLab.Attribution.Explain;

/// <summary>The options of <c>mnistlab explain</c>: methods, images, target, checks, and each method's own options.</summary>
public sealed record ExplainOptions
{
    public IReadOnlyList<string> Methods { get; init; } = [Saliency.Name, IntegratedGradients.Name];
    public ImageSelection Images { get; init; } = ImageSelection.Default;

    /// <summary><c>label</c> (the true digit), <c>pred</c> (the model's prediction) or a class number.</summary>
    public string Target { get; init; } = "label";

    public bool Checks { get; init; }
    public long Seed { get; init; }
    public AttributionSettings Settings { get; init; } = new();
    public ChecksOptions CheckOptions { get; init; } = new();

    /// <summary>A named point (see <c>mnistlab model show</c>) whose units or channels the layer methods attribute the target to; null for none.</summary>
    public string? Layer { get; init; }

    /// <summary>The layer methods run at <see cref="Layer"/>; they take Integrated Gradients' steps, rule and baseline.</summary>
    public IReadOnlyList<string> LayerMethods { get; init; } = [LayerIntegratedGradients.Name, LayerGradientXActivation.Name, LayerConductance.Name];

    /// <summary>How the report draws the maps (the .npy files hold them as computed).</summary>
    public MapDisplay Display { get; init; } = new();

    /// <summary>GradientSHAP's baselines: this many training images drawn with the seed.</summary>
    public int ShapBaselines { get; init; } = 16;

    public ExplainOptions Validated()
    {
        Require.That(Methods.Count > 0, $"{nameof(ExplainOptions)}.{nameof(ExplainOptions.Methods)}", "must name at least one method.");
        foreach (var m in Methods)
            Require.That(AttributionMethods.Names.Contains(m), $"{nameof(ExplainOptions)}.{nameof(ExplainOptions.Methods)}", $"names no method '{m}'; the methods are {string.Join(", ", AttributionMethods.Names)}.");
        Require.That(Methods.Distinct().Count() == Methods.Count, $"{nameof(ExplainOptions)}.{nameof(ExplainOptions.Methods)}", "names a method twice.");
        Require.That(Target is "label" or "pred" || int.TryParse(Target, NumberStyles.None, CultureInfo.InvariantCulture, out _), $"{nameof(ExplainOptions)}.{nameof(ExplainOptions.Target)}",
            $"must be label, pred or a class number, got '{Target}'.");
        if (Images.PerClass is { } k) Require.InRange(k, 1, 1000, $"{nameof(ExplainOptions)}.{nameof(ExplainOptions.Images)}");
        Require.InRange(ShapBaselines, 1, 10_000, $"{nameof(ExplainOptions)}.{nameof(ExplainOptions.ShapBaselines)}");
        Settings.Validated();
        CheckOptions.Validated();
        Display.Validated();
        Require.That(Layer is null || Layer.Length > 0, $"{nameof(ExplainOptions)}.{nameof(ExplainOptions.Layer)}", "must name a point of the model.");
        foreach (var m in LayerMethods)
            Require.That(Explanation.LayerMethodNames.Contains(m), $"{nameof(ExplainOptions)}.{nameof(ExplainOptions.LayerMethods)}",
                $"names no layer method '{m}'; the layer methods are {string.Join(", ", Explanation.LayerMethodNames)}.");
        Require.That(LayerMethods.Distinct().Count() == LayerMethods.Count, $"{nameof(ExplainOptions)}.{nameof(ExplainOptions.LayerMethods)}", "names a method twice.");
        return this;
    }

    /// <summary>The settings with the run's seed in every random stream.</summary>
    internal AttributionSettings SeededSettings() => Settings with
    {
        SmoothGrad = Settings.SmoothGrad with { Seed = Seed },
        GradientShap = Settings.GradientShap with { Seed = Seed },
    };
}
