namespace MnistLab.Features;

/// <summary>
/// Which pixels of an image lie in an enclosed hole: background pixels (at or below the threshold) that a 4-connected
/// flood fill from the border does not reach, the pixels behind <see cref="Topology"/>'s ring bit and hole count.
/// </summary>
public static class HoleMask
{
    /// <summary>The hole pixels of a 28x28 image given row-major with values in [0, 1].</summary>
    public static bool[] Of(ReadOnlySpan<float> image, double threshold = Topology.DefaultThreshold, int side = 28)
    {
        if (image.Length != side * side) throw new ArgumentException($"expected {side * side} pixels, got {image.Length}.");
        var background = new bool[side * side];
        for (int p = 0; p < background.Length; p++) background[p] = image[p] <= threshold;
        var reached = new bool[side * side];
        var stack = new Stack<int>();
        for (int i = 0; i < side; i++)
            foreach (int p in new[] { i, (side - 1) * side + i, i * side, i * side + side - 1 })
                if (background[p] && !reached[p]) { reached[p] = true; stack.Push(p); }
        while (stack.Count > 0)
        {
            int p = stack.Pop(), r = p / side, c = p % side;
            foreach (var (rr, cc) in new[] { (r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1) })
            {
                if (rr < 0 || rr >= side || cc < 0 || cc >= side) continue;
                int q = rr * side + cc;
                if (background[q] && !reached[q]) { reached[q] = true; stack.Push(q); }
            }
        }
        return background.Select((b, p) => b && !reached[p]).ToArray();
    }
}
