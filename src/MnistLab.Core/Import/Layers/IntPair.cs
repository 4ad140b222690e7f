using System.Text.Json;
using System.Text.Json.Serialization;

namespace MnistLab.Import.Layers;

/// <summary>
/// A size PyTorch takes as one int or a pair (<c>kernel_size=3</c> or <c>kernel_size=(3, 5)</c>); JSON holds it as a
/// number or a two-number array and gets back what it held.
/// </summary>
[JsonConverter(typeof(IntPairConverter))]
public readonly record struct IntPair(long First, long Second)
{
    public static implicit operator IntPair(long both) => new(both, both);

    public long[] ToArray() => [First, Second];

    public (long, long) ToTuple() => (First, Second);

    public override string ToString() => First == Second ? $"{First}" : $"({First}, {Second})";
}

sealed class IntPairConverter : JsonConverter<IntPair>
{
    public override IntPair Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number) return reader.GetInt64();
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected a whole number or a pair of whole numbers");
        var values = new List<long>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number) throw new JsonException("expected a whole number or a pair of whole numbers");
            values.Add(reader.GetInt64());
        }
        if (values.Count != 2) throw new JsonException($"expected a pair of whole numbers, got {values.Count}");
        return new IntPair(values[0], values[1]);
    }

    public override void Write(Utf8JsonWriter writer, IntPair value, JsonSerializerOptions options)
    {
        if (value.First == value.Second) { writer.WriteNumberValue(value.First); return; }
        writer.WriteStartArray();
        writer.WriteNumberValue(value.First);
        writer.WriteNumberValue(value.Second);
        writer.WriteEndArray();
    }
}
