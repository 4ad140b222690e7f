using System.Globalization;
using System.Text;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Import;
using MnistLab.Models;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Export;

/// <summary>
/// The activations of a model at one named point for a set of images, written as float32 .npy (first dimension the
/// image index, numpy.load reads it) or .csv (image, label, then one column per value), in batches so that memory
/// stays bounded whatever the layer's size.
/// </summary>
public static class ActivationExport
{
    /// <summary>Writes the activations at <paramref name="point"/> of the first <paramref name="count"/> images; returns the array's shape.</summary>
    public static long[] Write(LoadedModel model, LabeledImages images, int count, string point, string path,
        IProgressSink? progress = null, int batchSize = 500)
    {
        Require.InRange(count, 1, images.Count, "count");
        Activations.Find(model.Model, point);
        progress ??= ProgressSink.None;
        bool csv = path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
        long[] shape;
        using (var scope = NewDisposeScope())
        using (var first = Activations.Run(model.Model, model.Input(images.Images.narrow(0, 0, 1)), [point]))
            shape = [count, .. first[point].shape[1..]];
        long width = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        long[] labels = images.LabelArray();

        using var npy = csv ? null : new NpyWriter(path, shape);
        var text = csv ? new StringBuilder("image,label," + string.Join(',', Enumerable.Range(0, (int)width).Select(i => $"a{i}")) + "\n") : null;
        using (var task = progress.Start($"activations at {point}", count))
        {
            for (int start = 0; start < count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                int n = Math.Min(batchSize, count - start);
                using var cache = Activations.Run(model.Model, model.Input(images.Images.narrow(0, start, n)), [point]);
                var values = cache[point].to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
                if (npy is not null) npy.Append(values);
                else
                    for (int i = 0; i < n; i++)
                    {
                        text!.Append(CultureInfo.InvariantCulture, $"{start + i},{labels[start + i]}");
                        for (long j = 0; j < width; j++) text.Append(',').Append(values[i * width + j].ToString("R", CultureInfo.InvariantCulture));
                        text.Append('\n');
                    }
                task.Advance(n);
            }
        }
        if (npy is not null) npy.Complete();
        else AtomicFile.WriteAllText(path, text!.ToString());
        return shape;
    }
}
