using MnistLab.Common;

namespace MnistLab.Reports;

/// <summary>Whose largest value sets the colour scale of an attribution figure: the whole figure's or each image's.</summary>
public enum MapScale { Figure, Image }

/// <summary>What a panel shows: the map blended over the digit, or the heat map alone.</summary>
public enum MapShow { Blend, Heat }

/// <summary>
/// How attribution maps are drawn (the choices of Captum's <c>visualize_image_attr</c>): one colour scale for the figure
/// or one per image; the scale's end at the <see cref="Clip"/>th percentile of |value| (100: the largest), so that a
/// few extreme pixels, drawn at full colour, do not wash out the rest; and the map over the digit or alone.
/// </summary>
public sealed record MapDisplay
{
    public MapScale Scale { get; init; } = MapScale.Image;
    public double Clip { get; init; } = 99;
    public MapShow Show { get; init; } = MapShow.Blend;

    public MapDisplay Validated()
    {
        Require.That(Clip is > 0 and <= 100, $"{nameof(MapDisplay)}.{nameof(Clip)}", $"must be a percentile in (0, 100], got {Clip}.");
        return this;
    }

    /// <summary>
    /// The end of the colour scale for <paramref name="values"/>: the <see cref="Clip"/>th percentile of their |value|
    /// (nearest rank: the smallest |value| with at least that share of the values at or below it); 1 when all are zero.
    /// </summary>
    public double Limit(IEnumerable<float> values)
    {
        var sorted = values.Select(v => Math.Abs((double)v)).Where(double.IsFinite).Order().ToArray();
        if (sorted.Length == 0 || sorted[^1] == 0) return 1;
        int rank = (int)Math.Ceiling(Clip / 100 * sorted.Length);
        double limit = sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
        return limit > 0 ? limit : sorted[^1]; // a map that is zero almost everywhere is scaled by its largest value
    }
}
