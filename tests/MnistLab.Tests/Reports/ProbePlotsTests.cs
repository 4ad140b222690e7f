using MnistLab.Reports;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Reports;

public class ProbePlotsTests
{
    [Fact]
    public void A_heatmap_with_blank_cells_or_with_no_value_at_all_is_still_drawn()
    {
        using var dir = new TempDir();
        ProbePlots.LabelledHeatmap(dir.File("some.png"), "some", ["a", "b"], ["x", "y"], new[,] { { 1.0, double.NaN }, { 0.5, 0.25 } });
        ProbePlots.LabelledHeatmap(dir.File("none.png"), "none", ["a"], ["x", "y"], new[,] { { double.NaN, double.NaN } }, diverging: true);
        foreach (var f in new[] { "some.png", "none.png" })
        {
            var bytes = File.ReadAllBytes(dir.File(f));
            Assert.True(bytes.Length > 1000 && bytes[1] == (byte)'P' && bytes[2] == (byte)'N' && bytes[3] == (byte)'G', f);
        }
    }
}
