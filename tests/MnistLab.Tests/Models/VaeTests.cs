using MnistLab.Analysis;
using MnistLab.Common;
using MnistLab.Features;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Tests.Models;

public class VaeTests
{
    [Fact]
    public void The_seeds_main_shape_test_random_images_through_an_untrained_vae_and_a_probe()
    {
        manual_seed(0);
        using var g = new Generator(1);
        using var x = rand([128, 1, 28, 28], generator: g);
        using var vae = new Vae(8);
        using var recon = vae.call(x);
        var (mu, logVar) = vae.Encode(x);
        using var loss = vae.Loss(x, beta: 4, g);
        Assert.Equal([128L, 1, 28, 28], recon.shape);
        Assert.Equal([128L, 8], mu.shape);
        Assert.Equal([128L, 8], logVar.shape);
        Assert.True(float.IsFinite(loss.item<float>()) && loss.item<float>() > 0);

        using var c = Concepts.Compute(x);
        Assert.Equal([128L, 3], c.shape);
        var probe = RidgeProbe.Fit(TensorData.Matrix(mu.detach()), TensorData.Matrix(c));
        Assert.Equal((9, 3), (probe.Weights.GetLength(0), probe.Weights.GetLength(1)));
        var m = RidgeProbe.Evaluate(probe, TensorData.Matrix(mu.detach()), TensorData.Matrix(c));
        Assert.Equal(3, m.R2.Length);
        Assert.All(m.Delta, d => Assert.True(d >= 0));
    }

    [Fact]
    public void State_dict_keys_follow_the_seed()
    {
        using var vae = new Vae(8);
        var keys = vae.state_dict().Keys.ToList();
        Assert.Contains("enc.1.weight", keys);
        Assert.Contains("fc_mu.weight", keys);
        Assert.Contains("fc_logvar.bias", keys);
        Assert.Contains("dec.2.weight", keys);
    }
}
