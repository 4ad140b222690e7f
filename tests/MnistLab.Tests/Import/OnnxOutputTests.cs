using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MnistLab.Cli;
using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Import;

/// <summary>
/// An ONNX graph with several outputs (logits and probabilities, or an embedding beside the logits) is not imported
/// by taking the first: the import names the outputs and asks for one, and <c>--output NAME</c> picks it.
/// </summary>
[Collection(RealMnistCollection.Name)]
public class OnnxOutputTests(RealMnist mnist)
{
    /// <summary>image (784) → Gemm → logits → Softmax → probs, declaring both as the graph's outputs.</summary>
    static string TwoOutputs(TempDir dir)
    {
        var g = new OnnxGraphs().Input("image", 784);
        string logits = g.Node("Gemm", ["image", g.Random("fc.weight", [10, 784], -0.1, 0.1), g.Random("fc.bias", [10])], "logits", OnnxGraphs.Int("transB", 1));
        string probs = g.Node("Softmax", [logits], "probs", OnnxGraphs.Int("axis", 1));
        string path = dir.File("two.onnx");
        File.WriteAllBytes(path, g.Build([logits, probs]));
        return path;
    }

    /// <summary>ONNX Runtime's value of <paramref name="output"/> for the first <paramref name="n"/> test images.</summary>
    static float[] Ort(string path, string output, float[] images, int n)
    {
        using var session = new InferenceSession(path);
        var value = NamedOnnxValue.CreateFromTensor("image", new DenseTensor<float>(images, [n, 784]));
        using var results = session.Run([value], [output]);
        return results.Single().AsTensor<float>().ToArray();
    }

    [Fact]
    public void Two_outputs_without_a_choice_are_refused_listing_them()
    {
        using var dir = new TempDir();
        string path = TwoOutputs(dir);
        var e = Assert.Throws<InvalidOptionException>(() => ModelImport.Run(new ModelImportOptions(path, dir.File("out")), mnist.Data.Test));
        Assert.Equal($"{path}: the graph has 2 outputs (logits, probs); pick the one to import with --output NAME.", e.Message);
        Assert.Equal(CliApp.Usage, CliApp.Run(["model", "import", "--from", path, "--out", dir.File("out"), "--no-fetch"]));
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Theory]
    [InlineData("logits")]
    [InlineData("probs")]
    public void Output_picks_the_graphs_output_and_the_model_gives_onnx_runtimes_values(string output)
    {
        using var dir = new TempDir();
        string path = TwoOutputs(dir);
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", path, "--output", output, "--out", dir.File("m"), "--no-fetch"]));
        using var loaded = LoadedModel.FromFolder(dir.File("m"));
        const int n = 16;
        var images = mnist.Data.Test.Images.narrow(0, 0, n).reshape(n, 784).contiguous().data<float>().ToArray();
        var expected = Ort(path, output, images, n);
        var got = ModelFixtures.Outputs(loaded, mnist.Data.Test, n);
        Assert.Equal(expected.Length, got.Length);
        Assert.True(expected.Zip(got, (a, b) => Math.Abs(a - b)).Max() <= 1e-5);
        Assert.Equal(output == "probs", Enumerable.Range(0, n).All(i => Math.Abs(got.Skip(10 * i).Take(10).Sum() - 1) < 1e-5));
        // The card says which output was taken; the other stays a point of the model.
        Assert.EndsWith($", output '{output}'", loaded.Card.Architecture);
        Assert.Equal(["input", "logits", "probs", "output"], loaded.Card.Points);
        var library = ModelImport.Run(new ModelImportOptions(path, dir.File("lib"), Output: output), mnist.Data.Test);
        Assert.Equal(loaded.Card.Test, library.Card.Test);
    }

    [Fact]
    public void An_output_the_graph_does_not_have_or_a_file_without_outputs_to_pick_is_a_usage_error()
    {
        using var dir = new TempDir();
        string path = TwoOutputs(dir);
        var unknown = Assert.Throws<InvalidOptionException>(() => ModelImport.Run(new ModelImportOptions(path, dir.File("out"), Output: "hidden"), mnist.Data.Test));
        Assert.Equal("ModelImportOptions.Output", unknown.Option);
        Assert.Equal($"{path}: the graph has no output 'hidden'; its outputs are logits, probs.", unknown.Message);
        Assert.Equal(CliApp.Usage, CliApp.Run(["model", "import", "--from", path, "--output", "hidden", "--out", dir.File("out"), "--no-fetch"]));

        string pt = ModelFixtures.File("cnn.pt");
        var notOnnx = Assert.Throws<InvalidOptionException>(() => ModelImport.Run(new ModelImportOptions(pt, dir.File("out"), Arch: ModelFixtures.File("cnn.json"), Output: "logits"), mnist.Data.Test));
        Assert.Equal($"{pt} is a PyTorch state_dict file; choosing an output applies to ONNX graphs only.", notOnnx.Message);
        Assert.Equal(CliApp.Usage, CliApp.Run(["model", "import", "--from", pt, "--arch", ModelFixtures.File("cnn.json"), "--output", "logits", "--out", dir.File("out"), "--no-fetch"]));
        Assert.False(Directory.Exists(dir.File("out")));
    }
}
