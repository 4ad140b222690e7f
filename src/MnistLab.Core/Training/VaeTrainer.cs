using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Training;

/// <summary>Trains a <see cref="Vae"/> with Adam on the seed's loss; returns the mean loss per image of each epoch.</summary>
public static class VaeTrainer
{
    public const string Name = "vae";

    public static double[] Train(Vae model, LabeledImages data, double beta, TrainOptions options, IProgressSink? progress = null,
        Checkpointing? checkpoints = null)
    {
        options.Validated();
        progress ??= ProgressSink.None;
        using var optimizer = optim.Adam(model.parameters(), options.LearningRate);
        using var shuffle = TorchSetup.Generator(options.Seed);
        using var noise = TorchSetup.Generator(options.Seed + 1);
        var generators = new Dictionary<string, Generator> { ["shuffle"] = shuffle, ["noise"] = noise };
        int steps = Batches.CountOf(data.Count, options.BatchSize);
        var losses = new double[options.Epochs];
        int first = 1;
        if (checkpoints?.Resumable(Name, options.Epochs) is { } saved)
        {
            saved.Restore(model, optimizer, generators);
            double[] done = saved.State<double[]>();
            Array.Copy(done, losses, Math.Min(done.Length, losses.Length));
            first = saved.Header.Epoch + 1;
            progress.Info(saved.ResumeMessage);
        }
        model.train();
        for (int epoch = first; epoch <= options.Epochs; epoch++)
        {
            double sum = 0;
            int step = 0;
            using var task = progress.Start($"VAE epoch {epoch}/{options.Epochs}", steps);
            foreach (var (x, _) in Batches.Of(data, options.BatchSize, shuffle))
            {
                step++;
                optimizer.zero_grad();
                var loss = model.Loss(x, beta, noise);
                loss.backward();
                optimizer.step();
                float value = loss.item<float>();
                if (!float.IsFinite(value))
                    throw Trainer.NonFinite(Name, value, epoch, step, checkpoints);
                sum += value;
                if (step % 50 == 0 || step == steps) task.Advance(step % 50 == 0 ? 50 : step % 50, $"loss/image {sum / Math.Min(data.Count, step * options.BatchSize):F2}");
            }
            losses[epoch - 1] = sum / data.Count;
            progress.Info($"VAE epoch {epoch}: loss per image {losses[epoch - 1]:F2}");
            checkpoints?.Save(new TrainingState(Name, epoch, options.Epochs, new { options, beta }, losses[..epoch]), model, optimizer, generators);
        }
        return losses;
    }

    /// <summary>Latent means (N, d) in float64 of every image, in eval mode without gradients.</summary>
    public static double[,] LatentMeans(Vae model, LabeledImages data)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        return TensorData.Matrix(model.Encode(data.Images).Mu);
    }
}
