using System.IO.Compression;
using MnistLab.Cli;
using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Import;

/// <summary>
/// Damaged model files and architectures: each is one line naming the file and what is wrong, exit code 1 from the
/// command, and nothing written (no model folder, no staging folder beside it).
/// </summary>
[Collection(RealMnistCollection.Name)]
public class BadInputTests(RealMnist mnist)
{
    static byte[] Fixture(string name) => File.ReadAllBytes(ModelFixtures.File(name));

    /// <summary>A torch.save archive whose entries are renamed to lie outside its folder.</summary>
    internal static byte[] ZipWithEntryOutside(byte[] original, string outsideName)
    {
        using var input = new ZipArchive(new MemoryStream(original), ZipArchiveMode.Read);
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            bool first = true;
            foreach (var entry in input.Entries)
            {
                var copy = zip.CreateEntry(first ? outsideName : entry.FullName, CompressionLevel.NoCompression);
                first = false;
                using var from = entry.Open();
                using var to = copy.Open();
                from.CopyTo(to);
            }
        }
        return output.ToArray();
    }

    public static TheoryData<string, string, string> Cases() => new()
    {
        { "truncated.pt", "cnn.pt:truncate", "not a valid PyTorch zip archive" },
        { "flipped.pt", "cnn.pt:flip", "does not match its CRC-32" },
        { "outside.pt", "cnn.pt:outside", "lies outside the archive" },
        { "truncated.safetensors", "cnn.safetensors:truncate", "not a valid safetensors file" },
        { "header.safetensors", "cnn.safetensors:header", "header length" },
        { "truncated.onnx", "cnn.onnx:truncate", "not a valid ONNX file" },
        { "truncated.torchscript.pt", "cnn.torchscript.pt:truncate", "not a valid PyTorch zip archive" },
        { "truncated.json", "cnn.json:truncate", "not a valid architecture file" },
        { "unchained.json", "cnn.json:unchain", "layer 6 (Linear) expects 1000 input features, gets 1568" },
    };

    /// <summary>Writes the damaged file into <paramref name="dir"/>; returns the import's arguments (model file, architecture).</summary>
    static (string From, string? Arch) Damage(TempDir dir, string name, string how)
    {
        var (source, kind) = (how.Split(':')[0], how.Split(':')[1]);
        byte[] bytes = Fixture(source);
        byte[] damaged = kind switch
        {
            "truncate" => bytes[..(bytes.Length * 2 / 3)],
            "flip" => bytes.Select((b, i) => i == bytes.Length / 2 ? (byte)(b ^ 0x04) : b).ToArray(),
            "outside" => ZipWithEntryOutside(bytes, "../../elsewhere/data.pkl"),
            "header" => [0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, .. bytes[8..]],
            "unchain" => System.Text.Encoding.UTF8.GetBytes(File.ReadAllText(ModelFixtures.File(source)).Replace("\"in_features\": 1568", "\"in_features\": 1000")),
            _ => throw new ArgumentException(kind),
        };
        File.WriteAllBytes(dir.File(name), damaged);
        return name.EndsWith(".json") ? (ModelFixtures.File("cnn.pt"), dir.File(name)) : (dir.File(name), name.EndsWith(".onnx") || name.Contains("torchscript") ? null : ModelFixtures.File("cnn.json"));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void One_line_naming_the_file_and_the_fault_exit_1_and_nothing_written(string name, string how, string fault)
    {
        using var dir = new TempDir();
        var (from, arch) = Damage(dir, name, how);
        string named = dir.File(name);

        var e = Assert.ThrowsAny<MnistLabException>(() => ModelImport.Run(new ModelImportOptions(from, dir.File("out"), Arch: arch), mnist.Data.Test));
        Assert.IsNotType<InvalidOptionException>(e);
        Assert.StartsWith($"{named}: ", e.Message);
        Assert.Contains(fault, e.Message);
        Assert.DoesNotContain('\n', e.Message);

        string[] args = ["model", "import", "--from", from, "--out", dir.File("out"), "--no-fetch", .. arch is null ? Array.Empty<string>() : ["--arch", arch]];
        Assert.Equal(CliApp.Failure, CliApp.Run(args));
        Assert.False(Directory.Exists(dir.File("out")));
        Assert.Empty(Directory.GetDirectories(dir.Path));
    }

    [Fact]
    public void Expected_logits_that_differ_fail_the_import_and_write_nothing()
    {
        using var dir = new TempDir();
        var logits = ModelFixtures.Logits("cnn");
        var shifted = logits.Values.Take(100 * 10).Select((v, i) => i == 537 ? v + 1e-3f : v).ToArray();
        using (var npy = new MnistLab.Export.NpyWriter(dir.File("shifted.npy"), [100, 10]))
        {
            npy.Append(shifted);
            npy.Complete();
        }
        var options = new ModelImportOptions(ModelFixtures.File("cnn.onnx"), dir.File("out"), ExpectLogits: dir.File("shifted.npy"));
        var e = Assert.Throws<MnistLabException>(() => ModelImport.Run(options, mnist.Data.Test));
        Assert.Matches(@"differ from these by up to 0\.00099\d* on the first 100 test images, more than the tolerance 0\.0001", e.Message);
        Assert.False(Directory.Exists(dir.File("out")));
        // Within a looser tolerance the same file passes, and the card records the difference.
        var result = ModelImport.Run(options with { Tolerance = 2e-3 }, mnist.Data.Test);
        Assert.InRange(result.Card.ExpectedLogits!.MaxAbsDifference, 0.9e-3, 1.1e-3);
    }

    [Fact]
    public void Activations_of_an_imported_model_are_its_logits_on_the_whole_test_set()
    {
        _ = mnist.Data;
        using var dir = new TempDir();
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", ModelFixtures.File("mlp.safetensors"), "--arch", ModelFixtures.File("mlp.json"), "--out", dir.File("m"), "--no-fetch"]));
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "show", "--model", dir.File("m")]));
        Assert.Equal(CliApp.Ok, CliApp.Run(["activations", "--model", dir.File("m"), "--layer", "output", "--split", "test", "--out", dir.File("logits.npy"), "--no-fetch"]));
        var got = NpyReader.Read(dir.File("logits.npy"));
        var expected = ModelFixtures.Logits("mlp");
        Assert.Equal(expected.Shape, got.Shape);
        Assert.True(expected.Values.Zip(got.Values, (a, b) => Math.Abs(a - b)).Max() <= 1e-4);
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "export", "--model", dir.File("m"), "--to", dir.File("back.safetensors")]));
        Assert.True(File.Exists(dir.File("back.safetensors")));
    }

    [Theory]
    [InlineData("model", "import", "--help")]
    [InlineData("model", "export", "--help")]
    [InlineData("model", "show", "--help")]
    [InlineData("activations", "--help")]
    public void Help_of_the_model_commands_exits_with_0(params string[] args)
    {
        Assert.Equal(CliApp.Ok, CliApp.Run(args)); // descriptions are Spectre markup: a stray [..] would fail here
    }

    [Theory]
    [InlineData("model", "import", "--out", "x")]
    [InlineData("model", "import", "--from", "a.pt", "--arch", "a.json", "--kind", "rotated", "--out", "x")]
    [InlineData("model", "import", "--from", "no-such-file.pt", "--kind", "rotated", "--out", "x")]
    [InlineData("model", "show")]
    [InlineData("model", "export", "--model", "no-such-folder", "--to", "x.pt")]
    [InlineData("activations", "--model", "no-such-folder", "--layer", "output", "--out", "x.npy")]
    public void Bad_usage_exits_with_2(params string[] args)
    {
        Assert.Equal(CliApp.Usage, CliApp.Run(args));
    }
}
