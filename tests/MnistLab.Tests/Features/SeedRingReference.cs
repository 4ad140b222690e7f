namespace MnistLab.Tests.Features;

/// <summary>
/// Plain, obviously-correct references to check the fast implementation against: seed 000's
/// compute_ring_feature ported line by line (BFS from every border background pixel, 4-connected),
/// and a direct count of holes and 8-connected foreground components.
/// </summary>
static class SeedRingReference
{
    public static int Ring(float[] img, double threshold = 0.5)
    {
        const int h = 28, w = 28;
        var bg = new bool[h, w];
        for (int i = 0; i < h; i++) for (int j = 0; j < w; j++) bg[i, j] = !(img[i * w + j] > threshold);
        var visited = new bool[h, w];
        var dq = new Queue<(int, int)>();
        for (int i = 0; i < h; i++)
        {
            if (bg[i, 0] && !visited[i, 0]) { visited[i, 0] = true; dq.Enqueue((i, 0)); }
            if (bg[i, w - 1] && !visited[i, w - 1]) { visited[i, w - 1] = true; dq.Enqueue((i, w - 1)); }
        }
        for (int j = 0; j < w; j++)
        {
            if (bg[0, j] && !visited[0, j]) { visited[0, j] = true; dq.Enqueue((0, j)); }
            if (bg[h - 1, j] && !visited[h - 1, j]) { visited[h - 1, j] = true; dq.Enqueue((h - 1, j)); }
        }
        (int, int)[] offsets = [(1, 0), (-1, 0), (0, 1), (0, -1)];
        while (dq.Count > 0)
        {
            var (i, j) = dq.Dequeue();
            foreach (var (di, dj) in offsets)
            {
                int ni = i + di, nj = j + dj;
                if (ni >= 0 && ni < h && nj >= 0 && nj < w && bg[ni, nj] && !visited[ni, nj]) { visited[ni, nj] = true; dq.Enqueue((ni, nj)); }
            }
        }
        for (int i = 0; i < h; i++) for (int j = 0; j < w; j++) if (bg[i, j] && !visited[i, j]) return 1;
        return 0;
    }

    /// <summary>(holes, foreground components) by labelling every component with a plain BFS.</summary>
    public static (int Holes, int Foreground) Components(float[] img, double threshold = 0.5)
    {
        var fg = img.Select(v => v > threshold).ToArray();
        var label = new int[784];
        int holes = 0, foreground = 0, next = 0;
        for (int p = 0; p < 784; p++)
        {
            if (label[p] != 0) continue;
            next++;
            bool isFg = fg[p], touchesBorder = false;
            var queue = new Queue<int>([p]);
            label[p] = next;
            while (queue.Count > 0)
            {
                int q = queue.Dequeue(), r = q / 28, c = q % 28;
                if (r == 0 || c == 0 || r == 27 || c == 27) touchesBorder = true;
                for (int dr = -1; dr <= 1; dr++)
                    for (int dc = -1; dc <= 1; dc++)
                    {
                        if ((dr, dc) == (0, 0) || (!isFg && dr != 0 && dc != 0)) continue;
                        int rr = r + dr, cc = c + dc;
                        if (rr < 0 || cc < 0 || rr > 27 || cc > 27) continue;
                        int k = rr * 28 + cc;
                        if (label[k] == 0 && fg[k] == isFg) { label[k] = next; queue.Enqueue(k); }
                    }
            }
            if (isFg) foreground++;
            else if (!touchesBorder) holes++;
        }
        return (holes, foreground);
    }
}
