using System.Text.Json;

namespace MnistLab.Tests.Analysis.Fixtures;

/// <summary>
/// scikit-learn's values on small seeded data (sklearn_reference.json, written once by make_sklearn_reference.py with
/// Debian's python3-sklearn), so tests compare with it without Python. Inputs are float32-exact: read them as float32.
/// </summary>
public static class SklearnReference
{
    static readonly Lazy<JsonElement> Root = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Analysis", "Fixtures", "sklearn_reference.json"))).RootElement.Clone());

    public static JsonElement Get(string name) => Root.Value.GetProperty(name);

    public static float[] Floats(JsonElement array) => array.EnumerateArray().Select(v => v.GetSingle()).ToArray();
    public static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(v => v.GetDouble()).ToArray();
    public static int[] Ints(JsonElement array) => array.EnumerateArray().Select(v => v.GetInt32()).ToArray();

    /// <summary>A row-major (rows, columns) float32 matrix.</summary>
    public static (float[] Values, int Rows, int Columns) Matrix(JsonElement rows)
    {
        var r = rows.EnumerateArray().Select(Floats).ToArray();
        return (r.SelectMany(x => x).ToArray(), r.Length, r[0].Length);
    }
}
