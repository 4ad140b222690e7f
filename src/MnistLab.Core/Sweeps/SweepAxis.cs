using System.Text.Json;
using MnistLab.Common;

namespace MnistLab.Sweeps;

/// <summary>
/// One option a sweep varies: its key in the experiment's options (<c>train.epochs</c>, by JSON name) and the values it
/// takes, as written on the command line. A list-valued option takes each value as a list in brackets:
/// <c>models=[linear_ce,mlp_ce],[mlp_ce]</c> is two values; <c>models=linear_ce,mlp_ce</c> is two one-model lists.
/// </summary>
public sealed record SweepAxis(string Key, IReadOnlyList<string> Values)
{
    /// <summary>Parses <c>KEY=V1,V2,...</c>, splitting the values on commas outside brackets.</summary>
    public static SweepAxis Parse(string text)
    {
        InvalidOptionException Bad(string why) =>
            new($"{nameof(SweepSpec)}.{nameof(SweepSpec.Axes)}", $"'{text}': {why}; expected KEY=V1,V2,... (a list-valued option takes lists in brackets, e.g. KEY=[16,32],[64]).");
        int eq = text.IndexOf('=');
        if (eq < 0) throw Bad("no '='");
        string key = text[..eq].Trim();
        if (key.Length == 0) throw Bad("no key before '='");
        var values = new List<string>();
        int depth = 0, start = eq + 1;
        for (int i = eq + 1; i <= text.Length; i++)
        {
            char c = i < text.Length ? text[i] : ',';
            if (c == '[') depth++;
            else if (c == ']' && --depth < 0) throw Bad("a ']' without its '['");
            else if (c == ',' && depth == 0)
            {
                string value = text[start..i].Trim();
                if (value.Length == 0) throw Bad(values.Count == 0 && i == text.Length ? "no value after '='" : "an empty value");
                values.Add(value);
                start = i + 1;
            }
        }
        if (depth != 0) throw Bad("a '[' without its ']'");
        var twice = values.GroupBy(v => v).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw Bad($"the value '{twice.Key}' is given twice");
        return new SweepAxis(key, values);
    }

    /// <summary>
    /// A value as <see cref="OptionPaths.With(object, IEnumerable{ValueTuple{string, string}})"/> takes it: a bracketed
    /// list that is not JSON (<c>[linear_ce,mlp_ce]</c>) becomes the comma-separated form it reads item by item.
    /// </summary>
    public static string OptionValue(string value)
    {
        if (value.Length < 2 || value[0] != '[' || value[^1] != ']') return value;
        try
        {
            using var _ = JsonDocument.Parse(value);
            return value;
        }
        catch (JsonException)
        {
            return value[1..^1];
        }
    }
}
