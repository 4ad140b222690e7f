using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using MnistLab.Cli;
using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Import;

/// <summary>
/// A parameter or buffer that holds NaN or ±inf (a running variance of inf, a weight of NaN) is refused at import in
/// every format that carries weights, with one error naming the file and the tensor, exit code 1, and nothing written:
/// such a model still gives ten numbers per image, so without the check it imported with a wrong accuracy.
/// </summary>
[Collection(RealMnistCollection.Name)]
public class NonFiniteWeightsTests(RealMnist mnist)
{
    const string Finite = "a model's parameters and buffers must be finite.";

    /// <summary>A safetensors file with the first values of <paramref name="tensor"/> (F32) replaced: 8-byte header length, JSON header, raw little-endian data.</summary>
    static byte[] SafetensorsWith(byte[] file, string tensor, params float[] values)
    {
        var bytes = (byte[])file.Clone();
        int length = (int)BitConverter.ToUInt64(bytes, 0);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, length))![tensor]!;
        Assert.Equal("F32", header["dtype"]!.GetValue<string>());
        long begin = 8 + length + header["data_offsets"]![0]!.GetValue<long>();
        for (int i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan((int)begin + 4 * i), values[i]);
        return bytes;
    }

    /// <summary>
    /// A torch.save or torch.jit.save archive with the first values of the storage that holds <paramref name="tensor"/>
    /// (found by its bytes) replaced, written again with fresh CRC-32s: a well-formed archive of other weights.
    /// </summary>
    static byte[] ArchiveWith(byte[] original, Tensor tensor, params float[] values)
    {
        byte[] stored = tensor.contiguous().bytes.ToArray();
        using var input = new ZipArchive(new MemoryStream(original), ZipArchiveMode.Read);
        using var output = new MemoryStream();
        int replaced = 0;
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var entry in input.Entries)
            {
                using var from = entry.Open();
                var content = new MemoryStream();
                from.CopyTo(content);
                byte[] bytes = content.ToArray();
                if (bytes.AsSpan().SequenceEqual(stored))
                {
                    for (int i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(4 * i), values[i]);
                    replaced++;
                }
                using var to = zip.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                to.Write(bytes);
            }
        Assert.Equal(1, replaced);
        return output.ToArray();
    }

    /// <summary>The import of <paramref name="from"/> fails with <paramref name="expected"/>, from the library and the command, writing nothing.</summary>
    void Refused(TempDir dir, string from, string? arch, string expected)
    {
        var e = Assert.Throws<DataFormatException>(() => ModelImport.Run(new ModelImportOptions(from, dir.File("out"), Arch: arch), mnist.Data.Test));
        Assert.Equal(expected, e.Message);
        string[] args = ["model", "import", "--from", from, "--out", dir.File("out"), "--no-fetch", .. arch is null ? Array.Empty<string>() : ["--arch", arch]];
        Assert.Equal(CliApp.Failure, CliApp.Run(args));
        Assert.False(Directory.Exists(dir.File("out")));
        Assert.Empty(Directory.GetDirectories(dir.Path));
    }

    [Fact]
    public void A_safetensors_running_variance_of_inf_is_refused_naming_the_file_and_tensor()
    {
        using var dir = new TempDir();
        string path = dir.File("cnn.safetensors");
        File.WriteAllBytes(path, SafetensorsWith(File.ReadAllBytes(ModelFixtures.File("cnn.safetensors")), "1.running_var", float.PositiveInfinity, float.PositiveInfinity, float.PositiveInfinity));
        Refused(dir, path, ModelFixtures.File("cnn.json"), $"{path}: tensor '1.running_var' holds 3 non-finite values (inf); {Finite}");
    }

    [Fact]
    public void A_torch_save_weight_of_nan_and_minus_inf_is_refused()
    {
        using var dir = new TempDir();
        string path = dir.File("cnn.pt");
        using (var original = StateDictFile.ReadPyTorch(ModelFixtures.File("cnn.pt")))
            File.WriteAllBytes(path, ArchiveWith(File.ReadAllBytes(ModelFixtures.File("cnn.pt")), original.Tensors["0.weight"], float.NaN, float.NegativeInfinity));
        Refused(dir, path, ModelFixtures.File("cnn.json"), $"{path}: tensor '0.weight' holds 2 non-finite values (NaN, -inf); {Finite}");
    }

    [Fact]
    public void A_torchscript_buffer_of_inf_is_refused_run_as_it_is_and_into_an_architecture()
    {
        using var dir = new TempDir();
        string path = dir.File("cnn.torchscript.pt");
        string key;
        using (var original = StateDictFile.ReadTorchScript(ModelFixtures.File("cnn.torchscript.pt")))
        {
            key = original.Tensors.Keys.Single(k => k.EndsWith("running_var"));
            File.WriteAllBytes(path, ArchiveWith(File.ReadAllBytes(ModelFixtures.File("cnn.torchscript.pt")), original.Tensors[key], float.PositiveInfinity));
        }
        Refused(dir, path, null, $"{path}: tensor '{key}' holds 1 non-finite value (inf); {Finite}");
        var e = Assert.Throws<DataFormatException>(() => StateDictFile.ReadTorchScript(path));
        Assert.Equal($"{path}: tensor '{key}' holds 1 non-finite value (inf); {Finite}", e.Message);
    }

    [Fact]
    public void An_onnx_initializer_of_inf_is_refused_naming_the_initializer()
    {
        using var dir = new TempDir();
        var g = new OnnxGraphs().Input("image", 1, 28, 28);
        string conv = g.Node("Conv", ["image", g.Random("conv.weight", [4, 1, 3, 3]), g.Random("conv.bias", [4])], "conv", OnnxGraphs.Ints("pads", 1, 1, 1, 1));
        var variance = Enumerable.Repeat(1f, 4).ToArray();
        variance[2] = float.PositiveInfinity;
        string bn = g.Node("BatchNormalization", [conv, g.Random("bn.weight", [4]), g.Random("bn.bias", [4]), g.Random("bn.running_mean", [4]),
            g.Constant(OnnxGraphs.Tensor("bn.running_var", [4], variance))], "bn");
        string flat = g.Node("Flatten", [bn], "flat");
        string logits = g.Node("Gemm", [flat, g.Random("fc.weight", [10, 4 * 28 * 28], -0.01, 0.01), g.Random("fc.bias", [10])], "logits", OnnxGraphs.Int("transB", 1));
        string path = dir.File("bn.onnx");
        File.WriteAllBytes(path, g.Build(logits));
        Refused(dir, path, null, $"{path}: tensor 'bn.running_var' holds 1 non-finite value (inf); {Finite}");

        // The same graph with a finite variance imports.
        variance[2] = 1f;
        var ok = new OnnxGraphs().Input("image", 1, 28, 28);
        conv = ok.Node("Conv", ["image", ok.Random("conv.weight", [4, 1, 3, 3]), ok.Random("conv.bias", [4])], "conv", OnnxGraphs.Ints("pads", 1, 1, 1, 1));
        bn = ok.Node("BatchNormalization", [conv, ok.Random("bn.weight", [4]), ok.Random("bn.bias", [4]), ok.Random("bn.running_mean", [4]),
            ok.Constant(OnnxGraphs.Tensor("bn.running_var", [4], variance))], "bn");
        flat = ok.Node("Flatten", [bn], "flat");
        logits = ok.Node("Gemm", [flat, ok.Random("fc.weight", [10, 4 * 28 * 28], -0.01, 0.01), ok.Random("fc.bias", [10])], "logits", OnnxGraphs.Int("transB", 1));
        File.WriteAllBytes(path, ok.Build(logits));
        ModelImport.Run(new ModelImportOptions(path, dir.File("out")), mnist.Data.Test);
    }
}
