using System.Diagnostics;
using System.Text.Json;
using MnistLab.Analysis.Dictionaries;
using MnistLab.Common;
using MnistLab.Export;
using MnistLab.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis.Dictionaries;

/// <summary>MnistLab's TopK dictionary against the same recipe in plain PyTorch (bench/peers/dictionary_peer.py), from the same initial directions.</summary>
public class DictionaryPeerTests(ITestOutputHelper output)
{
    static string Peer => Path.Combine(AppContext.BaseDirectory, "peers", "dictionary_peer.py");

    /// <summary>
    /// Planted features (40 in 20 dimensions): the two sides shuffle differently, so their dictionaries differ, but by no
    /// more than a seed moves either side's own: over three seeds, the mean held-out FVU of the two sides differs by no
    /// more than the wider of their ranges (plus 0.01), and L0 and the dead count agree.
    /// </summary>
    [SkippableFact]
    public void The_peer_reaches_the_same_reconstruction_within_the_spread_of_seeds()
    {
        Skip.IfNot(File.Exists("/usr/bin/python3"), "no /usr/bin/python3 here");
        using var dir = new TempDir();
        using var threads = TorchSetup.OneLibtorchThread();
        var (train, test) = Planted(dir, 5_000, 1_000, seed: 5);
        using var _ = train;
        using var __ = test;
        var options = new DictionaryOptions { Kind = DictionaryKinds.TopK, Width = 64, K = 4, Epochs = 8, BatchSize = 128, LearningRate = 1e-2, DeadRows = 2_000, Concepts = [] };

        var ours = new List<DictionaryMetrics>();
        var theirs = new List<JsonElement>();
        foreach (long seed in new long[] { 0, 1, 2 })
        {
            using (var rows = new MatrixRows(train, test, "planted"))
                ours.Add(SparseDictionary.Compute(rows, options, seed).Metrics);
            WriteInit(dir, options.Width, seed);
            theirs.Add(RunPeer(dir, "--k", "4", "--epochs", "8", "--batch", "128", "--lr", "0.01", "--dead-rows", "2000", "--seed", $"{seed}"));
            output.WriteLine($"seed {seed}: FVU {ours[^1].Fvu:F4} vs {theirs[^1].GetProperty("fvu").GetDouble():F4}, L0 {ours[^1].L0:F3} vs {theirs[^1].GetProperty("l0").GetDouble():F3}, " +
                             $"dead {ours[^1].Dead} vs {theirs[^1].GetProperty("dead").GetInt32()}");
        }

        double[] a = [.. ours.Select(m => m.Fvu)], b = [.. theirs.Select(t => t.GetProperty("fvu").GetDouble())];
        double spread = Math.Max(a.Max() - a.Min(), b.Max() - b.Min());
        Assert.True(Math.Abs(a.Average() - b.Average()) <= spread + 0.01, $"FVU {string.Join(", ", a.Select(v => v.ToString("F4")))} here, {string.Join(", ", b.Select(v => v.ToString("F4")))} in the peer");
        Assert.True(a.Max() < 0.5, "the dictionaries must have learned something for the comparison to mean anything");
        Assert.Equal(ours.Average(m => m.L0), theirs.Average(t => t.GetProperty("l0").GetDouble()), 0.25);
        Assert.True(Math.Abs(ours.Average(m => m.Dead) - theirs.Average(t => t.GetProperty("dead").GetInt32())) <= 6, "dead features differ");
    }

    /// <summary>
    /// With the whole training set in one batch the shuffles no longer matter, so from the same directions the two sides
    /// take the same steps: the same held-out FVU to float32's rounding over the steps, and the same dead features.
    /// </summary>
    [SkippableFact]
    public void With_one_batch_per_step_the_peer_takes_the_same_steps()
    {
        Skip.IfNot(File.Exists("/usr/bin/python3"), "no /usr/bin/python3 here");
        using var dir = new TempDir();
        using var threads = TorchSetup.OneLibtorchThread();
        var (train, test) = Planted(dir, 2_000, 500, seed: 6);
        using var _ = train;
        using var __ = test;
        // 40 steps; a feature silent for 2 of them is dead, so the auxiliary loss takes part throughout.
        var options = new DictionaryOptions { Kind = DictionaryKinds.TopK, Width = 128, K = 2, Epochs = 40, BatchSize = 2_000, LearningRate = 1e-2, DeadRows = 4_000, Concepts = [] };
        DictionaryMetrics ours;
        using (var rows = new MatrixRows(train, test, "planted"))
            ours = SparseDictionary.Compute(rows, options, 3).Metrics;
        WriteInit(dir, options.Width, 3);
        var theirs = RunPeer(dir, "--k", "2", "--epochs", "40", "--batch", "2000", "--lr", "0.01", "--dead-rows", "4000", "--seed", "3");
        output.WriteLine($"FVU {ours.Fvu:G6} vs {theirs.GetProperty("fvu").GetDouble():G6}, L0 {ours.L0:F4} vs {theirs.GetProperty("l0").GetDouble():F4}, dead {ours.Dead} vs {theirs.GetProperty("dead").GetInt32()}");
        Assert.Equal(ours.Fvu, theirs.GetProperty("fvu").GetDouble(), 1e-4 * ours.Fvu);
        Assert.Equal(ours.L0, theirs.GetProperty("l0").GetDouble(), 1e-2);
        Assert.Equal(ours.Dead, theirs.GetProperty("dead").GetInt32());
    }

    /// <summary>
    /// Planted features (40 in 20 dimensions), split into training and test rows and written for the peer. Each feature is
    /// on in 4% to 8% of the rows, so few rows are empty: every empty row meets the same features, and which of them a
    /// dictionary leaves above zero would swing L0 by the share of empty rows.
    /// </summary>
    static (Tensor Train, Tensor Test) Planted(TempDir dir, int trainRows, int testRows, int seed)
    {
        var frequencies = Enumerable.Range(0, 40).Select(i => 0.04 + 0.04 * i / 39).ToArray();
        using var planted = new PlantedFeatures(dims: 20, frequencies, rows: trainRows + testRows, seed: seed);
        var train = planted.Rows.narrow(0, 0, trainRows).clone();
        var test = planted.Rows.narrow(0, trainRows, testRows).clone();
        Write(dir.File("train.npy"), train);
        Write(dir.File("test.npy"), test);
        return (train, test);
    }

    /// <summary>The directions MnistLab starts a dictionary of this width from for <paramref name="seed"/>, written for the peer.</summary>
    static void WriteInit(TempDir dir, int width, long seed)
    {
        using var init = Seeds.Generator(seed, "dictionary/init");
        using var directions = SparseAutoencoder.InitialDirections(width, 20, init);
        Write(dir.File("init.npy"), directions);
    }

    static JsonElement RunPeer(TempDir dir, params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3", [Peer, "--train", dir.File("train.npy"), "--test", dir.File("test.npy"), "--init", dir.File("init.npy"), .. args])
            { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string said = p.StandardOutput.ReadToEnd(), error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Skip.If(error.Contains("No module named"), $"the peer's Python lacks a module: {error.Trim().Split('\n')[^1]}");
        Assert.True(p.ExitCode == 0, error);
        return JsonDocument.Parse(said).RootElement.Clone();
    }

    static void Write(string path, Tensor rows)
    {
        using var flat = rows.contiguous();
        using var w = new NpyWriter(path, [flat.shape[0], flat.shape[1]]);
        w.Append(flat.data<float>().ToArray());
        w.Complete();
    }
}
