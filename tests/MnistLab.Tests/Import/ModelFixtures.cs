using MnistLab.Data;
using MnistLab.Import;
using static TorchSharp.torch;

namespace MnistLab.Tests.Import;

/// <summary>The models written by tests/fixtures/make_models.py with Debian's PyTorch, and PyTorch's own outputs for them.</summary>
public static class ModelFixtures
{
    public static string File(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "models", name);

    /// <summary>PyTorch's logits of the fixture <paramref name="model"/> for all 10,000 test images.</summary>
    public static NpyArray Logits(string model) => NpyReader.Read(File($"{model}.logits.npy"));

    /// <summary>The model's outputs (flattened per image) for the first <paramref name="count"/> images, as PyTorch would compute them from the same folder.</summary>
    public static float[] Outputs(LoadedModel loaded, LabeledImages images, int count)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var rows = new List<Tensor>();
        for (int start = 0; start < count; start += 1000)
        {
            int n = Math.Min(1000, count - start);
            rows.Add(loaded.Model.call(loaded.Input(images.Images.narrow(0, start, n))).reshape(n, -1));
        }
        return cat(rows, 0).contiguous().data<float>().ToArray();
    }

    /// <summary>The row-wise argmax of a (rows, width) array.</summary>
    public static int[] Argmax(float[] values, int width) =>
        Enumerable.Range(0, values.Length / width).Select(r =>
        {
            int best = 0;
            for (int j = 1; j < width; j++) if (values[r * width + j] > values[r * width + best]) best = j;
            return best;
        }).ToArray();
}
