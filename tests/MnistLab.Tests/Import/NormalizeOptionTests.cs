using System.Text.Json.Nodes;
using MnistLab.Cli;
using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Import;

/// <summary>
/// <c>model import --normalize</c>: a model trained with its normalisation in the data pipeline (torchvision's
/// Normalize) and saved without it imports with the normalisation inside, in every format; without it the card says
/// what the model would reach with MNIST's usual normalisation.
/// </summary>
[Collection(RealMnistCollection.Name)]
public class NormalizeOptionTests(RealMnist mnist)
{
    /// <summary>The CNN fixture's architecture without its normalisation, as a user who normalised in the pipeline writes it.</summary>
    static string BareCnn(TempDir dir)
    {
        var arch = JsonNode.Parse(File.ReadAllText(ModelFixtures.File("cnn.json")))!.AsObject();
        arch.Remove("normalize");
        File.WriteAllText(dir.File("cnn-bare.json"), arch.ToJsonString());
        return dir.File("cnn-bare.json");
    }

    [Fact]
    public void Without_it_the_card_measures_what_the_usual_normalisation_would_give()
    {
        using var dir = new TempDir();
        var bare = ModelImport.Run(new ModelImportOptions(ModelFixtures.File("cnn.pt"), dir.File("bare"), Arch: BareCnn(dir)), mnist.Data.Test).Card;
        var given = ModelImport.Run(new ModelImportOptions(ModelFixtures.File("cnn.pt"), dir.File("given"), Arch: BareCnn(dir),
            ExpectLogits: ModelFixtures.File("cnn.logits.npy"), Normalize: ModelImport.UsualMnist), mnist.Data.Test).Card;
        Assert.True(given.ExpectedLogits!.MaxAbsDifference <= 1e-4);
        Assert.Null(given.Notes);
        Assert.True(bare.Test.Accuracy < 0.9, $"{bare.Test.Accuracy}");
        string note = Assert.Single(bare.Notes!);
        Assert.Equal($"test accuracy {bare.Test.Accuracy:P2} without normalisation, {given.Test.Accuracy:P2} with MNIST's usual one: did the model expect normalised input? Import it with --normalize 0.1307,0.3081", note);
    }

    [Fact]
    public void A_torchscript_saved_without_its_normalisation_gives_pytorchs_logits_with_it()
    {
        using var dir = new TempDir();
        var card = ModelImport.Run(new ModelImportOptions(ModelFixtures.File("zoo.torchscript.pt"), dir.File("m"),
            ExpectLogits: ModelFixtures.File("zoo.logits.npy"), Normalize: ModelImport.UsualMnist), mnist.Data.Test).Card;
        Assert.True(card.ExpectedLogits!.MaxAbsDifference <= 1e-4);
        Assert.Equal([0.1307], card.Normalize!.Mean);
        using var loaded = LoadedModel.FromFolder(dir.File("m"));
        Assert.Equal(["input", "normalize"], loaded.Card!.Points.Take(2));
        var got = ModelFixtures.Outputs(loaded, mnist.Data.Test, 1000);
        var expected = ModelFixtures.Logits("zoo").Values.Take(got.Length);
        Assert.True(expected.Zip(got, (a, b) => Math.Abs(a - b)).Max() <= 1e-4);
    }

    [Fact]
    public void An_onnx_graph_reads_the_normalised_image_and_its_points_stay_reachable()
    {
        using var dir = new TempDir();
        var normalization = Normalization.Parse("0.5,0.25");
        ModelImport.Run(new ModelImportOptions(ModelFixtures.File("mlp.onnx"), dir.File("plain")), mnist.Data.Test);
        ModelImport.Run(new ModelImportOptions(ModelFixtures.File("mlp.onnx"), dir.File("norm"), Normalize: normalization), mnist.Data.Test);
        using var plain = LoadedModel.FromFolder(dir.File("plain"));
        using var norm = LoadedModel.FromFolder(dir.File("norm"));
        Assert.Equal(plain.Card!.Points.Count + 1, norm.Card!.Points.Count);
        Assert.Equal(plain.Card.Points.Skip(1), norm.Card.Points.Skip(2));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = mnist.Data.Test.Images.narrow(0, 0, 16);
        var want = plain.Model.call(plain.Input((x - 0.5) / 0.25));
        var got = norm.Model.call(norm.Input(x));
        Assert.True(want.allclose(got, rtol: 0, atol: 1e-5));
    }

    [Theory]
    [InlineData("0.1307,0.3081", new[] { 0.1307 }, new[] { 0.3081 })]
    [InlineData(" [0.5] , [0.25] ", new[] { 0.5 }, new[] { 0.25 })]
    [InlineData("[0.4,0.5,0.6],[0.2,0.3,0.4]", new[] { 0.4, 0.5, 0.6 }, new[] { 0.2, 0.3, 0.4 })]
    public void The_command_lines_forms_parse(string text, double[] mean, double[] std)
    {
        var n = Normalization.Parse(text);
        Assert.Equal(mean, n.Mean);
        Assert.Equal(std, n.Std);
        Assert.Equal(n.Mean, Normalization.Parse(n.ToString()).Mean);
    }

    [Theory]
    [InlineData("0.1307", "normalize expects MEAN,STD")]
    [InlineData("a,b", "normalize expects MEAN,STD")]
    [InlineData("0.1,0", "positive finite stds")]
    [InlineData("[0.1,0.2],[0.3]", "mean and std lists of the same")]
    public void A_bad_normalisation_is_bad_usage_naming_the_value_and_the_form(string text, string fault)
    {
        _ = mnist.Data;
        using var dir = new TempDir();
        var e = Assert.Throws<InvalidOptionException>(() => Normalization.Parse(text));
        Assert.Contains(fault, e.Message);
        Assert.Equal(CliApp.Usage, CliApp.Run(["model", "import", "--from", ModelFixtures.File("mlp.onnx"), "--normalize", text, "--out", dir.File("out"), "--no-fetch"]));
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void It_is_refused_twice_over_and_for_a_model_that_does_not_read_the_image_alone()
    {
        using var dir = new TempDir();
        var twice = Assert.Throws<InvalidOptionException>(() => ModelImport.Run(new ModelImportOptions(ModelFixtures.File("cnn.pt"), dir.File("m"),
            Arch: ModelFixtures.File("cnn.json"), Normalize: ModelImport.UsualMnist), mnist.Data.Test));
        Assert.Contains("already normalises the input", twice.Message);
        Assert.False(Directory.Exists(dir.File("m")));
    }
}
