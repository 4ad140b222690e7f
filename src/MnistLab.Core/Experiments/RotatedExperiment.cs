using MnistLab.Analysis;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Models;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Experiments;

/// <param name="RelativeChange">||W_trained - W_init|| / ||W_init||: how far training moved this layer's filters.</param>
public sealed record LayerFilters(string Layer, FilterDiversityResult Init, FilterDiversityResult Trained, double RelativeChange);

public sealed record RotatedResult(
    RotatedOptions Options, string Source, int TrainCount, int ValCount, int TestCount, double[] LabelHistogram,
    TrainingHistory History, double TestAcc, ConfusionMatrix Confusion, double LinearTestAcc, IReadOnlyList<LayerFilters> Filters,
    float[][] FirstLayerFilters, float[][] Samples, long[] SampleLabels, long[] SamplePredictions, float[][] Activations);

/// <summary>
/// Seed 001: the seed's ResNet on rotated digits over textured backgrounds, validated on the whole validation
/// set and tested on the whole test set, then the question the seed asked and left open: are the filters of
/// each convolution diverse or redundant, and how did training change that?
/// </summary>
public static class RotatedExperiment
{
    public static RotatedResult Run(RotBack data, RotatedOptions options, IProgressSink? progress = null, Checkpointing? checkpoints = null)
    {
        options.Validated();
        progress ??= ProgressSink.None;

        // Data: a seeded 80/20 split of train+valid; the test set whole.
        int valCount = (int)Math.Round(data.TrainValid.Count * options.ValidationFraction);
        var (train, val) = Splits.TrainValidation(data.TrainValid, valCount, options.Train.Seed);
        using var _train = train;
        using var _val = val;
        long[] labels = data.TrainValid.LabelArray();
        var histogram = Enumerable.Range(0, 10).Select(c => (double)labels.Count(l => l == c) / labels.Length).ToArray();

        // Model, with its filters measured before any training.
        manual_seed(options.Train.Seed);
        using var model = new RotResNet();
        var init = model.ConvWeights().Select(c => (c.Name, FilterDiversity.Compute(c.Weight))).ToList();
        var initWeights = model.ConvWeights().Select(c => c.Weight.detach().clone().DetachFromDisposeScope()).ToList();

        // Train; validate on the whole validation set each epoch; test on the whole test set.
        var history = Trainer.Train(model, train, val, LossKind.CrossEntropy, options.Train, progress, "resnet", checkpoints: checkpoints);
        var test = Evaluation.Run(model, data.Test, LossKind.CrossEntropy, options.Train.EvalBatchSize);
        var confusion = ConfusionMatrix.Compute(data.Test.LabelArray(), test.Predictions);
        var filters = model.ConvWeights().Select((c, i) =>
        {
            using var scope = NewDisposeScope();
            double change = (c.Weight.detach() - initWeights[i]).norm().item<float>() / initWeights[i].norm().item<float>();
            return new LayerFilters(c.Name, init[i].Item2, FilterDiversity.Compute(c.Weight), change);
        }).ToList();
        initWeights.ForEach(w => w.Dispose());

        // The baseline the ResNet has to beat: a linear model on the same pixels.
        manual_seed(options.Train.Seed);
        using var linear = new LinearClassifier();
        Trainer.Train(linear, train, null, LossKind.CrossEntropy, new TrainOptions { Epochs = options.LinearEpochs, BatchSize = 128, Seed = options.Train.Seed }, progress, "linear", checkpoints: checkpoints);
        double linearAcc = Evaluation.Run(linear, data.Test, LossKind.CrossEntropy).Accuracy;
        progress.Info($"ResNet test accuracy {test.Accuracy:P2}; linear {linearAcc:P2}");

        var (first, samples, activations) = Pictures(model, data.Test);
        return new RotatedResult(options, data.Source, train.Count, val.Count, data.Test.Count, histogram, history, test.Accuracy, confusion,
            linearAcc, filters, first, samples, data.Test.LabelArray()[..samples.Length], test.Predictions[..samples.Length], activations);
    }

    public static void WriteReport(RotatedResult result, RunInfo info, string outDir) => RotatedReport.Write(result, info, outDir);

    /// <summary>The first layer's filters, 20 test images, and the first 8 channels of each block for test image 0.</summary>
    static (float[][], float[][], float[][]) Pictures(RotResNet model, LabeledImages test)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        var first = model.ConvWeights()[0].Weight;
        var filters = Enumerable.Range(0, (int)first.shape[0]).Select(i => first[i].reshape(-1).data<float>().ToArray()).ToArray();
        var samples = Enumerable.Range(0, Math.Min(20, test.Count)).Select(i => test.Images[i].reshape(-1).data<float>().ToArray()).ToArray();
        var maps = new List<float[]>();
        foreach (var block in model.Features(test.Images.narrow(0, 0, 1)))
        {
            int side = (int)block.shape[2], repeat = 28 / side;
            for (int ch = 0; ch < 8; ch++)
            {
                // Nearest-neighbour upsampling to 28x28 and scaling to [0, 1], only for display.
                var m = block[0, ch].repeat_interleave(repeat, 0).repeat_interleave(repeat, 1);
                m = (m - m.min()) / (m.max() - m.min() + 1e-6);
                maps.Add(m.reshape(-1).data<float>().ToArray());
            }
        }
        return (filters, samples, maps.ToArray());
    }
}
