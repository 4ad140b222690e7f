using System.Globalization;
using MnistLab.Common;

namespace MnistLab.Data;

/// <summary>
/// A numeric CSV with a header and one label column, as <c>mnistlab mi</c> reads it. Plain comma-separated
/// values (no quoting); every error names the file, the line and the column.
/// </summary>
public sealed record CsvTable(IReadOnlyList<string> Columns, float[] Values, long[] Labels, int Rows, int Classes)
{
    /// <summary>The label text each class stands for (class k is the k-th in ordinal order).</summary>
    public IReadOnlyList<string> LabelValues { get; init; } = [];

    /// <summary>The file it was read from and its label column, for messages.</summary>
    public string Path { get; init; } = "";
    public string LabelColumn { get; init; } = "";

    public static CsvTable Read(string path, string labelColumn)
    {
        if (!File.Exists(path)) throw new MnistLabException($"{path}: file not found.");
        using var reader = new StreamReader(path);
        string? header = reader.ReadLine();
        if (header is null) throw new DataFormatException($"{path}: empty file, expected a header line.");
        var names = header.Split(',').Select(h => h.Trim()).ToArray();
        int label = Array.IndexOf(names, labelColumn);
        if (label < 0) throw new InvalidOptionException("labelColumn", $"{labelColumn}: no such column in {path} (columns: {string.Join(", ", names)}).");
        if (names.Length < 2) throw new DataFormatException($"{path}: only the label column; expected at least one more column.");

        var values = new List<float>();
        var rawLabels = new List<string>();
        int line = 1;
        for (string? text; (text = reader.ReadLine()) is not null;)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            var cells = text.Split(',');
            if (cells.Length != names.Length)
                throw new DataFormatException($"{path}, line {line}: {cells.Length} fields, expected {names.Length} as in the header.");
            for (int k = 0; k < cells.Length; k++)
            {
                if (k == label) { rawLabels.Add(cells[k].Trim()); continue; }
                if (!float.TryParse(cells[k], NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
                    throw new DataFormatException($"{path}, line {line}, column '{names[k]}': '{cells[k].Trim()}' is not a finite number.");
                values.Add(v);
            }
        }
        if (rawLabels.Count == 0) throw new DataFormatException($"{path}: no data rows after the header.");
        var classes = rawLabels.Distinct().Order(StringComparer.Ordinal).Select((v, i) => (v, i)).ToDictionary(p => p.v, p => (long)p.i);
        return new CsvTable(names.Where((_, k) => k != label).ToList(), values.ToArray(), rawLabels.Select(l => classes[l]).ToArray(), rawLabels.Count, classes.Count)
        {
            LabelValues = classes.OrderBy(p => p.Value).Select(p => p.Key).ToList(),
            Path = path,
            LabelColumn = labelColumn,
        };
    }
}
