using MnistLab.Analysis.Concepts;
using MnistLab.Analysis.Probes;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis.Probes;

/// <summary>Probes that read new activations: a concept a layer holds linearly is read back exactly; one it lacks is not.</summary>
public class ProbeReadoutTests
{
    [Fact]
    public void A_linearly_held_value_and_a_separable_class_are_read_back_and_noise_is_not()
    {
        // 500 rows of 6 features: feature 0 is 2·size + 1, feature 1 the sign of a class (+1 or −1) plus small noise, the rest noise.
        const int n = 500;
        using var scope = NewDisposeScope();
        var g = new Generator(7);
        var size = rand(n, generator: g, dtype: ScalarType.Float64).mul(10);
        var cls = randint(0, 2, [n], generator: g);
        var noise = randn(n, 4, generator: g, dtype: ScalarType.Float64);
        var x = stack([size * 2 + 1, cls.to_type(ScalarType.Float64) * 2 - 1 + randn(n, generator: g, dtype: ScalarType.Float64) * 0.05], 1);
        x = cat([x, noise], 1).to_type(ScalarType.Float32);
        var unrelated = randn(n, generator: g, dtype: ScalarType.Float64); // independent of every feature
        var concepts = new[]
        {
            ConceptValues.Continuous("size", size.data<double>().ToArray()),
            ConceptValues.Discrete("side", cls.data<long>().ToArray()),
            ConceptValues.Continuous("unrelated", unrelated.data<double>().ToArray()),
        };

        var readout = ProbeReadout.Fit(x, concepts);

        Assert.Equal(6, readout.Features);
        var byName = readout.Probes.ToDictionary(p => p.Concept);
        Assert.True(byName["size"].Score > 0.999, $"R² {byName["size"].Score}");
        Assert.Equal(1.0, byName["side"].Score);
        Assert.True(byName["unrelated"].Score < 0.05, $"noise read with R² {byName["unrelated"].Score}");
        Assert.Equal(LinearProbe.Logistic, byName["side"].Kind);

        // A new row: size 3.5 and class 1.
        var row = tensor(new float[] { 8f, 1f, 0f, 0f, 0f, 0f });
        var readings = readout.Read(row).ToDictionary(r => r.Concept);
        Assert.Equal(3.5, readings["size"].Value!.Value, 2);
        Assert.Equal("1", readings["side"].Class);
        Assert.True(readings["side"].Probability > 0.9);
        Assert.Null(readings["size"].Class);
        Assert.Throws<ArgumentException>(() => readout.Read(tensor(new float[5])));
    }
}
