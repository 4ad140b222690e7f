using MnistLab.Import;
using MnistLab.Import.Layers;
using MnistLab.Models;
using MnistLab.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MnistLab.Tests.Import;

/// <summary>
/// The ONNX operator fixtures (tests/fixtures/make_models.py --onnx-ops): small PyTorch models whose exports hold the
/// shape arithmetic of a dynamic batch, GELU's Erf, ReLU6's Clip, Resize, Transpose, ConvTranspose, a layer norm written
/// out and a custom module. Each imports, gives PyTorch's logits, and gives ONNX Runtime's outputs on the same images;
/// the largest differences are written to the test output.
/// </summary>
[Collection(RealMnistCollection.Name)]
public class OnnxOperatorFixtureTests(RealMnist mnist, ITestOutputHelper output)
{
    public static TheoryData<string> Patterns() =>
    [
        "view_cnn", "gelu_mlp", "clip_mlp", "upsample_nearest", "upsample_bilinear", "upsample_corners", "transpose_flatten",
        "conv_transpose", "layer_norm", "custom_ops",
    ];

    static double MaxAbsDifference(float[] expected, float[] got)
    {
        Assert.Equal(expected.Length, got.Length);
        return expected.Zip(got, (a, b) => (double)Math.Abs(a - b)).Max();
    }

    float[] Images(int n) => mnist.Data.Test.Images.narrow(0, 0, n).contiguous().data<float>().ToArray();

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Imports_and_gives_pytorchs_logits(string name)
    {
        using var dir = new TempDir();
        var test = mnist.Data.Test;
        var result = ModelImport.Run(new ModelImportOptions(ModelFixtures.File($"{name}.onnx"), dir.File("m"), ExpectLogits: ModelFixtures.File($"{name}.logits.npy")), test);
        var expected = ModelFixtures.Logits(name);
        Assert.Equal(expected.Rows, result.Card.ExpectedLogits!.Images);

        using var loaded = LoadedModel.FromFolder(dir.File("m"));
        var got = ModelFixtures.Outputs(loaded, test, (int)expected.Rows);
        double max = MaxAbsDifference(expected.Values, got);
        output.WriteLine($"{name}: largest |logit difference| from PyTorch on the first {expected.Rows} test images: {max:E2}");
        Assert.True(max <= 1e-4, $"{name}: logits differ from PyTorch's by up to {max}");
        Assert.Equal(ModelFixtures.Argmax(expected.Values, 10), ModelFixtures.Argmax(got, 10));
        Assert.InRange(loaded.Card!.Test.Accuracy!.Value, 0.85, 1);
    }

    [SkippableTheory]
    [MemberData(nameof(Patterns))]
    public void Gives_onnx_runtimes_outputs(string name)
    {
        OnnxRuntimeCheck.Require("the fixtures are compared with PyTorch's logits only");
        const int n = 500;
        var images = Images(n);
        string path = ModelFixtures.File($"{name}.onnx");
        var ort = OnnxRuntimeOracleTests.RunOrt(File.ReadAllBytes(path), images, n);
        var ours = OnnxRuntimeOracleTests.RunConverted(path, images, n);
        double max = MaxAbsDifference(ort, ours);
        output.WriteLine($"{name}: largest |output difference| from ONNX Runtime on the first {n} test images: {max:E2}");
        Assert.True(max <= 1e-4, $"{name}: outputs differ from ONNX Runtime's by up to {max}");
    }

    [Theory]
    [InlineData("view_cnn")]
    [InlineData("transpose_flatten")]
    [InlineData("upsample_bilinear")]
    [InlineData("custom_ops")]
    public void Any_batch_size_gives_the_same_outputs(string name)
    {
        // These graphs compute their shapes from the batch with Shape: the folded model must not keep the batch it was traced with.
        using var scope = NewDisposeScope();
        var images = mnist.Data.Test.Images.narrow(0, 0, 64);
        var built = ModelSource.Build(ModelFixtures.File($"{name}.onnx"), null, null, images);
        using var model = built.Model;
        using var _ = no_grad();
        var all = model.call(images);
        foreach (int size in new[] { 1, 2, 7 })
        {
            double max = (model.call(images.narrow(0, 10, size)) - all.narrow(0, 10, size)).abs().max().item<float>();
            Assert.True(max <= 1e-5, $"{name}: a batch of {size} gives outputs up to {max} from the batch of 64's");
        }
    }

    [Fact]
    public void The_dynamic_batch_view_folds_into_one_reshape_that_keeps_the_batch()
    {
        using var dir = new TempDir();
        string path = ModelFixtures.File("view_cnn.onnx");
        var conversion = OnnxConverter.Convert(path);
        conversion.Weights.Dispose();
        var nodes = conversion.Spec.Nodes;
        Assert.Equal(["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Reshape", "Gemm", "Relu", "Gemm"], nodes.Select(n => n.Op));
        var reshape = Assert.IsType<ReshapeLayer>(nodes.Single(n => n.Op == "Reshape").Layer);
        Assert.Equal([0L, -1], reshape.Shape);

        // Shape, Gather, Unsqueeze and Concat computed constants, not activations: the points are the layers' outputs.
        ModelImport.Run(new ModelImportOptions(path, dir.File("m")), mnist.Data.Test);
        using var loaded = LoadedModel.FromFolder(dir.File("m"));
        Assert.Equal(["input", .. nodes.Select(n => n.Output), "output"], loaded.Card!.Points);
        using (NewDisposeScope())
        {
            var summary = ModelSummary.Of(loaded.Model, loaded.Input(zeros(1, 1, 28, 28)));
            Assert.Equal([128L], summary.Points.Single(p => p.Name == "/Reshape_output_0").Shape);
            Assert.Equal(10, summary.Layers.Count);
        }
        using var show = CliProcess.Start("model", "show", "--model", dir.File("m"));
        Assert.Equal(0, show.Wait(TimeSpan.FromMinutes(2)));
        Assert.Contains("/Reshape_output_0", show.Words);
        Assert.Contains("(128)", show.Words);
        foreach (var folded in new[] { "/Shape_output_0", "/Gather_output_0", "/Unsqueeze_output_0", "/Concat_output_0" })
            Assert.DoesNotContain(folded, show.Output);
    }
}
