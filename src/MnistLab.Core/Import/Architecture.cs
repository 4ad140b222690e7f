using System.Text.Json;
using System.Text.Json.Serialization;
using MnistLab.Common;
using MnistLab.Import.Layers;

namespace MnistLab.Import;

/// <summary>
/// A feed-forward model as a JSON mirror of PyTorch's nn.Sequential: the input shape without the batch
/// (<c>[1, 28, 28]</c> or <c>[784]</c>), an optional normalisation applied to the [0, 1] image inside the model, and the
/// layers in order. Parameter names are nn.Sequential's: <c>0.weight</c>, <c>1.running_mean</c>, ...
/// </summary>
public sealed record Architecture(long[] Input, IReadOnlyList<LayerSpec> Layers, Normalization? Normalize = null)
{
    static readonly JsonSerializerOptions Strict = new(Json.Options)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        AllowOutOfOrderMetadataProperties = true,
        AllowDuplicateProperties = false,
    };

    /// <summary>Reads and checks an architecture file; every defect is one <see cref="DataFormatException"/> naming the file.</summary>
    public static Architecture Read(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new MnistLabException($"{path}: cannot read the architecture file ({e.Message})."); }
        return Parse(text, path);
    }

    /// <summary>Parses <paramref name="text"/>, naming <paramref name="source"/> in every error.</summary>
    public static Architecture Parse(string text, string source)
    {
        if (LayerTypeProblem(text) is { } typeProblem) throw new DataFormatException($"{source}: {ErrorText.Printable(typeProblem)}.");
        Architecture? arch;
        try { arch = JsonSerializer.Deserialize<Architecture>(text, Strict); }
        catch (JsonException e) { throw new DataFormatException($"{source}: not a valid architecture file ({ErrorText.Printable(Explain(e))})."); }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            throw new DataFormatException($"{source}: not a valid architecture file ({ErrorText.Printable(e.Message.Split('\n')[0])}).");
        }
        if (arch is null || arch.Input is null || arch.Layers is null) throw new DataFormatException($"{source}: an architecture file needs \"input\" and \"layers\".");
        if (arch.Layers.Any(l => l is null)) throw new DataFormatException($"{source}: a layer is null.");
        if (arch.Check() is { } problem) throw new DataFormatException($"{source}: {ErrorText.Printable(problem)}.");
        return arch;
    }

    /// <summary>
    /// Each layer's "type" checked before the typed reading, so an unknown or missing one is named with the types there
    /// are (the serializer would only say it met an unknown discriminator). Null if the text is no JSON object with a
    /// layers array: the typed reading then says what is wrong.
    /// </summary>
    static string? LayerTypeProblem(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array) return null;
            int i = 0;
            foreach (var layer in layers.EnumerateArray())
            {
                string? type = layer.ValueKind == JsonValueKind.Object && layer.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                if (type is null || !LayerSpec.SequentialTypes.Contains(type))
                    return $"layer {i} {(type is null ? "has no \"type\"" : $"has type '{type}'")}; the layer types are {string.Join(", ", LayerSpec.SequentialTypes)}";
                i++;
            }
            return null;
        }
        catch (JsonException) { return null; }
    }

    /// <summary>Null if the input, normalisation and layers chain; else the first place where they do not.</summary>
    public string? Check()
    {
        if (!(Input.Length is 1 or 3) || Input.Any(d => d < 1) || Input.Aggregate(1L, (a, b) => a * b) != 28 * 28)
            return $"input ({string.Join(", ", Input)}) must be [1, 28, 28] (or [C, H, W] with C·H·W = 784) or [784]";
        if (Normalize?.Mismatch(Input) is { } n) return n;
        if (Layers.Count == 0) return "no layers";
        try
        {
            ShapeTrace.Through(Layers, Input);
            return null;
        }
        catch (ShapeTrace.MismatchException e) { return e.Message; }
    }

    /// <summary>JSON errors name the path in the file and the line, which locate the fault better than the parser's own words.</summary>
    static string Explain(JsonException e)
    {
        string where = e.Path is { Length: > 0 } p && p != "$" ? $" at {p}" : "";
        string line = e.LineNumber is { } l ? $", line {l + 1}" : "";
        string what = e.Message.Split(". Path:")[0].Split(" Path:")[0];
        return $"{what.TrimEnd('.')}{where}{line}";
    }
}
