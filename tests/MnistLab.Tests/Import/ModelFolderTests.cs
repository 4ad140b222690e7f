using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Import;

public class ModelFolderTests
{
    static string Import(TempDir dir, string name = "m")
    {
        using var test = Digits.SeparableSet(2);
        ModelImport.Run(new ModelImportOptions(ModelFixtures.File("cnn.pt"), dir.File(name), Arch: ModelFixtures.File("cnn.json")), test);
        return dir.File(name);
    }

    [Fact]
    public void A_folder_loads_on_its_own_as_a_library_call()
    {
        using var dir = new TempDir();
        string folder = Import(dir);
        // What a caller writes: folder -> (module, spec, card).
        using var loaded = LoadedModel.FromFolder(folder);
        var (model, spec, card) = (loaded.Model, loaded.Spec, loaded.Card);
        Assert.IsType<SequentialSpec>(spec);
        Assert.Equal(15_786, card.Parameters); // 8·9+8 + 8+8 + 1568·10+10
        Assert.Equal(card.Parameters, model.parameters().Sum(p => p.numel()));
        Assert.Equal("pytorch", card.SourceFormat);
        Assert.Equal(2 * 10, card.Test.Images);
        Assert.False(model.training);
    }

    [Fact]
    public void Changed_weights_are_refused_by_their_hash()
    {
        using var dir = new TempDir();
        string folder = Import(dir);
        string weights = Path.Combine(folder, ModelFolder.WeightsFile);
        var bytes = File.ReadAllBytes(weights);
        bytes[^3] ^= 0x10;
        File.WriteAllBytes(weights, bytes);
        var e = Assert.Throws<DataFormatException>(() => LoadedModel.FromFolder(folder));
        Assert.Contains(weights, e.Message);
        Assert.Contains("SHA-256", e.Message);
    }

    [Fact]
    public void A_folder_that_exists_and_holds_files_is_left_alone()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("m"));
        File.WriteAllText(dir.File("m/notes.txt"), "keep");
        var e = Assert.Throws<InvalidOptionException>(() => Import(dir)); // bad usage, as for every --out
        Assert.Contains("not empty", e.Message);
        Assert.Equal(["notes.txt"], Directory.GetFiles(dir.File("m")).Select(Path.GetFileName));
        Assert.Equal(["m"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Export_writes_what_was_imported_in_both_formats()
    {
        using var dir = new TempDir();
        string folder = Import(dir);
        using var loaded = LoadedModel.FromFolder(folder);
        using var original = StateDictFile.ReadPyTorch(ModelFixtures.File("cnn.pt"));
        foreach (var file in new[] { "back.pt", "back.safetensors" })
        {
            ModelExport.Write(loaded, dir.File(file));
            using var back = file.EndsWith(".pt") ? StateDictFile.ReadPyTorch(dir.File(file)) : StateDictFile.ReadSafetensors(dir.File(file));
            Assert.Equal(original.Tensors.Keys.Order(), back.Tensors.Keys.Order());
            using var scope = NewDisposeScope();
            foreach (var (key, t) in original.Tensors) Assert.True(back.Tensors[key].equal(t).all().item<bool>(), $"{file}: {key}");
        }
    }

    [Fact]
    public void Onnx_and_torchscript_models_are_not_exported_as_state_dicts()
    {
        using var dir = new TempDir();
        using var test = Digits.SeparableSet(1);
        ModelImport.Run(new ModelImportOptions(ModelFixtures.File("mlp.onnx"), dir.File("m")), test);
        using var loaded = LoadedModel.FromFolder(dir.File("m"));
        var e = Assert.Throws<MnistLabException>(() => ModelExport.Write(loaded, dir.File("x.pt")));
        Assert.Contains("no PyTorch architecture", e.Message);
        Assert.False(File.Exists(dir.File("x.pt")));
    }

    [Fact]
    public void A_torchscript_folder_reloads_its_script()
    {
        using var dir = new TempDir();
        using var test = Digits.SeparableSet(1);
        var result = ModelImport.Run(new ModelImportOptions(ModelFixtures.File("mlp.torchscript.pt"), dir.File("m")), test);
        Assert.Equal(ModelFolder.ScriptFile, result.Card.WeightsFile);
        // The script reshapes what it gets to (N, 784) itself, so the image, tried first, is what it reads.
        Assert.Equal([1L, 28, 28], Assert.IsType<TorchScriptSpec>(result.Card.Spec).InputShape);
        using var loaded = LoadedModel.FromFolder(dir.File("m"));
        Assert.Equal(["input", "output"], loaded.Card.Points);
        using var scope = NewDisposeScope();
        Assert.Equal([10L, 10], loaded.Model.call(test.Images).shape);
    }
}
