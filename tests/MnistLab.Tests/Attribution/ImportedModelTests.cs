using System.Text.Json;
using MnistLab.Attribution;
using MnistLab.Cli;
using MnistLab.Import;
using MnistLab.Tests.Import;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Attribution;

/// <summary>Attribution of models trained in PyTorch and imported (the fixtures of tests/fixtures/models).</summary>
[Collection(RealMnistCollection.Name)]
public class ImportedModelTests(RealMnist mnist)
{
    LoadedModel Import(TempDir dir, string file, string? arch)
    {
        ModelImport.Run(new ModelImportOptions(ModelFixtures.File(file), dir.File("model"), Arch: arch is null ? null : ModelFixtures.File(arch)), mnist.Data.Test);
        return LoadedModel.FromFolder(dir.File("model"));
    }

    [Theory]
    [InlineData("mlp.pt", "mlp.json")]
    [InlineData("cnn.pt", "cnn.json")]
    public void Exact_integrated_gradients_and_lrp_read_an_imported_sequential(string file, string arch)
    {
        using var dir = new TempDir();
        using var loaded = Import(dir, file, arch);
        using var x = loaded.Input(mnist.Data.Test.Images.narrow(0, 0, 1));
        var input = new AttributionInput(loaded.Model, x, mnist.Data.Test.LabelArray()[..1]);
        // The cnn normalises its input, folds a BatchNorm into its convolution and max-pools: the graph must reproduce all of it.
        // Its path crosses thousands of ReLU and max-pool switches.
        var exact = ExactIntegratedGradients.Compute(input, new ExactIntegratedGradientsOptions { MaxPieces = 200_000 });
        Assert.True(exact.MaxAbsCompletenessError < 1e-9, $"{file}: {exact.MaxAbsCompletenessError} after {exact.Pieces![0]} pieces");
        var ig = IntegratedGradients.Compute(input, new IntegratedGradientsOptions { Steps = 2000, Method = IntegrationMethod.RiemannMiddle });
        double scale = exact.Values.Max(v => Math.Abs(v));
        Assert.True(exact.Values.Zip(ig.Values).Max(p => Math.Abs(p.First - p.Second)) < 2e-3 * scale);
        var lrp = Lrp.Compute(input, new LrpOptions());
        Assert.All(lrp.Values, v => Assert.True(float.IsFinite(v)));
        Assert.StartsWith("view", LayerGraph.Of(loaded.Model).Describe());
    }

    [Fact]
    public void Explain_reads_a_model_folder()
    {
        using var dir = new TempDir();
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", ModelFixtures.File("cnn.pt"), "--arch", ModelFixtures.File("cnn.json"), "--no-fetch", "--out", dir.File("cnn")]));
        Assert.Equal(CliApp.Ok, CliApp.Run(["explain", "--model", dir.File("cnn"), "--methods", "ig,lrp,occlusion", "--images", "test:0:4", "--checks",
            "--no-fetch", "--out", dir.File("explain")]));
        var root = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.File("explain"), "metrics.json"))).RootElement;
        Assert.Contains("imported", root.GetProperty("model").GetString());
        Assert.Equal(4, root.GetProperty("methods").GetProperty("lrp").GetProperty("completeness_error").GetProperty("per_image").GetArrayLength());
        // Its layers from the top: the Linear, then the convolution (the BatchNorm is its own layer with parameters).
        Assert.Equal(3, root.GetProperty("methods").GetProperty("ig").GetProperty("checks").GetProperty("randomisation").GetProperty("cascade").GetArrayLength());
        Assert.True(File.Exists(Path.Combine(dir.File("explain"), "attributions", "lrp.npy")));
    }

    [Fact]
    public void Gradient_methods_take_any_imported_model_and_the_graph_methods_say_why_not()
    {
        using var dir = new TempDir();
        using var loaded = Import(dir, "gelu_mlp.onnx", null); // GELU exported as x · Φ(x): not a chain of layers
        using var x = loaded.Input(mnist.Data.Test.Images.narrow(0, 0, 2));
        var input = new AttributionInput(loaded.Model, x, mnist.Data.Test.LabelArray()[..2]);
        var ig = IntegratedGradients.Compute(input, new IntegratedGradientsOptions());
        Assert.True(ig.MaxAbsCompletenessError < 0.05, $"{ig.MaxAbsCompletenessError}");
        var e = Assert.ThrowsAny<MnistLab.Common.MnistLabException>(() => Lrp.Compute(input, new LrpOptions()));
        Assert.Contains("not a chain of layers", e.Message);
    }

    [Fact]
    public void A_method_that_cannot_read_the_model_is_refused_before_any_other_method_runs()
    {
        // Before: --methods occlusion,lrp on a model LRP cannot read ran occlusion (and its checks) first, then failed.
        using var dir = new TempDir();
        using (Import(dir, "mlp.torchscript.pt", null)) { } // TorchScript runs inside libtorch: no layers to walk
        string outDir = dir.File("explain");
        Assert.Equal(CliApp.Usage, CliApp.Run(["explain", "--model", dir.File("model"), "--methods", "occlusion,lrp", "--images", "test:0:2000",
            "--checks", "--no-fetch", "--out", outDir]));
        Assert.False(Directory.Exists(outDir)); // bad usage (exit 2), said before the work; a refusal after occlusion ran was a failure (exit 1)
    }
}
