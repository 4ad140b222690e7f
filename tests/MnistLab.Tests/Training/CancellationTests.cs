using MnistLab.Common;
using MnistLab.Models;
using MnistLab.Tests.Support;
using MnistLab.Training;

namespace MnistLab.Tests.Training;

/// <summary>Every training stops when cancelled (Ctrl-C) and keeps the checkpoint of its last finished epoch.</summary>
public class CancellationTests
{
    /// <summary>Requests cancellation when the loop starts the epoch whose label contains <paramref name="label"/>.</summary>
    sealed class CancelAt(string label, CancellationTokenSource cancel) : IProgressSink
    {
        public IProgressTask Start(string description, double total)
        {
            if (description.Contains(label)) cancel.Cancel();
            return ProgressSink.None.Start(description, total);
        }

        public void Info(string message) { }
    }

    [Fact]
    public void A_cancelled_vae_training_stops_in_its_epoch_and_keeps_the_checkpoint_before_it()
    {
        using var dir = new TempDir();
        using var data = Digits.SeparableSet(4);
        using var vae = new Vae(4);
        using var cancel = new CancellationTokenSource();
        var store = new Checkpointing(dir.File("ckpt"), CheckpointMode.Fresh);
        var options = new TrainOptions { Epochs = 3, BatchSize = 16 };
        Assert.Throws<OperationCanceledException>(() =>
            VaeTrainer.Train(vae, data, beta: 1, options, new CancelAt("epoch 2/3", cancel), store, cancel.Token, seed: 1));
        Assert.Equal(1, Checkpoint.Read(store.PathOf(VaeTrainer.Name)).Header.Epoch);
    }

    [Fact]
    public void A_cancelled_local_layer_training_stops_in_its_epoch_and_keeps_the_checkpoint_before_it()
    {
        using var dir = new TempDir();
        using var data = Digits.SeparableSet(4);
        using var layer = new LocalLayer(784, 6);
        using var cancel = new CancellationTokenSource();
        var store = new Checkpointing(dir.File("ckpt"), CheckpointMode.Fresh);
        var o = new LocalMiOptions { EpochsPerLayer = 3, BatchSize = 16 };
        Assert.Throws<OperationCanceledException>(() =>
            LocalMiRule.TrainLayer(layer, data, 1, o, new CancelAt("epoch 2/3", cancel), "layer1", store, cancel.Token, seed: 1));
        Assert.Equal(1, Checkpoint.Read(store.PathOf("layer1")).Header.Epoch);
    }
}
