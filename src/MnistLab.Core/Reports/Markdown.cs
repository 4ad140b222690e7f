using System.Globalization;
using System.Text;

namespace MnistLab.Reports;

/// <summary>Small helpers for report.md: tables and number formats (invariant culture throughout).</summary>
public static class Markdown
{
    /// <summary>A table; a '|' inside a cell (as in |cos|) is escaped so it does not split the cell.</summary>
    public static string Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        static string Cells(IEnumerable<string> cells) => "| " + string.Join(" | ", cells.Select(c => c.Replace("|", "\\|"))) + " |";
        var sb = new StringBuilder();
        sb.AppendLine(Cells(header));
        sb.Append('|').Append(string.Concat(header.Select(_ => " --- |"))).AppendLine();
        foreach (var row in rows) sb.AppendLine(Cells(row));
        return sb.ToString();
    }

    public static string Pct(double fraction, int decimals = 2) => (fraction * 100).ToString("F" + decimals, CultureInfo.InvariantCulture) + "%";
    public static string Num(double value, int decimals = 4) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);
    public static string Image(string alt, string file) => $"![{alt}]({file})";
}
