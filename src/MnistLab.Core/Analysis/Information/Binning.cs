using MnistLab.Common;

namespace MnistLab.Analysis.Information;

/// <summary>How a continuous variable is cut into bins for the binned estimators.</summary>
public enum BinningKind
{
    /// <summary>Equal-width bins on [Min, Max] (values outside fall in the end bins), or on the data's own range.</summary>
    EqualWidth,

    /// <summary>Equal-mass (quantile) bins: each holds about the same number of samples, wherever they lie.</summary>
    EqualMass,
}

/// <summary>
/// The bins of a binned estimate, one set per coordinate. The default is seed 002's: 10 equal-width bins on [-3, 3],
/// the fixed range whose artefacts the information-plane literature argues over; equal-mass bins follow the data.
/// </summary>
public sealed record Binning
{
    public BinningKind Kind { get; init; } = BinningKind.EqualWidth;
    public int Count { get; init; } = 10;
    public double Min { get; init; } = -3;
    public double Max { get; init; } = 3;

    /// <summary>Equal-width bins on each coordinate's own [min, max] instead of the fixed range.</summary>
    public bool DataRange { get; init; }

    /// <summary>Seed 002's binning: 10 equal-width bins on [-3, 3].</summary>
    public static readonly Binning Seed = new();

    public static Binning Width(int count, double min, double max) => new() { Count = count, Min = min, Max = max };
    public static Binning WidthOfData(int count) => new() { Count = count, DataRange = true };
    public static Binning Mass(int count) => new() { Kind = BinningKind.EqualMass, Count = count };

    /// <summary>True for the seed's estimator exactly: fixed-range equal-width bins, as <see cref="MutualInformation.Hard"/> bins.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsFixedWidth => Kind == BinningKind.EqualWidth && !DataRange;

    public Binning Validated()
    {
        Require.InRange(Count, 2, 100_000, "Binning.Count");
        if (IsFixedWidth)
            Require.That(Max > Min && double.IsFinite(Max - Min), "Binning.Min", $"must be below Binning.Max, got {Min} and {Max}.");
        return this;
    }

    public override string ToString() => Kind == BinningKind.EqualMass ? $"{Count} equal-mass bins"
        : DataRange ? $"{Count} equal-width bins on the data's range" : $"{Count} equal-width bins on [{Min}, {Max}]";
}
