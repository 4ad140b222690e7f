using MnistLab.Common;
using MnistLab.Models;
using static TorchSharp.torch;
using Activations = MnistLab.Models.Activations;

namespace MnistLab.Analysis.Dictionaries;

/// <summary>
/// What one feature does to the model's logits, averaged over the test images where it fires (anywhere in the image, for
/// a conv point): <see cref="Measured"/> is the logits with the reconstruction spliced in minus the logits with the same
/// reconstruction less this feature's part (its code times its direction), so it is what the feature adds;
/// <see cref="Linearised"/> is the first-order estimate of the same, the gradient of each logit at the model's own
/// activation dotted with the feature's part. The two agree where the rest of the network is linear.
/// </summary>
public sealed record FeatureEffect(int Feature, int Images, double[] Measured, double[] Linearised)
{
    /// <summary>The class whose logit the feature raises most (by the measurement), and by how much.</summary>
    public (int Class, double Effect) Strongest => Images == 0 ? (-1, 0) : Enumerable.Range(0, Measured.Length).Select(k => (k, Measured[k])).MaxBy(t => t.Item2);
}

public static class FeatureEffects
{
    /// <summary>Each feature of <paramref name="features"/> on the first <paramref name="images"/> test images of <paramref name="point"/>'s model.</summary>
    public static IReadOnlyList<FeatureEffect> Compute(SparseAutoencoder dictionary, PointRows point, IReadOnlyList<int> features, int images, int batchImages,
        IProgressSink? progress = null)
    {
        progress ??= ProgressSink.None;
        var model = point.Model.Model;
        int n = Math.Min(images, point.TestItems);
        int classes = -1;
        double[,] measured = new double[features.Count, 0], linear = new double[features.Count, 0];
        var fired = new int[features.Count];
        using var task = progress.Start($"each of {features.Count} features removed from the reconstruction", n);
        for (int start = 0; start < n; start += batchImages)
        {
            int m = Math.Min(batchImages, n - start);
            using var step = NewDisposeScope();
            var raw = point.Test.Images.narrow(0, start, m);
            var x = point.Model.Input(raw);
            Tensor codes, whole, logits;
            using (no_grad())
            {
                var activation = point.Activation(raw);
                codes = dictionary.Encode(point.ToRows(activation));
                whole = point.FromRows(dictionary.Decode(codes)).to_type(activation.dtype);
                logits = Activations.RunWith(model, x, point.Point, Replacement.With(whole)).to_type(ScalarType.Float64);
            }
            if (classes < 0)
            {
                classes = (int)logits.shape[1];
                (measured, linear) = (new double[features.Count, classes], new double[features.Count, classes]);
            }
            // d logit_k / d activation at the model's own activation, one backward pass per class.
            var gradients = Enumerable.Range(0, classes).Select(k =>
            {
                using var g = Activations.Gradient(model, x, point.Point, output => output.select(1, k));
                return g.Gradient.detach().clone();
            }).ToList();
            using (no_grad())
            {
                var perImage = codes.reshape(m, point.RowsPerItem, dictionary.Width);
                for (int i = 0; i < features.Count; i++)
                {
                    int f = features[i];
                    using var inner = NewDisposeScope();
                    var fires = perImage.select(2, f).gt(0).any(1); // (m): the feature fires somewhere in the image
                    int count = (int)fires.sum().item<long>();
                    if (count == 0) continue;
                    fired[i] += count;
                    // The feature's part of the reconstruction: its code times its direction, back in the point's shape.
                    var part = point.FromRows(codes.narrow(1, f, 1).matmul(dictionary.Decoder.narrow(0, f, 1))).to_type(whole.dtype);
                    var without = Activations.RunWith(model, x, point.Point, Replacement.With(whole - part)).to_type(ScalarType.Float64);
                    var effect = (logits - without).index_select(0, fires.nonzero().flatten()).sum(0, keepdim: false).data<double>().ToArray();
                    for (int k = 0; k < classes; k++)
                    {
                        measured[i, k] += effect[k];
                        linear[i, k] += (gradients[k] * part).reshape(m, -1).sum(1).to_type(ScalarType.Float64).masked_select(fires).sum().item<double>();
                    }
                }
            }
            task.Advance(m);
        }
        return [.. features.Select((f, i) => new FeatureEffect(f, fired[i],
            [.. Enumerable.Range(0, Math.Max(classes, 0)).Select(k => fired[i] == 0 ? 0 : measured[i, k] / fired[i])],
            [.. Enumerable.Range(0, Math.Max(classes, 0)).Select(k => fired[i] == 0 ? 0 : linear[i, k] / fired[i])]))];
    }
}
