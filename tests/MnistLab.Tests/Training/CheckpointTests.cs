using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Models;
using MnistLab.Tests.Support;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Tests.Training;

public class CheckpointTests
{
    static readonly TrainOptions Options = new() { Epochs = 4, BatchSize = 16, LearningRate = 0.01 };
    const long Seed = 5;

    /// <summary>Trains an MLP on the toy set; a progress sink can stop it (as a kill would) after a given epoch.</summary>
    static (float[] Weights, TrainingHistory History) Train(Checkpointing? checkpoints, int? stopAfterEpoch = null)
    {
        using var train = Digits.SeparableSet(6, seed: 1);
        using var val = Digits.SeparableSet(2, seed: 2);
        manual_seed(5);
        using var model = new Mlp(hidden: 12);
        using var cancel = new CancellationTokenSource();
        var sink = new StopAfter(stopAfterEpoch, cancel);
        var history = Trainer.Train(model, train, val, LossKind.CrossEntropy, Options, sink, "mlp", checkpoints: checkpoints, cancel: cancel.Token, seed: Seed);
        return (model.Weight1.data<float>().ToArray(), history);
    }

    /// <summary>Requests cancellation when the trainer reports the end of a given epoch (before its checkpoint is written).</summary>
    sealed class StopAfter(int? epoch, CancellationTokenSource cancel) : IProgressSink
    {
        public IProgressTask Start(string description, double total) => ProgressSink.None.Start(description, total);
        public void Info(string message)
        {
            if (epoch is { } e && message.StartsWith($"mlp epoch {e}:")) cancel.Cancel();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void A_resumed_training_ends_exactly_as_an_uninterrupted_one(int stoppedAfter)
    {
        using var dir = new TempDir();
        var (expected, expectedHistory) = Train(null);

        var store = new Checkpointing(dir.File("ckpt"), CheckpointMode.Fresh);
        Assert.Throws<OperationCanceledException>(() => Train(store, stopAfterEpoch: stoppedAfter));
        var saved = Checkpoint.Read(store.PathOf("mlp"));
        Assert.Equal(stoppedAfter, saved.Header.Epoch);
        Assert.Equal(Options.LearningRate, saved.Header.TrainingOptions.GetProperty("learning_rate").GetDouble()); // the file says how it was trained

        var (resumed, history) = Train(new Checkpointing(dir.File("ckpt"), CheckpointMode.Resume));
        Assert.Equal(expected, resumed); // bit for bit: weights, Adam's moments and the shuffle all restored
        Assert.Equal(expectedHistory.TrainLoss, history.TrainLoss);
        Assert.Equal(expectedHistory.ValAcc, history.ValAcc);
        Assert.Equal(Options.Epochs, Checkpoint.Read(store.PathOf("mlp")).Header.Epoch);
    }

    [Fact]
    public void Load_only_restores_a_finished_training_without_training()
    {
        using var dir = new TempDir();
        var (trained, history) = Train(new Checkpointing(dir.Path, CheckpointMode.Fresh));
        var before = File.GetLastWriteTimeUtc(Path.Combine(dir.Path, "mlp.ckpt"));
        var (loaded, loadedHistory) = Train(new Checkpointing(dir.Path, CheckpointMode.LoadOnly));
        Assert.Equal(trained, loaded);
        Assert.Equal(history.TrainLoss, loadedHistory.TrainLoss);
        Assert.Equal(before, File.GetLastWriteTimeUtc(Path.Combine(dir.Path, "mlp.ckpt")));
    }

    [Fact]
    public void Load_only_refuses_an_unfinished_or_missing_training()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<MnistLabException>(() => Train(new Checkpointing(dir.Path, CheckpointMode.LoadOnly)));
        Assert.Contains("no checkpoint for 'mlp'", e.Message);
        Assert.Throws<OperationCanceledException>(() => Train(new Checkpointing(dir.Path, CheckpointMode.Fresh), stopAfterEpoch: 2));
        e = Assert.Throws<MnistLabException>(() => Train(new Checkpointing(dir.Path, CheckpointMode.LoadOnly)));
        Assert.Contains("stopped after epoch 2 of 4", e.Message);
    }

    [Fact]
    public void Resuming_with_other_options_is_refused()
    {
        using var dir = new TempDir();
        var a = RunDescription.Of("toy", new { lr = 0.01 }, new { data = "x" });
        var b = RunDescription.Of("toy", new { lr = 0.02 }, new { data = "x" });
        Assert.True(a.SameAs(RunDescription.Of("toy", new { lr = 0.01 }, new { data = "x" })));
        Assert.Throws<OperationCanceledException>(() => Train(new Checkpointing(dir.Path, CheckpointMode.Fresh, a), stopAfterEpoch: 1));
        var e = Assert.Throws<InvalidOptionException>(() => Train(new Checkpointing(dir.Path, CheckpointMode.Resume, b)));
        Assert.Contains("other options", e.Message);
    }

    [Fact]
    public void A_non_finite_loss_names_epoch_and_step_and_keeps_the_last_good_checkpoint()
    {
        using var dir = new TempDir();
        using var train = Digits.SeparableSet(6, seed: 1);
        manual_seed(5);
        using var model = new LinearClassifier();
        var store = new Checkpointing(dir.Path, CheckpointMode.Fresh);
        int calls = 0, perEpoch = Batches.CountOf(train.Count, Options.BatchSize);
        // Step 2 of epoch 3 gets a NaN added to its loss.
        Trainer.LossTerm poison = _ => ++calls == 2 * perEpoch + 2 ? tensor(float.NaN) : zeros(1);
        var e = Assert.Throws<MnistLabException>(() =>
            Trainer.Train(model, train, null, LossKind.CrossEntropy, Options, null, "linear", poison, store, seed: Seed));
        Assert.Contains("epoch 3, step 2", e.Message);
        Assert.Contains("checkpoint of epoch 2 is kept", e.Message);
        Assert.Equal(2, Checkpoint.Read(store.PathOf("linear")).Header.Epoch);
    }

    [Fact]
    public void Training_names_become_safe_file_names()
    {
        Assert.Equal("mlp_pixels_ring_a_0.001_seed_0.ckpt", Checkpointing.FileName("mlp pixels+ring a=0.001 seed 0"));
        Assert.Equal("_.._etc_passwd.ckpt", Checkpointing.FileName("/../etc/passwd"));
    }

    [Fact]
    public void Thousands_of_random_mutations_are_each_refused_with_the_file_named()
    {
        using var dir = new TempDir();
        string path = dir.File("linear.ckpt");
        manual_seed(1);
        using (var model = new LinearClassifier(20, 3))
        using (var optimizer = optim.Adam(model.parameters()))
        using (var g = new Generator(7))
            Checkpoint.Write(path, null, new TrainingState("linear", 1, 2, new { lr = 0.001 }, new[] { 0.5 }), model, optimizer, new Dictionary<string, Generator> { ["shuffle"] = g });
        byte[] original = File.ReadAllBytes(path);
        Assert.Equal(1, Checkpoint.Read(path).Header.Epoch);

        var rng = new Random(42);
        string mutant = dir.File("mutant.ckpt");
        for (int i = 0; i < 3000; i++)
        {
            byte[] bytes = Mutations.Apply(original, rng);
            if (bytes.AsSpan().SequenceEqual(original)) continue;
            File.WriteAllBytes(mutant, bytes);
            var e = Assert.Throws<DataFormatException>(() => Checkpoint.Read(mutant));
            Assert.StartsWith(mutant, e.Message);
        }
    }
}
