namespace MnistLab.Data;

/// <summary>
/// A drawing made the way MNIST's digits were made from NIST's (LeCun, Cortes and Burges): the ink's bounding box scaled,
/// aspect ratio kept, to fit a 20x20 box (averaging the area each new pixel covers, which gives the grey edges of
/// anti-aliasing), then placed in a 28x28 field so that its centre of mass sits at the field's centre.
/// </summary>
public static class MnistStyle
{
    public const int Box = 20, Side = 28;

    /// <summary>
    /// The 28x28 image (784 values in [0, 1], row by row) of a square drawing of <paramref name="side"/> x
    /// <paramref name="side"/> values in [0, 1], row by row, ink high. A drawing without ink gives a blank image.
    /// </summary>
    public static float[] FromDrawing(ReadOnlySpan<float> drawing, int side)
    {
        if (side < 1 || drawing.Length != side * side) throw new ArgumentException($"a {side}x{side} drawing has {side * side} values, got {drawing.Length}.");
        int x0 = side, x1 = -1, y0 = side, y1 = -1;
        for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++)
                if (drawing[y * side + x] > 0)
                {
                    x0 = Math.Min(x0, x); x1 = Math.Max(x1, x);
                    y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
                }
        var image = new float[Side * Side];
        if (x1 < 0) return image;

        int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
        double scale = (double)Box / Math.Max(bw, bh);
        int w = Math.Clamp((int)Math.Round(bw * scale), 1, Box), h = Math.Clamp((int)Math.Round(bh * scale), 1, Box);
        var columns = AreaWeights(bw, w);
        var rows = AreaWeights(bh, h);

        // Separable area averaging: each row of the box resampled to w columns, then each column to h rows.
        var wide = new double[bh, w];
        for (int y = 0; y < bh; y++)
            for (int tx = 0; tx < w; tx++)
            {
                double v = 0;
                foreach (var (sx, weight) in columns[tx]) v += weight * drawing[(y0 + y) * side + x0 + sx];
                wide[y, tx] = v;
            }
        var small = new double[h, w];
        double mass = 0, mx = 0, my = 0;
        for (int ty = 0; ty < h; ty++)
            for (int tx = 0; tx < w; tx++)
            {
                double v = 0;
                foreach (var (sy, weight) in rows[ty]) v += weight * wide[sy, tx];
                v = Math.Clamp(v, 0, 1);
                small[ty, tx] = v;
                mass += v; mx += v * tx; my += v * ty;
            }

        // Whole-pixel shift that brings the centre of mass nearest the centre (13.5, 13.5), the box kept inside the field.
        double cx = mass > 0 ? mx / mass : (w - 1) / 2.0, cy = mass > 0 ? my / mass : (h - 1) / 2.0;
        int ox = Math.Clamp((int)Math.Round((Side - 1) / 2.0 - cx), 0, Side - w);
        int oy = Math.Clamp((int)Math.Round((Side - 1) / 2.0 - cy), 0, Side - h);
        for (int ty = 0; ty < h; ty++)
            for (int tx = 0; tx < w; tx++)
                image[(oy + ty) * Side + ox + tx] = (float)small[ty, tx];
        return image;
    }

    /// <summary>
    /// For each of <paramref name="to"/> target cells over <paramref name="from"/> source cells, the source cells it covers
    /// and the share of the target cell each covers (the shares of a cell sum to 1).
    /// </summary>
    static List<(int Source, double Weight)>[] AreaWeights(int from, int to)
    {
        var weights = new List<(int, double)>[to];
        double width = (double)from / to; // source cells per target cell
        for (int t = 0; t < to; t++)
        {
            weights[t] = [];
            double start = t * width, end = (t + 1) * width;
            for (int s = (int)Math.Floor(start); s < Math.Min(from, (int)Math.Ceiling(end)); s++)
            {
                double overlap = Math.Min(end, s + 1) - Math.Max(start, s);
                if (overlap > 1e-12) weights[t].Add((s, overlap / width));
            }
        }
        return weights;
    }
}
