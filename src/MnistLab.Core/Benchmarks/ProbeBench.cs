using System.Diagnostics;
using System.Text.Json;
using MnistLab.Analysis.Concepts;
using MnistLab.Analysis.Information;
using MnistLab.Analysis.Probes;
using MnistLab.Common;
using MnistLab.Export;
using MnistLab.Models;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Benchmarks;

/// <summary>
/// The probes and the nearest-neighbour estimator against scikit-learn on the same features (bench/peers/probe_peer.py):
/// the first 5,000 test images, 4,000 to fit and 1,000 to measure, standardised on the fitting rows. Values are compared
/// (largest difference) and speed given as the peer's seconds over MnistLab's (above 1: MnistLab is faster). Each side
/// is timed once, warm for MnistLab (its kernels compiled on a first untimed pass). Then the default probe table
/// (<see cref="TableWork"/>) against scikit-learn's cross-validated probes of the same cells on the same features.
/// </summary>
static class ProbeBench
{
    const int Count = 5000;
    static readonly double[] Lambdas = new ProbeOptions().RidgeLambdas.ToArray();

    /// <summary>The table: an MLP's three points for four concepts on the first 2,000 test images, with its baselines, as `mnistlab probe` makes it.</summary>
    static readonly ProbeTableOptions TableWork = new() { Layers = ["fc1", "relu1", "fc2"], Concepts = ["class", "ring", "size", "slant"], Images = 2000 };

    public static object Run(BenchContext c)
    {
        var (mnist, _, peer, threads, _, options, progress) = c;
        int fit = (int)Math.Round(0.8 * Count);
        var x = mnist.Test.Images.narrow(0, 0, Count).reshape(Count, 784).to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        var labels = mnist.Test.LabelArray()[..Count].Select(l => (int)l).ToArray();
        var result = new Dictionary<string, object?> { ["count"] = Count, ["fit"] = fit };

        // mi: Ross's estimator of 16 cosine projections of the pixels against the class.
        var features = Projections(x);
        var classes = Variable.Discrete(labels, 10);
        double[] Mi() => features.Select(f => MiEstimate.Compute(Variable.Continuous(f), classes, new MiOptions { Estimator = Estimators.Ross, Bootstrap = 0, Null = 0 }).Estimate).ToArray();
        progress.Info("probe bench: nearest-neighbour MI of 16 features against the class ...");
        var (mi, miSeconds) = Warm(Mi);

        // ridge: the pixels to the digit's size, the whole lambda path from one SVD.
        using var all = tensor(x, [Count, 784]);
        using var rawFit = all.narrow(0, 0, fit);
        using var rawTest = all.narrow(0, fit, Count - fit);
        var scaler = Standardizer.Fit(rawFit);
        using var zFit = scaler.Apply(rawFit);
        using var zTest = scaler.Apply(rawTest);
        var size = Enumerable.Range(0, Count).Select(i => (double)Enumerable.Range(0, 784).Count(p => x[i * 784 + p] > 0.5)).ToArray();
        progress.Info($"probe bench: ridge path ({Lambdas.Length} lambdas) ...");
        var (r2, ridgeSeconds) = Warm(() =>
        {
            var path = new RidgePath(zFit);
            return Lambdas.Select(l => R2(size[fit..], path.Fit(size[..fit], l).Predict(zTest))).ToArray();
        });

        // logistic: the pixels to the class, lambda 1e-3.
        progress.Info("probe bench: multinomial logistic probe ...");
        var (model, logisticSeconds) = Warm(() => LogisticRegression.Fit(zFit, labels[..fit], 10, 1e-3));
        var logp = model.LogProbabilities(zTest);
        var test = labels[fit..];
        double accuracy = Enumerable.Range(0, test.Length).Count(i => Enumerable.Range(0, 10).MaxBy(k => logp[i, k]) == test[i]) / (double)test.Length;
        double ce = -Enumerable.Range(0, test.Length).Average(i => logp[i, test[i]]);

        var table = Table(mnist, progress);
        using var tableFolder = new TableFolder();
        if (peer is not null) table.Write(tableFolder.Path);

