using System.Text.Json;
using System.Text.Json.Serialization;
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
/// <see cref="MutualInformation.Hard"/>, <see cref="MutualInformation.Soft"/> and the local rule take fixed-range
/// equal-width bins only.
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
    [JsonIgnore]
    public bool IsFixedWidth => Kind == BinningKind.EqualWidth && !DataRange;

    /// <summary>The width of one bin of fixed-range equal-width bins.</summary>
    [JsonIgnore]
    public double BinWidth => (Max - Min) / Count;

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

/// <summary>
/// Fixed-range equal-width bins written as the local rule's options have always written them: count, min, max and the
/// width, no kind. Read as any binning, so that other bins given to the rule are refused by its validation, by name.
/// </summary>
public sealed class FixedWidthBinningJson : JsonConverter<Binning>, IOptionKeys
{
    public IReadOnlyList<string> Keys => ["count", "min", "max"];

    public override Binning Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize<Binning>(ref reader, options) ?? throw new JsonException("bins: null");

    public override void Write(Utf8JsonWriter writer, Binning value, JsonSerializerOptions options)
    {
        if (!value.IsFixedWidth)
        {
            JsonSerializer.Serialize(writer, value, options);
            return;
        }
        writer.WriteStartObject();
        string Name(string property) => options.PropertyNamingPolicy?.ConvertName(property) ?? property;
        writer.WriteNumber(Name(nameof(Binning.Count)), value.Count);
        // Through the serializer, so an infinite width of invalid bins is written as the options' style writes it.
        foreach (var (name, number) in new[] { (nameof(Binning.Min), value.Min), (nameof(Binning.Max), value.Max), ("Width", value.BinWidth) })
        {
            writer.WritePropertyName(Name(name));
            JsonSerializer.Serialize(writer, number, options);
        }
        writer.WriteEndObject();
    }
}
