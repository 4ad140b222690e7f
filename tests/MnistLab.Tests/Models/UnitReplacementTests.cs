using MnistLab.Common;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Tests.Models;

/// <summary>Ablating chosen units or channels, at several points in one pass, against the same computation written out by hand.</summary>
public class UnitReplacementTests
{
    static Tensor Images(int n) { using var g = Seeds.Generator(2, "units/x"); return rand([n, 1, 28, 28], generator: g); }

    static Tensor Bias(nn.Module model, string name) => model.named_parameters().Single(p => p.name == name).parameter;

    [Fact]
    public void Zeroing_chosen_units_is_the_forward_pass_with_those_units_zero_and_the_rest_untouched()
    {
        using var g = Seeds.Generator(0, "units/mlp");
        using var model = new Mlp(new MlpSpec(Hidden: 8), g);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = Images(3);
        var hidden = nn.functional.relu(x.flatten(1).matmul(model.Weight1.t()) + Bias(model, "fc1.bias"));
        var mask = tensor(new float[] { 1, 1, 0, 1, 1, 0, 1, 1 });
        var expected = (hidden * mask).matmul(model.Weight2.t()) + Bias(model, "fc2.bias");
        var actual = Activations.RunWith(model, x, [("relu1", Replacement.Units([2, 5], Replacement.Zero))]);
        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-6));
        Assert.False(actual.allclose(model.call(x), rtol: 1e-5, atol: 1e-6)); // it did change something
        Assert.True(model.call(x).allclose(Activations.RunWith(model, x, [])), "a run without replacements is the model's own");
    }

    [Fact]
    public void Replacements_at_two_points_apply_in_one_pass_and_at_one_point_in_the_order_given()
    {
        using var g = Seeds.Generator(0, "units/mlp2");
        using var model = new Mlp(new MlpSpec(Hidden: 8), g);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = Images(2);
        // relu1 all set to 1 then unit 3 set to 0; fc2's unit 7 (a logit) set to 5.
        var all = Enumerable.Range(0, 8).Select(i => (long)i).ToArray();
        var actual = Activations.RunWith(model, x,
        [
            ("relu1", Replacement.Units(all, Replacement.With(tensor(1f)))),
            ("relu1", Replacement.Units([3], Replacement.Zero)),
            ("fc2", Replacement.Units([7], Replacement.With(tensor(5f)))),
        ]);
        var hidden = ones(2, 8).index_fill_(1, tensor(new long[] { 3 }), 0f);
        var expected = (hidden.matmul(model.Weight2.t()) + Bias(model, "fc2.bias")).index_fill_(1, tensor(new long[] { 7 }), 5f);
        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void A_channel_of_a_convolution_is_replaced_whole()
    {
        using var g = Seeds.Generator(0, "units/cnn");
        using var model = new FastCnn(g);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = Images(2);
        // The same pass with block1 replaced whole by its own values, channel 4 zeroed by hand.
        using var cache = Activations.Run(model, x, ["block1"]);
        var manual = cache["block1"].clone().index_fill_(1, tensor(new long[] { 4 }), 0f);
        var expected = Activations.RunWith(model, x, "block1", Replacement.With(manual));
        var replaced = Activations.RunWith(model, x, [("block1", Replacement.Units([4], Replacement.Zero))]);
        Assert.True(replaced.allclose(expected, rtol: 1e-5, atol: 1e-6));
        Assert.Throws<ArgumentException>(() => Activations.RunWith(model, x, [("block1", Replacement.Units([24], Replacement.Zero))]));
    }
}
