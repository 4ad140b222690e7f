using MnistLab.Common;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Tests.Models;

public class ActivationsTests
{
    static Mlp NewMlp() { using var g = Seeds.Generator(0, "points/mlp"); return new Mlp(new MlpSpec(Hidden: 6), g); }

    static Tensor Images(int n) { using var g = Seeds.Generator(1, "points/x"); return rand([n, 1, 28, 28], generator: g); }

    [Fact]
    public void Every_model_lists_its_points_from_input_to_output()
    {
        ModelSpec[] specs = [new LinearSpec(), new MlpSpec(), new LocalLayerSpec(784, 4), new VaeSpec(3), new RotResNetSpec()];
        foreach (var spec in specs)
        {
            using var model = spec.Create();
            var names = Activations.PointsOf(model).Select(p => p.Name).ToList();
            Assert.Equal("input", names[0]);
            Assert.Equal("output", names[^1]);
            Assert.Equal(names.Count, names.Distinct().Count());
            using var x = Images(2);
            using var cache = Activations.Run(model, x, names); // every point is reached by the forward pass
            Assert.Equal(names.Count, cache.Names.Count);
        }
        using var resnet = new RotResNet();
        Assert.Contains("res3.conv2", Activations.PointsOf(resnet).Select(p => p.Name));
        using var vae = new Vae(3);
        Assert.Equal(["input", "enc.hidden", "mu", "logvar", "dec.hidden", "output"], Activations.PointsOf(vae).Select(p => p.Name));
    }

    [Fact]
    public void The_cache_holds_what_the_weights_compute()
    {
        using var model = NewMlp();
        using var x = Images(4);
        using var cache = Activations.Run(model, x, ["fc1", "relu1", "output"]);
        using var expected = nn.functional.relu(x.flatten(1).matmul(model.Weight1.t()) + model.named_parameters().First(p => p.name == "fc1.bias").parameter);
        Assert.True(cache["relu1"].allclose(expected, rtol: 1e-5, atol: 1e-6));
        Assert.True(cache["fc1"].clamp_min(0).allclose(cache["relu1"]));
        using var plain = model.call(x);
        Assert.True(cache.Output.allclose(plain));
    }

    [Fact]
    public void Replacements_zero_mean_or_a_given_tensor_change_only_that_call()
    {
        using var model = NewMlp();
        using var x = Images(4);
        var bias2 = model.named_parameters().First(p => p.name == "fc2.bias").parameter;
        using var zero = Activations.RunWith(model, x, "relu1", Replacement.Zero);
        Assert.True(zero.allclose(bias2.expand(4, 10))); // nothing reaches fc2 but its bias
        using var mean = Activations.RunWith(model, x, "relu1", Replacement.Mean);
        Assert.True(mean[0].allclose(mean[3])); // the output no longer depends on the image
        using var patch = ones(6);
        using var patched = Activations.RunWith(model, x, "relu1", Replacement.With(patch));
        using var expected = patch.matmul(model.Weight2.t()) + bias2;
        Assert.True(patched[2].allclose(expected, rtol: 1e-5, atol: 1e-6));
        using var after = model.call(x);
        Assert.False(after.allclose(zero)); // the hook is gone
    }

    [Fact]
    public void The_hook_is_removed_even_when_the_run_throws()
    {
        using var model = NewMlp();
        using var x = Images(2);
        using var before = model.call(x);
        using var wrong = ones(5); // cannot be broadcast to (2, 6)
        Assert.ThrowsAny<Exception>(() => Activations.RunWith(model, x, "relu1", Replacement.With(wrong)));
        using var after = model.call(x);
        Assert.True(after.eq(before).all().item<bool>());
        Assert.True(model.training); // the mode is restored too
    }

    [Fact]
    public void Gradients_at_a_point_are_those_of_the_layers_after_it()
    {
        using var model = NewMlp();
        using var x = Images(3);
        using var atInput = Activations.Gradient(model, x, "input", o => o[.., 7]);
        // d logit_7 / d relu1 = W2[7] for every image; at the input it is W1^T (W2[7] * relu'(fc1)).
        using var atHidden = Activations.Gradient(model, x, "relu1", o => o[.., 7]);
        Assert.True(atHidden.Gradient.allclose(model.Weight2[7].expand(3, 6)));
        using var cache = Activations.Run(model, x, ["fc1"]);
        using var expected = (model.Weight2[7] * cache["fc1"].gt(0).to_type(ScalarType.Float32)).matmul(model.Weight1).view(3, 1, 28, 28);
        Assert.True(atInput.Gradient.allclose(expected, rtol: 1e-5, atol: 1e-6));
        Assert.Null(model.Weight1.grad); // no parameter gradient is touched
    }

    [Fact]
    public void An_unknown_point_is_an_error_that_lists_the_points()
    {
        using var model = NewMlp();
        using var x = Images(1);
        var e = Assert.Throws<InvalidOptionException>(() => Activations.Run(model, x, ["fc3"]));
        Assert.Contains("'fc3'", e.Message);
        Assert.Contains("relu1", e.Message);
    }
}
