using MnistLab.Analysis.Verification;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis.Verification;

public class VerificationTests
{
    /// <summary>Twelve 6x6 images and the small MLP's own classes as labels, but the last one labelled wrong.</summary>
    static (Tensor Images, long[] Labels, long[] Indices) Data(TorchSharp.torch.nn.Module<Tensor, Tensor> model)
    {
        var images = stack(Enumerable.Range(0, 12).Select(i => SmallNets.Image((ulong)(200 + i))), 0);
        long[] labels;
        using (no_grad()) labels = [.. model.call(images).argmax(1).data<long>()];
        labels[^1] = (labels[^1] + 1) % 10;
        return (images, labels, [.. Enumerable.Range(0, 12).Select(i => (long)i)]);
    }

    [Fact]
    public void Pgd_counterexamples_lie_in_the_ball_and_the_model_gets_them_wrong()
    {
        using var scope = NewDisposeScope();
        using var model = SmallNets.Mlp(21);
        var (images, labels, _) = Data(model);
        const double eps = 0.15;
        using var g = new Generator(1);
        var found = Pgd.Attack(model, images, labels, eps, new PgdOptions { Steps = 30, Restarts = 2 }, g);
        int count = 0;
        for (int i = 0; i < found.Length; i++)
        {
            if (found[i] is not { } c) continue;
            count++;
            var diff = (c.to_type(ScalarType.Float64) - images[i].unsqueeze(0).to_type(ScalarType.Float64)).abs().max().item<double>();
            Assert.True(diff <= eps, $"image {i}: {diff} from the image");
            Assert.True(c.min().item<float>() >= 0 && c.max().item<float>() <= 1);
            using (no_grad()) Assert.NotEqual(labels[i], model.call(c).argmax(1).item<long>());
            Assert.NotNull(Verifier.Recheck(model, images[i], c, labels[i], eps));
            // The re-check refuses the same input for a ball it does not lie in.
            if (diff > 1e-3) Assert.Null(Verifier.Recheck(model, images[i], c, labels[i], diff / 2));
        }
        Assert.True(count >= 3, $"the attack found only {count} counterexamples at eps {eps}");
    }

    [Fact]
    public void At_radius_zero_every_correct_image_is_verified_and_every_wrong_one_falsified()
    {
        using var scope = NewDisposeScope();
        using var model = SmallNets.Cnn(22);
        var (images, labels, indices) = Data(model);
        var r = Verifier.Compute(model, images, labels, indices, new VerifyOptions { Eps = 0, Method = "crown" });
        Assert.Equal(11, r.Verified);
        Assert.Equal(1, r.Falsified);
        Assert.Equal(Verdict.Falsified, r.Images[^1].Verdict);
        Assert.Equal(r.CleanAccuracy, r.CertifiedAccuracy);
    }

    [Theory]
    [InlineData("ibp")]
    [InlineData("crown")]
    public void Verdicts_agree_with_the_model_and_repeat_with_the_seed(string method)
    {
        using var scope = NewDisposeScope();
        using var model = SmallNets.Mlp(21);
        var (images, labels, indices) = Data(model);
        var options = new VerifyOptions { Eps = 0.02, Method = method, Pgd = new PgdOptions { Steps = 20, Restarts = 1 } };
        var r = Verifier.Compute(model, images, labels, indices, options);
        Assert.Equal(12, r.Count);
        Assert.True(r.Verified > 0 && r.Falsified > 0, $"{r.Verified} verified, {r.Falsified} falsified, {r.Unknown} unknown: the test wants both");
        Assert.True(r.CertifiedAccuracy <= r.PgdAccuracy && r.PgdAccuracy <= r.CleanAccuracy);
        using var _ = no_grad();
        foreach (var (v, i) in r.Images.Select((v, i) => (v, (long)i)))
        {
            if (v.Verdict == Verdict.Verified)
            {
                Assert.True(v.MarginBound > 0);
                // No point of a verified ball is classified otherwise.
                var points = Sampling.Points(Interval.Ball(images[i], options.Eps), 2000, (ulong)i).to_type(ScalarType.Float32);
                Assert.True((model.call(points).argmax(1) == labels[i]).all().item<bool>(), $"image {i}");
            }
            if (v.Verdict == Verdict.Falsified)
            {
                Assert.NotNull(v.Counterexample);
                Assert.Equal(model.call(tensor(v.Counterexample!, [1, 1, 6, 6])).argmax(1).item<long>(), v.CounterexamplePrediction);
                Assert.NotEqual(labels[i], v.CounterexamplePrediction);
            }
        }
        var again = Verifier.Compute(model, images, labels, indices, options);
        Assert.Equal(r.Images.Select(v => (v.Verdict, v.MarginBound)), again.Images.Select(v => (v.Verdict, v.MarginBound)));
    }
}