        result["mnistlab"] = new
        {
            mi = new { values = mi, seconds = miSeconds },
            ridge = new { r2, seconds = ridgeSeconds },
            logistic = new { accuracy, cross_entropy = ce, seconds = logisticSeconds, iterations = model.Iterations },
            table = new { seconds = table.Seconds, fast_seconds = table.FastSeconds, cells = table.Result.Probes.Count, layers = table.Result.Layers.Select(l => l.Name) },
        };
        progress.Info("scikit-learn peer: the same three workloads, then the table's cells with LogisticRegressionCV and RidgeCV ...");
        var (run, report) = Peer.Run(peer, "probe_peer.py", threads, options, "--count", Count.ToString(), "--table", tableFolder.Path);
        result["peer"] = report;
        if (run is { } p)
        {
            var peerMi = p.GetProperty("mi").GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var peerR2 = p.GetProperty("ridge").GetProperty("r2").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var peerLogistic = p.GetProperty("logistic");
            result["agreement"] = new
            {
                // scikit-learn clips negative estimates to 0 and breaks ties with its own jitter.
                mi_max_abs_difference_nats = mi.Zip(peerMi).Max(q => Math.Abs(Math.Max(0, q.First) - q.Second)),
                ridge_r2_max_abs_difference = r2.Zip(peerR2).Max(q => Math.Abs(q.First - q.Second)),
                logistic_accuracy_difference = accuracy - peerLogistic.Get("accuracy"),
                logistic_cross_entropy_difference = ce - peerLogistic.Get("cross_entropy"),
            };
            const string Timing = "; the fastest of two calls (warm) on both sides";
            c.Figures.Ratio("probe", "mi_speedup", p.GetProperty("mi").Get("seconds") / miSeconds,
                $"Ross's nearest-neighbour MI (k = 3) of 16 projections of {Count:N0} test images against the class, against scikit-learn's mutual_info_classif{Timing}; " +
                $"scikit-learn searches on one thread, MnistLab on {threads}");
            c.Figures.Ratio("probe", "ridge_path_speedup", p.GetProperty("ridge").Get("seconds") / ridgeSeconds,
                $"ridge regression from {fit:N0} standardised images to the digit's size for {Lambdas.Length} lambdas, with held-out R², against scikit-learn's Ridge{Timing}");
            if (p.TryGetProperty("table", out var peerTable))
            {
                var cells = peerTable.GetProperty("cells").EnumerateArray().ToList();
                double Difference(string kind) => cells.Where(q => q.GetProperty("kind").GetString() == kind)
                    .Select(q => Math.Abs(table.Result.Get(q.GetProperty("layer").GetString()!, q.GetProperty("concept").GetString()!).Score - q.Get("score")))
                    .DefaultIfEmpty(double.NaN).Max();
                result["table_agreement"] = new { logistic_accuracy_max_abs_difference = Difference(LinearProbe.Logistic), ridge_r2_max_abs_difference = Difference(LinearProbe.Ridge) };
                var work = $"the default probe table ({TableWork.Layers.Count} points of a 784-256-10 MLP with the pixels and a random copy's points, " +
                           $"{TableWork.Concepts.Count} concepts, {TableWork.Images:N0} test images): MnistLab's whole table (activations, {new ProbeOptions().Folds}-fold " +
                           "cross-validated probes, control tasks, MI with bootstrap interval and shuffle null, online codes) against scikit-learn fitting the " +
                           "same cells on the same features with LogisticRegressionCV / RidgeCV over the same penalties and folds and refitting each control " +
                           "task (no intervals, null or online code); once on both sides";
                c.Figures.Ratio("probe", "probe_table_speedup", peerTable.Get("seconds") / table.Seconds, work);
                c.Figures.Ratio("probe", "probe_table_fast_speedup", peerTable.Get("seconds") / table.FastSeconds,
                    "the same table with --fast (point estimates: score, control score, MI estimate) against the same scikit-learn fits; once on both sides");
            }
            // Not a ratio: each side stops at its own convergence test (different iterations) and scikit-learn computes in
            // float64 where MnistLab's fit uses float32 products, so the two fits are not the same work. Their times stay in the JSON.
            result["logistic_fit_seconds"] = new { mnistlab = logisticSeconds, scikit_learn = peerLogistic.Get("seconds"), mnistlab_iterations = model.Iterations,
                scikit_learn_iterations = peerLogistic.Get("iterations"), note = "not the same work: own stopping tests, float32 against float64 products" };
        }
        return result;
    }

