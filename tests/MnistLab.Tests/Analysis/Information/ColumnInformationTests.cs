using MnistLab.Analysis.Information;
using MnistLab.Data;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Analysis.Information;

public class ColumnInformationTests
{
    [Fact]
    public void A_column_that_is_the_label_carries_all_of_its_entropy_and_a_constant_none()
    {
        // Classes 0..3 seen 1, 2, 3 and 4 times; "same" is the label itself, one bin per class.
        using var dir = new TempDir();
        int[] labels = [0, 1, 1, 2, 2, 2, 3, 3, 3, 3];
        File.WriteAllLines(dir.File("t.csv"), ["same,label,constant", .. labels.Select(l => $"{l},{l},1")]);
        var options = new MiOptions { Binning = Binning.Width(4, -0.5, 3.5), Bootstrap = 0, Null = 0 };

        var result = ColumnInformation.Compute(CsvTable.Read(dir.File("t.csv"), "label"), options);

        double h = -new[] { 0.1, 0.2, 0.3, 0.4 }.Sum(p => p * Math.Log(p));
        Assert.Equal((10, 4), (result.Rows, result.Classes));
        Assert.Equal(h, result.LabelEntropy, 12);
        Assert.Equal(["same", "constant"], result.Columns.Select(c => c.Column));
        Assert.Equal(h, result.Columns[0].Mi.Estimate, 12); // I(X; X) = H(X)
        Assert.Equal(0, result.Columns[1].Mi.Estimate, 12);
    }
}
