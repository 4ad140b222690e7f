using System.Diagnostics;
using System.Text.Json;
using MnistLab.Analysis.Verification;
using MnistLab.Cli;
using MnistLab.Export;
using MnistLab.Import;
using MnistLab.Tests.Import;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis.Verification;

/// <summary>MnistLab's IBP and CROWN margin bounds against the PyTorch peer (bench/peers/bounds_peer.py) on the fixture models.</summary>
[Collection(RealMnistCollection.Name)]
public class BoundsPeerTests(RealMnist mnist)
{
    static string Peer => Path.Combine(AppContext.BaseDirectory, "peers", "bounds_peer.py");

    [SkippableTheory]
    [InlineData("mlp", 20, 0.02)]
    [InlineData("cnn", 1, 0.01)]
    public void Margin_bounds_agree_with_the_pytorch_peer_to_1e_5(string fixture, int count, double eps)
    {
        Skip.IfNot(File.Exists("/usr/bin/python3"), "no /usr/bin/python3 here");
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        var test = mnist.Data.Test;
        var images = test.Images.narrow(0, 0, count);
        long[] labels = [.. test.Labels.narrow(0, 0, count).data<long>()];
        using (var w = new NpyWriter(dir.File("x.npy"), [count, 1, 28, 28])) { w.Append(images.contiguous().data<float>().ToArray()); w.Complete(); }
        using (var w = new NpyWriter(dir.File("y.npy"), [count])) { w.Append([.. labels.Select(l => (float)l)]); w.Complete(); }
        using var p = Process.Start(new ProcessStartInfo("/usr/bin/python3", [Peer, "--arch", ModelFixtures.File($"{fixture}.json"), "--weights", ModelFixtures.File($"{fixture}.pt"),
            "--images", dir.File("x.npy"), "--labels", dir.File("y.npy"), "--eps", $"{eps}", "--out", dir.File("peer.json")]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string said = p.StandardOutput.ReadToEnd(), error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Skip.If(error.Contains("No module named 'torch'") || error.Contains("No module named 'numpy'"), "torch or numpy is not installed for /usr/bin/python3");
        Assert.True(p.ExitCode == 0, error);

        string folder = dir.File(fixture);
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", ModelFixtures.File($"{fixture}.pt"), "--arch", ModelFixtures.File($"{fixture}.json"), "--no-fetch", "--out", folder]));
        using var model = LoadedModel.FromFolder(folder);
        var graph = BoundGraph.Of(model.Model);
        foreach (var (method, key) in new[] { (BoundMethod.Ibp, "ibp"), (BoundMethod.Crown, "crown") })
        {
            var peer = JsonDocument.Parse(File.ReadAllText(dir.File("peer.json"))).RootElement.GetProperty(key)
                .EnumerateArray().SelectMany(row => row.EnumerateArray().Select(v => v.GetDouble())).ToArray();
            for (int i = 0; i < count; i++)
            {
                var ours = graph.Margins(Interval.Ball(images[i], eps), (int)labels[i], method).Lower.Where((_, j) => j != labels[i]).ToArray();
                for (int j = 0; j < 9; j++)
                    Assert.True(Math.Abs(ours[j] - peer[i * 9 + j]) < 1e-5, $"{key}, image {i}, margin {j}: MnistLab {ours[j]}, peer {peer[i * 9 + j]}");
            }
        }
    }
}
