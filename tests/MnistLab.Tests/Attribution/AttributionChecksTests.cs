using MnistLab.Attribution;
using MnistLab.Attribution.Checks;
using MnistLab.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Tests.Attribution;

public class AttributionChecksTests
{
    static Tensor Images(int n, int seed)
    {
        using var g = new Generator((ulong)seed);
        return rand([n, 1, 28, 28], generator: g);
    }

    [Fact]
    public void Similarities_have_their_known_values()
    {
        var a = Enumerable.Range(0, 784).Select(i => (float)Math.Sin(i * 0.37) + i * 0.001f).ToArray();
        Assert.Equal(1, MapSimilarity.Spearman(a, a), 12);
        Assert.Equal(-1, MapSimilarity.Spearman(a, a.Select(v => -v).ToArray()), 12);
        Assert.Equal(1, MapSimilarity.Ssim(a, a), 12);
        Assert.Equal(1, MapSimilarity.Ssim(a, a.Select(v => 3 * v).ToArray()), 12); // scaled by its own largest |value|
        Assert.True(MapSimilarity.Ssim(a, a.Select((v, i) => i % 2 == 0 ? v : 0f).ToArray()) < 0.9);
    }

    [Fact]
    public void A_randomised_models_maps_lose_their_rank_correlation_and_the_model_is_restored()
    {
        using var init = new Generator(21);
        using var model = new Mlp(new MlpSpec(784, 32, 10), init);
        using var x = Images(6, 22);
        var input = new AttributionInput(model, x, [0, 1, 2, 3, 4, 5]);
        AttributionResult Ig(AttributionInput i) => IntegratedGradients.Compute(i, new IntegratedGradientsOptions());
        var maps = Ig(input);
        var result = Randomisation.Compute(input, maps, Ig, seed: 3);
        Assert.Equal(["fc2", "fc1"], result.Cascade.Select(c => c.Step));
        Assert.True(result.Cascade[^1].Spearman < 0.5, $"fully randomised: Spearman {result.Cascade[^1].Spearman}");
        Assert.True(result.Cascade[^1].Ssim < 0.9, $"fully randomised: SSIM {result.Cascade[^1].Ssim}");
        Assert.Equal(maps.Values, Ig(input).Values); // the trained parameters are back
        // The map of a method that ignores the weights (the input itself) keeps its correlation whatever is randomised.
        AttributionResult Input(AttributionInput i) => AttributionResult.From("input", i.Inputs, null, 0);
        var blind = Randomisation.Compute(input, Input(input), Input, seed: 3);
        Assert.All(blind.Cascade, c => Assert.Equal(1, c.Spearman, 9));
    }

    [Fact]
    public void Deletion_of_the_one_pixel_a_model_reads_drops_its_probability_at_once()
    {
        const int pixel = 300;
        using var model = Sequential(Flatten(), Linear(784, 2, hasBias: false));
        using (no_grad())
        {
            var w = new float[2 * 784];
            w[pixel] = 4;
            model.parameters().First().copy_(tensor(w, [2, 784]));
        }
        using var x = Images(5, 23);
        var input = new AttributionInput(model, x, [0, 0, 0, 0, 0]);
        var maps = Saliency.Compute(input, new SaliencyOptions());
        var curves = DeletionInsertion.Compute(input, maps, steps: 10);
        double full = Enumerable.Range(0, 5).Average(i => 1 / (1 + Math.Exp(-4 * x[i].reshape(-1)[pixel].item<float>())));
        Assert.Equal(full, curves.DeletionMostFirst.Probability[0], 5);
        Assert.Equal(0.5, curves.DeletionMostFirst.Probability[1], 5);   // the read pixel goes first
        Assert.Equal(full, curves.DeletionLeastFirst.Probability[9], 5); // ... or last
        Assert.Equal(0.5, curves.InsertionLeastFirst.Probability[9], 5);
        Assert.Equal(full, curves.InsertionMostFirst.Probability[1], 5);
        Assert.True(curves.DeletionMostFirst.Area < curves.DeletionRandom.Area && curves.DeletionRandom.Area <= curves.DeletionLeastFirst.Area + 1e-9);
    }

    [Fact]
    public void The_gradient_of_a_linear_model_has_no_infidelity_and_no_sensitivity()
    {
        using var init = new Generator(24);
        using var model = new LinearClassifier(new LinearSpec(), init);
        using var x = Images(4, 25);
        var input = new AttributionInput(model, x, [1, 2, 3, 4]);
        AttributionResult Gradient(AttributionInput i) => Saliency.Compute(i, new SaliencyOptions { Abs = false });
        var gradient = Gradient(input);
        Assert.All(Infidelity.Compute(input, gradient), v => Assert.True(v < 1e-8, $"{v}"));
        Assert.All(Infidelity.Compute(input, Saliency.Compute(input, new SaliencyOptions())), v => Assert.True(v > 1e-4));
        Assert.All(MaxSensitivity.Compute(input, gradient, Gradient), v => Assert.Equal(0, v, 12));
        var ixg = InputXGradient.Compute(input, new InputXGradientOptions());
        Assert.All(MaxSensitivity.Compute(input, ixg, i => InputXGradient.Compute(i, new InputXGradientOptions())), v => Assert.InRange(v, 1e-4, 0.2));
    }

    [Fact]
    public void All_checks_run_together_and_repeat_with_the_seed()
    {
        using var init = new Generator(26);
        using var model = new Mlp(new MlpSpec(784, 16, 10), init);
        using var x = Images(5, 27);
        var input = new AttributionInput(model, x, [0, 1, 2, 3, 4]);
        AttributionResult Ig(AttributionInput i) => IntegratedGradients.Compute(i, new IntegratedGradientsOptions { Steps = 16 });
        var maps = Ig(input);
        var options = new ChecksOptions { Images = 3, SensitivitySamples = 3 };
        var a = AttributionChecks.Compute(input, maps, Ig, options);
        var b = AttributionChecks.Compute(input, maps, Ig, options);
        Assert.Equal(a.MeanInfidelity, b.MeanInfidelity);
        Assert.Equal(a.MeanMaxSensitivity, b.MeanMaxSensitivity);
        Assert.Equal(3, a.Randomisation.Images);
        Assert.NotNull(a.Completeness);
        Assert.Equal(maps.MaxAbsCompletenessError!.Value, a.Completeness!.MaxAbs);
    }
}
