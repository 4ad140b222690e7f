using MnistLab.Common;
using MnistLab.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using Activations = MnistLab.Models.Activations;

namespace MnistLab.Analysis.Dictionaries;

/// <summary>The model's test figures with its point replaced one way: accuracy, mean cross-entropy to the labels, mean KL to its own outputs.</summary>
public sealed record SplicedOutputs(string Replacement, double Accuracy, double CrossEntropy, double Kl);

/// <summary>
/// What the model does when the point's activation is replaced by the dictionary's reconstruction (spliced in with
/// <see cref="Activations.RunWith"/>), beside the model as it is and the two ablations that bound it: zero (every value
/// 0) and mean (every value its mean over the test images). KL is KL(p_model ‖ p_replaced) of the softmax outputs, in
/// nats, averaged over the images. <see cref="LossRecovered"/> is the share of the cross-entropy lost to zero ablation
/// that the reconstruction gives back: (CE_zero − CE_dictionary) / (CE_zero − CE_model).
/// </summary>
public sealed record SpliceMetrics(int Images, SplicedOutputs Model, SplicedOutputs Dictionary, SplicedOutputs Zero, SplicedOutputs Mean)
{
    public double LossRecovered => (Zero.CrossEntropy - Dictionary.CrossEntropy) / (Zero.CrossEntropy - Model.CrossEntropy);

    public IReadOnlyList<SplicedOutputs> All => [Model, Dictionary, Zero, Mean];

    /// <summary>Runs the test images of <paramref name="point"/> through its model four ways; <paramref name="dictionary"/> works in the point's units.</summary>
    public static SpliceMetrics Compute(SparseAutoencoder dictionary, PointRows point, int batchImages, IProgressSink? progress = null)
    {
        progress ??= ProgressSink.None;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var model = point.Model.Model;
        var images = point.Test.Images;
        var labels = point.Test.Labels;
        int n = point.TestItems;

        // The mean ablation's value: each value of the point averaged over the test images (first pass).
        Tensor mean;
        using (var task = progress.Start("mean activation of the test images", n))
        {
            Tensor? sum = null;
            for (int start = 0; start < n; start += batchImages)
            {
                int m = Math.Min(batchImages, n - start);
                using var step = NewDisposeScope();
                var batchSum = point.Activation(images.narrow(0, start, m)).to_type(ScalarType.Float64).sum(0, keepdim: true);
                if (sum is null) sum = batchSum.MoveToOuterDisposeScope();
                else sum.add_(batchSum);
                task.Advance(m);
            }
            mean = (sum! / n).to_type(ScalarType.Float32);
        }

        var totals = new double[4, 3]; // model, dictionary, zero, mean × correct, cross-entropy, KL
        using (var task = progress.Start("the model with the reconstruction spliced in", n))
            for (int start = 0; start < n; start += batchImages)
            {
                int m = Math.Min(batchImages, n - start);
                using var step = NewDisposeScope();
                var x = point.Model.Input(images.narrow(0, start, m));
                var y = labels.narrow(0, start, m);
                var activation = point.Activation(images.narrow(0, start, m));
                var reconstruction = point.FromRows(dictionary.forward(point.ToRows(activation))).to_type(activation.dtype);
                var original = Attribution.ModelCalls.InEval(model, () => model.call(x)); // dropout off, batch norm on its running statistics, as RunWith runs it
                Tensor[] outputs =
                [
                    original,
                    Activations.RunWith(model, x, point.Point, Replacement.With(reconstruction)),
                    Activations.RunWith(model, x, point.Point, Replacement.Zero),
                    Activations.RunWith(model, x, point.Point, Replacement.With(mean)),
                ];
                var reference = functional.log_softmax(original.to_type(ScalarType.Float64), 1);
                for (int k = 0; k < outputs.Length; k++)
                {
                    var logp = functional.log_softmax(outputs[k].to_type(ScalarType.Float64), 1);
                    totals[k, 0] += outputs[k].argmax(1).eq(y).sum().item<long>();
                    totals[k, 1] += functional.nll_loss(logp, y, reduction: Reduction.Sum).item<double>();
                    totals[k, 2] += (reference.exp() * (reference - logp)).sum().item<double>();
                }
                task.Advance(m);
            }
        SplicedOutputs Row(int k, string name) => new(name, totals[k, 0] / n, totals[k, 1] / n, totals[k, 2] / n);
        return new SpliceMetrics(n, Row(0, "model"), Row(1, "dictionary"), Row(2, "zero"), Row(3, "mean"));
    }
}
