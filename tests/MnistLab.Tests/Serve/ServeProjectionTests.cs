using MnistLab.Import;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Tests.Serve;

/// <summary>
/// <c>GET /api/projection</c> against PCA computed here in full (the SVD of the same centred activations): each
/// component's share of the variance, and every image's coordinates up to the component's sign; the labels and the
/// predictions beside them; and the refusals of an unknown point or model.
/// </summary>
public class ServeProjectionTests(ServeFixture f) : IClassFixture<ServeFixture>
{
    /// <summary>The first two principal components of the test images' activations at <paramref name="point"/>: shares and coordinates (N, 2).</summary>
    (double[] Shares, double[,] Coordinates) Pca(LoadedModel model, string point)
    {
        using var scope = NewDisposeScope();
        using var cache = Activations.Run(model.Model, model.Input(f.Mnist.Test.Images), [point]);
        var x = cache[point].to_type(ScalarType.Float64).flatten(1);
        x = x - x.mean([0], keepdim: true);
        var (u, s, _) = linalg.svd(x, fullMatrices: false);
        var variance = s.square();
        var shares = (variance / variance.sum()).narrow(0, 0, 2).data<double>().ToArray();
        var scores = (u.narrow(1, 0, 2) * s.narrow(0, 0, 2)).contiguous().data<double>().ToArray();
        int n = (int)x.shape[0];
        var coordinates = new double[n, 2];
        for (int i = 0; i < n; i++) (coordinates[i, 0], coordinates[i, 1]) = (scores[2 * i], scores[2 * i + 1]);
        return (shares, coordinates);
    }

    [Theory]
    [InlineData(ServeFixture.Mlp, "relu1")] // 16 features, more than the 12 directions iterated at once
    [InlineData(ServeFixture.Cnn, "block1")] // 3,456 features
    [InlineData(ServeFixture.Cnn, "conv1")] // 13,824 features
    public async Task The_projection_is_the_activations_on_their_first_two_principal_components(string id, string point)
    {
        var (status, body) = await f.Get($"/api/projection/{id}/{point}");
        f.Ok((status, body));
        var (shares, expected) = Pca(id == ServeFixture.Mlp ? f.LocalMlp : f.LocalCnn, point);
        Assert.Equal(point, body.GetProperty("point").GetString());
        var explained = body.GetProperty("explained").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(2, explained.Length);
        Assert.True(shares[0] > shares[1] * 1.01, $"the first two components hold nearly the same variance ({shares[0]}, {shares[1]}): their directions are not defined well enough to compare");
        for (int c = 0; c < 2; c++) Assert.True(Math.Abs(shares[c] - explained[c]) < 1e-6, $"component {c}: share {explained[c]} != {shares[c]}");

        float[][] axes = [ServeFixture.Floats(body.GetProperty("x")), ServeFixture.Floats(body.GetProperty("y"))];
        int n = f.Mnist.Test.Count;
        for (int c = 0; c < 2; c++)
        {
            Assert.Equal(n, axes[c].Length);
            double scale = Enumerable.Range(0, n).Max(i => Math.Abs(expected[i, c]));
            // Equal up to the component's sign: a direction's sign is arbitrary.
            double sign = Math.Sign(Enumerable.Range(0, n).Sum(i => axes[c][i] * expected[i, c]));
            for (int i = 0; i < n; i++)
                Assert.True(Math.Abs(sign * axes[c][i] - expected[i, c]) < 1e-4 * scale, $"component {c}, image {i}: {axes[c][i]} != ±{expected[i, c]}");
        }

        Assert.Equal(f.Mnist.Test.LabelArray().Select(l => (int)l), body.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()));
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var local = id == ServeFixture.Mlp ? f.LocalMlp : f.LocalCnn;
            var predicted = local.Model.call(local.Input(f.Mnist.Test.Images)).argmax(1).data<long>().ToArray().Select(p => (int)p);
            Assert.Equal(predicted, body.GetProperty("predicted").EnumerateArray().Select(e => e.GetInt32()));
        }

        // Asked again: the same, from the point's cache.
        var again = await f.Get($"/api/projection/{id.Replace("/", "%2F")}/{point}");
        f.Ok(again);
        Assert.Equal(body.GetProperty("x").ToString(), again.Body.GetProperty("x").ToString());
    }

    [Fact]
    public async Task An_unknown_point_or_model_is_a_404_listing_those_that_exist()
    {
        var (status, body) = await f.Get($"/api/projection/{ServeFixture.Mlp}/relu9");
        Assert.Equal(404, status);
        Assert.Contains("no point 'relu9'", body.GetProperty("error").GetString());
        Assert.Contains("relu1", body.GetProperty("error").GetString());

        (status, body) = await f.Get("/api/projection/runs/tiny/nothing/relu1");
        Assert.Equal(404, status);
        Assert.Contains(ServeFixture.Cnn, body.GetProperty("error").GetString());

        (status, _) = await f.Get("/api/projection/relu1");
        Assert.Equal(404, status);
    }
}
