using MnistLab.Data;

namespace MnistLab.Tests.Support;

/// <summary>Tiny hand-made data sets with known answers.</summary>
public static class Digits
{
    /// <summary>
    /// <paramref name="perClass"/> images of each of <paramref name="classes"/> classes; class k lights
    /// a 4x4 block in its own place, with seeded noise elsewhere, so the classes are linearly separable.
    /// </summary>
    public static (byte[] Pixels, byte[] Labels) Separable(int perClass, int classes = 10, int seed = 1)
    {
        var rng = new Random(seed);
        int n = perClass * classes;
        var pixels = new byte[n * 784];
        var labels = new byte[n];
        for (int i = 0; i < n; i++)
        {
            int k = i % classes;
            labels[i] = (byte)k;
            for (int p = 0; p < 784; p++) pixels[i * 784 + p] = (byte)rng.Next(0, 40);
            int r0 = 2 + (k / 5) * 12, c0 = 2 + (k % 5) * 5;
            for (int r = r0; r < r0 + 4; r++)
                for (int c = c0; c < c0 + 4; c++)
                    pixels[i * 784 + r * 28 + c] = 255;
        }
        return (pixels, labels);
    }

    public static LabeledImages SeparableSet(int perClass, int seed = 1)
    {
        var (p, l) = Separable(perClass, seed: seed);
        return LabeledImages.FromBytes(p, l, "separable");
    }

    /// <summary>Writes a small, valid MNIST-shaped set of four IDX files into <paramref name="dir"/>.</summary>
    public static void WriteIdxSet(string dir, int train = 50, int test = 20)
    {
        var (tp, tl) = Separable(train / 10, seed: 2);
        var (sp, sl) = Separable(test / 10, seed: 3);
        IdxFile.WriteImages(Path.Combine(dir, MnistFiles.TrainImagesFile.Name), new IdxImages(tp, tl.Length, 28, 28));
        IdxFile.WriteLabels(Path.Combine(dir, MnistFiles.TrainLabelsFile.Name), tl);
        IdxFile.WriteImages(Path.Combine(dir, MnistFiles.TestImagesFile.Name), new IdxImages(sp, sl.Length, 28, 28));
        IdxFile.WriteLabels(Path.Combine(dir, MnistFiles.TestLabelsFile.Name), sl);
    }
}
