using MnistLab.Analysis.Probes;

namespace MnistLab.Tests.Analysis.Probes;

public class NormalTests
{
    [Fact]
    public void Normal_masses_match_known_values()
    {
        Assert.Equal(0.682689492137, Normal.Mass(-1, 1), 6);
        Assert.Equal(0.024997895148, Normal.Upper(1.96), 7);
        Assert.Equal(0.5, Normal.Mass(double.NegativeInfinity, 0), 7);
        Assert.Equal(1, Normal.Mass(double.NegativeInfinity, double.PositiveInfinity), 12);
        Assert.Equal(2.866515718791939e-7, Normal.Mass(5, double.PositiveInfinity), 12); // far in the tail it keeps its digits
        Assert.Equal(0, Normal.Mass(1, 1));
    }
}
