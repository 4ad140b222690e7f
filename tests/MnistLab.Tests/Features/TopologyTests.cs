using MnistLab.Features;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Features;

public class TopologyTests
{
    /// <summary>Draws a 28x28 image from rows of text: '#' is 1.0, '.' is 0, '5' is exactly 0.5.</summary>
    static float[] Draw(params string[] rows)
    {
        var img = new float[784];
        for (int r = 0; r < rows.Length; r++)
            for (int c = 0; c < rows[r].Length; c++)
                img[(r + 4) * 28 + c + 8] = rows[r][c] switch { '#' => 1f, '5' => 0.5f, _ => 0f };
        return img;
    }

    static float[] DrawAt(int top, int left, params string[] rows)
    {
        var img = new float[784];
        for (int r = 0; r < rows.Length; r++)
            for (int c = 0; c < rows[r].Length; c++)
                img[(r + top) * 28 + c + left] = rows[r][c] == '#' ? 1f : 0f;
        return img;
    }

    static TopologyFeatures Of(params float[][] images)
    {
        using var t = tensor(images.SelectMany(x => x).ToArray(), [images.Length, 1, 28, 28]);
        return Topology.Compute(t);
    }

    static readonly float[] Zero = Draw(".####.", "#....#", "#....#", "#....#", ".####.");
    static readonly float[] Eight = Draw(".###.", "#...#", ".###.", "#...#", ".###.");
    static readonly float[] One = Draw("..#", ".##", "..#", "..#", "..#");

    [Fact]
    public void A_zero_has_one_hole_an_eight_two_and_a_one_none()
    {
        var f = Of(Zero, Eight, One);
        Assert.Equal([1, 1, 0], f.Ring);
        Assert.Equal([1, 2, 0], f.Holes);
        Assert.Equal([0, -1, 1], f.Euler); // one component minus its holes
    }

    [Fact]
    public void A_loop_broken_by_a_one_pixel_gap_has_no_hole()
    {
        var f = Of(Draw(".####.", "#....#", "#.....", "#....#", ".####."));
        Assert.Equal(0, f.Ring[0]);
        Assert.Equal(1, f.Euler[0]);
    }

    [Fact]
    public void A_loop_touching_the_border_encloses_nothing_on_that_side()
    {
        // A U shape whose open side is the image border: the border closes nothing.
        var f = Of(DrawAt(0, 0, "#.....#", "#.....#", "#.....#", "#######"));
        Assert.Equal(0, f.Ring[0]);
        // The same U one pixel in from the border, still open at the top: no hole either.
        Assert.Equal(0, Of(DrawAt(1, 1, "#.....#", "#.....#", "#######")).Ring[0]);
        // Closed against the border rows by its own pixels it does enclose one.
        Assert.Equal(1, Of(DrawAt(0, 0, "#######", "#.....#", "#######")).Ring[0]);
    }

    [Fact]
    public void A_diagonal_only_gap_in_a_stroke_does_not_let_4_connected_background_through()
    {
        // The ring is closed only diagonally at two corners: 4-connected background cannot cross a diagonal.
        var f = Of(Draw("..###.", ".#...#", "#....#", "#...#.", ".###.."));
        Assert.Equal(1, f.Ring[0]);
        Assert.Equal(1, f.Holes[0]);
        Assert.Equal(0, f.Euler[0]); // one 8-connected stroke, one hole
    }

    [Fact]
    public void A_pixel_of_exactly_one_half_is_background()
    {
        // The only pixel closing the loop is exactly 0.5: not foreground (> 0.5), so no hole.
        var f = Of(Draw(".####.", "#....#", "#....5", "#....#", ".####."));
        Assert.Equal(0, f.Ring[0]);
        Assert.Equal(1, Of(Draw(".####.", "#....#", "#....#", "#....#", ".####.")).Ring[0]);
    }

    [Fact]
    public void An_empty_image_and_a_full_one_have_no_hole()
    {
        var full = Enumerable.Repeat(1f, 784).ToArray();
        var f = Of(new float[784], full);
        Assert.Equal([0, 0], f.Ring);
        Assert.Equal([0, 1], f.Euler);
    }

    [Fact]
    public void Agrees_with_plain_flood_fills_on_many_random_images()
    {
        var rng = new Random(42);
        var images = Enumerable.Range(0, 3000).Select(k =>
        {
            double density = 0.2 + 0.6 * rng.NextDouble(); // sparse to dense: few to many holes
            return Enumerable.Range(0, 784).Select(_ => rng.NextDouble() < density ? (float)rng.NextDouble() * 0.5f + 0.5f : (float)rng.NextDouble() * 0.5f).ToArray();
        }).ToArray();
        var f = Of(images);
        for (int i = 0; i < images.Length; i++)
        {
            var (holes, fg) = SeedRingReference.Components(images[i]);
            Assert.Equal(SeedRingReference.Ring(images[i]), f.Ring[i]);
            Assert.Equal(holes, f.Holes[i]);
            Assert.Equal(fg - holes, f.Euler[i]);
        }
        Assert.Contains(f.Holes, h => h >= 3); // the random set does exercise many holes
    }
}

[Collection(RealMnistCollection.Name)]
public class TopologyOnRealMnistTests(RealMnist mnist)
{
    [Fact]
    public void The_ring_agrees_with_the_seeds_definition_on_all_70000_images()
    {
        foreach (var set in new[] { mnist.Data.Train, mnist.Data.Test })
        {
            var fast = Topology.Compute(set.Images);
            var pixels = set.Images.reshape(set.Count, 784).data<float>().ToArray();
            int disagree = Enumerable.Range(0, set.Count)
                .AsParallel()
                .Count(i => SeedRingReference.Ring(pixels.AsSpan(i * 784, 784).ToArray()) != fast.Ring[i]);
            Assert.Equal(0, disagree);
        }
    }
}
