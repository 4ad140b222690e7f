using MnistLab.Analysis.Causal;
using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis.Causal;

/// <summary>The pairs made from the concepts, on drawn shapes whose loops and distances are known.</summary>
public class PatchPairsTests
{
    /// <summary>A square outline from (r0, c0) of side <paramref name="side"/>; <paramref name="open"/> leaves its top edge out (a U, no loop).</summary>
    static float[] Square(int r0, int c0, int side, bool open)
    {
        var p = new float[784];
        for (int k = 0; k < side; k++)
        {
            if (!open) p[r0 * 28 + c0 + k] = 1;
            p[(r0 + side - 1) * 28 + c0 + k] = 1;
            p[(r0 + k) * 28 + c0] = 1;
            p[(r0 + k) * 28 + c0 + side - 1] = 1;
        }
        return p;
    }

    [Fact]
    public void Closed_4s_are_paired_with_the_nearest_open_4_and_other_digits_are_ignored()
    {
        float[][] shapes =
        [
            Square(4, 4, 10, open: false),   // 0: a closed 4
            Square(4, 14, 10, open: true),   // 1: an open 4, far to the right
            Square(4, 5, 10, open: true),    // 2: an open 4 one column from image 0
            Square(10, 16, 10, open: false), // 3: a closed 4 that overlaps image 1 only
            Square(4, 4, 10, open: false),   // 4: a closed 7: not a 4
            Square(4, 4, 10, open: true),    // 5: an open 7 exactly under image 0: not a 4
        ];
        int[] labels = [4, 4, 4, 4, 7, 7];
        using var images = tensor(shapes.SelectMany(s => s).ToArray(), [6, 1, 28, 28]);
        using var pairs = PatchPairs.Make(PatchPairs.Closed4, images, 10, labels: labels);
        Assert.Equal([0, 3], pairs.CleanIndex);
        Assert.Equal([2, 1], pairs.CorruptIndex);
        Assert.True(pairs.Clean[0].equal(images[0]).all().item<bool>());
        Assert.True(pairs.Corrupt[1].equal(images[1]).all().item<bool>());

        using var one = PatchPairs.Make(PatchPairs.Closed4, images, 1, labels: labels);
        Assert.Equal([0], one.CleanIndex);
    }

    [Fact]
    public void Images_without_both_kinds_of_4_are_refused_with_the_counts()
    {
        using var images = tensor(Square(4, 4, 10, open: false).Concat(Square(4, 4, 10, open: true)).ToArray(), [2, 1, 28, 28]);
        var e = Assert.Throws<InvalidOptionException>(() => PatchPairs.Make(PatchPairs.Closed4, images, 10, labels: [4, 9]));
        Assert.Contains("1 closed and 0 open 4s", e.Message);
    }
}
