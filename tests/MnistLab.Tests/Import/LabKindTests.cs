using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Models;
using MnistLab.Tests.Support;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MnistLab.Tests.Import;

/// <summary>The lab's models under the seeds' names: state_dicts written as PyTorch writes them (PyBridge's pickler), imported by kind, exported back.</summary>
public class LabKindTests
{
    /// <summary>Writes <paramref name="model"/>'s state_dict under the seed's names (<paramref name="rename"/>) in torch.save's format.</summary>
    static void SaveAsSeed(nn.Module model, string path, Func<string, string> rename)
    {
        using var scope = NewDisposeScope();
        var state = model.state_dict().ToDictionary(t => rename(t.Key), t => t.Value);
        using var file = File.Create(path);
        PyTorchPickler.PickleStateDict(file, state);
    }

    static float[] Outputs(nn.Module<Tensor, Tensor> model, ModelSpec spec, Tensor images)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        return model.call(ModelInputs.Prepare(spec, images, _ => throw new InvalidOperationException())).contiguous().data<float>().ToArray();
    }

    public static TheoryData<string, string[]> Kinds() => new()
    {
        { "ring-linear", ["W.bias", "W.weight"] },
        { "ring-mlp", ["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"] },
        { "vae-probe", ["dec.0.bias", "dec.0.weight", "dec.2.bias", "dec.2.weight", "enc.1.bias", "enc.1.weight", "fc_logvar.bias", "fc_logvar.weight", "fc_mu.bias", "fc_mu.weight"] },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_seed_named_state_dict_imports_by_kind_and_exports_under_the_seeds_names(string kind, string[] seedKeys)
    {
        using var dir = new TempDir();
        using var test = Digits.SeparableSet(3);
        ModelSpec original = kind switch
        {
            "ring-linear" => new LinearSpec(785) { Input = ModelInput.PixelsAndRing },
            "ring-mlp" => new MlpSpec(785, 16) { Input = ModelInput.PixelsAndRing },
            _ => new VaeSpec(5),
        };
        using var model = original.Create(new Generator(11));
        var lab = LabKinds.Find(kind);
        SaveAsSeed(model, dir.File("seed.pt"), lab.ToSeed);

        var result = ModelImport.Run(new ModelImportOptions(dir.File("seed.pt"), dir.File("m"), Kind: kind), test);
        Assert.Equal(kind, result.Card.Kind);
        using var loaded = LoadedModel.FromFolder(dir.File("m"));
        Assert.Equal(original, loaded.Spec); // sizes (hidden width, latent size) read from the weights
        Assert.Equal(Outputs(model, original, test.Images), Outputs(loaded.Model, loaded.Spec, test.Images));

        var keys = ModelExport.Write(loaded, dir.File("back.pt"));
        Assert.Equal(seedKeys, keys.Order(StringComparer.Ordinal));
        using var back = StateDictFile.ReadPyTorch(dir.File("back.pt"));
        using var scope = NewDisposeScope();
        foreach (var (key, t) in model.state_dict())
            Assert.True(back.Tensors[lab.ToSeed(key)].equal(t).all().item<bool>(), key);
    }

    [Fact]
    public void Seed_001s_resnet_imports_by_kind()
    {
        using var dir = new TempDir();
        using var test = Digits.SeparableSet(1);
        using var model = new RotResNet(new Generator(3));
        SaveAsSeed(model, dir.File("resnet.pt"), k => k);
        using var sd = StateDictFile.ReadPyTorch(dir.File("resnet.pt"));
        Assert.Contains("res3.conv2.weight", sd.Tensors.Keys);
        Assert.Contains("bn1d.num_batches_tracked", sd.Tensors.Keys);
        ModelImport.Run(new ModelImportOptions(dir.File("resnet.pt"), dir.File("m"), Kind: "rotated"), test);
        using var loaded = LoadedModel.FromFolder(dir.File("m"));
        Assert.Equal(Outputs(model, new RotResNetSpec(), test.Images), Outputs(loaded.Model, loaded.Spec, test.Images));
    }

    [Fact]
    public void Missing_unexpected_and_misshapen_keys_are_one_error_listing_all()
    {
        using var dir = new TempDir();
        using var test = Digits.SeparableSet(1);
        using var scope = NewDisposeScope();
        var state = new Dictionary<string, Tensor> { ["fc1.weight"] = zeros(16, 785), ["fc2.weight"] = zeros(10, 15), ["fc3.bias"] = zeros(10) };
        using (var file = File.Create(dir.File("bad.pt"))) PyTorchPickler.PickleStateDict(file, state);
        var e = Assert.Throws<DataFormatException>(() => ModelImport.Run(new ModelImportOptions(dir.File("bad.pt"), dir.File("m"), Kind: "ring-mlp"), test));
        Assert.StartsWith($"{dir.File("bad.pt")}: does not fit --kind ring-mlp", e.Message);
        Assert.Contains("missing fc1.bias, fc2.bias", e.Message);
        Assert.Contains("unexpected fc3.bias", e.Message);
        Assert.Contains("fc2.weight has shape (10, 15), the model needs (10, 16)", e.Message);
        Assert.False(Directory.Exists(dir.File("m")));
    }

    [Fact]
    public void An_unknown_kind_names_the_kinds()
    {
        var e = Assert.Throws<InvalidOptionException>(() => LabKinds.Find("resnet"));
        Assert.Contains("vae-probe, rotated, ring-linear, ring-mlp", e.Message);
    }
}
