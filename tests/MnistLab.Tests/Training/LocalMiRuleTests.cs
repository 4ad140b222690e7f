using MnistLab.Models;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Tests.Training;

public class LocalMiRuleTests
{
    static (Tensor X, Tensor C) Batch(int n = 64, int d = 20, int seed = 1)
    {
        using var g = new Generator((ulong)seed);
        var x = randn(n, d, generator: g);
        var c = randint(0, 10, [n], generator: g);
        return (x, c);
    }

    static LocalLayer Layer(int d = 20, int k = 6, int seed = 2)
    {
        manual_seed(seed);
        var layer = new LocalLayer(d, k);
        using (no_grad()) layer.Weight.mul_(10); // spread outputs over the bins
        return layer;
    }

    [Theory]
    [InlineData(MiEstimator.Hard)]
    [InlineData(MiEstimator.Soft)]
    public void A_sequential_update_of_neuron_i_changes_only_row_i(MiEstimator estimator)
    {
        var (x, c) = Batch();
        using var layer = Layer();
        var before = layer.Weight.detach().clone();
        var biasBefore = layer.Bias.detach().clone();
        LocalMiRule.StepNeuron(layer, x, c, 3, new LocalMiOptions { Estimator = estimator, LearningRate = 0.1, Lambda = 0.5 });
        var changedRows = Enumerable.Range(0, 6).Where(r => !layer.Weight[r].allclose(before[r], 0, 0)).ToList();
        Assert.Equal([3], changedRows);
        var changedBias = Enumerable.Range(0, 6).Where(r => !layer.Bias[r].allclose(biasBefore[r], 0, 0)).ToList();
        Assert.True(changedBias.All(r => r == 3));
    }

    [Theory]
    [InlineData(MiEstimator.Hard)]
    [InlineData(MiEstimator.Soft)]
    public void The_vectorised_sequential_step_equals_the_seeds_neuron_by_neuron_loop(MiEstimator estimator)
    {
        var (x, c) = Batch();
        var o = new LocalMiOptions { Estimator = estimator, Order = UpdateOrder.Sequential, LearningRate = 0.05, Lambda = 0.3 };
        using var loop = Layer();
        using var fast = Layer();
        for (int i = 0; i < 6; i++) LocalMiRule.StepNeuron(loop, x, c, i, o);
        LocalMiRule.Step(fast, x, c, o);
        double diff = (fast.Weight - loop.Weight).abs().max().item<float>();
        Assert.True(fast.Weight.allclose(loop.Weight, rtol: 1e-4, atol: 1e-6), $"weights differ by up to {diff}");
        Assert.True(fast.Bias.allclose(loop.Bias, rtol: 1e-4, atol: 1e-6), "biases differ");
    }

    [Fact]
    public void The_simultaneous_order_differs_from_the_sequential_one_when_rows_interact()
    {
        var (x, c) = Batch();
        using var seq = Layer();
        using var sim = Layer();
        LocalMiRule.Step(seq, x, c, new LocalMiOptions { Order = UpdateOrder.Sequential, LearningRate = 0.1, Lambda = 1 });
        LocalMiRule.Step(sim, x, c, new LocalMiOptions { Order = UpdateOrder.Simultaneous, LearningRate = 0.1, Lambda = 1 });
        Assert.True(seq.Weight[0].allclose(sim.Weight[0]), "the first neuron sees no earlier move");
        Assert.False(seq.Weight[5].allclose(sim.Weight[5]), "the last neuron sees five");
    }

    [Fact]
    public void The_hard_estimator_gives_no_mi_gradient_and_the_soft_one_does()
    {
        var (x, c) = Batch();
        using var layer = Layer();
        var (gHard, _, _) = LocalMiRule.MiGradients(layer, x, c, new LocalMiOptions { Estimator = MiEstimator.Hard });
        var (gSoft, _, _) = LocalMiRule.MiGradients(layer, x, c, new LocalMiOptions { Estimator = MiEstimator.Soft });
        Assert.Equal(0f, gHard.abs().sum().item<float>());
        Assert.True(gSoft.abs().sum().item<float>() > 0);
    }
}
