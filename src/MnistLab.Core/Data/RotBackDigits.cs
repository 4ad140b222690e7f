using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Data;

/// <summary>
/// The rotated digit alone, without its background, for generated rotated-digits data: <see cref="RotBack.Generate"/>'s
/// random draws replayed in the same order from the same seeded stream (the permutation of the 70,000 digits, then per
/// chunk of 2,000 the angles and the background patches), so each test image's digit is rotated exactly as it was.
/// Every replayed digit is checked against the stored image, which is the pixel-wise maximum of digit and background:
/// the image can never be darker than its digit. A replay that fails the check returns null, never a wrong mask.
/// </summary>
public static class RotBackDigits
{
    const int Chunk = 2000;

    /// <summary>Test images <paramref name="start"/> .. start + count of the generated data: their rotated digits (count, 1, 28, 28), or null.</summary>
    public static Tensor? Test(Mnist mnist, RotBackOptions options, LabeledImages test, int start, int count)
    {
        using var scope = NewDisposeScope();
        var backgrounds = options.BackgroundsDir is null ? Textures.BuiltIn().unbind(0).ToList() : Textures.FromFolder(options.BackgroundsDir);
        using var g = Seeds.Generator(options.Seed, "rot-back");
        var all = cat([mnist.Train.Images, mnist.Test.Images], 0);
        var order = randperm(all.shape[0], generator: g, dtype: ScalarType.Int64);
        int n = options.TrainValidCount + options.TestCount;
        int first = options.TrainValidCount + start, last = first + count; // indices in the generated order
        var digits = new List<Tensor>();
        for (int c0 = 0; c0 < n && c0 < last; c0 += Chunk)
        {
            using var step = NewDisposeScope();
            int m = Math.Min(Chunk, n - c0);
            var angles = rand(m, generator: g).mul(2 * Math.PI);
            int lo = Math.Max(first, c0), hi = Math.Min(last, c0 + m);
            if (lo < hi)
            {
                var idx = order.narrow(0, lo, hi - lo);
                digits.Add(RotBack.Rotate(all.index_select(0, idx), angles.narrow(0, lo - c0, hi - lo)).MoveToOuterDisposeScope());
            }
            SkipPatches(backgrounds, m, options.MinPatchStd, g);
        }
        var rotated = cat(digits, 0);
        // The stored bytes are round(255 · max(digit, patch)) ≥ round(255 · digit).
        var stored = test.Images.narrow(0, start, count);
        bool consistent = (stored - rotated.clamp(0, 1)).min().item<float>() >= -1.01f / 255;
        return consistent ? rotated.MoveToOuterDisposeScope() : null;
    }

    /// <summary>The draws of <c>RotBack.Patches</c>: a background, a corner, a flat patch re-drawn, in that order.</summary>
    static void SkipPatches(List<Tensor> backgrounds, int count, double minStd, Generator g)
    {
        for (int i = 0; i < count; i++)
            for (int attempt = 0; attempt < 50; attempt++)
            {
                var bg = backgrounds[(int)randint(0, backgrounds.Count, [1], generator: g).item<long>()];
                long r = randint(0, bg.shape[0] - 27, [1], generator: g).item<long>();
                long c = randint(0, bg.shape[1] - 27, [1], generator: g).item<long>();
                if (bg.narrow(0, r, 28).narrow(1, c, 28).std().item<float>() >= minStd) break;
            }
    }
}
