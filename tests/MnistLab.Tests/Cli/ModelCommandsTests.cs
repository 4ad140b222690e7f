using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MnistLab.Cli;
using MnistLab.Data;
using MnistLab.Experiments.Linearity;
using MnistLab.Models;
using MnistLab.Tests.Support;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Tests.Cli;

/// <summary>`model show` and `activations` on checkpoints of a real (one-epoch) linearity run, trained once for the class.</summary>
[Collection(RealMnistCollection.Name)]
public class ModelCommandsTests(RealMnist mnist) : IDisposable
{
    static readonly TempDir Shared = new();
    static readonly Lock Training = new();
    readonly TempDir _dir = new();

    static ModelCommandsTests() => AppDomain.CurrentDomain.ProcessExit += (_, _) => Shared.Dispose();

    string Checkpoint(string training)
    {
        string run = Shared.File("run");
        lock (Training)
            if (!Directory.Exists(run))
                new LinearityExperiment().RunInto(new LinearityOptions { Train = new TrainOptions { Epochs = 1 }, Models = ["linear_ce", "mlp_ce"] },
                    run, LabData.Of(mnist.Data));
        return Path.Combine(run, "checkpoints", Checkpointing.FileName(training));
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>Reads a float32 C-order .npy as the format is specified, independently of the writer.</summary>
    static (long[] Shape, float[] Values) ReadNpy(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0], bytes[..8]);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        Assert.Equal(0, (10 + headerLength) % 64);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Contains("'descr': '<f4'", header);
        Assert.Contains("'fortran_order': False", header);
        var dims = header[(header.IndexOf("'shape': (") + 10)..];
        var shape = dims[..dims.IndexOf(')')].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        var values = new float[(bytes.Length - 10 - headerLength) / 4];
        Buffer.BlockCopy(bytes, 10 + headerLength, values, 0, values.Length * 4);
        Assert.Equal(shape.Aggregate(1L, (a, b) => a * b), values.Length);
        return (shape, values);
    }

    /// <summary>relu(W1 x + b1) of test image <paramref name="i"/>, in float64, from the checkpoint's weights.</summary>
    static double[] Hidden(string checkpoint, Tensor images, int i)
    {
        using var model = (Mlp)MnistLab.Training.Checkpoint.Read(checkpoint).LoadModel();
        var p = model.named_parameters().ToDictionary(q => q.name, q => q.parameter.detach().to_type(ScalarType.Float64).data<double>().ToArray());
        var x = images[i].flatten().to_type(ScalarType.Float64).data<double>().ToArray();
        return Enumerable.Range(0, 256).Select(h => Math.Max(0, p["fc1.bias"][h] + Enumerable.Range(0, 784).Sum(j => p["fc1.weight"][h * 784 + j] * x[j]))).ToArray();
    }

    [Fact]
    public void Activations_at_a_hidden_layer_are_those_the_weights_compute()
    {
        string ckpt = Checkpoint("mlp_ce");
        string npy = _dir.File("relu1.npy"), csv = _dir.File("relu1.csv");
        Assert.Equal(CliApp.Ok, CliApp.Run(["activations", "--checkpoint", ckpt, "--layer", "relu1", "--split", "test", "--count", "30", "--out", npy]));
        Assert.Equal(CliApp.Ok, CliApp.Run(["activations", "--checkpoint", ckpt, "--layer", "relu1", "--count", "3", "--out", csv]));

        var (shape, values) = ReadNpy(npy);
        Assert.Equal([30L, 256], shape);
        var lines = File.ReadAllLines(csv);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("image,label,a0,a1,", lines[0]);
        long[] labels = mnist.Data.Test.LabelArray();
        foreach (int i in new[] { 0, 1, 2, 29 })
        {
            var expected = Hidden(ckpt, mnist.Data.Test.Images, i);
            for (int h = 0; h < 256; h++) Assert.Equal(expected[h], values[i * 256 + h], 1e-4);
            if (i < 3)
            {
                var cells = lines[i + 1].Split(',');
                Assert.Equal($"{i}", cells[0]);
                Assert.Equal($"{labels[i]}", cells[1]);
                Assert.Equal(expected[5], float.Parse(cells[7], CultureInfo.InvariantCulture), 1e-4);
            }
        }
    }

    [Fact]
    public void The_output_point_gives_the_logits_of_every_test_image()
    {
        string ckpt = Checkpoint("linear_ce");
        string npy = _dir.File("logits.npy");
        Assert.Equal(CliApp.Ok, CliApp.Run(["activations", "--checkpoint", ckpt, "--layer", "output", "--split", "test", "--out", npy]));
        var (shape, values) = ReadNpy(npy);
        Assert.Equal([10000L, 10], shape);
        using var model = MnistLab.Training.Checkpoint.Read(ckpt).LoadModel();
        var eval = Evaluation.Run(model, mnist.Data.Test, LossKind.CrossEntropy);
        var predicted = Enumerable.Range(0, 10000).Select(i => Enumerable.Range(0, 10).MaxBy(c => values[i * 10 + c])).ToArray();
        Assert.Equal(eval.Predictions.Select(p => (int)p), predicted);
    }

    [SkippableFact]
    public void Numpy_reads_the_activations()
    {
        Skip.IfNot(File.Exists("/usr/bin/python3"), "no /usr/bin/python3 here");
        var probe = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-c", "import numpy"]) { RedirectStandardError = true })!;
        probe.WaitForExit();
        Skip.If(probe.ExitCode != 0, "numpy is not installed (apt-get install python3-numpy)");

        string npy = _dir.File("fc1.npy");
        Assert.Equal(CliApp.Ok, CliApp.Run(["activations", "--checkpoint", Checkpoint("mlp_ce"), "--layer", "fc1", "--count", "7", "--out", npy]));
        var (_, values) = ReadNpy(npy);
        var psi = new ProcessStartInfo("/usr/bin/python3", ["-c", $"import numpy; a = numpy.load('{npy}'); print(a.dtype, a.shape, repr(float(a[6, 200])))"])
            { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        string said = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        Assert.Equal($"float32 (7, 256) {((double)values[6 * 256 + 200]).ToString("R", CultureInfo.InvariantCulture)}", said);
    }

    [Fact]
    public void Model_show_lists_layers_parameters_and_points()
    {
        string ckpt = Checkpoint("mlp_ce");
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "show", "--checkpoint", ckpt]));
        using var model = MnistLab.Training.Checkpoint.Read(ckpt).LoadModel();
        using var x = zeros(1, 1, 28, 28);
        var summary = ModelSummary.Of(model, x);
        Assert.Equal(784 * 256 + 256 + 256 * 10 + 10, summary.Parameters);
        Assert.Equal(["fc1", "relu1", "fc2"], summary.Layers.Select(l => l.Name));
        Assert.Equal([256L], summary.Points.Single(p => p.Name == "relu1").Shape);
        Assert.Equal([1L, 28, 28], summary.Points.Single(p => p.Name == "input").Shape);
    }

    [Fact]
    public void An_unknown_layer_is_bad_usage()
    {
        Assert.Equal(CliApp.Usage, CliApp.Run(["activations", "--checkpoint", Checkpoint("mlp_ce"), "--layer", "fc9", "--count", "2", "--out", _dir.File("x.npy")]));
        Assert.False(File.Exists(_dir.File("x.npy")));
    }
}
