using System.Net.Http.Json;
using System.Text.Json;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Import;
using MnistLab.Models;
using MnistLab.Serve;
using MnistLab.Tests.Support;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Tests.Serve;

/// <summary>
/// A server on a free loopback port over a run folder the fixture writes: a small MLP (784-16-10) and the speed run's CNN,
/// both with seeded random weights, and a VAE (which a server must refuse to serve), with a tiny MNIST-shaped data set of
/// hand-made digits (50 training and 30 test images). The same checkpoints load beside it as the library reads them, so
/// every answer can be compared with the library's own computation.
/// </summary>
public sealed class ServeFixture : IDisposable
{
    public const string Mlp = "runs/tiny/mlp", Cnn = "runs/tiny/cnn";

    readonly TempDir _dir = new();
    public Mnist Mnist { get; }
    public LabServer Server { get; }
    public HttpClient Client { get; }

    /// <summary>The served checkpoints, loaded again for the tests' own computations.</summary>
    public LoadedModel LocalMlp { get; }
    public LoadedModel LocalCnn { get; }

    public string RunsFolder => _dir.File("runs");

    readonly List<string> _log = [];

    /// <summary>What the server logged: the models it found, and every error it answered with 500.</summary>
    public string ServerLog { get { lock (_log) return string.Join("\n", _log); } }

    /// <summary>Fails with the answer and the server's log unless the status is 200.</summary>
    public void Ok((int Status, JsonElement Body) answer)
    {
        if (answer.Status != 200) Assert.Fail($"{answer.Status}: {answer.Body}\nserver log:\n{ServerLog}");
    }

    public ServeFixture()
    {
        Digits.WriteIdxSet(_dir.File("data"), train: 50, test: 30);
        Mnist = Mnist.Load(MnistLocator.TryFolder(_dir.File("data"))!);
        _testImages = TensorData.Rows(Mnist.Test.Images);
        string checkpoints = Path.Combine(RunsFolder, "tiny", "checkpoints");
        Directory.CreateDirectory(checkpoints);
        WriteCheckpoint(checkpoints, "mlp", g => new MnistLab.Models.Mlp(new MlpSpec(Hidden: 16), g));
        WriteCheckpoint(checkpoints, "cnn", g => new FastCnn(g));
        WriteCheckpoint(checkpoints, "vae", g => new Vae(new VaeSpec(4), g));
        LocalMlp = LoadedModel.FromCheckpoint(Path.Combine(checkpoints, "mlp.ckpt"));
        LocalCnn = LoadedModel.FromCheckpoint(Path.Combine(checkpoints, "cnn.ckpt"));
        Server = LabServer.StartAsync(new ServeOptions { Runs = [RunsFolder], Port = 0, MaxRequestBytes = 1 << 20 }, Mnist, line => { lock (_log) _log.Add(line); })
            .GetAwaiter().GetResult();
        Client = new HttpClient { BaseAddress = Server.Address, Timeout = TimeSpan.FromSeconds(60) };
    }

    static void WriteCheckpoint(string folder, string name, Func<Generator, nn.Module<Tensor, Tensor>> create)
    {
        using var g = Seeds.Generator(0, $"serve-test/{name}");
        using var model = create(g);
        var history = new List<EpochMetrics> { new(1, 2.3, 0.1, 2.2, 0.125, 0.1, 100) };
        Checkpoint.Write(Path.Combine(folder, name + ".ckpt"), null, new TrainingState(name, 1, 1, new TrainOptions(), history), model, null,
            new Dictionary<string, Generator>());
    }

    /// <summary>Test image <paramref name="index"/> of the fixture's data as 784 floats.</summary>
    public float[] TestImage(int index) => _testImages[index];

    // Read once here, so tests that send images from many threads make no libtorch call of their own.
    readonly float[][] _testImages;

    /// <summary>POSTs <paramref name="body"/> as JSON and returns the status and the parsed answer.</summary>
    public async Task<(int Status, JsonElement Body)> Post(string path, object body)
    {
        using var response = await Client.PostAsJsonAsync(path, body, Wire);
        return ((int)response.StatusCode, await Parse(response));
    }

    /// <summary>POSTs <paramref name="text"/> as it is, for bodies no serializer would write.</summary>
    public async Task<(int Status, JsonElement Body)> PostRaw(string path, string text)
    {
        using var response = await Client.PostAsync(path, new StringContent(text, System.Text.Encoding.UTF8, "application/json"));
        return ((int)response.StatusCode, await Parse(response));
    }

    public async Task<(int Status, JsonElement Body)> Get(string path)
    {
        using var response = await Client.GetAsync(path);
        return ((int)response.StatusCode, await Parse(response));
    }

    static async Task<JsonElement> Parse(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/json", $"{(int)response.StatusCode} answered {response.Content.Headers.ContentType}: {text}");
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    /// <summary>The API's wire format: snake_case names, as docs/SERVE.md gives them.</summary>
    public static readonly JsonSerializerOptions Wire = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => e.GetSingle()).ToArray();

    public void Dispose()
    {
        Client.Dispose();
        Server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        LocalMlp.Dispose();
        LocalCnn.Dispose();
        Mnist.Dispose();
        _dir.Dispose();
    }
}
