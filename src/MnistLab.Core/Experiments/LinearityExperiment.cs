using MnistLab.Analysis;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Models;
using MnistLab.Reports;
using MnistLab.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Experiments;

/// <summary>One model's outcome in the linearity experiment.</summary>
public sealed record LinearityModelResult(
    string Key, string Title, double TestAcc, TrainingHistory History, double TrainSeconds,
    ConfusionMatrix Confusion, float[][]? Templates);

public sealed record LinearityResult(LinearityOptions Options, IReadOnlyList<LinearityModelResult> Models);

/// <summary>
/// Seed 003, "limits of linearity": (a) linear 784-10 trained with MSE between softmax and one-hot,
/// (b) linear 784-10 with cross-entropy, (c) MLP 784-256-10 with ReLU and cross-entropy. Each is trained
/// on 55,000 images, validated on 5,000 each epoch, and tested on the 10,000 test images.
/// </summary>
public static class LinearityExperiment
{
    sealed record Spec(string Key, string Title, LossKind Loss, Func<LinearityOptions, Module<Tensor, Tensor>> Create);

    static readonly Spec[] Specs =
    [
        new("linear_mse", "Linear + MSE(softmax, one-hot)", LossKind.SoftmaxMse, _ => new LinearClassifier()),
        new("linear_ce", "Linear + cross-entropy", LossKind.CrossEntropy, _ => new LinearClassifier()),
        new("mlp_ce", "MLP 784-256-10 ReLU + cross-entropy", LossKind.CrossEntropy, o => new Mlp(hidden: o.MlpHidden)),
    ];

    public static LinearityResult Run(Mnist mnist, LinearityOptions options, IProgressSink? progress = null, Checkpointing? checkpoints = null)
    {
        options.Validated();
        progress ??= ProgressSink.None;

        // Data: the seed's 55,000 / 5,000 split of the training set, seeded.
        var (train, validation) = Splits.TrainValidation(mnist.Train, options.ValidationSize, options.Train.Seed);
        using var _train = train;
        using var _validation = validation;
        long[] testLabels = mnist.Test.LabelArray();

        var results = new List<LinearityModelResult>();
        foreach (var spec in Specs.Where(s => options.Models.Contains(s.Key)))
        {
            // Model: every model starts from the same seed, so each is reproducible on its own.
            manual_seed(options.Train.Seed);
            using var model = spec.Create(options);

            // Train, then test on all 10,000 test images.
            var history = Trainer.Train(model, train, validation, spec.Loss, options.Train, progress, spec.Key, checkpoints: checkpoints);
            var test = Evaluation.Run(model, mnist.Test, spec.Loss);

            // Analyse: confusions, and the class templates of the linear models.
            var confusion = ConfusionMatrix.Compute(testLabels, test.Predictions);
            float[][]? templates = model is LinearClassifier linear ? TensorData.Rows(linear.Weight) : null;
            results.Add(new LinearityModelResult(spec.Key, spec.Title, test.Accuracy, history, history.Seconds, confusion, templates));
            progress.Info($"{spec.Key}: test accuracy {test.Accuracy:P2}");
        }
        return new LinearityResult(options, results);
    }

    /// <summary>Writes metrics.json, report.md and the figures into <paramref name="outDir"/>, all or nothing.</summary>
    public static void WriteReport(LinearityResult result, RunInfo info, string outDir) =>
        LinearityReport.Write(result, info, outDir);

}
