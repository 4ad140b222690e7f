using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Import.Layers;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Tests.Import;

public class ArchitectureTests
{
    const string Example = """
        {"input": [1, 28, 28],
         "normalize": {"mean": [0.1307], "std": [0.3081]},
         "layers": [
           {"type": "Conv2d", "in_channels": 1, "out_channels": 8, "kernel_size": 3, "padding": 1},
           {"type": "BatchNorm2d", "num_features": 8}, {"type": "ReLU"}, {"type": "MaxPool2d", "kernel_size": 2},
           {"type": "Flatten"}, {"type": "Dropout", "p": 0.25},
           {"type": "Linear", "in_features": 1568, "out_features": 10}]}
        """;

    [Fact]
    public void The_example_reads_with_pytorchs_defaults()
    {
        var arch = Architecture.Parse(Example, "example.json");
        Assert.Equal(["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Flatten", "Dropout", "Linear"], arch.Layers.Select(l => l.TypeName));
        var conv = Assert.IsType<Conv2dLayer>(arch.Layers[0]);
        Assert.Equal((1L, 1L), conv.Stride.ToTuple());
        Assert.Equal(1, conv.Groups);
        Assert.True(conv.Bias);
        var pool = Assert.IsType<MaxPool2dLayer>(arch.Layers[3]);
        Assert.Null(pool.Stride); // PyTorch: stride defaults to the kernel size
        Assert.Equal(1e-5, Assert.IsType<BatchNorm2dLayer>(arch.Layers[1]).Eps);
        Assert.Equal([8L, 14, 14], ShapeTrace.Through(arch.Layers, arch.Input)[3]);
    }

    [Fact]
    public void The_state_dict_keys_are_nn_sequentials()
    {
        using var model = new SequentialSpec(Architecture.Parse(Example, "example.json")).Create();
        using var saved = StateDictFile.ReadPyTorch(ModelFixtures.File("cnn.pt")); // the same architecture, saved by PyTorch
        Assert.Equal(saved.Tensors.Keys.Order(), model.state_dict().Keys.Order());
    }

    [Fact]
    public void Normalisation_is_applied_to_the_image_inside_the_model()
    {
        // Linear(784, 1) with every weight 1: output = Σ (x - 0.5) / 0.25 = 4 Σx - 1568.
        var arch = Architecture.Parse("""{"input": [784], "normalize": {"mean": [0.5], "std": [0.25]}, "layers": [{"type": "Linear", "in_features": 784, "out_features": 1}]}""", "a.json");
        using var model = new SequentialSpec(arch).Create();
        using (no_grad())
        {
            foreach (var (name, p) in model.named_parameters()) p.copy_(name.EndsWith("weight") ? ones_like(p) : zeros_like(p));
        }
        using var scope = NewDisposeScope();
        var x = rand(3, 1, 28, 28, generator: new Generator(5));
        var expected = x.reshape(3, -1).sum(1).mul(4).sub(1568);
        Assert.True(model.call(x).reshape(3).allclose(expected, rtol: 1e-5, atol: 1e-3));
        Assert.Equal(["input", "normalize", "0", "output"], ((ILabModel)model).Points.Select(p => p.Name));
        Assert.DoesNotContain(model.state_dict().Keys, k => k.StartsWith("normalize"));
    }

    [Theory]
    [InlineData("""{"input": [1, 28, 28], "layers": [{"type": "Conv3d", "in_channels": 1}]}""", "layer 0 has type 'Conv3d'; the layer types are Linear, Conv2d")]
    [InlineData("""{"input": [1, 28, 28], "layers": [{"type": "Conv2d", "in_channels": 1, "out_channels": 2, "kernal_size": 3}]}""", "kernal_size")]
    [InlineData("""{"input": [1, 28, 28], "layers": [{"type": "Linear", "in_features": 784}]}""", "out_features")]
    [InlineData("""{"input": [1, 28, 28], "layers": [{"type": "Reshape", "shape": [-1, 784]}]}""", "layer 0 has type 'Reshape'")]
    [InlineData("""{"input": [1, 28, 28], "layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": 1000, "out_features": 10}]}""", "layer 1 (Linear) expects 1000 input features, gets 784 (input (N, 784))")]
    [InlineData("""{"input": [784], "layers": [{"type": "Conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": 3}]}""", "layer 0 (Conv2d) expects a 4-D input (batch included), gets (N, 784)")]
    [InlineData("""{"input": [1, 28, 28], "layers": [{"type": "BatchNorm2d", "num_features": 3}]}""", "layer 0 (BatchNorm2d) expects 3 channels, gets 1")]
    [InlineData("""{"input": [1, 28, 28], "layers": [{"type": "MaxPool2d", "kernel_size": 30}]}""", "layer 0 (MaxPool2d) a kernel of 30 does not fit the input (N, 1, 28, 28)")]
    [InlineData("""{"input": [1, 28, 28], "normalize": {"mean": [0.1, 0.2], "std": [1, 1]}, "layers": [{"type": "ReLU"}]}""", "normalize has 2 means, the input has 1 channel(s)")]
    [InlineData("""{"input": [1, 28, 28], "normalize": {"mean": [0.1], "std": [0]}, "layers": [{"type": "ReLU"}]}""", "positive finite stds")]
    [InlineData("""{"input": [28, 28], "layers": [{"type": "ReLU"}]}""", "input (28, 28) must be")]
    [InlineData("""{"input": [1, 28, 28], "layers": []}""", "no layers")]
    [InlineData("""{"input": [1, 28, 28], "layers": [{"type": "ReLU"}""", "not a valid architecture file")]
    public void A_bad_architecture_is_one_error_naming_the_file_and_the_fault(string json, string expected)
    {
        var e = Assert.Throws<DataFormatException>(() => Architecture.Parse(json, "arch.json"));
        Assert.StartsWith("arch.json: ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Sizes_read_as_a_number_or_a_pair_and_are_written_back_as_read()
    {
        var arch = Architecture.Parse("""{"input": [1, 28, 28], "layers": [{"type": "Conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": [3, 5], "padding": [1, 2]}]}""", "a.json");
        var conv = Assert.IsType<Conv2dLayer>(arch.Layers[0]);
        Assert.Equal(new IntPair(3, 5), conv.KernelSize);
        Assert.Equal([2L, 28, 28], ShapeTrace.Through(arch.Layers, arch.Input)[0]);
        string json = Json.Serialize(arch);
        Assert.Contains("\"kernel_size\": [\n", json.Replace("\r", ""));
        Assert.Equal(arch.Layers[0], Architecture.Parse(json, "again.json").Layers[0]);
    }
}
