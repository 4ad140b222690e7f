using System.Net.Http.Json;
using System.Text.Json;
using MnistLab.Data;
using MnistLab.Import;
using MnistLab.Serve;
using MnistLab.Tests.Import;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Serve;

/// <summary>
/// Models imported from PyTorch, served from a folder of model folders: listed by folder name with the test accuracy
/// their card records, read through the same loader as every analysis, and explained with the methods that walk their layers.
/// </summary>
public class ServeImportedModelTests
{
    [Fact]
    public async Task An_imported_model_is_served_by_its_folders_name_with_its_card_and_answers_as_the_library_does()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.File("data"), train: 50, test: 30);
        using var mnist = Mnist.Load(MnistLocator.TryFolder(dir.File("data"))!);
        var card = ModelImport.Run(new ModelImportOptions(ModelFixtures.File("cnn.pt"), Path.Combine(dir.File("models"), "cnn"), Arch: ModelFixtures.File("cnn.json")), mnist.Test).Card;

        await using var server = await LabServer.StartAsync(new ServeOptions { Models = [dir.File("models")], Port = 0 }, mnist);
        using var client = new HttpClient { BaseAddress = server.Address };
        var models = await client.GetFromJsonAsync<JsonElement>("/api/models");
        var cnn = Assert.Single(models.GetProperty("models").EnumerateArray());
        Assert.Equal("models/cnn", cnn.GetProperty("id").GetString());
        Assert.Equal(card.Test.Accuracy, cnn.GetProperty("test_accuracy").GetDouble());
        Assert.Equal(card.Points, cnn.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Contains("lrp", cnn.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));

        float[] image;
        using (var first = mnist.Test.Images.narrow(0, 0, 1)) image = MnistLab.Common.TensorData.Rows(first)[0];
        using var predict = await client.PostAsJsonAsync("/api/predict", new { model = "models/cnn", image });
        var logits = ServeFixture.Floats((await predict.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("logits"));
        using (var loaded = LoadedModel.FromFolder(Path.Combine(dir.File("models"), "cnn")))
        using (var scope = NewDisposeScope())
        using (var _ = no_grad())
        {
            var expected = loaded.Model.call(loaded.Input(tensor(image, [1, 1, 28, 28]))).reshape(-1).data<float>().ToArray();
            Assert.True(expected.Zip(logits, (e, a) => Math.Abs(e - a)).Max() <= 1e-5, "the served logits are not the library's");
        }

        // LRP, which walks the imported layers (normalisation first): the library's map and completeness error.
        using var explain = await client.PostAsJsonAsync("/api/explain", new { model = "models/cnn", image, method = "lrp", target = 2 });
        var answer = await explain.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(explain.IsSuccessStatusCode, answer.ToString());
        using (var loaded = LoadedModel.FromFolder(Path.Combine(dir.File("models"), "cnn")))
        using (var scope = NewDisposeScope())
        {
            var lrp = MnistLab.Attribution.Lrp.Compute(new MnistLab.Attribution.AttributionInput(loaded.Model, loaded.Input(tensor(image, [1, 1, 28, 28])), [2]),
                new MnistLab.Attribution.LrpOptions());
            var map = ServeFixture.Floats(answer.GetProperty("map"));
            Assert.True(lrp.Map(0).Zip(map, (e, a) => Math.Abs(e - a)).Max() <= 1e-5, "the served LRP map is not the library's");
            Assert.Equal(lrp.CompletenessError![0], answer.GetProperty("completeness_error").GetDouble(), 1e-5);
        }
    }
}
