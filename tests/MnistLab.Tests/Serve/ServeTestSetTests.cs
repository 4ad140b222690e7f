using MnistLab.Analysis.Concepts;
using MnistLab.Import;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Tests.Serve;

/// <summary>
/// The API's answers over the test set against the library's own computation on the same checkpoints: a unit's
/// top-activating images (every unit scored on every test image), its mean attribution map (in closed form for a
/// ReLU unit of the MLP), the model's mistakes, and the concepts of one image; and their refusals.
/// </summary>
public class ServeTestSetTests(ServeFixture f) : IClassFixture<ServeFixture>
{
    /// <summary>Each test image's score of <paramref name="unit"/> at <paramref name="point"/>: a channel's mean over its positions.</summary>
    float[] Scores(LoadedModel model, string point, long unit)
    {
        using var scope = NewDisposeScope();
        using var cache = Activations.Run(model.Model, model.Input(f.Mnist.Test.Images), [point]);
        var a = cache[point].select(1, unit);
        return (a.dim() > 1 ? a.flatten(1).mean([1]) : a).data<float>().ToArray();
    }

    [Theory]
    [InlineData(ServeFixture.Mlp, "relu1", 5)]
    [InlineData(ServeFixture.Cnn, "block1", 3)]
    public async Task A_units_top_images_are_the_test_images_it_activates_most(string id, string point, int unit)
    {
        var (status, body) = await f.Get($"/api/units/{id}/{point}/{unit}");
        f.Ok((status, body));
        var scores = Scores(id == ServeFixture.Mlp ? f.LocalMlp : f.LocalCnn, point, unit);
        var images = body.GetProperty("images").EnumerateArray().Select(e => (Index: e.GetProperty("index").GetInt32(), Value: e.GetProperty("activation").GetSingle())).ToList();
        Assert.Equal(16, images.Count);
        Assert.Equal(16, images.Select(i => i.Index).Distinct().Count());
        // Ties (a ReLU unit at zero on many images) may come in any order: compare the values, and each index with its value.
        var expected = scores.OrderDescending().Take(16).ToArray();
        Assert.Equal(expected, images.Select(i => i.Value).ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
        foreach (var (index, value) in images) Assert.True(Math.Abs(scores[index] - value) < 1e-5, $"image {index}: {scores[index]} != {value}");
        Assert.Equal(784, body.GetProperty("map").GetArrayLength());

        // Asked again, the same answer (from the point's cache).
        var again = await f.Get($"/api/units/{id.Replace("/", "%2F")}/{point}/{unit}");
        f.Ok(again);
        Assert.Equal(body.GetProperty("images").ToString(), again.Body.GetProperty("images").ToString());
    }

    [Fact]
    public async Task A_relu_units_map_is_its_weights_times_the_pixels_averaged_over_the_images_that_switch_it_on()
    {
        const int unit = 2;
        var (status, body) = await f.Get($"/api/units/{ServeFixture.Mlp}/relu1/{unit}");
        f.Ok((status, body));
        var scores = Scores(f.LocalMlp, "relu1", unit);
        var weights = ((Mlp)f.LocalMlp.Model).Weight1[unit].data<float>().ToArray();
        var indices = body.GetProperty("images").EnumerateArray().Select(e => e.GetProperty("index").GetInt32()).ToList();
        var expected = new double[784];
        foreach (int i in indices.Where(i => scores[i] > 0))
        {
            var x = f.TestImage(i);
            for (int p = 0; p < 784; p++) expected[p] += weights[p] * x[p] / indices.Count;
        }
        var map = ServeFixture.Floats(body.GetProperty("map"));
        Assert.True(expected.Any(v => Math.Abs(v) > 1e-3), "the unit is off on every top image: the check would pass for any map");
        for (int p = 0; p < 784; p++) Assert.True(Math.Abs(expected[p] - map[p]) < 1e-5, $"pixel {p}: {map[p]} != {expected[p]}");
    }

    [Fact]
    public async Task The_mistakes_are_the_test_images_whose_prediction_differs_from_their_label()
    {
        using var scope = NewDisposeScope();
        long[] predicted, labels = f.Mnist.Test.LabelArray();
        using (no_grad()) predicted = f.LocalCnn.Model.call(f.LocalCnn.Input(f.Mnist.Test.Images)).argmax(1).data<long>().ToArray();
        var wrong = Enumerable.Range(0, labels.Length).Where(i => labels[i] != predicted[i]).ToList();
        Assert.NotEmpty(wrong); // random weights: most images are wrong, so the check below has something to compare

        var (status, body) = await f.Get($"/api/mistakes/{ServeFixture.Cnn}");
        f.Ok((status, body));
        Assert.Equal(labels.Length, body.GetProperty("tested").GetInt32());
        Assert.Equal(wrong.Count, body.GetProperty("wrong").GetInt32());
        var mistakes = body.GetProperty("mistakes").EnumerateArray().ToList();
        Assert.Equal(wrong, mistakes.Select(m => m.GetProperty("index").GetInt32()));
        foreach (var m in mistakes)
        {
            int i = m.GetProperty("index").GetInt32();
            Assert.Equal(labels[i], m.GetProperty("label").GetInt32());
            Assert.Equal(predicted[i], m.GetProperty("predicted").GetInt32());
        }
        var confusion = body.GetProperty("confusion").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetInt32()).ToArray()).ToArray();
        Assert.Equal(wrong.Count, confusion.Sum(r => r.Sum()));
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(0, confusion[c][c]));

        // Filtered by true and predicted class: exactly the mistakes of that cell.
        var first = wrong[0];
        var (s2, cell) = await f.Get($"/api/mistakes/{ServeFixture.Cnn}?label={labels[first]}&predicted={predicted[first]}");
        f.Ok((s2, cell));
        var expected = wrong.Where(i => labels[i] == labels[first] && predicted[i] == predicted[first]).ToList();
        Assert.Equal(expected, cell.GetProperty("mistakes").EnumerateArray().Select(m => m.GetProperty("index").GetInt32()));
        Assert.Equal(expected.Count, confusion[labels[first]][predicted[first]]);
    }

    [Fact]
    public async Task The_concepts_of_an_image_are_the_librarys_and_a_ring_has_a_hole()
    {
        // A square ring: encloses background, one hole, Euler number 1 - 1 = 0.
        var ring = new float[784];
        for (int r = 6; r < 22; r++)
            for (int c = 8; c < 20; c++)
                if (r < 9 || r >= 19 || c < 11 || c >= 17) ring[r * 28 + c] = 1;
        var (status, body) = await f.Post("/api/concepts", new { image = ring });
        f.Ok((status, body));
        var concepts = body.GetProperty("concepts").EnumerateArray().ToList();
        Assert.Equal(["ring", "holes", "euler", "size", "thick", "slant", "width", "height", "stroke"], concepts.Select(c => c.GetProperty("name").GetString()));
        var values = concepts.ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("value").GetDouble());
        Assert.Equal(1, values["ring"]);
        Assert.Equal(1, values["holes"]);
        Assert.Equal(0, values["euler"]);

        using var scope = NewDisposeScope();
        var images = new ConceptImages(tensor(ring, [1, 1, 28, 28]), [0]);
        foreach (var concept in ConceptRegistry.All.Where(c => c is not ClassConcept))
        {
            var v = concept.Compute(images);
            double expected = v.IsDiscrete ? double.Parse(v.ClassNames[(int)v.Values[0]]) : v.Values[0];
            Assert.Equal(expected, values[concept.Name], 6);
        }
    }

    [Theory]
    [InlineData("/api/units/runs/tiny/mlp/relu1/16", 400, "unit '16' is outside point 'relu1', which has 16 units")]
    [InlineData("/api/units/runs/tiny/mlp/relu1/-1", 400, "unit '-1' is outside point 'relu1'")]
    [InlineData("/api/units/runs/tiny/mlp/nowhere/0", 404, "has no point 'nowhere'; its points are input, fc1")]
    [InlineData("/api/units/runs/tiny/nope/relu1/0", 404, "no model 'runs/tiny/nope'; the models are")]
    [InlineData("/api/units/relu1", 404, "GET /api/units/{model}/{point}/{unit}")]
    [InlineData("/api/mistakes/runs/tiny/nope", 404, "no model 'runs/tiny/nope'")]
    [InlineData("/api/mistakes/runs/tiny/mlp?label=10", 400, "'label' must be a class from 0 to 9, got '10'")]
    [InlineData("/api/mistakes/runs/tiny/mlp?predicted=x", 400, "'predicted' must be a class from 0 to 9, got 'x'")]
    public async Task A_test_set_request_that_cannot_be_answered_is_refused_with_one_line_saying_why(string path, int status, string message)
    {
        var (actual, body) = await f.Get(path);
        Assert.Equal(status, actual);
        string error = body.GetProperty("error").GetString()!;
        Assert.Contains(message, error);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public async Task The_test_sets_concepts_are_the_librarys_for_every_image_and_asked_again_are_read_back()
    {
        var (status, body) = await f.Get("/api/concepts/test");
        f.Ok((status, body));
        var concepts = body.GetProperty("concepts").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal(["ring", "holes", "euler", "size", "thick", "slant", "width", "height", "stroke"], concepts.Keys);
        using var scope = NewDisposeScope();
        var images = new ConceptImages(f.Mnist.Test.Images, f.Mnist.Test.LabelArray());
        foreach (var name in new[] { "ring", "holes", "slant" })
        {
            var expected = ConceptRegistry.Find(name)!.Compute(images);
            var served = concepts[name];
            Assert.Equal(f.Mnist.Test.Count, served.GetProperty("values").GetArrayLength());
            Assert.Equal(expected.Values.Select(v => (float)v), ServeFixture.Floats(served.GetProperty("values")));
            Assert.Equal(expected.IsDiscrete, served.GetProperty("classes").ValueKind == System.Text.Json.JsonValueKind.Array);
            if (expected.IsDiscrete) Assert.Equal(expected.ClassNames, served.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        }
        // A discrete concept's values index its classes.
        Assert.All(ServeFixture.Floats(concepts["ring"].GetProperty("values")), v => Assert.True(v is 0 or 1, $"ring value {v}"));

        var again = await f.Get("/api/concepts/test");
        f.Ok(again);
        Assert.True(again.Body.GetProperty("seconds").GetDouble() < body.GetProperty("seconds").GetDouble());
    }

    [Fact]
    public async Task Probe_readings_are_the_librarys_probes_fitted_on_the_test_set_reading_the_images_activation()
    {
        var image = f.TestImage(3);
        var (status, body) = await f.Post("/api/probe-readings", new { model = ServeFixture.Mlp, image, point = "relu1" });
        f.Ok((status, body));
        Assert.Equal(16, body.GetProperty("features").GetInt32());
        Assert.Equal((24, 6), (body.GetProperty("fitted").GetInt32(), body.GetProperty("held_out").GetInt32()));

        // The library's own: probes fitted on the test set's relu1 activations and its concepts, reading image 3's.
        using var scope = NewDisposeScope();
        var x = Activations.Collect(f.LocalMlp.Model, f.LocalMlp.Input, f.Mnist.Test.Images, "relu1", a => a.reshape(a.shape[0], -1));
        var images = new ConceptImages(f.Mnist.Test.Images, f.Mnist.Test.LabelArray());
        var concepts = ConceptRegistry.All.Where(c => c is not ClassConcept).Select(c => c.Compute(images)).ToList();
        var readout = MnistLab.Analysis.Probes.ProbeReadout.Fit(x, concepts, new MnistLab.Analysis.Probes.ProbeOptions { Fast = true });
        var expected = readout.Read(x[3]);
        var served = body.GetProperty("readings").EnumerateArray().ToList();
        Assert.Equal(expected.Select(r => r.Concept), served.Select(r => r.GetProperty("concept").GetString()));
        foreach (var (e, s) in expected.Zip(served))
        {
            if (double.IsFinite(e.Score)) Assert.Equal(e.Score, s.GetProperty("score").GetDouble(), 9);
            else Assert.Equal(System.Text.Json.JsonValueKind.Null, s.GetProperty("score").ValueKind); // no R² on constant held-out values
            if (e.Class is not null) Assert.Equal(e.Class, s.GetProperty("class").GetString());
            else Assert.Equal(e.Value!.Value, s.GetProperty("value").GetDouble(), 6);
        }
    }

    [Fact]
    public async Task Probe_readings_at_a_point_too_wide_or_none_are_refused_with_the_reason()
    {
        var image = f.TestImage(0);
        var (status, body) = await f.Post("/api/probe-readings", new { model = ServeFixture.Cnn, image, point = "conv1" });
        Assert.Equal(400, status);
        Assert.Contains("values per image; probes are fitted at points of at most 4,096", body.GetProperty("error").GetString());
        (status, body) = await f.Post("/api/probe-readings", new { model = ServeFixture.Mlp, image });
        Assert.Equal(400, status);
        Assert.Contains("'point' is missing", body.GetProperty("error").GetString());
        (status, _) = await f.Post("/api/probe-readings", new { model = ServeFixture.Mlp, image, point = "nowhere" });
        Assert.Equal(404, status);
    }

    [Fact]
    public async Task Concepts_of_an_image_that_is_not_one_are_refused()
    {
        var (status, body) = await f.Post("/api/concepts", new { image = new float[10] });
        Assert.Equal(400, status);
        Assert.Contains("'image' must be 784 numbers", body.GetProperty("error").GetString());
    }
}