    /// <summary>The table, timed whole and with --fast, and the features, concepts and split it probed, for the peer to read.</summary>
    sealed record TableRun(ProbeTableResult Result, double Seconds, double FastSeconds, IReadOnlyList<(string Name, float[] Values, int Width)> Features,
        IReadOnlyList<(ConceptValues Concept, ConceptValues Control)> Concepts, ProbeSplit Split)
    {
        /// <summary>Each layer's features as .npy (float32, images x features) and table.json: the layers, the split, each concept with its control task.</summary>
        public void Write(string folder)
        {
            foreach (var (name, values, width) in Features)
            {
                using var npy = new NpyWriter(System.IO.Path.Combine(folder, FileName(name)), [values.Length / width, width]);
                npy.Append(values);
                npy.Complete();
            }
            var o = Result.Options.Probe;
            File.WriteAllText(System.IO.Path.Combine(folder, "table.json"), JsonSerializer.Serialize(new
            {
                layers = Features.Select(f => new { name = f.Name, file = FileName(f.Name) }),
                train = Split.Train,
                test = Split.Test,
                folds = o.Folds,
                logistic_lambdas = o.LogisticLambdas,
                ridge_lambdas = o.RidgeLambdas,
                concepts = Concepts.Select(c => new
                {
                    name = c.Concept.Name,
                    discrete = c.Concept.IsDiscrete,
                    values = c.Concept.IsDiscrete ? c.Concept.Codes.Select(v => (double)v).ToArray() : c.Concept.Values.ToArray(),
                    control = c.Concept.IsDiscrete ? c.Control.Codes.Select(v => (double)v).ToArray() : c.Control.Values.ToArray(),
                }),
            }));
        }

        static string FileName(string layer) => new string(layer.Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '_').ToArray()) + ".npy";
    }

    /// <summary>
    /// An MLP 784-256-10 trained one epoch (the table's model), its default probe table timed (whole, then with --fast), and
    /// the features of every probed layer read again the way the table reads them.
    /// </summary>
    static TableRun Table(Data.Mnist mnist, IProgressSink progress)
    {
        const long seed = 0;
        progress.Info("probe table: an MLP 784-256-10 trained one epoch ...");
        using var init = Seeds.Generator(seed, "bench/probe/init");
        using var model = new MlpSpec().Create(init);
        Trainer.Train(model, mnist.Train, null, LossKind.CrossEntropy, new TrainOptions { Epochs = 1 }, progress, "mlp");
        model.eval();
        int n = TableWork.Images;
        using var images = mnist.Test.Images.narrow(0, 0, n);
        var concepts = new ConceptImages(images, mnist.Test.LabelArray()[..n]);
        progress.Info($"probe table: {TableWork.Layers.Count} points + baselines x {TableWork.Concepts.Count} concepts on {n:N0} images ...");
        var clock = Stopwatch.StartNew();
        var result = ProbeTable.Compute(model, x => x, concepts, TableWork, progress, seed);
        double seconds = clock.Elapsed.TotalSeconds;
        progress.Info("probe table with --fast ...");
        clock.Restart();
        ProbeTable.Compute(model, x => x, concepts, TableWork with { Probe = TableWork.Probe with { Fast = true } }, progress, seed);
        double fast = clock.Elapsed.TotalSeconds;

        var o = TableWork.Probe;
        var features = new List<(string, float[], int)>();
        void Add(LayerActivations a) { using (a) features.Add((a.Name, a.Features.contiguous().data<float>().ToArray(), a.Width)); }
        Add(LayerFeatures.Pixels(images));
        foreach (var a in LayerFeatures.Read(model, x => x, images, TableWork.Layers, o.MaxFeatures, seed)) Add(a);
        using (var randomInit = Seeds.Generator(seed, "probe/random-init"))
        using (var random = ProbeTable.RandomCopy(model, randomInit)!)
            foreach (var a in LayerFeatures.Read(random, x => x, images, TableWork.Layers, o.MaxFeatures, seed, ProbeTable.RandomPrefix)) Add(a);
        var values = ConceptRegistry.Resolve(TableWork.Concepts, null).Select(c => c.Compute(concepts)).Select(v => (v, LinearProbe.Shuffled(v, seed))).ToList();
        return new TableRun(result, seconds, fast, features, values, ProbeSplit.Random(n, o.TestFraction, seed));
    }

    /// <summary>A temporary folder for the peer's inputs, deleted after.</summary>
    sealed class TableFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("mnistlab-probe-table-").FullName;

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { } // a leftover temp folder is harmless
        }
    }

    /// <summary>16 cosine projections of the pixels, w[p, k] = cos(0.37 p k + k), k = 1..16, rounded to float32 (as the peer).</summary>
    static float[][] Projections(double[] x)
    {
        int n = x.Length / 784;
        return Enumerable.Range(1, 16).Select(k =>
        {
            var w = Enumerable.Range(0, 784).Select(p => Math.Cos(0.37 * p * k + k)).ToArray();
            return Enumerable.Range(0, n).Select(i => { double s = 0; for (int p = 0; p < 784; p++) s += x[i * 784 + p] * w[p]; return (float)s; }).ToArray();
        }).ToArray();
    }

    /// <summary>The work's result and the faster of two calls: the first warms caches and allocations, as on the peer's side.</summary>
    static (T Result, double Seconds) Warm<T>(Func<T> work)
    {
        var clock = Stopwatch.StartNew();
        work();
        double first = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var result = work();
        return (result, Math.Min(first, clock.Elapsed.TotalSeconds));
    }

    static double R2(double[] truth, double[] predicted)
    {
        double mean = truth.Average();
        return 1 - truth.Zip(predicted).Sum(q => (q.First - q.Second) * (q.First - q.Second)) / (truth.Sum(v => (v - mean) * (v - mean)) + 1e-8);
    }
}
