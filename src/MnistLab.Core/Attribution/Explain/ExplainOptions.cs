using System.Globalization;
using MnistLab.Attribution.Checks;
using MnistLab.Common;

namespace MnistLab.Attribution.Explain;

/// <summary>
/// Which images to explain: a range of a split (<c>test:0:64</c> is test images 0 to 63, <c>train:</c> likewise), or the
/// first <see cref="PerClass"/> test images of each digit, digit by digit.
/// </summary>
public sealed record ImageSelection(string Split, int Start, int End, int? PerClass = null)
{
    public static readonly ImageSelection Default = new("test", 0, 64);

    public static ImageSelection OfEachClass(int perClass) => new("test", 0, 0, perClass);

    /// <summary>Reads <c>SPLIT:START:END</c>; errors name the value and the expected form.</summary>
    public static ImageSelection Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length == 3 && parts[0] is "test" or "train"
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int start)
            && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int end) && end > start)
            return new(parts[0], start, end);
        throw new InvalidOptionException("ExplainOptions.Images", $"--images must be SPLIT:START:END with SPLIT test or train and END > START (test:0:64 is test images 0 to 63), got '{text}'.");
    }

    public override string ToString() => PerClass is { } k ? $"first {k} test images of each digit" : $"{Split}:{Start}:{End}";
}

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

    /// <summary>GradientSHAP's baselines: this many training images drawn with the seed.</summary>
    public int ShapBaselines { get; init; } = 16;

    public ExplainOptions Validated()
    {
        Require.That(Methods.Count > 0, "ExplainOptions.Methods", "must name at least one method.");
        foreach (var m in Methods) AttributionMethods.Get(m);
        Require.That(Methods.Distinct().Count() == Methods.Count, "ExplainOptions.Methods", "names a method twice.");
        Require.That(Target is "label" or "pred" || int.TryParse(Target, NumberStyles.None, CultureInfo.InvariantCulture, out _), "ExplainOptions.Target",
            $"must be label, pred or a class number, got '{Target}'.");
        if (Images.PerClass is { } k) Require.InRange(k, 1, 1000, "ExplainOptions.PerClass");
        Require.InRange(ShapBaselines, 1, 10_000, "ExplainOptions.ShapBaselines");
        Settings.Validated();
        CheckOptions.Validated();
        return this;
    }

    /// <summary>The settings with the run's seed in every random stream.</summary>
    internal AttributionSettings SeededSettings() => Settings with
    {
        SmoothGrad = Settings.SmoothGrad with { Seed = Seed },
        GradientShap = Settings.GradientShap with { Seed = Seed },
    };
}
