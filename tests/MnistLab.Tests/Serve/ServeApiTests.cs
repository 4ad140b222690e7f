using System.Text.Json;
using MnistLab.Attribution;
using MnistLab.Import;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Tests.Serve;

/// <summary>
/// The JSON API against the library it is a layer over: each answer is compared with the library's own computation on
/// the same checkpoint (the forward pass, Integrated Gradients, the activations), ablation with what it must give in
/// closed form, and every refusal with its status and its one-line message.
/// </summary>
public class ServeApiTests(ServeFixture f) : IClassFixture<ServeFixture>
{
    static Tensor Image(float[] pixels) => tensor(pixels, [1, 1, 28, 28]);

    static float[] Logits(LoadedModel model, float[] pixels)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return model.Model.call(model.Input(Image(pixels))).reshape(-1).data<float>().ToArray();
    }

    static void Close(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= tolerance, $"{what}: largest difference {worst:G3} > {tolerance:G3}");
    }

    [Fact]
    public async Task Models_are_listed_by_id_with_their_points_and_methods_and_a_vae_is_refused_with_its_reason()
    {
        var (status, body) = await f.Get("/api/models");
        f.Ok((status, body));
        var models = body.GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("id").GetString()!);
        Assert.Equal([ServeFixture.Cnn, ServeFixture.Mlp], models.Keys.Order());
        var mlp = models[ServeFixture.Mlp];
        Assert.Equal(["input", "fc1", "relu1", "fc2", "output"], mlp.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal([16L], mlp.GetProperty("points")[2].GetProperty("shape").EnumerateArray().Select(s => s.GetInt64()));
        Assert.Equal(784 * 16 + 16 + 16 * 10 + 10, mlp.GetProperty("parameters").GetInt64());
        Assert.Equal(0.125, mlp.GetProperty("validation_accuracy").GetDouble());
        var methods = mlp.GetProperty("methods").EnumerateArray().Select(m => m.GetString()).ToList();
        Assert.Contains("ig", methods);
        Assert.Contains("ig-exact", methods); // a ReLU network: the exact path walk applies
        Assert.Contains("lrp", methods);
        var skipped = Assert.Single(body.GetProperty("skipped").EnumerateArray());
        Assert.EndsWith("vae.ckpt", skipped.GetProperty("source").GetString());
        Assert.Contains("VAE", skipped.GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData(ServeFixture.Mlp)]
    [InlineData(ServeFixture.Cnn)]
    public async Task A_prediction_is_the_librarys_forward_pass(string id)
    {
        var pixels = f.TestImage(4);
        var (status, body) = await f.Post("/api/predict", new { model = id, image = pixels });
        f.Ok((status, body));
        var expected = Logits(id == ServeFixture.Mlp ? f.LocalMlp : f.LocalCnn, pixels);
        var logits = ServeFixture.Floats(body.GetProperty("logits"));
        Close(expected, logits, 1e-5, "logits");
        var p = ServeFixture.Floats(body.GetProperty("probabilities"));
        Assert.InRange(p.Sum(), 1 - 1e-5, 1 + 1e-5);
        Assert.Equal(Array.IndexOf(expected, expected.Max()), body.GetProperty("predicted").GetInt32());
        Assert.True(p[body.GetProperty("predicted").GetInt32()] == p.Max());
    }

    [Fact]
    public async Task An_explanation_is_the_librarys_integrated_gradients_map_with_its_completeness_error()
    {
        var pixels = f.TestImage(7);
        var (status, body) = await f.Post("/api/explain", new { model = ServeFixture.Mlp, image = pixels, method = "ig", target = 3 });
        f.Ok((status, body));
        Assert.Equal(3, body.GetProperty("target").GetInt32());
        using var scope = NewDisposeScope();
        var expected = IntegratedGradients.Compute(new AttributionInput(f.LocalMlp.Model, f.LocalMlp.Input(Image(pixels)), [3]), new IntegratedGradientsOptions());
        Close(expected.Map(0), ServeFixture.Floats(body.GetProperty("map")), 1e-5, "IG map");
        double error = body.GetProperty("completeness_error").GetDouble();
        Assert.Equal(expected.CompletenessError![0], error, 1e-5);
        Assert.True(Math.Abs(error) < 1e-3, $"completeness error {error}");

        // Without a target the predicted class is explained; a method without a completeness promise answers null.
        var (_, predicted) = await f.Post("/api/predict", new { model = ServeFixture.Mlp, image = pixels });
        var (_, saliency) = await f.Post("/api/explain", new { model = ServeFixture.Mlp, image = pixels, method = "saliency" });
        Assert.Equal(predicted.GetProperty("predicted").GetInt32(), saliency.GetProperty("target").GetInt32());
        Assert.Equal(JsonValueKind.Null, saliency.GetProperty("completeness_error").ValueKind);
        Assert.Equal(784, saliency.GetProperty("map").GetArrayLength());
    }

    [Fact]
    public async Task Activations_are_the_librarys_in_the_points_shape()
    {
        var pixels = f.TestImage(2);
        var (status, body) = await f.Post("/api/activations", new { model = ServeFixture.Cnn, image = pixels, points = new[] { "block1", "relu3" } });
        f.Ok((status, body));
        using var scope = NewDisposeScope();
        using var cache = Activations.Run(f.LocalCnn.Model, f.LocalCnn.Input(Image(pixels)), ["block1", "relu3"]);
        foreach (var point in new[] { "block1", "relu3" })
        {
            var answer = body.GetProperty("points").GetProperty(point);
            Assert.Equal(cache[point].shape[1..], answer.GetProperty("shape").EnumerateArray().Select(s => s.GetInt64()));
            Close(cache[point].contiguous().reshape(-1).data<float>().ToArray(), ServeFixture.Floats(answer.GetProperty("values")), 1e-5, point);
        }
        Assert.Equal([24L, 12, 12], body.GetProperty("points").GetProperty("block1").GetProperty("shape").EnumerateArray().Select(s => s.GetInt64()));
    }

    [Fact]
    public async Task Zeroing_every_hidden_unit_leaves_the_output_layers_bias_and_the_ablation_ends_with_the_request()
    {
        var pixels = f.TestImage(5);
        var all = Enumerable.Range(0, 16).ToArray();
        var (status, body) = await f.Post("/api/ablate", new { model = ServeFixture.Mlp, image = pixels, ablations = new[] { new { point = "relu1", units = all, mode = "zero" } } });
        f.Ok((status, body));
        // With relu1 all zero, logits = W2 · 0 + b2: the bias of fc2, whatever the image.
        var bias = f.LocalMlp.Model.named_parameters().Single(p => p.name == "fc2.bias").parameter.data<float>().ToArray();
        Close(bias, ServeFixture.Floats(body.GetProperty("after").GetProperty("logits")), 1e-6, "logits with relu1 zeroed");
        Close(Logits(f.LocalMlp, pixels), ServeFixture.Floats(body.GetProperty("before").GetProperty("logits")), 1e-5, "logits before");

        // The hooks are gone: the next prediction is the model's own.
        var (_, again) = await f.Post("/api/predict", new { model = ServeFixture.Mlp, image = pixels });
        Close(Logits(f.LocalMlp, pixels), ServeFixture.Floats(again.GetProperty("logits")), 1e-5, "logits after the ablation request");
    }

    [Fact]
    public async Task Mean_ablation_of_every_unit_gives_every_image_the_same_output_and_value_ablation_sets_the_units()
    {
        var all = Enumerable.Range(0, 16).ToArray();
        async Task<float[]> After(float[] pixels, string mode, float? value = null)
        {
            var (status, body) = await f.Post("/api/ablate", new { model = ServeFixture.Mlp, image = pixels, ablations = new[] { new { point = "relu1", units = all, mode, value } } });
            f.Ok((status, body));
            return ServeFixture.Floats(body.GetProperty("after").GetProperty("logits"));
        }
        // relu1 replaced by its mean over the test images: the output no longer depends on the image, and it is fc2 of that mean.
        var a = await After(f.TestImage(0), "mean");
        var b = await After(f.TestImage(9), "mean");
        Close(a, b, 1e-6, "two images with relu1 at its mean");
        using (var scope = NewDisposeScope())
        {
            using var _ = no_grad();
            using var cache = Activations.Run(f.LocalMlp.Model, f.LocalMlp.Input(f.Mnist.Test.Images), ["relu1"]);
            var mean = cache["relu1"].mean([0], keepdim: true);
            var fc2 = (TorchSharp.Modules.Linear)f.LocalMlp.Model.named_children().Single(c => c.name == "fc2").module;
            Close(fc2.call(mean).reshape(-1).data<float>().ToArray(), a, 1e-5, "fc2 of relu1's test-set mean");
        }
        // Set to 0 is the zero ablation.
        Close(await After(f.TestImage(3), "zero"), await After(f.TestImage(3), "value", 0), 0, "value 0 against zero");
        // Two ablations at once at different points, one of them a channel of the CNN, run in one pass.
        var (status2, both) = await f.Post("/api/ablate", new
        {
            model = ServeFixture.Cnn, image = f.TestImage(1),
            ablations = new object[] { new { point = "block1", units = new[] { 0, 5 }, mode = "zero" }, new { point = "relu3", units = new[] { 7 }, mode = "mean" } },
        });
        f.Ok((status2, both));
        Assert.NotEqual(ServeFixture.Floats(both.GetProperty("before").GetProperty("logits")), ServeFixture.Floats(both.GetProperty("after").GetProperty("logits")));
    }

    [Fact]
    public async Task Test_images_are_served_by_index()
    {
        var (status, body) = await f.Get("/api/images/test/13");
        f.Ok((status, body));
        Assert.Equal(f.TestImage(13), ServeFixture.Floats(body.GetProperty("image")));
        Assert.Equal(f.Mnist.Test.LabelArray()[13], body.GetProperty("label").GetInt64());
        var (missing, error) = await f.Get("/api/images/test/30");
        Assert.Equal(404, missing);
        Assert.Contains("0 to 29", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_drawing_is_made_into_a_28x28_image_the_way_mnists_digits_were()
    {
        var drawing = new float[280 * 280];
        for (int y = 40; y < 240; y++)
            for (int x = 100; x < 150; x++)
                drawing[y * 280 + x] = 1;
        var (status, body) = await f.Post("/api/digitize", new { drawing });
        f.Ok((status, body));
        var image = ServeFixture.Floats(body.GetProperty("image"));
        Assert.Equal(MnistLab.Data.MnistStyle.FromDrawing(drawing, 280), image);
        // A drawing sent where an image is expected is made into the same image.
        var (_, direct) = await f.Post("/api/predict", new { model = ServeFixture.Mlp, image = drawing });
        var (_, made) = await f.Post("/api/predict", new { model = ServeFixture.Mlp, image });
        Assert.Equal(ServeFixture.Floats(made.GetProperty("logits")), ServeFixture.Floats(direct.GetProperty("logits")));
    }

    public static TheoryData<string, string, int, string> Refusals => new()
    {
        { "/api/predict", """{"model": "runs/tiny/mlp", "image": [0, 0.5, 1, 0, 0]}""", 400, "784 numbers (28x28, row by row) or 78,400 (a 280x280 drawing), got 5" },
        { "/api/predict", """{"model": "runs/tiny/mlp"}""", 400, "'image' is missing" },
        { "/api/predict", """{"model": "runs/tiny/mlp", "image": [ZEROS(7), "NaN", ZEROS(776)]}""", 400, "holds NaN at index 7" },
        { "/api/predict", """{"model": "runs/tiny/mlp", "image": ["-Infinity", ZEROS(783)]}""", 400, "holds -infinity at index 0" },
        { "/api/predict", """{"model": "runs/tiny/mlp", "image": [ZEROS(783), 1.5]}""", 400, "holds 1.5 at index 783: every value must be in [0, 1]" },
        { "/api/predict", """{"model": "runs/tiny/mlp", "image": [0, 0""", 400, "the body is not the JSON this request takes" },
        { "/api/predict", """{"model": "runs/tiny/mlp", "image": "zeros"}""", 400, "the body is not the JSON this request takes at $.image" },
        { "/api/predict", "null", 400, "the body is null" },
        { "/api/predict", """{"model": "no/such/model", "image": [ZEROS(784)]}""", 404, "no model 'no/such/model'; the models are runs/tiny/cnn, runs/tiny/mlp" },
        { "/api/activations", """{"model": "runs/tiny/mlp", "image": [ZEROS(784)], "points": ["relu2"]}""", 404, "has no point 'relu2'; its points are input, fc1, relu1, fc2, output" },
        { "/api/explain", """{"model": "runs/tiny/mlp", "image": [ZEROS(784)], "method": "magic"}""", 404, "no attribution method 'magic'; the methods are saliency" },
        { "/api/explain", """{"model": "runs/tiny/mlp", "image": [ZEROS(784)], "method": "ig", "target": 10}""", 400, "'target' must be a class from 0 to 9, got 10" },
        { "/api/ablate", """{"model": "runs/tiny/mlp", "image": [ZEROS(784)], "ablations": [{"point": "relu1", "units": [16]}]}""", 400, "unit 16 is outside point 'relu1', which has 16 units or channels (0 to 15)" },
        { "/api/ablate", """{"model": "runs/tiny/mlp", "image": [ZEROS(784)], "ablations": [{"point": "relu1", "units": [1], "mode": "half"}]}""", 400, "mode 'half' is not one of zero, mean, value" },
        { "/api/ablate", """{"model": "runs/tiny/mlp", "image": [ZEROS(784)], "ablations": []}""", 400, "'ablations' is missing or empty" },
        { "/api/ablate", """{"model": "runs/tiny/mlp", "image": [ZEROS(784)], "ablations": [{"point": "fc9", "units": [1]}]}""", 404, "has no point 'fc9'" },
        { "/api/frobnicate", "{}", 404, "no endpoint POST /api/frobnicate" },
    };

    /// <summary>ZEROS(n) in a body stands for n zeros, so the cases read as the requests they are.</summary>
    static string Expand(string body) =>
        System.Text.RegularExpressions.Regex.Replace(body, @"ZEROS\((\d+)\)", m => string.Join(",", Enumerable.Repeat("0", int.Parse(m.Groups[1].Value))));

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_request_that_cannot_be_answered_is_refused_with_its_status_and_one_line_saying_why(string path, string body, int status, string message)
    {
        var (actual, answer) = await f.PostRaw(path, Expand(body));
        string error = answer.GetProperty("error").GetString()!;
        Assert.Equal(status, actual);
        Assert.Contains(message, error);
        Assert.DoesNotContain('\n', error);
        Assert.DoesNotContain(" at MnistLab.", error); // no stack trace
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused_with_413()
    {
        string huge = """{"model": "runs/tiny/mlp", "image": [""" + string.Join(",", Enumerable.Repeat("0.123456789", 200_000)) + "]}";
        var (status, answer) = await f.PostRaw("/api/predict", huge);
        Assert.Equal(413, status);
        Assert.Contains("larger than this server takes (1,048,576 bytes)", answer.GetProperty("error").GetString());
    }

    [Fact]
    public async Task The_page_is_served_from_the_assembly_and_loads_nothing_from_elsewhere()
    {
        using var page = await f.Client.GetAsync("/");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        string html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<script src=\"lab.js\"", html);
        foreach (var name in MnistLab.Serve.PageFile.Names)
        {
            using var file = await f.Client.GetAsync("/" + name);
            Assert.True(file.IsSuccessStatusCode, name);
            string text = await file.Content.ReadAsStringAsync();
            Assert.DoesNotContain("http://", text);
            Assert.DoesNotContain("https://", text);
        }
        // A request never names a file: anything but the page's own names is a 404, with no file read.
        foreach (var path in new[] { "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/..%2fMnistLab.Core.dll", "/mnistlab.dll" })
        {
            using var response = await f.Client.GetAsync(path);
            Assert.Equal(404, (int)response.StatusCode);
            Assert.DoesNotContain("root:", await response.Content.ReadAsStringAsync());
        }
    }
}
