using System.Globalization;
using System.Text.Json;
using MnistLab.Analysis;
using MnistLab.Analysis.Information;
using MnistLab.Cli;
using MnistLab.Data;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Cli;

/// <summary>What the command line says: the library names an option, the command adds its flag; data folders; full-precision output.</summary>
public class MessagesTests
{
    static (int Code, string Words) Run(params string[] args)
    {
        using var p = CliProcess.Start(args);
        int code = p.Wait(TimeSpan.FromMinutes(2));
        return (code, p.Words);
    }

    [Fact]
    public void An_invalid_value_names_the_flag_the_user_gave_in_the_users_words()
    {
        var (code, words) = Run("run", "ring", "--alpha", "-1", "--no-fetch", "--data", "/nonexistent");
        Assert.Equal(CliApp.Usage, code);
        Assert.Contains("--alpha must be a finite number ≥ 0, got -1.", words);
        Assert.DoesNotContain("RingOptions", words);
        (code, words) = Run("run", "linearity", "--set", "train.epochs=0", "--no-fetch", "--data", "/nonexistent");
        Assert.Equal(CliApp.Usage, code);
        Assert.Contains("--set train.epochs must be ≥ 1, got 0.", words);
        Assert.DoesNotContain("--epochs", words); // a flag not given
        (code, words) = Run("run", "ring", "--set", "train.epoch=2");
        Assert.Equal(CliApp.Usage, code);
        Assert.Contains("'train.epoch' is not an option of RingOptions; the options are train.epochs,", words);
    }

    [Theory]
    [InlineData("--taget", "--target", "explain", "--checkpoint", "x.ckpt", "--taget", "pred", "--out", "x")]
    [InlineData("--step", "--steps", "explain", "--checkpoint", "x.ckpt", "--step", "5", "--out", "x")]
    [InlineData("--cuont", "--count", "activations", "--checkpoint", "x.ckpt", "--layer", "fc1", "--cuont", "10", "--out", "x.npy")]
    [InlineData("--qiuck", "--quick", "run", "ring", "--qiuck")]
    public void A_mistyped_option_is_bad_usage_naming_it_and_the_nearest_valid_one(string typo, string meant, params string[] args)
    {
        var (code, words) = Run(args);
        Assert.Equal(CliApp.Usage, code);
        Assert.Contains($"unknown option '{typo}'", words);
        Assert.Contains($"did you mean '{meant}'?", words);
    }

    [Fact]
    public void A_data_folder_lacking_files_is_an_error_naming_them_not_a_run_on_other_data()
    {
        // Before: a --data folder with a truncated file and nothing else ran on the MNIST in the cache, silently.
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File(MnistFiles.TrainImagesFile.Name), new byte[1000]);
        var (code, words) = Run("run", "linearity", "--epochs", "1", "--data", dir.Path, "--no-fetch", "--out", dir.File("out"));
        Assert.Equal(CliApp.Failure, code);
        Assert.Contains($"{dir.Path}: lacks train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte", words);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void A_truncated_file_in_the_data_folder_is_named()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path, train: 20, test: 10);
        string images = dir.File(MnistFiles.TrainImagesFile.Name);
        File.WriteAllBytes(images, File.ReadAllBytes(images)[..5000]);
        var (code, words) = Run("run", "linearity", "--epochs", "1", "--data", dir.Path, "--no-fetch", "--out", dir.File("out"));
        Assert.Equal(CliApp.Failure, code);
        Assert.Contains($"{images}: 5000 bytes, expected exactly", words);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void Mi_writes_every_estimate_with_full_precision()
    {
        using var dir = new TempDir();
        var rng = new Random(3);
        var rows = Enumerable.Range(0, 300).Select(i => (X: rng.NextDouble() * 6 - 3, Y: rng.NextDouble() * 6 - 3, Label: i % 3)).ToList();
        File.WriteAllLines(dir.File("f.csv"), ["x,y,label", .. rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.X + r.Label},{r.Y},{r.Label}"))]);
        Assert.Equal(CliApp.Ok, CliApp.Run(["mi", "--csv", dir.File("f.csv"), "--label-column", "label", "--out", dir.File("mi.csv")]));
        Assert.Equal(CliApp.Ok, CliApp.Run(["mi", "--csv", dir.File("f.csv"), "--label-column", "label", "--out", dir.File("mi.json")]));

        var table = CsvTable.Read(dir.File("f.csv"), "label");
        using var scope = NewDisposeScope();
        double[] expected = MutualInformation.Hard(tensor(table.Values, [table.Rows, 2]), tensor(table.Labels, [table.Rows]), Binning.Seed, table.Classes);
        var lines = File.ReadAllLines(dir.File("mi.csv"));
        Assert.Equal("column,mi_nats,mi_bits", lines[0]);
        Assert.Equal(expected[0], double.Parse(lines[1].Split(',')[1], CultureInfo.InvariantCulture)); // bit for bit
        Assert.Equal(expected[1], double.Parse(lines[2].Split(',')[1], CultureInfo.InvariantCulture));
        using var json = JsonDocument.Parse(File.ReadAllText(dir.File("mi.json")));
        Assert.Equal(expected[0], json.RootElement.GetProperty("columns")[0].GetProperty("mi_nats").GetDouble());
        Assert.Equal(300, json.RootElement.GetProperty("rows").GetInt32());
        Assert.Equal(CliApp.Usage, CliApp.Run(["mi", "--csv", dir.File("f.csv"), "--label-column", "label", "--out", dir.File("mi.txt")]));
    }
}
