using MnistLab.Experiments.LocalMi;

namespace MnistLab.Tests.Analysis.Information;

public class BenjaminiHochbergTests
{
    [Fact]
    public void Benjamini_Hochberg_keeps_the_largest_rank_under_its_line()
    {
        // Sorted: 0.001, 0.008, 0.03, 0.2, 0.9 against the line k/5 * 0.05 = 0.01, 0.02, 0.03, 0.04, 0.05: ranks 1 to 3 are kept.
        double[] p = [0.2, 0.001, 0.03, 0.9, 0.008];
        Assert.Equal([false, true, true, false, true], NeuronInformationSection.BenjaminiHochberg(p, 0.05));
        // One small p-value among many large ones needs p ≤ q / m.
        Assert.Equal([true, false, false], NeuronInformationSection.BenjaminiHochberg([0.01, 0.5, 0.9], 0.05));
        Assert.Equal([false, false, false], NeuronInformationSection.BenjaminiHochberg([0.02, 0.5, 0.9], 0.05));
    }
}
