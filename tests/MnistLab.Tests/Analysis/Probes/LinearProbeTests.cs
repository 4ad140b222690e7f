using MnistLab.Analysis.Concepts;
using MnistLab.Analysis.Probes;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis.Probes;

public class LinearProbeTests
{
    static readonly ProbeOptions Fast = new() { Bootstrap = 50, Null = 50, Folds = 3 };

    static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    static (ProbeLayer Layer, Tensor Features) Layer(string name, float[] values, int n, int d, long seed = 0)
    {
        var features = tensor(values, [n, d]);
        return (ProbeLayer.Prepare(name, features, ProbeSplit.Random(n, 0.25, seed)), features);
    }

    [Fact]
    public void A_planted_continuous_concept_is_recovered_with_R2_near_1_and_a_random_layer_has_selectivity_near_0()
    {
        var rng = new Random(41);
        int n = 800, d = 20;
        var x = Enumerable.Range(0, n * d).Select(_ => (float)Gaussian(rng)).ToArray();
        // The concept is a fixed linear read-out of the layer, with a little noise.
        var w = Enumerable.Range(0, d).Select(_ => Gaussian(rng)).ToArray();
        var concept = ConceptValues.Continuous("planted", Enumerable.Range(0, n).Select(i => Enumerable.Range(0, d).Sum(j => w[j] * x[i * d + j]) + 0.01 * Gaussian(rng)).ToArray());
        var (layer, f) = Layer("planted", x, n, d);
        using var _ = layer;
        using var __ = f;
        var r = LinearProbe.Compute(layer, concept, Fast);
        Assert.Equal("ridge", r.Kind);
        Assert.True(r.Score > 0.999, $"R² {r.Score}");
        Assert.True(r.ControlScore < 0.05, $"control R² {r.ControlScore}");
        Assert.True(r.Selectivity > 0.9);
        Assert.True(r.SupError < 0.1, $"sup error {r.SupError}");
        Assert.True(r.Mi.Estimate > 1 && r.Mi.PNull < 0.05, $"MI {r.Mi}");
        Assert.True(r.Mdl!.Compression > 2, $"compression {r.Mdl.Compression}");

        var noise = Enumerable.Range(0, n * d).Select(_ => (float)Gaussian(rng)).ToArray();
        var (random, g) = Layer("random", noise, n, d);
        using var ___ = random;
        using var ____ = g;
        var rr = LinearProbe.Compute(random, concept, Fast);
        Assert.InRange(rr.Score, -0.1, 0.05);
        Assert.InRange(rr.Selectivity, -0.1, 0.1);
        Assert.True(rr.Mi.PNull > 0.02, $"p {rr.Mi.PNull}");
        // The concept's deciles cost at least their uniform code when the layer knows nothing of them.
        Assert.InRange(rr.Mdl!.Compression, 0.5, 1.01);
    }

    [Fact]
    public void A_planted_discrete_concept_is_read_with_high_accuracy_and_selectivity_and_a_random_layer_is_at_chance()
    {
        var rng = new Random(42);
        int n = 900, d = 10, k = 3;
        var c = Enumerable.Range(0, n).Select(_ => rng.Next(k)).ToArray();
        var x = Enumerable.Range(0, n).SelectMany(i => Enumerable.Range(0, d).Select(j => (float)((j == c[i] ? 3 : 0) + Gaussian(rng)))).ToArray();
        var concept = ConceptValues.OfClasses("planted", c, ["a", "b", "c"]);
        var (layer, f) = Layer("planted", x, n, d);
        using var _ = layer;
        using var __ = f;
        var r = LinearProbe.Compute(layer, concept, Fast);
        Assert.Equal("logistic", r.Kind);
        Assert.True(r.Score > 0.97, $"accuracy {r.Score}");
        Assert.InRange(r.ControlScore, 0.2, 0.47); // chance is 1/3
        Assert.True(r.Selectivity > 0.5);
        Assert.True(r.Mi.Low > 0.8 && r.Mi.High <= Math.Log(3) + 0.05, $"MI {r.Mi}");
        Assert.True(r.Mdl!.Compression > 3, $"compression {r.Mdl.Compression}");
        Assert.Equal(3, r.Directions.Length);

        var (random, g) = Layer("random", Enumerable.Range(0, n * d).Select(_ => (float)Gaussian(rng)).ToArray(), n, d);
        using var ___ = random;
        using var ____ = g;
        var rr = LinearProbe.Compute(random, concept, Fast);
        Assert.InRange(rr.Score, 0.2, 0.47);
        Assert.InRange(rr.Selectivity, -0.12, 0.12);
        Assert.InRange(rr.Mdl!.Compression, 0.8, 1.05);
    }

