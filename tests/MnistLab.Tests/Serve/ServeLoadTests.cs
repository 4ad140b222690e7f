using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using MnistLab.Common;
using MnistLab.Models;
using MnistLab.Tests.Support;
using MnistLab.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MnistLab.Tests.Serve;

/// <summary>
/// Many clients at once on the loopback address, against <c>mnistlab serve</c> in its own process: 16 clients, each
/// sending a mix of predictions, Integrated Gradients maps and ablations (each client its own units, half of them by the
/// test set's mean) to a small MLP and to the speed run's CNN. Every answer must be the one the same request got alone,
/// so an ablation that leaked into another client's call would show; no request may fail; and the server's live tensor
/// count must not grow at all (the strict leak check).
/// </summary>
public class ServeLoadTests(ITestOutputHelper output)
{
    const int Clients = 16, RequestsPerClient = 24;

    /// <summary>Client <paramref name="c"/>'s k-th request: its path and body.</summary>
    static (string Path, object Body) Request(int c, int k, float[][] images)
    {
        string model = (c + k) % 2 == 0 ? "runs/load/mlp" : "runs/load/cnn";
        var image = images[(c * 7 + k) % images.Length];
        return (k % 3) switch
        {
            0 => ("/api/predict", new { model, image }),
            1 => ("/api/explain", new { model, image, method = "ig", target = (c + k) % 10 }),
            _ => ("/api/ablate", new
            {
                model, image,
                ablations = new[] { new { point = model.EndsWith("mlp") ? "relu1" : "block1", units = new[] { c % 16, (c + 5) % 16 }, mode = c % 2 == 0 ? "zero" : "mean" } },
            }),
        };
    }

    static async Task<string> Send(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body, ServeFixture.Wire);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return text;
    }

    [Fact]
    public async Task Sixteen_clients_get_the_answers_each_request_gets_alone_without_errors_or_leaked_tensors()
    {
        using var dir = new TempDir();
        string checkpoints = Path.Combine(dir.File("runs"), "load", "checkpoints");
        Directory.CreateDirectory(checkpoints);
        using (var g = Seeds.Generator(0, "serve-load"))
        {
            Write(checkpoints, "mlp", new Mlp(new MlpSpec(Hidden: 16), g));
            Write(checkpoints, "cnn", new FastCnn(g));
        }
        using var serve = ServeProcess.Start("--runs", dir.File("runs"));
        var images = new float[10][];
        for (int i = 0; i < images.Length; i++)
            images[i] = ServeFixture.Floats((await serve.Client.GetFromJsonAsync<JsonElement>($"/api/images/test/{i}")).GetProperty("image"));

        // Alone first: every distinct request's answer; this also fills the caches (the means for mean ablation).
        var alone = new Dictionary<(int, int), JsonElement>();
        for (int c = 0; c < Clients; c++)
            for (int k = 0; k < RequestsPerClient; k++)
            {
                var (path, body) = Request(c, k, images);
                alone[(c, k)] = JsonDocument.Parse(await Send(serve.Client, path, body)).RootElement.Clone();
            }
        long before = (await serve.Client.GetFromJsonAsync<JsonElement>("/api/status")).GetProperty("live_tensors").GetInt64();

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var latencies = new double[Clients][];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            using var client = new HttpClient { BaseAddress = serve.Address };
            latencies[c] = new double[RequestsPerClient];
            // Each client goes through its requests in its own order, so different kinds overlap.
            foreach (int k in Enumerable.Range(0, RequestsPerClient).OrderBy(k => (k * 5 + c) % RequestsPerClient))
            {
                deadline.Token.ThrowIfCancellationRequested();
                var (path, body) = Request(c, k, images);
                var start = Stopwatch.GetTimestamp();
                string text = await Send(client, path, body);
                latencies[c][k] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                using var doc = JsonDocument.Parse(text);
                AssertSame(alone[(c, k)], doc.RootElement, $"client {c}, request {k} ({path})");
            }
        }, deadline.Token)));
        clock.Stop();

        long after = (await serve.Client.GetFromJsonAsync<JsonElement>("/api/status")).GetProperty("live_tensors").GetInt64();
        Assert.True(after <= before, $"{after - before} live tensors more after {Clients * RequestsPerClient} requests");
        var all = latencies.SelectMany(l => l).Order().ToArray();
        output.WriteLine($"{all.Length} requests from {Clients} clients in {clock.Elapsed.TotalSeconds:F1} s; " +
                         $"latency p50 {all[all.Length / 2]:F1} ms, p99 {all[(int)(all.Length * 0.99)]:F1} ms; live tensors {before} -> {after}");
        Assert.Equal(0, serve.Stop());
    }

    static void Write(string folder, string name, nn.Module<Tensor, Tensor> model)
    {
        using (model)
            Checkpoint.Write(Path.Combine(folder, name + ".ckpt"), null, new TrainingState(name, 1, 1, new TrainOptions(), new List<EpochMetrics>()), model, null,
                new Dictionary<string, Generator>());
    }

    /// <summary>The same numbers (to float32 rounding of the same computation), ignoring timings.</summary>
    static void AssertSame(JsonElement expected, JsonElement actual, string what)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in expected.EnumerateObject())
                    if (p.Name != "seconds") AssertSame(p.Value, actual.GetProperty(p.Name), $"{what}.{p.Name}");
                break;
            case JsonValueKind.Array:
                Assert.Equal(expected.GetArrayLength(), actual.GetArrayLength());
                for (int i = 0; i < expected.GetArrayLength(); i++) AssertSame(expected[i], actual[i], $"{what}[{i}]");
                break;
            case JsonValueKind.Number:
                double e = expected.GetDouble(), a = actual.GetDouble();
                Assert.True(Math.Abs(e - a) <= 1e-5 * Math.Max(1, Math.Abs(e)), $"{what}: {a} where alone it was {e}");
                break;
            default:
                Assert.Equal(expected.ToString(), actual.ToString());
                break;
        }
    }
}
