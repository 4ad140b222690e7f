using System.Text.Json;
using MnistLab.Cli;
using MnistLab.Common;
using MnistLab.Models;
using MnistLab.Tests.Support;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Tests.Cli;

/// <summary><c>mnistlab serve</c> as a user starts it: the address it prints answers, Ctrl-C stops it cleanly, bad flags are usage errors.</summary>
public class ServeCommandTests
{
    [Fact]
    public async Task Serve_prints_its_address_answers_there_and_stops_cleanly_on_ctrl_c()
    {
        using var dir = new TempDir();
        string checkpoints = Path.Combine(dir.File("runs"), "one", "checkpoints");
        Directory.CreateDirectory(checkpoints);
        using (var g = Seeds.Generator(0, "serve-cli"))
        using (var model = new Mlp(new MlpSpec(Hidden: 8), g))
            Checkpoint.Write(Path.Combine(checkpoints, "mlp.ckpt"), null, new TrainingState("mlp", 1, 1, new TrainOptions(), new List<EpochMetrics>()), model, null, new Dictionary<string, Generator>());

        using var serve = ServeProcess.Start("--runs", dir.File("runs"), "--threads", "1");
        Assert.Contains("Serving 1 model(s) at http://127.0.0.1:", serve.Process.Output);
        using var models = JsonDocument.Parse(await serve.Client.GetStringAsync("/api/models"));
        Assert.Equal("runs/one/mlp", models.RootElement.GetProperty("models")[0].GetProperty("id").GetString());

        Assert.Equal(0, serve.Stop());
        Assert.Contains("Stopped.", serve.Process.Output);
    }

    [Fact]
    public void Listening_beyond_this_machine_is_said_on_start()
    {
        using var dir = new TempDir();
        using var p = CliProcess.Start("serve", "--runs", dir.Path, "--host", "0.0.0.0", "--port", "0", "--no-fetch");
        Assert.True(p.WaitUntil(() => p.Output.Contains("Serving 0 model(s) at http://localhost:"), TimeSpan.FromSeconds(60)), p.Output);
        Assert.Contains("warning: listening on 0.0.0.0: anyone who can reach this machine on that network can use the server", p.Words);
        Assert.Contains("No models to serve", p.Words);
        p.Interrupt();
        Assert.Equal(0, p.Wait(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Serve_has_help() => Assert.Equal(CliApp.Ok, CliApp.Run(["serve", "--help"]));

    [Theory]
    [InlineData("--port", "70000", "--port must be between 0 and 65535, got 70000")]
    [InlineData("--host", "example.org", "--host must be an IP address")]
    [InlineData("--runs", "/no/such/runs", "--runs: /no/such/runs: no such folder")]
    [InlineData("--models", "/no/such/models", "--models: /no/such/models: no such folder")]
    public void Bad_flags_are_usage_errors_named_by_the_flag(string flag, string value, string message)
    {
        using var p = CliProcess.Start("serve", flag, value, "--no-fetch");
        Assert.Equal(CliApp.Usage, p.Wait(TimeSpan.FromMinutes(1)));
        Assert.Contains(message, p.Words);
    }
}
