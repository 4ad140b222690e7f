using System.Text;
using System.Text.Json;
using MnistLab.Analysis.Dictionaries;
using MnistLab.Cli;
using MnistLab.Common;
using MnistLab.Export;
using MnistLab.Import;
using MnistLab.Models;
using MnistLab.Tests.Import;
using MnistLab.Tests.Support;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Tests.Cli;

[Collection(RealMnistCollection.Name)]
public class DictionaryCommandTests(RealMnist mnist)
{
    static void WriteNpy(string path, long[] shape, float[] values)
    {
        using var npy = new NpyWriter(path, shape);
        npy.Append(values);
        npy.Complete();
    }

    /// <summary>A .npy of int64 zeros: the format is right, the dtype is not.</summary>
    static void WriteInt64Npy(string path, int rows, int cols)
    {
        string dict = $"{{'descr': '<i8', 'fortran_order': False, 'shape': ({rows}, {cols}), }}";
        int padded = (10 + dict.Length + 1 + 63) / 64 * 64;
        var header = new byte[padded];
        new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }.CopyTo(header, 0);
        BitConverter.GetBytes((ushort)(padded - 10)).CopyTo(header, 8);
        Encoding.ASCII.GetBytes(dict.PadRight(padded - 11) + "\n").CopyTo(header, 10);
        File.WriteAllBytes(path, [.. header, .. new byte[rows * cols * 8]]);
    }

    [Fact]
    public void A_dictionary_of_an_activation_matrix_writes_its_weights_in_the_inputs_units_and_its_metrics()
    {
        using var dir = new TempDir();
        using var planted = new PlantedFeatures(dims: 12, Enumerable.Repeat(0.05, 24).ToArray(), rows: 3_000, seed: 7);
        using var scaled = planted.Rows * 3 + 1; // an offset and a scale of its own, as real activations have
        WriteNpy(dir.File("acts.npy"), [3_000, 12], scaled.data<float>().ToArray());

        Assert.Equal(CliApp.Ok, CliApp.Run(["dictionary", "--activations", dir.File("acts.npy"), "--kind", "topk", "--width", "48", "-k", "2",
            "--epochs", "20", "--batch-size", "128", "--lr", "0.01", "--out", dir.File("out")]));

        var decoder = NpyReader.Read(dir.File("out/dictionary.npy"));
        var encoder = NpyReader.Read(dir.File("out/encoder.npy"));
        var encoderBias = NpyReader.Read(dir.File("out/encoder_bias.npy"));
        var bias = NpyReader.Read(dir.File("out/bias.npy"));
        Assert.Equal([48L, 12L], decoder.Shape);
        Assert.Equal([12L, 48L], encoder.Shape);
        Assert.Equal([48L], encoderBias.Shape);
        Assert.Equal([12L], bias.Shape);
        Assert.False(File.Exists(dir.File("out/threshold.npy")));
        foreach (var f in new[] { "metrics.json", "report.md", "report.html", "frequency.png", "training.png", "checkpoints/dictionary.ckpt" })
            Assert.True(File.Exists(dir.File($"out/{f}")), f);

        // Rebuilt from the files alone, with TopK's rule, the reconstruction of every row is as good as metrics.json says.
        using var e = tensor(encoder.Values, encoder.Shape);
        using var c = tensor(encoderBias.Values);
        using var b = tensor(bias.Values);
        using var d = tensor(decoder.Values, decoder.Shape);
        using var pre = (scaled - b).matmul(e) + c;
        var (top, index) = pre.topk(2, dim: 1);
        using var codes = zeros_like(pre).scatter(1, index, nn.functional.relu(top));
        using var reconstruction = codes.matmul(d) + b;
        double fvu = (reconstruction - scaled).pow(2).sum().item<float>() / (scaled - scaled.mean([0], keepdim: true)).pow(2).sum().item<float>();

        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("out/metrics.json")));
        var root = doc.RootElement;
        Assert.InRange(fvu, root.GetProperty("fvu").GetDouble() - 0.05, root.GetProperty("fvu").GetDouble() + 0.05);
        Assert.True(fvu < 0.3, $"FVU {fvu}");
        Assert.Equal(300, root.GetProperty("test_rows").GetInt64()); // a tenth held out
        Assert.InRange(root.GetProperty("l0").GetDouble(), 0.5, 2.0);
        Assert.Equal(48, root.GetProperty("feature_frequency").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("splice").ValueKind);
        Assert.Equal("topk", root.GetProperty("options").GetProperty("kind").GetString());
        string report = File.ReadAllText(dir.File("out/report.md"));
        Assert.Contains("**FVU** (fraction of variance unexplained)", report);
        Assert.Contains("Gao et al.'s auxiliary loss", report);
    }

    [Fact]
    public void A_jumprelu_dictionary_writes_each_features_threshold()
    {
        using var dir = new TempDir();
        using var planted = new PlantedFeatures(dims: 12, Enumerable.Repeat(0.05, 24).ToArray(), rows: 2_000, seed: 8);
        WriteNpy(dir.File("acts.npy"), [2_000, 12], planted.Rows.data<float>().ToArray());
        Assert.Equal(CliApp.Ok, CliApp.Run(["dictionary", "--activations", dir.File("acts.npy"), "--kind", "jumprelu", "--width", "24", "--l1", "2",
            "--epochs", "3", "--batch-size", "128", "--out", dir.File("out")]));
        var threshold = NpyReader.Read(dir.File("out/threshold.npy"));
        Assert.Equal([24L], threshold.Shape);
        Assert.All(threshold.Values, t => Assert.True(t > 0 && float.IsFinite(t), $"threshold {t}"));
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("out/metrics.json")));
        Assert.Equal("threshold.npy", doc.RootElement.GetProperty("files").GetProperty("threshold").GetString());
        Assert.Contains("none: this kind has no revival", File.ReadAllText(dir.File("out/report.md")));
    }

    [Fact]
    public void A_matrix_of_the_wrong_dtype_or_shape_is_bad_usage_naming_the_file()
    {
        using var dir = new TempDir();
        WriteInt64Npy(dir.File("ints.npy"), 100, 4);
        WriteNpy(dir.File("cube.npy"), [10, 2, 3], new float[60]);
        foreach (var (file, words) in new[] { ("ints.npy", "dtype '<i8'"), ("cube.npy", "expected a 2-D array (rows, features), got shape (10, 2, 3)") })
        {
            var e = Assert.Throws<InvalidOptionException>(() => MatrixRows.FromNpy(dir.File(file), 0.1, 0));
            Assert.Contains(dir.File(file), e.Message);
            Assert.Contains(words, e.Message);
            Assert.Equal(CliApp.Usage, CliApp.Run(["dictionary", "--activations", dir.File(file), "--out", dir.File("out")]));
        }
        Assert.Equal(CliApp.Usage, CliApp.Run(["dictionary", "--activations", dir.File("none.npy"), "--out", dir.File("out")]));
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void Bad_usage_exits_with_2_and_an_unknown_layer_is_named_with_the_flag_that_gave_it()
    {
        using var dir = new TempDir();
        using (var train = Digits.SeparableSet(10))
        using (var init = Seeds.Generator(0, "test/init"))
        using (var model = new MlpSpec(784, 16).Create(init))
            Trainer.Train(model, train, null, LossKind.CrossEntropy, new TrainOptions { Epochs = 1, BatchSize = 20 }, name: "mlp",
                checkpoints: new Checkpointing(dir.File("run"), CheckpointMode.Fresh));
        string ckpt = Path.Combine(dir.File("run"), "mlp.ckpt");
        string[] common = ["--out", dir.File("out"), "--no-fetch", "--data", dir.File("no-data")];
        Assert.Equal(CliApp.Ok, CliApp.Run(["dictionary", "--help"])); // the command's flags are well formed, so a 2 below is the check's

        Assert.Equal(CliApp.Usage, CliApp.Run(["dictionary", "--checkpoint", ckpt, "--layer", "relu1", "--kind", "nope", .. common]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["dictionary", "--checkpoint", ckpt, "--layer", "relu1", "--kind", "relu-l1", "-k", "4", .. common]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["dictionary", "--checkpoint", ckpt, .. common])); // no --layer
        Assert.Equal(CliApp.Usage, CliApp.Run(["dictionary", "--checkpoint", ckpt, "--activations", dir.File("a.npy"), "--layer", "relu1", .. common]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["dictionary", "--checkpoint", ckpt, "--layer", "relu1", "--width", "0", .. common]));

        using var p = CliProcess.Start(["dictionary", "--checkpoint", ckpt, "--layer", "nope", .. common]);
        Assert.Equal(CliApp.Usage, p.Wait(TimeSpan.FromMinutes(1)));
        Assert.Contains("--layer: Mlp has no point 'nope'; its points are input, fc1, relu1, fc2, output.", p.Words);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void A_dictionary_of_a_classifiers_hidden_layer_is_spliced_back_into_the_model()
    {
        using var dir = new TempDir();
        using (TorchSetup.OneLibtorchThread()) // small products: one thread is faster on a busy machine
        using (var init = Seeds.Generator(0, "test/init"))
        using (var model = new MlpSpec(784, 32).Create(init))
            Trainer.Train(model, mnist.Data.Train, null, LossKind.CrossEntropy, new TrainOptions { Epochs = 1 }, name: "mlp",
                checkpoints: new Checkpointing(dir.File("run"), CheckpointMode.Fresh));
        Assert.Equal(CliApp.Ok, CliApp.Run(["dictionary", "--checkpoint", Path.Combine(dir.File("run"), "mlp.ckpt"), "--layer", "relu1", "--kind", "topk",
            "--width", "64", "-k", "8", "--epochs", "1", "--concepts", "class,ring", "--no-fetch", "--out", dir.File("out")]));

        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("out/metrics.json")));
        var root = doc.RootElement;
        Assert.Equal(10_000, root.GetProperty("test_rows").GetInt64()); // a dense point: one row per test image
        Assert.Equal(32, root.GetProperty("features").GetInt32());
        var s = root.GetProperty("splice");
        double Get(string row, string field) => s.GetProperty(row).GetProperty(field).GetDouble();
        Assert.Equal(0, Get("model", "kl"), 9); // the model against itself
        Assert.True(Get("model", "accuracy") > 0.85);
        Assert.True(Get("dictionary", "accuracy") > Get("zero", "accuracy") && Get("dictionary", "accuracy") > Get("mean", "accuracy"));
        Assert.True(Get("dictionary", "kl") < Get("mean", "kl"));
        Assert.True(s.GetProperty("loss_recovered").GetDouble() > 0.5, $"loss recovered {s.GetProperty("loss_recovered").GetDouble()}");
        Assert.True(root.GetProperty("fvu").GetDouble() < 0.5);
        Assert.InRange(root.GetProperty("l0").GetDouble(), 1, 8);
        // Some feature of a trained classifier's hidden layer tells one digit from the rest.
        var best = root.GetProperty("concepts").GetProperty("best_feature_per_concept").EnumerateArray().Single(m => m.GetProperty("concept").GetString() == "class");
        Assert.True(best.GetProperty("score").GetDouble() > 0.85, $"best class AUC {best.GetProperty("score").GetDouble()}");
        Assert.True(File.Exists(dir.File("out/features.png"))); // the tabled features' top-activating images
        Assert.Contains("![top-activating images](features.png)", File.ReadAllText(dir.File("out/report.md")));
        // Each tabled feature's logit effect: after relu1 the MLP is linear (fc2), so the first-order estimate is the measurement.
        var effects = root.GetProperty("feature_effects").EnumerateArray().ToList();
        Assert.NotEmpty(effects);
        foreach (var e in effects)
        {
            double[] measured = [.. e.GetProperty("measured").EnumerateArray().Select(v => v.GetDouble())];
            double[] linearised = [.. e.GetProperty("linearised").EnumerateArray().Select(v => v.GetDouble())];
            Assert.Equal(10, measured.Length);
            for (int k = 0; k < 10; k++) Assert.Equal(measured[k], linearised[k], 1e-4 * (1 + Math.Abs(measured[k])));
        }
        Assert.Contains(effects, e => e.GetProperty("images").GetInt32() > 0 && e.GetProperty("measured").EnumerateArray().Max(v => Math.Abs(v.GetDouble())) > 0.01);
        Assert.Contains("| raises most | logit effect | first-order |", File.ReadAllText(dir.File("out/report.md")));
        Assert.Contains("aria-sort", File.ReadAllText(dir.File("out/report.html"))); // the table sorts by any column
        var maps = MnistLab.Import.NpyReader.Read(dir.File("out/feature_maps.npy"));
        Assert.Equal([effects.Count, 28L, 28L], maps.Shape);
        Assert.Contains(maps.Values, v => v != 0);
    }

    [Fact]
    public void A_conv_point_is_read_per_position_with_its_channels_as_features()
    {
        using var dir = new TempDir();
        var data = mnist.Data;
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", ModelFixtures.File("cnn.pt"), "--arch", ModelFixtures.File("cnn.json"), "--no-fetch", "--out", dir.File("cnn")]));
        using var loaded = LoadedModel.FromFolder(dir.File("cnn"));
        using var trainIndex = arange(0, 20, dtype: ScalarType.Int64);
        using var testIndex = arange(0, 10, dtype: ScalarType.Int64);
        using var train = data.Train.Subset(trainIndex, "train[0:20]");
        using var test = data.Test.Subset(testIndex, "test[0:10]");
        var point = new PointRows(loaded, "2", train, test); // the ReLU after the first conv: (8, 28, 28)

        Assert.Equal(8, point.Features);
        Assert.Equal(784, point.RowsPerItem);
        using (var activation = point.Activation(test.Images.narrow(0, 0, 3)))
        using (var rows = point.ToRows(activation))
        using (var back = point.FromRows(rows))
        {
            Assert.Equal([3L * 784, 8L], rows.shape);
            Assert.True(back.eq(activation).all().item<bool>());
            // Row (image 1, y 5, x 7) holds the 8 channels at that position.
            Assert.True(rows[784 + 5 * 28 + 7].eq(activation[1, .., 5, 7]).all().item<bool>());
        }

        var r = SparseDictionary.Compute(point, new DictionaryOptions { Width = 16, K = 2, Epochs = 1, BatchSize = 256 });
        Assert.Equal(10 * 784, r.Metrics.Rows);
        Assert.NotNull(r.Splice);
        Assert.Equal(10, r.Splice!.Images);
        // A feature fires in an image when it fires at any of its positions; its effect is averaged over those images.
        Assert.NotNull(r.Effects);
        Assert.Equal(r.Metrics.Shown(), r.Effects!.Select(e => e.Feature));
        Assert.All(r.Effects, e => Assert.InRange(e.Images, 1, 10));

        // Each shown feature's mean IG map over its top images is complete: it sums to the mean, over those images, of the
        // feature's pre-activation (summed over positions) at the image minus at the blank image.
        Assert.Equal(r.Effects.Count, r.Maps!.Count);
        var d = r.Dictionary;
        using var encoder = tensor(d.Encoder, [d.Features, d.Width]);
        using var encoderBias = tensor(d.EncoderBias);
        using var bias = tensor(d.Bias);
        double PreSum(Tensor images, int f)
        {
            using var scope = NewDisposeScope();
            var rows = point.ToRows(point.Activation(images));
            return ((rows - bias).matmul(encoder) + encoderBias).select(1, f).sum().item<float>() / images.shape[0];
        }
        var shown = r.Metrics.Shown();
        for (int i = 0; i < shown.Count; i++)
        {
            int[] top = r.Concepts!.TopImages[shown[i]];
            if (top.Length == 0) continue;
            using var images = test.Images.index_select(0, tensor(top.Select(t => (long)t).ToArray()));
            using var blank = zeros_like(images);
            double expected = PreSum(images, shown[i]) - PreSum(blank, shown[i]);
            Assert.Equal(expected, r.Maps[i].Sum(v => (double)v), 0.02 * Math.Abs(expected) + 1e-3);
        }
    }
}
