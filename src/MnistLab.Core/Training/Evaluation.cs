using MnistLab.Data;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Training;

/// <summary>A model's mean loss, accuracy and predicted class on a whole set.</summary>
public sealed record EvaluationResult(double Loss, double Accuracy, long[] Predictions);

public static class Evaluation
{
    /// <summary>Evaluates in eval mode under no_grad, in batches of <paramref name="batchSize"/>; restores the mode.</summary>
    public static EvaluationResult Run(Module<Tensor, Tensor> model, LabeledImages data, LossKind loss, int batchSize = 2000)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            double lossSum = 0;
            long correct = 0;
            var predictions = new long[data.Count];
            int offset = 0;
            foreach (var (x, y) in Batches.Of(data, batchSize, shuffle: null))
            {
                var logits = model.call(x);
                var predicted = logits.argmax(1);
                lossSum += Losses.Compute(loss, logits, y).item<float>() * y.shape[0];
                correct += predicted.eq(y).sum().item<long>();
                predicted.data<long>().CopyTo(predictions, offset);
                offset += (int)y.shape[0];
            }
            return new EvaluationResult(lossSum / data.Count, (double)correct / data.Count, predictions);
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
