using MnistLab.Import;
using MnistLab.Models;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Import;

/// <summary>
/// Every fixture model in every format it was saved in imports, and the model folder it writes gives PyTorch's
/// predictions on all 10,000 test images, with logits within 1e-4 of PyTorch's, and PyTorch's test accuracy in the card.
/// </summary>
[Collection(RealMnistCollection.Name)]
public class FixtureImportTests(RealMnist mnist)
{
    public static TheoryData<string, string, bool> Cases() => new()
    {
        { "mlp", "mlp.pt", true }, { "mlp", "mlp.safetensors", true }, { "mlp", "mlp.torchscript.pt", false }, { "mlp", "mlp.onnx", false },
        { "cnn", "cnn.pt", true }, { "cnn", "cnn.safetensors", true }, { "cnn", "cnn.torchscript.pt", false }, { "cnn", "cnn.onnx", false },
        { "zoo", "zoo.pt", true }, { "zoo", "zoo.safetensors", true }, { "zoo", "zoo.torchscript.pt", true }, { "zoo", "zoo.onnx", false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Imports_and_gives_pytorchs_logits_on_the_whole_test_set(string model, string file, bool withArch)
    {
        using var dir = new TempDir();
        var test = mnist.Data.Test;
        var options = new ModelImportOptions(ModelFixtures.File(file), dir.File("model"), Arch: withArch ? ModelFixtures.File($"{model}.json") : null,
            ExpectLogits: ModelFixtures.File($"{model}.logits.npy"));
        var result = ModelImport.Run(options, test);
        Assert.Equal(10_000, result.Card.ExpectedLogits!.Images);
        Assert.True(result.Card.ExpectedLogits.MaxAbsDifference <= 1e-4);

        // The folder alone: loaded again, its outputs are PyTorch's.
        var expected = ModelFixtures.Logits(model);
        using var loaded = LoadedModel.FromFolder(dir.File("model"));
        var got = ModelFixtures.Outputs(loaded, test, test.Count);
        Assert.Equal(expected.Values.Length, got.Length);
        double max = expected.Values.Zip(got, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(max <= 1e-4, $"{file}: logits differ from PyTorch's by up to {max}");
        var predicted = ModelFixtures.Argmax(got, 10);
        var pytorch = ModelFixtures.Argmax(expected.Values, 10);
        Assert.Equal(pytorch, predicted);
        long[] labels = test.LabelArray();
        double accuracy = pytorch.Where((p, i) => p == labels[i]).Count() / 10_000.0;
        Assert.Equal(accuracy, loaded.Card.Test.Accuracy!.Value, 6);
        Assert.Contains("input", loaded.Card.Points);
        Assert.Contains("output", loaded.Card.Points);
        Assert.Equal(ModelFolder.Sha256(File.ReadAllBytes(ModelFixtures.File(file))), loaded.Card.SourceSha256);
    }

    [Fact]
    public void An_architecture_files_layers_are_points_by_index_and_normalisation_is_inside_the_model()
    {
        using var dir = new TempDir();
        ModelImport.Run(new ModelImportOptions(ModelFixtures.File("cnn.pt"), dir.File("m"), Arch: ModelFixtures.File("cnn.json")), mnist.Data.Test);
        using var loaded = LoadedModel.FromFolder(dir.File("m"));
        Assert.Equal(["input", "normalize", "0", "1", "2", "3", "4", "5", "6", "output"], loaded.Card.Points);
        using var scope = NewDisposeScope();
        var images = mnist.Data.Test.Images.narrow(0, 0, 4);
        using var cache = Activations.Run(loaded.Model, loaded.Input(images), ["input", "normalize", "2", "4"]);
        Assert.True(cache["input"].allclose(images));
        Assert.True(cache["normalize"].allclose((images - 0.1307) / 0.3081, rtol: 1e-5, atol: 1e-5));
        Assert.True(cache["2"].min().item<float>() >= 0, "the output of the ReLU, layer 2");
        Assert.Equal([4L, 8 * 14 * 14], cache["4"].shape);
        Assert.IsType<TorchSharp.Modules.Conv2d>(Activations.Find(loaded.Model, "0").Module);
        Assert.IsType<TorchSharp.Modules.BatchNorm2d>(Activations.Find(loaded.Model, "1").Module);
    }

    [Fact]
    public void Onnx_node_outputs_are_points_named_by_onnx()
    {
        using var dir = new TempDir();
        ModelImport.Run(new ModelImportOptions(ModelFixtures.File("cnn.onnx"), dir.File("m")), mnist.Data.Test);
        using var loaded = LoadedModel.FromFolder(dir.File("m"));
        Assert.Contains("/net/net.0/Conv_output_0", loaded.Card.Points);
        Assert.Contains("logits", loaded.Card.Points);
        Assert.IsType<TorchSharp.Modules.Conv2d>(Activations.Find(loaded.Model, "/net/net.0/Conv_output_0").Module);
        Assert.IsType<TorchSharp.Modules.ReLU>(Activations.Find(loaded.Model, "/net/net.2/Relu_output_0").Module);
        using var scope = NewDisposeScope();
        using var cache = Activations.Run(loaded.Model, loaded.Input(mnist.Data.Test.Images.narrow(0, 2, 3)), ["logits", "output", "/net/net.3/MaxPool_output_0"]);
        Assert.True(cache["logits"].eq(cache["output"]).all().item<bool>());
        Assert.Equal([3L, 8, 14, 14], cache["/net/net.3/MaxPool_output_0"].shape);
    }

    [Fact]
    public void A_torchscript_model_shows_the_parameters_of_its_script()
    {
        using var dir = new TempDir();
        var script = ModelImport.Run(new ModelImportOptions(ModelFixtures.File("cnn.torchscript.pt"), dir.File("ts")), mnist.Data.Test).Card;
        var arch = ModelImport.Run(new ModelImportOptions(ModelFixtures.File("cnn.pt"), dir.File("arch"), Arch: ModelFixtures.File("cnn.json")), mnist.Data.Test).Card;
        Assert.Equal(8 * 9 + 8 + 2 * 8 + 1568 * 10 + 10, arch.Parameters); // conv, batch norm (weight, bias), linear
        Assert.Equal(arch.Parameters, script.Parameters);

        using (var loaded = LoadedModel.FromFolder(dir.File("ts")))
        using (NewDisposeScope())
        {
            var summary = ModelSummary.Of(loaded.Model, loaded.Input(zeros(1, 1, 28, 28)));
            Assert.Equal(arch.Parameters, summary.Parameters);
            Assert.Equal(arch.Parameters, summary.Layers.Sum(l => l.Parameters));
            Assert.Contains(summary.Layers, l => l.Name == "net.0" && l.Parameters == 8 * 9 + 8);
        }
        using var show = CliProcess.Start("model", "show", "--model", dir.File("ts"));
        Assert.Equal(0, show.Wait(TimeSpan.FromMinutes(2)));
        Assert.Contains($"; {arch.Parameters:N0} parameters;", show.Words);
    }

    [Fact]
    public void Seed_004s_vae_imports_with_its_names_and_gives_pytorchs_latent_means()
    {
        using var dir = new TempDir();
        var result = ModelImport.Run(new ModelImportOptions(ModelFixtures.File("vae.pt"), dir.File("vae"), Kind: "vae-probe"), mnist.Data.Test);
        Assert.Null(result.Card.Test.Accuracy);
        Assert.InRange(result.Card.Test.ReconstructionBce!.Value, 50, 300);
        using var loaded = LoadedModel.FromFolder(dir.File("vae"));
        var vae = Assert.IsType<Vae>(loaded.Model);
        Assert.Equal(8, vae.LatentDim);
        var expected = NpyReader.Read(ModelFixtures.File("vae.mu.npy"));
        using var scope = NewDisposeScope();
        using var cache = Activations.Run(loaded.Model, loaded.Input(mnist.Data.Test.Images.narrow(0, 0, 1000)), ["mu"]);
        var mu = cache["mu"].contiguous().data<float>().ToArray();
        Assert.Equal(expected.Values.Length, mu.Length);
        Assert.True(expected.Values.Zip(mu, (a, b) => Math.Abs(a - b)).Max() <= 1e-4);
    }
}