    [Fact]
    public void The_online_code_of_a_constant_label_is_about_zero_bits()
    {
        var rng = new Random(43);
        int n = 2000, d = 8;
        using var x = tensor(Enumerable.Range(0, n * d).Select(_ => (float)Gaussian(rng)).ToArray(), [n, d]).to_type(ScalarType.Float64);
        var options = new ProbeOptions();
        // One class: the uniform code costs log2 1 = 0 bits, and so does every later block.
        var single = OnlineCode.Compute(x, new int[n], 1, 1e-3, options.MdlFractions);
        Assert.Equal(0, single.Bits, 9);
        // Ten classes, but every label the same: only the first block (2 labels) pays the uniform code's log2 10 each.
        var constant = OnlineCode.Compute(x, Enumerable.Repeat(7, n).ToArray(), 10, 1e-3, options.MdlFractions);
        Assert.InRange(constant.Bits, 2 * Math.Log2(10), 0.01 * constant.UniformBits);
        Assert.True(constant.Compression > 100, $"compression {constant.Compression}");
    }

    [Fact]
    public void The_online_code_of_random_labels_is_no_shorter_than_the_uniform_code()
    {
        var rng = new Random(44);
        int n = 1000, d = 8;
        using var x = tensor(Enumerable.Range(0, n * d).Select(_ => (float)Gaussian(rng)).ToArray(), [n, d]).to_type(ScalarType.Float64);
        var labels = Enumerable.Range(0, n).Select(_ => rng.Next(4)).ToArray();
        var r = OnlineCode.Compute(x, labels, 4, 1e-2, new ProbeOptions().MdlFractions);
        // Probes fitted to noise on the small early blocks code the next block worse than uniformly.
        Assert.InRange(r.Compression, 0.5, 1.01);
    }

    [Fact]
    public void The_control_task_keeps_the_values_and_moves_them_between_images()
    {
        var concept = ConceptValues.Continuous("c", Enumerable.Range(0, 100).Select(i => (double)i).ToArray());
        var shuffled = LinearProbe.Shuffled(concept, 1);
        Assert.Equal(concept.Values.Order(), shuffled.Values.Order());
        Assert.NotEqual(concept.Values, shuffled.Values);
        Assert.Equal(shuffled.Values, LinearProbe.Shuffled(concept, 1).Values);
    }

    [Fact]
    public void Fast_gives_the_same_point_estimates_without_the_intervals_the_null_or_the_online_code()
    {
        var rng = new Random(46);
        int n = 400, d = 6;
        var x = Enumerable.Range(0, n * d).Select(_ => (float)Gaussian(rng)).ToArray();
        var classes = Enumerable.Range(0, n).Select(i => x[i * d] + 0.5 * Gaussian(rng) > 0 ? 1 : 0).ToArray();
        var value = Enumerable.Range(0, n).Select(i => (double)x[i * d + 1] + 0.5 * Gaussian(rng)).ToArray();
        var (layer, f) = Layer("l", x, n, d);
        using var _ = layer;
        using var __ = f;
        foreach (var concept in new[] { ConceptValues.OfClasses("c", classes, ["no", "yes"]), ConceptValues.Continuous("v", value) })
        {
            var full = LinearProbe.Compute(layer, concept, Fast, seed: 5);
            var fast = LinearProbe.Compute(layer, concept, Fast with { Fast = true }, seed: 5);
            Assert.Equal((full.Score, full.ControlScore, full.Lambda, full.Mi.Estimate), (fast.Score, fast.ControlScore, fast.Lambda, fast.Mi.Estimate));
            Assert.True(full.Score > 0.5 && full.Mdl is not null && double.IsFinite(full.Mi.Low) && double.IsFinite(full.Mi.PNull));
            Assert.Null(fast.Mdl);
            Assert.True(double.IsNaN(fast.Mi.Low) && double.IsNaN(fast.Mi.High) && double.IsNaN(fast.Mi.PNull), $"{fast.Mi}");
            Assert.Equal((0, 0), (fast.Mi.Bootstrap, fast.Mi.Null));
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_probe()
    {
        var rng = new Random(45);
        int n = 300, d = 6;
        var x = Enumerable.Range(0, n * d).Select(_ => (float)Gaussian(rng)).ToArray();
        var concept = ConceptValues.Continuous("c", Enumerable.Range(0, n).Select(i => (double)x[i * d] + Gaussian(rng)).ToArray());
        ProbeResult Run()
        {
            var (layer, f) = Layer("l", x, n, d);
            using var _ = layer;
            using var __ = f;
            return LinearProbe.Compute(layer, concept, Fast);
        }
        var a = Run();
        var b = Run();
        Assert.Equal((a.Score, a.ControlScore, a.Mdl!.Bits, a.Mi), (b.Score, b.ControlScore, b.Mdl!.Bits, b.Mi));

        // A discrete concept: its cross-validation folds are fitted side by side, and still give the same bits.
        var discrete = ConceptValues.OfClasses("d", concept.Values.Select(v => v > 0 ? 1 : 0).ToArray(), ["low", "high"]);
        ProbeResult RunDiscrete()
        {
            var (layer, f) = Layer("l", x, n, d);
            using var _ = layer;
            using var __ = f;
            return LinearProbe.Compute(layer, discrete, Fast);
        }
        var c = RunDiscrete();
        var e = RunDiscrete();
        Assert.Equal((c.Score, c.ControlScore, c.Mdl!.Bits, c.Mi), (e.Score, e.ControlScore, e.Mdl!.Bits, e.Mi));
        Assert.Equal(c.CvLoss, e.CvLoss);
        Assert.Equal(c.Directions.SelectMany(r => r), e.Directions.SelectMany(r => r));
    }
}
