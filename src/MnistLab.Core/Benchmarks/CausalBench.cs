using System.Diagnostics;
using System.IO.Compression;
using MnistLab.Analysis.Causal;
using MnistLab.Analysis.Concepts;
using MnistLab.Export;
using static TorchSharp.torch;

namespace MnistLab.Benchmarks;

/// <summary>
/// LEACE's closed form on the pixels of the first 10,000 training images against their class (784 features, 10 classes):
/// MnistLab's fit against the same closed form in numpy (bench/peers/leace_peer.py) on the same matrix, the fastest of
/// three fits on each side (warm), and the largest difference between the two erasers.
/// </summary>
static class CausalBench
{
    const int Rows = 10_000, Repeats = 3;

    public static object Run(BenchContext c)
    {
        var (mnist, _, peer, threads, _, options, progress) = c;
        var report = new Dictionary<string, object?>();
        using var x = mnist.Train.Images.narrow(0, 0, Rows).reshape(Rows, -1).contiguous();
        var labels = mnist.Train.LabelArray()[..Rows];
        var z = ConceptValues.Discrete("class", labels);
        progress.Info($"LEACE on the pixels of {Rows:N0} training images against their class ({Repeats} fits) ...");
        var times = new List<double>();
        ConceptEraser? eraser = null;
        for (int k = 0; k < Repeats; k++)
        {
            eraser?.Dispose();
            var sw = Stopwatch.StartNew();
            eraser = Leace.Fit(x, z);
            times.Add(sw.Elapsed.TotalSeconds);
        }
        using var ours = eraser!;
        double seconds = times.Min();
        report["mnistlab"] = new { seconds, all_seconds = times, rank = ours.Rank, features = ours.Width, rows = Rows };

        string dir = Directory.CreateTempSubdirectory("mnistlab-causal-bench-").FullName;
        try
        {
            using (var w = new NpyWriter(Path.Combine(dir, "x.npy"), [Rows, 784])) { w.Append(x.data<float>().ToArray()); w.Complete(); }
            using (var w = new NpyWriter(Path.Combine(dir, "z.npy"), [Rows])) { w.Append(labels.Select(l => (float)l).ToArray()); w.Complete(); }
            progress.Info("numpy peer: LEACE's closed form on the same matrix ...");
            string npz = Path.Combine(dir, "peer.npz");
            var (run, peerReport) = Peer.Run(peer, "leace_peer.py", threads, options, "--x", Path.Combine(dir, "x.npy"), "--z", Path.Combine(dir, "z.npy"),
                "--kind", "discrete", "--repeat", $"{Repeats}", "--out", npz);
            report["peer"] = peerReport;
            if (run is { } r)
            {
                var m = PeerMatrix(npz, dir);
                using var theirs = tensor(m, [784, 784]).to_type(ScalarType.Float64);
                report["agreement"] = new
                {
                    max_abs_difference = (ours.M - theirs).abs().max().item<double>(),
                    max_abs = ours.M.abs().max().item<double>(),
                    peer_rank = r.GetProperty("rank").GetInt32(),
                };
                c.Figures.Ratio("causal", "leace_speedup", r.Get("seconds") / seconds,
                    $"LEACE's closed form (covariances, eigendecomposition, the projection) on {Rows:N0} x 784 pixels against 10 classes, in float64, " +
                    "against the same closed form in numpy; the fastest of three fits on both sides");
            }
        }
        finally { try { Directory.Delete(dir, recursive: true); } catch (IOException) { } }
        return report;
    }

    /// <summary>The peer's M, read through the .npy reader (float64 values narrowed to float32).</summary>
    static float[] PeerMatrix(string npz, string dir)
    {
        using var zip = ZipFile.OpenRead(npz);
        string file = Path.Combine(dir, "M.npy");
        zip.GetEntry("M.npy")!.ExtractToFile(file, overwrite: true);
        return Import.NpyReader.Read(file).Values;
    }
}
