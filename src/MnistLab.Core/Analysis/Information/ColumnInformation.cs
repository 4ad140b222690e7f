using System.Globalization;
using MnistLab.Common;
using MnistLab.Data;

namespace MnistLab.Analysis.Information;

/// <summary>I(column; label) of one column of a table.</summary>
public sealed record ColumnMi(string Column, MiResult Mi);

/// <summary>
/// I(column; label) of every column of a table, in the table's order, and H(label) in nats: no column can carry more.
/// </summary>
public sealed record ColumnInformationResult(IReadOnlyList<ColumnMi> Columns, double LabelEntropy, int Rows, int Classes, MiOptions Options)
{
    /// <summary>How the estimates were made: the estimator's description, and its bins where it bins.</summary>
    public string Method => Estimators.Get(Options.Estimator).Description +
                            (Options.Estimator is Estimators.Plugin or Estimators.MillerMadow or Estimators.PanzeriTreves ? $", {Options.Binning}" : "");
}

/// <summary>What <c>mnistlab mi</c> computes: every column of a CSV table against its label, by any registered estimator.</summary>
public static class ColumnInformation
{
    /// <summary>
    /// I(column; label) of every column by <see cref="MiEstimate.Compute"/> with <paramref name="options"/> (with the
    /// interval and null p-value they ask for), and H(label). The label is a class; for <see cref="Estimators.Ksg"/>,
    /// which takes two continuous variables, its values must be numbers.
    /// </summary>
    public static ColumnInformationResult Compute(CsvTable table, MiOptions options)
    {
        options = options.Validated();
        var label = Label(table, options.Estimator);
        int width = table.Columns.Count;
        var columns = table.Columns.Select((name, j) => new ColumnMi(name, MiEstimate.Compute(
            Variable.Continuous(Enumerable.Range(0, table.Rows).Select(i => table.Values[i * width + j]).ToArray()), label, options))).ToList();
        return new ColumnInformationResult(columns, MutualInformation.Entropy(table.Labels), table.Rows, table.Classes, options);
    }

    static Variable Label(CsvTable table, string estimator)
    {
        if (estimator != Estimators.Ksg) return Variable.Discrete(table.Labels.Select(l => (int)l).ToArray(), table.Classes);
        var numbers = table.LabelValues.Select(v => float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) && float.IsFinite(f) ? f
            : throw new DataFormatException($"{table.Path}: label column '{table.LabelColumn}' holds '{v}'; the ksg estimator needs numbers there.")).ToArray();
        return Variable.Continuous(table.Labels.Select(l => numbers[l]).ToArray());
    }
}
