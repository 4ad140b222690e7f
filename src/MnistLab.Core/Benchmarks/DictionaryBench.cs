using System.Diagnostics;
using MnistLab.Analysis.Dictionaries;
using MnistLab.Common;
using MnistLab.Export;
using static TorchSharp.torch;
using Activations = MnistLab.Models.Activations;

namespace MnistLab.Benchmarks;

/// <summary>
/// A TopK dictionary (the defaults of `mnistlab dictionary`: width 512, k 32, 5 epochs, batches of 512) on relu1 of the
/// 784-256-10 MLP, trained on the 60,000 training images' activations and measured on the 10,000 test images', for three
/// seeds; against the same recipe in plain PyTorch (bench/peers/dictionary_peer.py) started from the same directions,
/// which MnistLab draws from each seed and hands over. Both sides fit on one thread (MnistLab's dictionaries always do:
/// their small products run faster so) and are timed whole, statistics, training and measurement; the metrics of the two
/// agree within the spread a seed makes, and the throughput (training rows per second) gives the ratio.
/// </summary>
static class DictionaryBench
{
    static readonly long[] RunSeeds = [0, 1, 2];
    const string Point = "relu1";

    public static object Run(BenchContext c)
    {
        var (mnist, _, peer, _, ceiling, options, progress) = c;
        using var model = BenchMlp.Train(mnist, "dictionary-bench", progress);
        using var train = Activations.Collect(model, x => x, mnist.Train.Images, Point, a => a.reshape(a.shape[0], -1));
        using var test = Activations.Collect(model, x => x, mnist.Test.Images, Point, a => a.reshape(a.shape[0], -1));
        var work = new DictionaryOptions { Kind = DictionaryKinds.TopK, Concepts = [] };
        int d = (int)train.shape[1];
        long trainedRows = train.shape[0] * (long)work.Epochs;
        var report = new Dictionary<string, object?> { ["point"] = Point, ["train_rows"] = train.shape[0], ["test_rows"] = test.shape[0], ["width"] = work.Width, ["k"] = work.KOrDefault, ["epochs"] = work.Epochs };
        var seeds = new List<object>();
        var ours = new List<double>();
        var theirs = new List<double>();

        string dir = Directory.CreateTempSubdirectory("mnistlab-dictionary-bench-").FullName;
        try
        {
            Write(Path.Combine(dir, "train.npy"), train);
            Write(Path.Combine(dir, "test.npy"), test);
            foreach (long seed in RunSeeds)
            {
                progress.Info($"TopK dictionary of {Point} ({work.Width} features, k {work.KOrDefault}, {work.Epochs} epochs), seed {seed} ...");
                DictionaryMetrics m;
                double seconds;
                using (var source = new MatrixRows(train, test, $"{Point} of the 784-256-10 MLP")) // the rows copied in untimed, as the peer loads its files
                {
                    var sw = Stopwatch.StartNew();
                    m = SparseDictionary.Compute(source, work, seed).Metrics;
                    seconds = sw.Elapsed.TotalSeconds;
                }
                ours.Add(trainedRows / seconds);

                using (var init = Seeds.Generator(seed, "dictionary/init"))
                using (var directions = SparseAutoencoder.InitialDirections(work.Width, d, init))
                    Write(Path.Combine(dir, "init.npy"), directions);
                progress.Info($"PyTorch peer: the same recipe from the same directions, seed {seed} ...");
                var (run, peerReport) = Peer.Run(peer, "dictionary_peer.py", 1, options, "--train", Path.Combine(dir, "train.npy"), "--test", Path.Combine(dir, "test.npy"),
                    "--init", Path.Combine(dir, "init.npy"), "--k", $"{work.KOrDefault}", "--epochs", $"{work.Epochs}", "--batch", $"{work.BatchSize}",
                    "--lr", $"{work.LearningRate}", "--aux-coefficient", $"{work.AuxCoefficient}", "--dead-rows", $"{work.DeadRows}", "--seed", $"{seed}");
                if (run is { } r) theirs.Add(r.Get("rows_per_second"));
                seeds.Add(new { seed, mnistlab = new { seconds, rows_per_second = trainedRows / seconds, l0 = m.L0, fvu = m.Fvu, dead = m.Dead, dense = m.Dense }, peer = peerReport });
            }
        }
        finally { try { Directory.Delete(dir, recursive: true); } catch (IOException) { } }
        report["seeds"] = seeds;

        // Per training row: the encoder and the (dense) decoder products forward, and the encoder's weight gradient, the
        // decoder's and the codes' gradient backward; the auxiliary loss, which runs only while features are dead, is left out.
        double gflopPerRow = 10.0 * d * work.Width / 1e9;
        double median = Stats.Median(ours);
        report["mnistlab_rows_per_second"] = median;
        if (theirs.Count == RunSeeds.Length)
        {
            double peerMedian = Stats.Median(theirs);
            report["peer_rows_per_second"] = peerMedian;
            c.Figures.Ratio("dictionary", "topk_training_speedup", median / peerMedian,
                $"a TopK dictionary ({work.Width} features, k {work.KOrDefault}, {work.Epochs} epochs of the 60,000 training images' {Point} activations of a 784-256-10 MLP, " +
                "measured on the 10,000 test images'), against the same recipe in plain PyTorch from the same initial directions, both on one thread; the median of three seeds on both sides");
            c.Figures.Share("dictionary", "TopK dictionary training (rows, one thread)", median, gflopPerRow, ceiling, peerMedian);
        }
        else c.Figures.Share("dictionary", "TopK dictionary training (rows, one thread)", median, gflopPerRow, ceiling);
        return report;
    }

    static void Write(string path, Tensor rows)
    {
        using var scope = NewDisposeScope();
        var flat = rows.to_type(ScalarType.Float32).contiguous();
        using var w = new NpyWriter(path, [flat.shape[0], flat.shape[1]]);
        w.Append(flat.data<float>().ToArray());
        w.Complete();
    }
}
