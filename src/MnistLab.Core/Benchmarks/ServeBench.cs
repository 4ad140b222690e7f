using System.Diagnostics;
using System.Text;
using MnistLab.Common;
using MnistLab.Models;
using MnistLab.Serve;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Benchmarks;

/// <summary>
/// The live lab's server as a client sees it, on the loopback address: round-trip latency of a prediction on the
/// 784-256-10 MLP and on the speed run's CNN, of Integrated Gradients with 50 steps on each, the latencies of 16 clients
/// sending mixed requests at once, and the process's memory before and after 10,000 predictions. The weights are seeded
/// random ones: what a request costs does not depend on what the model learned.
/// </summary>
static class ServeBench
{
    const int WarmUp = 20, Predictions = 300, Explanations = 40, Clients = 16, PerClient = 200, MemoryRequests = 10_000;

    public static object Run(BenchContext c)
    {
        c.Progress.Info("serve: round trips on the loopback address ...");
        string dir = Directory.CreateTempSubdirectory("mnistlab-bench-serve-").FullName;
        try
        {
            string runs = Path.Combine(dir, "runs"), checkpoints = Path.Combine(runs, "checkpoints");
            Directory.CreateDirectory(checkpoints);
            using (var init = Seeds.Generator(0, "serve-bench/init"))
            {
                Write(checkpoints, "mlp", new Mlp(new MlpSpec(), init));
                Write(checkpoints, "cnn", new FastCnn(init));
            }
            float[] image;
            using (var first = c.Mnist.Test.Images.narrow(0, 0, 1)) image = TensorData.Rows(first)[0];
            return Measure(runs, c, image).GetAwaiter().GetResult();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    static void Write(string folder, string name, nn.Module<Tensor, Tensor> model)
    {
        using (model)
            Checkpoint.Write(Path.Combine(folder, name + ".ckpt"), null, new TrainingState(name, 1, 1, new { }, Array.Empty<double>()), model, null, new Dictionary<string, Generator>());
    }

    static async Task<Dictionary<string, object?>> Measure(string runs, BenchContext c, float[] image)
    {
        await using var server = await LabServer.StartAsync(new ServeOptions { Runs = [runs], Port = 0 }, c.Mnist);
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(5) };
        string pixels = "[" + string.Join(",", image.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "]";
        string Predict(string model) => $$"""{"model": "runs/{{model}}", "image": {{pixels}}}""";
        string Explain(string model) => $$"""{"model": "runs/{{model}}", "image": {{pixels}}, "method": "ig"}""";
        string Ablate(string model, int unit) => $$"""{"model": "runs/{{model}}", "image": {{pixels}}, "ablations": [{"point": "{{(model == "mlp" ? "relu1" : "block2")}}", "units": [{{unit}}]}]}""";

        var report = new Dictionary<string, object?> { ["clients"] = Clients, ["requests_per_client"] = PerClient };
        foreach (var model in new[] { "mlp", "cnn" })
        {
            for (int i = 0; i < WarmUp; i++) { await Post(client, "/api/predict", Predict(model)); await Post(client, "/api/explain", Explain(model)); }
            var predict = new List<double>();
            for (int i = 0; i < Predictions; i++) predict.Add(await Post(client, "/api/predict", Predict(model)));
            var explain = new List<double>();
            for (int i = 0; i < Explanations; i++) explain.Add(await Post(client, "/api/explain", Explain(model)));
            report[model] = new Dictionary<string, object?>
            {
                ["predict_ms_p50"] = Stats.Median(predict), ["predict_ms_p99"] = Percentile(predict, 0.99),
                ["ig50_ms_p50"] = Stats.Median(explain), ["ig50_ms_p99"] = Percentile(explain, 0.99),
            };
            c.Progress.Info($"serve {model}: predict p50 {Stats.Median(predict):F2} ms, IG (50 steps) p50 {Stats.Median(explain):F1} ms");
        }

        c.Progress.Info($"serve: {Clients} clients x {PerClient} mixed requests ...");
        var all = new List<double>[Clients];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(k => Task.Run(async () =>
        {
            using var own = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(5) };
            all[k] = [];
            for (int i = 0; i < PerClient; i++)
            {
                string model = (i + k) % 2 == 0 ? "mlp" : "cnn";
                var (path, body) = (i % 3) switch { 0 => ("/api/predict", Predict(model)), 1 => ("/api/explain", Explain(model)), _ => ("/api/ablate", Ablate(model, k)) };
                all[k].Add(await Post(own, path, body));
            }
        })));
        var load = all.SelectMany(l => l).ToList();
        report["load"] = new Dictionary<string, object?>
        {
            ["seconds"] = clock.Elapsed.TotalSeconds, ["requests_per_second"] = load.Count / clock.Elapsed.TotalSeconds,
            ["ms_p50"] = Stats.Median(load), ["ms_p99"] = Percentile(load, 0.99),
        };

        c.Progress.Info($"serve: memory over {MemoryRequests:N0} predictions ...");
        var (before, tensorsBefore) = Memory();
        for (int i = 0; i < MemoryRequests; i++) await Post(client, "/api/predict", Predict(i % 2 == 0 ? "mlp" : "cnn"));
        var (after, tensorsAfter) = Memory();
        report["memory"] = new Dictionary<string, object?>
        {
            ["requests"] = MemoryRequests, ["working_set_mb_before"] = before, ["working_set_mb_after"] = after,
            ["live_tensors_before"] = tensorsBefore, ["live_tensors_after"] = tensorsAfter,
        };
        return report;
    }

    static (double WorkingSetMb, long LiveTensors) Memory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var self = Process.GetCurrentProcess();
        return (self.WorkingSet64 / 1048576.0, Tensor.TotalCount);
    }

    /// <summary>One request's round trip in milliseconds; a failed request fails the bench with its answer.</summary>
    static async Task<double> Post(HttpClient client, string path, string body)
    {
        var start = Stopwatch.GetTimestamp();
        using var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        string answer = await response.Content.ReadAsStringAsync();
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (!response.IsSuccessStatusCode) throw new MnistLabException($"serve bench: {path} answered {(int)response.StatusCode}: {answer}");
        return ms;
    }

    static double Percentile(List<double> xs, double q)
    {
        var s = xs.Order().ToArray();
        return s[Math.Min(s.Length - 1, (int)Math.Ceiling(q * s.Length) - 1)];
    }
}
