using MnistLab.Common;
using MnistLab.Models;
using MnistLab.Tests.Support;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Tests.Common;

public class SeedsTests
{
    /// <summary>The streams a run draws from (trainings' init, shuffle, noise; the split; replicates).</summary>
    static readonly string[] Streams =
    [
        "split", "linear_ce/init", "linear_ce/shuffle", "mlp_ce/init", "mlp_ce/shuffle", "vae/init", "vae/shuffle", "vae/noise",
        "resnet/init", "resnet/shuffle", "resnet/noise", "ridge/folds", "replicate/1", "replicate/2", "rot-back",
    ];

    [Fact]
    public void No_two_streams_of_neighbouring_seeds_coincide()
    {
        var all = Enumerable.Range(0, 100).SelectMany(seed => Streams.Select(s => Seeds.Derive(seed, s))).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        // The defect this replaces: the VAE's noise was seed + 1, which is the next seed's shuffle.
        Assert.NotEqual(Seeds.Derive(0, "vae/noise"), Seeds.Derive(1, "vae/shuffle"));
    }

    [Fact]
    public void A_stream_is_the_same_for_the_same_seed_and_name()
    {
        Assert.Equal(Seeds.Derive(42, "mlp_ce/init"), Seeds.Derive(42, "mlp_ce/init"));
        using var a = Seeds.Generator(42, "x");
        using var b = Seeds.Generator(42, "x");
        using var ra = rand([5], generator: a);
        using var rb = rand([5], generator: b);
        Assert.True(ra.eq(rb).all().item<bool>());
        Assert.InRange(Seeds.Replicate(7, 1), 0, long.MaxValue);
    }

    [Fact]
    public void A_managed_stream_draws_what_its_hand_written_seeding_drew()
    {
        // Shuffles and resamples (probe splits, ridge folds, bootstraps) keep their numbers: the same 31 bits of the same stream.
        foreach (var (seed, stream) in new[] { (0L, "probe/split"), (7L, "ridge/folds"), (123456789L, "bootstrap/ring_gain_mlp") })
        {
            var by = Seeds.Random(seed, stream);
            var before = new Random((int)(Seeds.Derive(seed, stream) & int.MaxValue));
            Assert.Equal(Enumerable.Range(0, 20).Select(_ => before.Next()), Enumerable.Range(0, 20).Select(_ => by.Next()));
        }
    }

    [Fact]
    public void Initial_weights_do_not_depend_on_the_global_generator()
    {
        float[] Weights(ulong global)
        {
            manual_seed((long)global);
            using var init = Seeds.Generator(3, "mlp/init");
            using var model = new Mlp(new MlpSpec(Hidden: 8), init);
            return model.Weight1.data<float>().ToArray();
        }
        Assert.Equal(Weights(1), Weights(99));
    }
}

/// <summary>Runs trainings beside code that uses the global generator, so it must not share the process with other tests.</summary>
[Collection(SerialCollection.Name)]
public class IndependentRunsTests
{
    static float[] TrainResNetOnce()
    {
        using var data = Digits.SeparableSet(3);
        using var init = Seeds.Generator(5, "resnet/init");
        using var model = new RotResNet(init); // dropout: the one layer that draws while training
        Trainer.Train(model, data, null, LossKind.CrossEntropy, new TrainOptions { Epochs = 2, BatchSize = 10 }, name: "resnet", seed: 5);
        using var scope = NewDisposeScope();
        return model.ConvWeights()[^1].Weight.detach().flatten().data<float>().ToArray();
    }

    [Fact]
    public async Task Two_runs_in_one_process_do_not_disturb_each_other_through_the_global_generator()
    {
        var alone = TrainResNetOnce();
        using var stop = new CancellationTokenSource();
        // Another "run" in the same process keeps reseeding and drawing from the global generator.
        var other = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                manual_seed(123);
                using var _ = rand(1000);
            }
        });
        var beside = TrainResNetOnce();
        stop.Cancel();
        await other;
        Assert.Equal(alone, beside);
    }
}
