using MnistLab.Cli;
using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Import;

/// <summary>
/// A training script's checkpoint (<c>{'model': sd, 'optimizer': ..., 'epoch': ...}</c>), written by PyTorch
/// (tests/fixtures/make_checkpoints.py), imports as the state_dict it holds: found under the usual names or named with
/// --key, DataParallel's 'module.' prefix removed, and the card says which.
/// </summary>
[Collection(RealMnistCollection.Name)]
public class TrainingCheckpointTests(RealMnist mnist)
{
    [Theory]
    [InlineData("mlp.checkpoint.pt", null, "the state_dict is the entry 'model' of the saved dict")]
    [InlineData("mlp.dataparallel.pt", null, "the 'module.' prefix of a DataParallel model was removed from every key")]
    [InlineData("mlp.custom-key.pt", "weights", "the state_dict is the entry 'weights' of the saved dict")]
    public void A_checkpoint_gives_the_state_dict_it_holds_and_says_where_it_was(string file, string? key, string note)
    {
        using var dir = new TempDir();
        var result = ModelImport.Run(new ModelImportOptions(ModelFixtures.File(file), dir.File("m"), Arch: ModelFixtures.File("mlp.json"),
            ExpectLogits: ModelFixtures.File("mlp.logits.npy"), Key: key), mnist.Data.Test);
        Assert.True(result.Card.ExpectedLogits!.MaxAbsDifference <= 1e-4);
        Assert.Contains(note, result.Card.Notes!);
        using var loaded = LoadedModel.FromFolder(dir.File("m"));
        Assert.Equal(result.Card.Notes, loaded.Card!.Notes);

        // The same tensors as the plain state_dict, under nn.Sequential's names.
        using var plain = StateDictFile.ReadPyTorch(ModelFixtures.File("mlp.pt"));
        using var read = StateDictFile.ReadPyTorch(ModelFixtures.File(file), key);
        Assert.Equal(plain.Tensors.Keys.Order(), read.Tensors.Keys.Order());
        foreach (var (name, t) in plain.Tensors) Assert.True(t.allclose(read.Tensors[name], rtol: 0, atol: 0), name);
    }

    [Fact]
    public void A_plain_state_dict_has_nothing_to_say()
    {
        using var sd = StateDictFile.ReadPyTorch(ModelFixtures.File("mlp.pt"));
        Assert.Empty(sd.Notes);
    }

    [Fact]
    public void A_dict_without_a_usual_entry_lists_its_entries_and_asks_for_key()
    {
        string path = ModelFixtures.File("mlp.custom-key.pt");
        var e = Assert.Throws<DataFormatException>(() => StateDictFile.ReadPyTorch(path));
        Assert.Equal($"{path}: a saved dict of 'step' (int), 'weights' (dict of 4), with no state_dict under the usual names (model, state_dict, model_state_dict, net); name the entry that holds it with --key NAME.", e.Message);

        var wrong = Assert.Throws<InvalidOptionException>(() => StateDictFile.ReadPyTorch(path, "model"));
        Assert.Contains("has no dict entry 'model'; its entries are 'step' (int), 'weights' (dict of 4)", wrong.Message);
    }

    [Fact]
    public void Key_on_a_file_that_is_not_a_torch_save_dict_is_bad_usage()
    {
        _ = mnist.Data;
        using var dir = new TempDir();
        foreach (var (file, arch) in new[] { ("mlp.safetensors", "mlp.json"), ("cnn.onnx", null) })
        {
            string[] args = ["model", "import", "--from", ModelFixtures.File(file), "--out", dir.File("out"), "--key", "model", "--no-fetch", .. arch is null ? Array.Empty<string>() : ["--arch", ModelFixtures.File(arch)]];
            Assert.Equal(CliApp.Usage, CliApp.Run(args));
            Assert.False(Directory.Exists(dir.File("out")));
        }
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", ModelFixtures.File("mlp.custom-key.pt"), "--arch", ModelFixtures.File("mlp.json"),
            "--key", "weights", "--out", dir.File("out"), "--no-fetch"]));
    }
}
