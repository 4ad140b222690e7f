using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Data;

public class CsvTableTests
{
    [Fact]
    public void Reads_numeric_columns_and_maps_labels_to_classes()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("a.csv"), "x,label,z\n1.5,cat,2\n-1,dog,3e2\n\n0,cat,4\n");
        var t = CsvTable.Read(dir.File("a.csv"), "label");
        Assert.Equal(["x", "z"], t.Columns);
        Assert.Equal([1.5f, 2, -1, 300, 0, 4], t.Values);
        Assert.Equal([0L, 1, 0], t.Labels);
        Assert.Equal((3, 2), (t.Rows, t.Classes));
    }

    [Theory]
    [InlineData("x,label\n1,a\nfoo,b\n", "line 3, column 'x': 'foo'")]
    [InlineData("x,label\n1,a\n2\n", "line 3: 1 fields, expected 2")]
    [InlineData("x,label\nNaN,a\n", "not a finite number")]
    [InlineData("x,label\n", "no data rows")]
    public void Malformed_rows_are_named_by_line_and_column(string text, string expected)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("a.csv"), text);
        var e = Assert.Throws<DataFormatException>(() => CsvTable.Read(dir.File("a.csv"), "label"));
        Assert.Contains(expected, e.Message);
        Assert.Contains(dir.File("a.csv"), e.Message);
    }

    [Fact]
    public void A_missing_label_column_lists_the_columns()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("a.csv"), "x,y\n1,2\n");
        var e = Assert.Throws<InvalidOptionException>(() => CsvTable.Read(dir.File("a.csv"), "label"));
        Assert.Contains("columns: x, y", e.Message);
    }
}
