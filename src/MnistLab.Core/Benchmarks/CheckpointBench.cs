using System.Diagnostics;
using MnistLab.Common;
using MnistLab.Models;
using MnistLab.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Benchmarks;

/// <summary>
/// What a checkpoint costs: saving (serialise, SHA-256, write, fsync, rename) and reading back (verify,
/// restore) the largest models with their Adam state, and that save as a share of one training epoch.
/// </summary>
static class CheckpointBench
{
    public static Dictionary<string, object?> Run(double? resnetImagesPerSecond, int epochImages, IProgressSink progress, int repeats = 5)
    {
        progress.Info("checkpoint save and restore ...");
        string dir = Directory.CreateTempSubdirectory("mnistlab-bench-").FullName;
        try
        {
            var result = new Dictionary<string, object?>();
            using var init = Seeds.Generator(0, "bench/checkpoints");
            using (var resnet = new RotResNet(init))
            {
                var m = Measure(resnet, randn([8, 1, 28, 28], generator: init), dir, repeats);
                // One epoch of the rotated experiment at the throughput measured in this run.
                if (resnetImagesPerSecond is > 0) m["save_share_of_resnet_epoch"] = (double)m["save_seconds"]! / (epochImages / resnetImagesPerSecond.Value);
                result["resnet"] = m;
            }
            using (var mlp = new Mlp(new MlpSpec(), init))
                result["mlp_784_256_10"] = Measure(mlp, rand([8, 1, 28, 28], generator: init), dir, repeats);
            return result;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    static Dictionary<string, object?> Measure(Module<Tensor, Tensor> model, Tensor x, string dir, int repeats)
    {
        using var optimizer = optim.Adam(model.parameters());
        using (var scope = NewDisposeScope())
        {
            // One step, so Adam's moments exist and are saved as in a real run.
            model.call(x).sum().backward();
            optimizer.step();
        }
        using var shuffle = new Generator(1);
        var generators = new Dictionary<string, Generator> { ["shuffle"] = shuffle };
        string path = Path.Combine(dir, "bench.ckpt");
        var save = new List<double>();
        var load = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            Checkpoint.Write(path, null, new TrainingState("bench", 1, 2, new { }, new[] { 1.0 }), model, optimizer, generators);
            save.Add(clock.Elapsed.TotalSeconds);
            clock.Restart();
            Checkpoint.Read(path).Restore(model, optimizer, generators);
            load.Add(clock.Elapsed.TotalSeconds);
        }
        return new Dictionary<string, object?>
        {
            ["bytes"] = new FileInfo(path).Length,
            ["save_seconds"] = Stats.Median(save),
            ["read_and_restore_seconds"] = Stats.Median(load),
        };
    }
}
