using System.Diagnostics;
using System.IO.Compression;
using MnistLab.Analysis.Causal;
using MnistLab.Analysis.Concepts;
using MnistLab.Export;
using MnistLab.Import;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis.Causal;

/// <summary>MnistLab's LEACE against the numpy peer (bench/peers/leace_peer.py) on the same activations.</summary>
public class LeacePeerTests
{
    /// <summary>The peer scripts travel with the tool (copied beside it, as the bench finds them).</summary>
    static string Peer => Path.Combine(AppContext.BaseDirectory, "peers", "leace_peer.py");

    [SkippableTheory]
    [InlineData("discrete")]
    [InlineData("continuous")]
    public void The_eraser_agrees_with_numpys_closed_form_to_1e_5(string kind)
    {
        Skip.IfNot(File.Exists("/usr/bin/python3"), "no /usr/bin/python3 here");
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        // 3,000 rows of 24 correlated features with a dead one, a 5-class concept shifting the mean, a linear continuous one.
        using var g = new Generator(9);
        int n = 3000, d = 24;
        var classes = randint(0, 5, [n], generator: g);
        var x = randn([n, d], generator: g).matmul(randn([d, d], generator: g) / 5) + randn([5, d], generator: g).index_select(0, classes);
        x[TensorIndex.Colon, 7] = zeros(n);
        var y = x.matmul(randn([d], generator: g)) + randn([n], generator: g) * 0.2;
        float[] values = kind == "discrete" ? [.. classes.to_type(ScalarType.Float32).data<float>()] : [.. y.data<float>()];
        using (var w = new NpyWriter(dir.File("x.npy"), [n, d])) { w.Append(x.contiguous().data<float>().ToArray()); w.Complete(); }
        using (var w = new NpyWriter(dir.File("z.npy"), [n])) { w.Append(values); w.Complete(); }

        var psi = new ProcessStartInfo("/usr/bin/python3", [Peer, "--x", dir.File("x.npy"), "--z", dir.File("z.npy"), "--kind", kind, "--out", dir.File("peer.npz")])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string said = p.StandardOutput.ReadToEnd(), error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Skip.If(error.Contains("No module named 'numpy'"), "numpy is not installed");
        Assert.True(p.ExitCode == 0, error);

        var z = kind == "discrete" ? ConceptValues.Discrete("c", [.. values.Select(v => (long)v)]) : ConceptValues.Continuous("c", [.. values.Select(v => (double)v)]);
        var read = NpyReader.Read(dir.File("x.npy"));
        using var eraser = Leace.Fit(tensor(read.Values, [n, d]), z);
        var (m, mean) = (Entry(dir.File("peer.npz"), "M"), Entry(dir.File("peer.npz"), "mean"));
        Assert.Contains($"\"rank\": {eraser.Rank}", said);
        double scale = Math.Max(1, eraser.M.abs().max().item<double>());
        Assert.True((eraser.M - tensor(m, [d, d])).abs().max().item<double>() < 1e-5 * scale, "M differs");
        Assert.True((eraser.Mean - tensor(mean)).abs().max().item<double>() < 1e-5, "mean differs");
    }

    /// <summary>One float64 array of an .npz, read through the .npy reader.</summary>
    static double[] Entry(string npz, string name)
    {
        using var zip = ZipFile.OpenRead(npz);
        using var dir = new TempDir();
        zip.GetEntry(name + ".npy")!.ExtractToFile(dir.File(name + ".npy"));
        return [.. NpyReader.Read(dir.File(name + ".npy")).Values.Select(v => (double)v)];
    }
}
