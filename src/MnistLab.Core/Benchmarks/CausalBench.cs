using System.Diagnostics;
using System.IO.Compression;
using MnistLab.Analysis.Causal;
using MnistLab.Analysis.Concepts;
using MnistLab.Export;
using static TorchSharp.torch;

namespace MnistLab.Benchmarks;

/// <summary>
/// Two measurements, each against its peer in plain Python on the same data, the fastest of three calls on each side (warm).
/// LEACE's closed form on the pixels of the first 10,000 training images against their class (784 features, 10 classes),
/// against the same closed form in numpy (bench/peers/leace_peer.py), with the largest difference between the two
/// erasers. TCAV of the ring at fc1 of the 784-256-10 MLP for every class (2,000 test images, 10 runs of 200 examples):
/// the whole procedure (activations, each class's gradients, the CAVs, the scores and their tests) against Captum's
/// procedure in scikit-learn, scipy and torch (bench/peers/tcav_peer.py) on the same weights and images, with each
/// class's score compared within the spread of the runs (the two sides draw their own examples).
/// </summary>
static class CausalBench
{
    const int Rows = 10_000, Repeats = 3, TcavPool = 2000;

    public static object Run(BenchContext c) => new Dictionary<string, object?> { ["leace"] = LeaceFit(c), ["tcav"] = TcavRuns(c) };

    static object LeaceFit(BenchContext c)
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

    static object TcavRuns(BenchContext c)
    {
        var (mnist, _, peer, threads, _, options, progress) = c;
        var report = new Dictionary<string, object?>();
        using var model = BenchMlp.Train(mnist, "causal-bench", progress);
        using var images = mnist.Test.Images.narrow(0, 0, TcavPool);
        var pool = new ConceptImages(images, mnist.Test.LabelArray()[..TcavPool]);
        var tcav = new TcavOptions { Layers = ["fc1"], Concepts = ["ring"] };
        progress.Info($"TCAV of the ring at fc1 of a 784-256-10 MLP, every class, {TcavPool:N0} test images ({Repeats} calls) ...");
        var times = new List<double>();
        TcavResult? ours = null;
        for (int k = 0; k < Repeats; k++)
        {
            var sw = Stopwatch.StartNew();
            ours = Tcav.Compute(model, x => x, pool, tcav, Common.ProgressSink.None);
            times.Add(sw.Elapsed.TotalSeconds);
        }
        double seconds = times.Min();
        report["mnistlab"] = new { seconds, all_seconds = times, images = TcavPool, tcav.Runs, tcav.Examples, tcav.ClassImages, point = "fc1", concept = ours!.Concepts[0] };

        string dir = Directory.CreateTempSubdirectory("mnistlab-tcav-bench-").FullName;
        try
        {
            BenchMlp.WriteWeights(model, dir);
            var ring = ConceptRegistry.Resolve(["ring"], null)[0].Compute(pool).Codes;
            using (var w = new NpyWriter(Path.Combine(dir, "members.npy"), [TcavPool])) { w.Append(ring.Select(v => (float)v).ToArray()); w.Complete(); }
            progress.Info("peer: Captum's TCAV procedure in scikit-learn, scipy and torch, same weights and images ...");
            var (run, peerReport) = Peer.Run(peer, "tcav_peer.py", threads, options, "--weights", dir, "--members", Path.Combine(dir, "members.npy"),
                "--count", $"{TcavPool}", "--class-images", $"{tcav.ClassImages}", "--runs", $"{tcav.Runs}", "--examples", $"{tcav.Examples}",
                "--lambda", $"{tcav.Lambda}", "--repeat", $"{Repeats}");
            report["peer"] = peerReport;
            if (run is { } r)
            {
                var classes = r.GetProperty("classes");
                var rows = ours.Rows.Select(row =>
                {
                    var theirs = classes.GetProperty($"{row.Class}");
                    double[] peerScores = [.. theirs.GetProperty("scores").EnumerateArray().Select(e => e.GetDouble())];
                    double peerScore = theirs.GetProperty("score").GetDouble();
                    // The two sides draw their own examples: their mean scores agree when they differ by no more than the runs' spread.
                    double se = Math.Sqrt(Stats.Variance(row.Scores) / row.Scores.Length + Stats.Variance(peerScores) / peerScores.Length);
                    return new { @class = row.Class, score = row.Score, peer_score = peerScore, standard_error = se, within_spread = Math.Abs(row.Score - peerScore) <= 3 * se + 0.02 };
                }).ToList();
                report["agreement"] = new
                {
                    classes = rows, agreeing = rows.Count(x => x.within_spread), of = rows.Count,
                    cav_accuracy = ours.Rows[0].CavAccuracy, peer_cav_accuracy = classes.GetProperty($"{ours.Rows[0].Class}").GetProperty("cav_accuracy").GetDouble(),
                };
                c.Figures.Ratio("causal", "tcav_speedup", r.Get("seconds") / seconds,
                    $"TCAV of the ring at fc1 of the same 784-256-10 MLP for all 10 classes ({TcavPool:N0} test images, {tcav.Runs} runs of {tcav.Examples} examples: " +
                    "activations, gradients, CAVs by logistic regression, scores and t-tests), against Captum's procedure in scikit-learn, scipy and torch; the fastest of three calls on both sides");
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
