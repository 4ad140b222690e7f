using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using MnistLab.Common;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import;

/// <summary>
/// The per-channel (x - mean) / std that PyTorch users usually apply in their data transform
/// (<c>transforms.Normalize((0.1307,), (0.3081,))</c>). MnistLab makes it the model's first step, so every analysis
/// reads the image as MnistLab holds it, in [0, 1]. In JSON it is <c>{"mean": [...], "std": [...]}</c>; on the command
/// line <c>MEAN,STD</c> or per-channel lists <c>[M1,M2,M3],[S1,S2,S3]</c>.
/// </summary>
[JsonConverter(typeof(NormalizationJson))]
public sealed record Normalization(double[] Mean, double[] Std)
{
    public const string Form = "MEAN,STD (e.g. 0.1307,0.3081) or per-channel lists [M1,M2,M3],[S1,S2,S3]";

    /// <summary>The command line's form; an error naming <paramref name="text"/> and the expected form otherwise.</summary>
    public static Normalization Parse(string text)
    {
        string t = text.Replace(" ", "");
        double[]? mean, std;
        if (t.StartsWith('['))
        {
            int split = t.IndexOf("],[", StringComparison.Ordinal);
            (mean, std) = split < 0 || !t.EndsWith(']') ? (null, null) : (Numbers(t[1..split]), Numbers(t[(split + 3)..^1]));
        }
        else
        {
            var parts = Numbers(t);
            (mean, std) = parts is { Length: 2 } ? (new[] { parts[0] }, new[] { parts[1] }) : (null, null);
        }
        if (mean is null || std is null) throw new InvalidOptionException("normalize", $"normalize expects {Form}, got '{ErrorText.Printable(text)}'.");
        var n = new Normalization(mean, std);
        return n.Mismatch([mean.Length, 1, 1]) is { } wrong ? throw new InvalidOptionException("normalize", $"normalize '{ErrorText.Printable(text)}': {wrong}.") : n;
    }

    static double[]? Numbers(string list)
    {
        var items = list.Split(',');
        var values = new double[items.Length];
        for (int i = 0; i < items.Length; i++)
            if (!double.TryParse(items[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i])) return null;
        return values;
    }

    public override string ToString() => Mean.Length == 1
        ? string.Create(CultureInfo.InvariantCulture, $"{Mean[0]},{Std[0]}")
        : string.Create(CultureInfo.InvariantCulture, $"[{string.Join(",", Mean)}],[{string.Join(",", Std)}]");

    /// <summary>Null if it fits an input of <paramref name="inputShape"/> (no batch), else what is wrong.</summary>
    public string? Mismatch(long[] inputShape)
    {
        if (Mean is null || Std is null || Mean.Length == 0 || Mean.Length != Std.Length) return "normalize needs mean and std lists of the same, non-zero length";
        if (Std.Any(s => !(s > 0) || double.IsInfinity(s)) || Mean.Any(m => !double.IsFinite(m))) return "normalize needs finite means and positive finite stds";
        long channels = inputShape.Length == 3 ? inputShape[0] : 1;
        return Mean.Length == 1 || Mean.Length == channels ? null : $"normalize has {Mean.Length} means, the input has {channels} channel(s)";
    }
}

/// <summary>Reads the JSON object or the command line's text; writes the object.</summary>
sealed class NormalizationJson : JsonConverter<Normalization>
{
    sealed record Stats(double[] Mean, double[] Std);

    public override Normalization? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            try { return Normalization.Parse(reader.GetString()!); }
            catch (InvalidOptionException e) { throw new JsonException(e.Message); }
        }
        var stats = JsonSerializer.Deserialize<Stats>(ref reader, options);
        return stats is null ? null : new Normalization(stats.Mean, stats.Std);
    }

    public override void Write(Utf8JsonWriter writer, Normalization value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, new Stats(value.Mean, value.Std), options);
}

/// <summary>
/// (x - mean) / std with mean and std as non-persistent buffers: they move with the module but stay out of its
/// state_dict, so the weights keep exactly the nn.Sequential's keys that PyTorch's load_state_dict expects.
/// </summary>
public sealed class NormalizeModule : Module<Tensor, Tensor>
{
    // An array, not Tensor fields: TorchSharp registers a module's Tensor fields as persistent buffers when it is added to a parent.
    readonly Tensor[] _stats;

    public NormalizeModule(Normalization n, long[] inputShape) : base("Normalize")
    {
        long[] shape = inputShape.Length == 3 ? [n.Mean.Length, 1, 1] : [n.Mean.Length];
        _stats = [tensor(n.Mean.Select(v => (float)v).ToArray(), shape), tensor(n.Std.Select(v => (float)v).ToArray(), shape)];
        register_buffer("mean", _stats[0], persistent: false);
        register_buffer("std", _stats[1], persistent: false);
    }

    public override Tensor forward(Tensor x) => (x - _stats[0]) / _stats[1];
}
