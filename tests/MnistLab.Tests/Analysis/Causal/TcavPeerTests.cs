using System.Diagnostics;
using System.Text.Json;
using MnistLab.Analysis.Causal;
using MnistLab.Common;
using MnistLab.Export;
using MnistLab.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;
using Activations = MnistLab.Models.Activations;

namespace MnistLab.Tests.Analysis.Causal;

/// <summary>MnistLab's TCAV against the scikit-learn peer (bench/peers/tcav_peer.py) on the same activations and gradients.</summary>
public class TcavPeerTests(ITestOutputHelper output)
{
    static string Peer => Path.Combine(AppContext.BaseDirectory, "peers", "tcav_peer.py");

    const int Runs = 30, Examples = 60, ClassImages = 40;

    /// <summary>
    /// The planted model of <see cref="TcavTests"/>: class 3 reads the concept (both sides must score 1 and find it
    /// significant); class 5 reads only the other units, so each run's score is the sign of a small, noisy product, and
    /// the two sides' means must agree within the spread of their runs.
    /// </summary>
    [SkippableTheory]
    [InlineData(3)]
    [InlineData(5)]
    public void Scores_agree_with_the_peer_within_the_spread_of_the_runs(int k)
    {
        Skip.IfNot(File.Exists("/usr/bin/python3"), "no /usr/bin/python3 here");
        using var dir = new TempDir();
        var (model, pool, csv) = TcavTests.Planted(dir, uses: true);
        using var _ = model;
        var options = new TcavOptions { Layers = ["relu1"], Concepts = ["bright"], ConceptCsv = csv, Examples = Examples, Runs = Runs, ClassImages = ClassImages };
        var ours = Tcav.Compute(model, x => x, pool, options, ProgressSink.None, seed: 1).Rows.Single(r => r.Class == k);

        // The same activations, membership and class gradients, written for the peer.
        using (var cache = Activations.Run(model, pool.Images, ["relu1"]))
            Write(dir.File("acts.npy"), cache["relu1"]);
        var members = File.ReadAllLines(csv).Skip(1).Select(l => float.Parse(l.Split(',')[1])).ToArray();
        using (var w = new NpyWriter(dir.File("members.npy"), [members.Length])) { w.Append(members); w.Complete(); }
        long[] rows = [.. Enumerable.Range(0, pool.Count).Where(i => pool.Labels[i] == k).Take(ClassImages).Select(i => (long)i)];
        using (var index = tensor(rows))
        using (var g = Activations.Gradient(model, pool.Images.index_select(0, index), "relu1", output => output.select(1, k)))
            Write(dir.File("grads.npy"), g.Gradient);

        var psi = new ProcessStartInfo("/usr/bin/python3", [Peer, "--acts", dir.File("acts.npy"), "--members", dir.File("members.npy"), "--grads", dir.File("grads.npy"),
            "--runs", $"{Runs}", "--examples", $"{Examples}", "--lambda", "1e-3", "--seed", "1"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string said = p.StandardOutput.ReadToEnd(), error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Skip.If(error.Contains("No module named"), $"the peer's Python lacks a module: {error.Trim().Split('\n')[^1]}");
        Assert.True(p.ExitCode == 0, error);
        using var doc = JsonDocument.Parse(said);
        var peer = doc.RootElement;
        double[] peerScores = [.. peer.GetProperty("scores").EnumerateArray().Select(e => e.GetDouble())];

        output.WriteLine($"class {k}: score {ours.Score:F3} vs {peer.GetProperty("score").GetDouble():F3}, CAV accuracy {ours.CavAccuracy:F3} vs " +
                         $"{peer.GetProperty("cav_accuracy").GetDouble():F3}, p {ours.PValue:G3} vs {Math.Min(1, peer.GetProperty("p_value").GetDouble() * 10):G3} (Bonferroni)");
        double se = Math.Sqrt(Variance(ours.Scores) / Runs + Variance(peerScores) / Runs);
        Assert.True(Math.Abs(ours.Score - peer.GetProperty("score").GetDouble()) <= 3 * se + 0.02,
            $"class {k}: MnistLab {ours.Score:F3}, peer {peer.GetProperty("score").GetDouble():F3} (standard error {se:F3})");
        Assert.Equal(ours.CavAccuracy, peer.GetProperty("cav_accuracy").GetDouble(), 0.05);
        // The same verdict: significant after the same Bonferroni correction (over the 10 classes tested).
        Assert.Equal(ours.Significant, Math.Min(1, peer.GetProperty("p_value").GetDouble() * 10) < options.Alpha);
        if (k == 3) Assert.Equal(1.0, peer.GetProperty("score").GetDouble());
    }

    static double Variance(IReadOnlyList<double> v)
    {
        double m = v.Average();
        return v.Sum(x => (x - m) * (x - m)) / (v.Count - 1);
    }

    static void Write(string path, Tensor t)
    {
        using var flat = t.reshape(t.shape[0], -1).to_type(ScalarType.Float32).contiguous();
        using var w = new NpyWriter(path, [flat.shape[0], flat.shape[1]]);
        w.Append(flat.data<float>().ToArray());
        w.Complete();
    }
}
